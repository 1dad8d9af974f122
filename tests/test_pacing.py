"""The pacer's windows on the injected clock: what it lets out, and when the next slot opens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.pacing import GLOBAL_LIMIT, GROUP_LIMIT, PRIVATE_LIMIT, Pacer
from reception.clock import ManualClock


def _pacer() -> tuple[Pacer, ManualClock]:
    clock = ManualClock(datetime(2026, 12, 3, 9, tzinfo=UTC))
    return Pacer(now=clock.now), clock


def test_a_private_chat_gets_a_burst_then_waits_for_the_window() -> None:
    pacer, clock = _pacer()
    count, window = PRIVATE_LIMIT
    assert all(pacer.reserve(42) is None for _ in range(count))
    wait = pacer.reserve(42)
    assert wait is not None and timedelta(seconds=window - 0.01) < wait <= timedelta(seconds=window + 0.01)
    clock.advance(wait)
    assert pacer.reserve(42) is None


def test_a_group_gets_twenty_a_minute() -> None:
    pacer, clock = _pacer()
    count, _ = GROUP_LIMIT
    for _ in range(count):
        assert pacer.reserve(-100) is None
        clock.advance(seconds=0.1)  # spread out, to stay under the overall limit
    assert pacer.reserve(-100) is not None
    assert pacer.reserve(-200) is None  # another group has its own window


def test_available_counts_what_the_overall_limit_still_lets_out() -> None:
    pacer, clock = _pacer()
    count, window = GLOBAL_LIMIT
    assert pacer.available() == (count, timedelta(0))
    for chat in range(1, 11):
        pacer.reserve(chat)
    assert pacer.available()[0] == count - 10
    for chat in range(11, count + 1):
        pacer.reserve(chat)
    room, wait = pacer.available()
    assert room == 0 and timedelta(0) < wait <= timedelta(seconds=window + 0.01)
    clock.advance(wait)
    assert pacer.available()[0] == count
