"""China's working-day calendar and office hours, for counting petition deadlines.

Working days follow the official State Council calendar through the ``chinesecalendar``
package: statutory holidays are off and make-up workdays (调休, a Saturday or Sunday worked
to bridge a holiday) are on. The package only knows the years it was released for and
raises ``NotImplementedError`` for later ones, so the calendar takes two config lists,
``deadlines.extra_holidays`` and ``deadlines.extra_workdays``, that override it.

A year the package does not know is *provisional*: its statutory festivals come from the
``holidays`` package, which computes them (Spring Festival and the other lunar dates included)
with the days off it expects, and the rest counts Monday to Friday. The State Council
announces the real arrangement, make-up Saturdays included, only in November or December, so
a provisional deadline may move by a day or two; ``is_provisional`` says which days are
guessed, and one ``logging.WARNING`` per such year names the year and both config keys. It
never raises.

A year counts as *configured* as soon as either list holds one of its dates: the operator has
taken over, so it is no longer provisional and its unlisted days count Monday to Friday.
The same holds for a year whose official arrangement an administrator imported from the
State Council's notice (``minyuan calendar import``, kept in the database): ``use_official``
hands those days over; the config lists still win over them.

Counting rules (the way a 12345-hotline office counts; see ``reception.deadlines.calculator`` too):

- Office time is the union of the ``office_hours`` intervals on working days, in the local
  zone ``tz``. Intervals are half-open: 08:30 is inside, 12:00 and 17:30 are outside.
- ``add_working_days(start, n)``: the count starts at ``next_office_start(start)``, so a
  petition received in the evening, at the weekend, on a holiday or in the lunch break
  counts from the next opening (08:30, or 13:30 after lunch). The result is that anchor's
  local clock time on the n-th following working day. It therefore always lands inside
  office hours.
- ``add_working_hours(start, h)``: the instant at which ``h`` hours of office time have
  passed since ``start``. It may be a closing time exactly (12:00, 17:30): that is the
  moment the last office second is used.
- ``working_seconds_between(a, b)``: office seconds in ``[a, b)``.
- ``workdays_between(a, b)``: working days ``d`` with ``a < d <= b``, so that
  ``add_working_days`` from a day ``a`` lands on the day ``b`` with
  ``workdays_between(a, b) == n``.

All datetimes in and out are aware; results are in UTC. Naive datetimes raise ``ValueError``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import chinese_calendar
import holidays

logger = logging.getLogger(__name__)

DEFAULT_OFFICE_HOURS: tuple[tuple[time, time], ...] = (
    (time(8, 30), time(12, 0)),
    (time(13, 30), time(17, 30)),
)

# The longest official break is nine days; a year without a working day means the
# configured extras switched everything off, and searching on would never end.
_MAX_DAYS_WITHOUT_WORK = 366
_OFFICIAL_YEAR_MIN_DAYS = 5  # a notice lists at least the seven festivals' days off


class WorkCalendar:
    """Working days and office hours in one local time zone."""

    def __init__(
        self,
        *,
        tz: str = "Asia/Shanghai",
        office_hours: Sequence[tuple[time, time]] = DEFAULT_OFFICE_HOURS,
        extra_holidays: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
    ) -> None:
        """Raise ``ValueError`` for an unknown zone, bad office hours or bad extra dates."""
        try:
            self._zone = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {tz!r}") from exc
        self._office_hours = _checked_office_hours(office_hours)
        self._extra_holidays = _checked_dates(extra_holidays, "extra_holidays")
        self._extra_workdays = _checked_dates(extra_workdays, "extra_workdays")
        both = self._extra_holidays & self._extra_workdays
        if both:
            listed = ", ".join(sorted(day.isoformat() for day in both))
            raise ValueError(f"dates listed as both extra holiday and extra workday: {listed}")
        self._configured_years = {day.year for day in self._extra_holidays | self._extra_workdays}
        self._official: dict[date, bool] = {}
        self._official_years: set[int] = set()
        self._warned_years: set[int] = set()
        self._known: dict[date, bool] = {}  # every deadline asks about the same few weeks

    def use_official(self, days: Mapping[date, bool]) -> bool:
        """Count in the imported official days (True: a make-up working day; False: off).

        A year with at least ``_OFFICIAL_YEAR_MIN_DAYS`` of them is official from now on (a
        notice's 元旦 may begin on 31 December of the year before, which does not make that
        year official). Returns whether anything changed.
        """
        days = dict(days)
        if days == self._official:
            return False
        self._official = days
        per_year: dict[int, int] = {}
        for day in days:
            per_year[day.year] = per_year.get(day.year, 0) + 1
        self._official_years = {year for year, n in per_year.items() if n >= _OFFICIAL_YEAR_MIN_DAYS}
        self._known.clear()
        return True

    def is_workday(self, day: date) -> bool:
        """Whether ``day`` is a working day; the config extras win over the official calendar."""
        known = self._known.get(day)
        if known is None:
            known = self._known[day] = self._lookup(day)
        return known

    def _lookup(self, day: date) -> bool:
        if day in self._extra_workdays:
            return True
        if day in self._extra_holidays:
            return False
        if day in self._official:
            return self._official[day]
        if day.year in self._official_years:
            return day.weekday() < 5
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError as exc:
            self._warn_uncovered(day.year, exc)
            if day.year in self._configured_years:
                return day.weekday() < 5
            return day.weekday() < 5 and day not in _computed_festivals(day.year)

    @property
    def official_days(self) -> dict[date, bool]:
        """The imported official days in use (see ``use_official``)."""
        return dict(self._official)

    def is_provisional(self, day: date) -> bool:
        """Whether ``day``'s working-day status is computed rather than officially announced."""
        return (day.year not in self._configured_years and day.year not in self._official_years
                and not _officially_known(day.year))

    def days_off_and_make_up_days(self, year: int) -> list[tuple[date, bool, str]]:
        """The year's exceptions to Monday-Friday: ``(day, is_workday, name)``, in date order.

        Days off on a weekday and make-up working days on a weekend, as this calendar counts
        them (official data, the config extras, or the computed festivals of a provisional year).
        """
        names = _computed_festivals(year)
        exceptions = []
        day = date(year, 1, 1)
        while day.year == year:
            workday = self.is_workday(day)
            if workday != (day.weekday() < 5):
                name = names.get(day, "") or _official_name(day)
                exceptions.append((day, workday, name))
            day += timedelta(days=1)
        return exceptions

    def is_office_time(self, when: datetime) -> bool:
        """Whether ``when`` falls inside office hours on a working day."""
        local = _aware(when).astimezone(self._zone)
        if not self.is_workday(local.date()):
            return False
        clock = local.time().replace(tzinfo=None)
        return any(opens <= clock < closes for opens, closes in self._office_hours)

    @property
    def closing_time(self) -> time:
        """When the office day ends (the close of the last office-hours interval)."""
        return max(closes for _, closes in self._office_hours)

    def next_office_start(self, when: datetime) -> datetime:
        """The first office instant at or after ``when``: ``when`` itself inside office hours."""
        opens, _ = next(self._office_intervals(_aware(when)))
        return opens

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """Same local clock time as the next office instant, ``days`` working days later."""
        if days < 0:
            raise ValueError(f"working days must not be negative, got {days}")
        anchor = self.next_office_start(start).astimezone(self._zone)
        day = anchor.date()
        for _ in range(days):
            day = self._next_workday(day)
        return self._at(day, anchor.time().replace(tzinfo=None))

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The instant ``hours`` of office time have passed since ``start``."""
        if hours < 0:
            raise ValueError(f"working hours must not be negative, got {hours}")
        remaining = timedelta(hours=hours)
        start = _aware(start).astimezone(UTC)
        if not remaining:
            return start
        for opens, closes in self._office_intervals(start):
            if remaining <= closes - opens:
                return opens + remaining
            remaining -= closes - opens
        raise AssertionError("unreachable: office intervals never run out")

    def working_seconds_between(self, a: datetime, b: datetime) -> float:
        """Office seconds in ``[a, b)``; negative when ``b`` is before ``a``."""
        a, b = _aware(a), _aware(b)
        if b < a:
            return -self.working_seconds_between(b, a)
        total = timedelta(0)
        for opens, closes in self._office_intervals(a):
            if opens >= b:
                break
            total += min(closes, b) - opens
        return total.total_seconds()

    def workdays_between(self, a: date, b: date) -> int:
        """Working days ``d`` with ``a < d <= b``; negative when ``b`` is before ``a``."""
        if b < a:
            return -self.workdays_between(b, a)
        return sum(self.is_workday(a + timedelta(days=n)) for n in range(1, (b - a).days + 1))

    def _office_intervals(self, since: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Yield UTC office intervals ending after ``since``, the first clipped to ``since``."""
        since = since.astimezone(UTC)
        day = since.astimezone(self._zone).date()
        while True:
            if self.is_workday(day):
                for opens, closes in self._office_hours:
                    start, end = self._at(day, opens), self._at(day, closes)
                    if end > since:
                        yield max(start, since), end
            day = self._next_workday(day)

    def _next_workday(self, day: date) -> date:
        for _ in range(_MAX_DAYS_WITHOUT_WORK):
            day += timedelta(days=1)
            if self.is_workday(day):
                return day
        raise ValueError(f"no working day within a year after {day.isoformat()}; check the extras")

    def _at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=self._zone).astimezone(UTC)

    def _warn_uncovered(self, year: int, exc: NotImplementedError) -> None:
        if year in self._configured_years or year in self._warned_years:
            return
        self._warned_years.add(year)
        logger.warning(
            "No official holiday calendar for %d (chinesecalendar says: %s). Deadlines in %d "
            "are provisional: statutory festivals as the holidays package computes them, no "
            "make-up workdays. When the State Council's arrangement is published, import its "
            "notice with `minyuan calendar import FILE` (or list its dates in "
            "deadlines.extra_holidays and deadlines.extra_workdays, or upgrade chinesecalendar; "
            "see `minyuan calendar %d`).",
            year,
            exc,
            year,
            year,
        )


