"""End-to-end fixtures: the real Application over HTTP against the emulator.

Every test that runs the bot through ``harness`` ends with a privacy scan: each message the
bot left in a group (its latest text or caption, edits included) must carry no unmasked
mobile number and no ID-card number. The terminal summary says how many were scanned.
"""

from __future__ import annotations

import re

import pytest

from bot.harness import Harness
from tests.office import open_office

PHONE = re.compile(r"(?<![\d*])1[3-9]\d{9}(?![\d*])")
ID_NUMBER = re.compile(r"(?<![\d*])\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])\d{2}\d{3}[\dXx](?![\d*])")
SCANNED = {"messages": 0, "tests": 0, "leaks": 0}


def unmasked_in_groups(emulator) -> list[str]:
    """Group messages of the bot carrying a phone or ID number in the clear."""
    found = []
    for chat in emulator.chats():
        if chat.type == "private":
            continue
        for message in emulator.bot_messages(chat.id):
            SCANNED["messages"] += 1
            text = " ".join(filter(None, (message.text, message.html)))
            for pattern in (PHONE, ID_NUMBER):
                if (match := pattern.search(text)) is not None:
                    found.append(f"{chat.title or chat.id}: {match.group(0)} in {text[:120]!r}")
    return found


@pytest.fixture
async def harness(config, clock):
    async with Harness(config=config, clock=clock) as running:
        yield running
        SCANNED["tests"] += 1
        leaks = unmasked_in_groups(running.emulator)
        SCANNED["leaks"] += len(leaks)
        assert not leaks, "unmasked personal data in group messages:\n" + "\n".join(leaks)


def pytest_terminal_summary(terminalreporter) -> None:
    if SCANNED["tests"]:
        terminalreporter.write_line(
            f"privacy scan: {SCANNED['messages']} bot messages in groups over "
            f"{SCANNED['tests']} end-to-end tests, {SCANNED['leaks']} with an unmasked phone "
            "or ID number")


@pytest.fixture
async def office(harness):
    return await open_office(harness)


@pytest.fixture
async def resident(office):
    """A resident of 红旗社区 who came through the stairwell QR code."""
    user = office.emu.add_user(first_name="王芳", last_name=None)
    await office.say(user, user.id, "/start hongqi")
    return user
