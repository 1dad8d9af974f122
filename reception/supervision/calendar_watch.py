"""Next year's holidays: December's reminder while they are guessed, and the import of the
State Council's notice once it is out.

The State Council announces next year's holiday arrangement in November or December. Until
the office has it (a chinese-calendar upgrade, the notice imported with ``minyuan calendar
import``, or the days in ``deadlines.extra_holidays`` / ``extra_workdays``), deadlines that
reach into next year are provisional, so every active administrator is reminded each week
of December.

An import stores the notice's days (storage.calendar), hands them to the running calendar,
and moves every open petition's deadlines and reminders that the new days change: the office
time still left before each one under the old calendar is counted again under the new one
(clock-hour limits do not depend on the calendar and stay). Each moved petition gets a
timeline event and its cards are refreshed; the other processes pick the days up with
``refresh_official_days`` (a job of the bot's).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from reception import texts
from reception.deadlines.notice import Notice, parse_notice
from reception.deps import Deps
from reception.handling.lifecycle import Lifecycle
from reception.petition import outbox
from reception.petition.cards import fmt_time
from reception.petition.events import Actor, Note, record
from reception.petition.states import OPEN_STATUSES, Cards
from storage import calendar as calendar_rows
from storage import queries
from storage.db import transaction
from storage.models import Petition

log = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class CalendarImport:
    notice: Notice
    moved: list[str]  # numbers of the open petitions whose deadlines moved


def import_notice(deps: Deps, text: str, *, year: int | None = None, dry_run: bool = False) -> CalendarImport:
    """Import the notice's days and move the open petitions' deadlines they change.

    With ``dry_run`` nothing is stored and nothing moves; the result says what would.
    Raises InvalidInput when the text cannot be read as a notice.
    """
    notice = parse_notice(text, year=year)
    now = deps.clock.now()
    calendar = deps.deadlines.calendar
    days = {day: (False, name) for day, name in notice.days_off.items()}
    days.update({day: (True, name) for day, name in notice.workdays.items()})
    moved: list[str] = []
    lifecycle = Lifecycle(deps)
    with transaction(deps.engine) as session:
        petitions = queries.open_petitions_due_after(session, statuses=list(OPEN_STATUSES), after=now)
        left = {p.id: _office_time_left(deps, p, now) for p in petitions}
        calendar_rows.replace_year(session, notice.year, days, now=now)
        official = calendar_rows.official_days(session)
        previous = calendar.official_days
        calendar.use_official(official)
        for petition in petitions:
            changes = _recount(deps, petition, left[petition.id], now)
            if not changes:
                continue
            moved.append(petition.number)
            if dry_run:
                continue
            for column, value in changes.items():
                setattr(petition, column, value)
            tz = deps.settings.tz
            record(session, petition, action=Note.CALENDAR, actor=Actor.system(), at=now,
                   year=notice.year, text=texts.CALENDAR_MOVED_NOTE.format(
                       year=notice.year, respond=fmt_time(petition.respond_due, tz),
                       resolve=fmt_time(petition.resolve_due, tz)))
            lifecycle.refresh(session, petition, Cards.EVERYWHERE)
        if dry_run:
            calendar.use_official(previous)
            session.rollback()
    if not dry_run:
        log.info("calendar %s imported from the notice: %s days off, %s make-up days; "
                 "%s open petitions' deadlines moved", notice.year, len(notice.days_off),
                 len(notice.workdays), len(moved))
    return CalendarImport(notice=notice, moved=moved)


def refresh_official_days(deps: Deps) -> bool:
    """Hand the calendar the days imported so far (by this or another process); returns
    whether they changed."""
    with transaction(deps.engine) as session:
        official = calendar_rows.official_days(session)
    return deps.deadlines.calendar.use_official(official)


_CLOCKS = (("respond_due", "respond_remind_at", "respond"), ("resolve_due", "resolve_remind_at", "resolve"))


def _office_time_left(deps: Deps, petition: Petition, now: datetime) -> dict[str, float]:
    """Office seconds from now to each future deadline and reminder the calendar governs."""
    calendar = deps.deadlines.calendar
    limits = deps.deadlines.policy.limits_for(urgent=petition.urgent, complex=petition.complex,
                                              category=petition.category)
    left: dict[str, float] = {}
    for due_column, remind_column, clock in _CLOCKS:
        if clock == "respond" and petition.first_response_at is not None:
            continue
        if getattr(limits, clock).unit == "h":
            continue  # clock hours run round the calendar
        for column in (due_column, remind_column):
            at = getattr(petition, column)
            if at is not None and at > now:
                left[column] = calendar.working_seconds_between(now, at)
    return left


def _recount(deps: Deps, petition: Petition, left: dict[str, float], now: datetime) -> dict[str, datetime]:
    """The new instants of the deadlines whose office time left the new days changed."""
    calendar = deps.deadlines.calendar
    changes = {}
    for column, seconds in left.items():
        at = getattr(petition, column)
        if abs(calendar.working_seconds_between(now, at) - seconds) < 1:
            continue  # no day between now and then changed
        moved = calendar.add_working_hours(now, seconds / 3600)
        opening = calendar.is_office_time(at) and not calendar.is_office_time(at - timedelta(seconds=1))
        if opening and not calendar.is_office_time(moved):
            # It stood at an opening (a count begun at 08:30): the same office time ends at
            # the previous closing, which is the same moment for the office; keep the opening.
            moved = calendar.next_office_start(moved)
        changes[column] = moved
    return changes