@functools.cache
def _computed_festivals(year: int) -> dict[date, str]:
    """China's statutory festival days off for ``year`` as python-holidays computes them."""
    return dict(holidays.country_holidays("CN", years=year).items())


@functools.cache
def _officially_known(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _official_name(day: date) -> str:
    try:
        _, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return ""
    return str(name or "")


def _checked_office_hours(
    office_hours: Sequence[tuple[time, time]],
) -> tuple[tuple[time, time], ...]:
    hours = tuple(sorted(office_hours))
    if not hours:
        raise ValueError("office_hours must hold at least one (opens, closes) interval")
    for opens, closes in hours:
        if opens.tzinfo is not None or closes.tzinfo is not None:
            raise ValueError("office hours are local clock times; leave out the time zone")
        if not opens < closes:
            raise ValueError(
                f"office interval {opens:%H:%M}-{closes:%H:%M} must open before it closes"
            )
    for (_, closes), (opens, _) in pairwise(hours):
        if opens < closes:
            raise ValueError(f"office intervals overlap around {opens:%H:%M}")
    return hours


def _checked_dates(values: Iterable[date], name: str) -> frozenset[date]:
    days = frozenset(values)
    for day in days:
        if not isinstance(day, date) or isinstance(day, datetime):
            raise ValueError(f"{name}: expected calendar dates, got {day!r}")
    return days


def _aware(when: datetime) -> datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"need an aware datetime, got naive {when.isoformat()}")
    return when
