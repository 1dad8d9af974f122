"""Pace sends below Telegram's flood limits, so a burst is spread out, not refused.

Telegram documents (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this)
about one message per second in a chat (short bursts allowed), 20 messages per minute in a
group, and about 30 messages per second overall. Each is a sliding window here. Time comes
from the injected clock, so tests move it instead of sleeping.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta

# (messages, per seconds) — the emulator's flood limits (tgemu) model the same numbers.
PRIVATE_LIMIT = (10, 10.0)  # 1/s on average, a burst of ten allowed
GROUP_LIMIT = (20, 60.0)
GLOBAL_LIMIT = (30, 1.0)


class Pacer:
    def __init__(self, *, now: Callable[[], datetime]) -> None:
        self._now = now
        self._chats: dict[int, deque[datetime]] = {}
        self._all: deque[datetime] = deque()

    def reserve(self, chat_id: int) -> timedelta | None:
        """Take a slot for one send to ``chat_id`` now; or, without taking one, how long
        until a slot is free."""
        now = self._now()
        count, window = PRIVATE_LIMIT if chat_id > 0 else GROUP_LIMIT
        chat = self._chats.setdefault(chat_id, deque())
        wait = max(_wait(chat, count, window, now), _wait(self._all, *GLOBAL_LIMIT, now))
        if wait > timedelta(0):
            return wait
        chat.append(now)
        self._all.append(now)
        return None


    def available(self) -> tuple[int, timedelta]:
        """How many sends the overall limit allows now, and (when none) how long until one
        is: the delivery claims no more than it may send, instead of claiming a backlog only
        to put most of it back."""
        now = self._now()
        wait = _wait(self._all, *GLOBAL_LIMIT, now)
        return GLOBAL_LIMIT[0] - len(self._all), wait


def _wait(sent: deque[datetime], count: int, window: float, now: datetime) -> timedelta:
    span = timedelta(seconds=window)
    while sent and sent[0] <= now - span:
        sent.popleft()
    if len(sent) < count:
        return timedelta(0)
    return sent[0] + span - now + timedelta(milliseconds=1)
