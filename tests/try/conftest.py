"""`minyuan try` in a real browser: the trial's bot, emulator and web chat in the test's loop."""

from __future__ import annotations

import pytest

from bot.demo import START
from bot.harness import Harness
from bot.trial import Trial, TrialClock
from tests.browser import browser, page  # noqa: F401  (fixtures)
from tgemu import BotApiEmulator
from tgemu.webchat import WebChat


@pytest.fixture
async def trial(config):
    """The demo's community on the emulator, behind the web chat; the clock moves only by jumps."""
    clock = TrialClock(START, ticking=False)
    async with BotApiEmulator(clock=clock) as emu:
        harness = Harness(config=config, clock=clock)
        try:
            await harness.start(emulator=emu)
            running = Trial(harness, clock)
            await running.cast()
            async with WebChat(emu, title="民愿接待室 · 试用", clock=running,
                               layout=lambda: running.sections, timezone="Asia/Shanghai") as chat:
                running.url = chat.url
                yield running
        finally:
            await harness.stop()
