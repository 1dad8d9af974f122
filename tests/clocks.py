"""Time helpers every test shares: instants in Beijing time, as the office lives them."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")

# Monday 23 November 2026, 09:00 in Shanghai: a working day, inside office hours.
MONDAY_MORNING = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def bj(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """A Beijing-time instant."""
    return datetime(year, month, day, hour, minute, second, tzinfo=BEIJING)
