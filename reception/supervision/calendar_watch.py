"""December's reminder that next year's holidays are still guessed.

The State Council announces next year's holiday arrangement in November or December. Until
the office has it (a chinese-calendar upgrade, or the days in ``deadlines.extra_holidays`` /
``extra_workdays``), deadlines that reach into next year are provisional, so every active
administrator is reminded each week of December.
"""

from __future__ import annotations

from datetime import date

from reception import texts
from reception.deps import Deps
from reception.petition import outbox
from storage import queries
from storage.db import transaction


def remind_if_next_year_provisional(deps: Deps) -> int:
    """In December, queue the reminder to every active administrator when next year's calendar
    is provisional; return how many were queued (0 outside December or once it is official)."""
    now = deps.clock.now()
    today = now.astimezone(deps.settings.tz).date()
    next_year = today.year + 1
    if today.month != 12 or not deps.deadlines.calendar.is_provisional(date(next_year, 6, 1)):
        return 0
    text = texts.CALENDAR_PROVISIONAL.format(year=next_year)
    with transaction(deps.engine) as session:
        admins = queries.active_admin_chat_ids(session)
        for chat_id in admins:
            outbox.message(session, chat_id=chat_id, text=text, now=now)
    return len(admins)
