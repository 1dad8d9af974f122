"""The imported official calendar days (`minyuan calendar import`). Never commits."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy import delete, extract, insert, select
from sqlmodel import Session

from storage.models import CalendarDay
from storage.tables import table_of

_days = table_of(CalendarDay).c


def official_days(session: Session) -> dict[date, bool]:
    """Every imported day: True for a make-up working day, False for a day off."""
    return {day: workday for day, workday in session.execute(select(_days.day, _days.workday))}


def replace_year(session: Session, year: int, days: Mapping[date, tuple[bool, str]], *,
                 now: datetime) -> None:
    """Make ``days`` (day -> (workday, festival)) the year's imported arrangement; an earlier
    import of the same year is replaced as a whole. Days of the year before (元旦 may begin
    on 31 December) are replaced one by one."""
    session.execute(delete(table_of(CalendarDay)).where(extract("year", _days.day) == year))
    session.execute(delete(table_of(CalendarDay)).where(_days.day.in_(list(days))))
    if days:
        session.execute(insert(table_of(CalendarDay)), [
            {"day": day, "workday": workday, "name": name, "imported_at": now}
            for day, (workday, name) in sorted(days.items())])
