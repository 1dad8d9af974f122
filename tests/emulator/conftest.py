"""Fixtures: an emulator on a manual clock, and the tiny bot long-polling it over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from telegram.ext import Application

from reception.clock import ManualClock
from tests.emulator.tinybot import build_app
from tgemu import BotApiEmulator

START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _ptb_time_periods_as_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22 emits PTBDeprecationWarning whenever a time period (RetryAfter.retry_after,
    # Voice.duration, ...) is read as an int; filterwarnings=error would turn that into a
    # failure inside PTB itself. Opting in to timedelta is PTB's documented way out.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def emu(clock: ManualClock) -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(clock=clock, bot_username="minyuan_bot") as emulator:
        yield emulator


@pytest.fixture
async def app(emu: BotApiEmulator) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """The tiny bot, long-polling the emulator."""
    application = build_app(emu)
    await application.initialize()
    await application.start()
    await application.updater.start_polling(timeout=timedelta(seconds=5))
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
