"""End-to-end fixtures: the real Application over HTTP against the emulator."""

from __future__ import annotations

import pytest

from bot.harness import Harness
from tests.office import open_office


@pytest.fixture
async def harness(config, clock):
    async with Harness(config=config, clock=clock) as running:
        yield running


@pytest.fixture
async def office(harness):
    return await open_office(harness)


@pytest.fixture
async def resident(office):
    """A resident of 红旗社区 who came through the stairwell QR code."""
    user = office.emu.add_user(first_name="王芳", last_name=None)
    await office.say(user, user.id, "/start hongqi")
    return user
