"""Petition deadlines: how long the office has to respond and to resolve.

Every petition runs two clocks from the moment it is received: *respond by* (first contact
with the resident) and *resolve by*. Their limits come from config per tier (urgent, normal,
complex) and optionally per category; the defaults follow hotline practice: urgent (danger
to life or property) 2 h / 24 h, utilities (水电气暖) 4 h / 24 h, normal 1 / 7 working days,
complex (staff mark it) 1 / 15 working days.

A limit has one of three units, and each is counted in its own kind of time:

- ``h``, clock hours: wall-clock time around the clock, ignoring the calendar entirely.
  A 2 h limit received at 23:15 on a public holiday is due at 01:15. Only urgent
  petitions count this way; see "Clock hours are for emergencies" below.
- ``wh``, working hours: office time only (see ``reception.deadlines.workdays``). A received-at-night
  petition starts counting at the next opening; lunch breaks, evenings, weekends and
  holidays do not count. The deadline may be a closing time exactly (12:00, 17:30).
- ``wd``, working days: received during office hours on a working day, the petition is due
  at the same local clock time on the n-th following working day (7 wd from Wednesday
  30 Sep 2026 10:00 is Thursday 15 Oct 10:00: National Day week is off and Saturday
  10 Oct is a make-up workday). Received outside office hours (evening, weekend, holiday,
  or the lunch break) the count starts at the next opening, 08:30 or 13:30, and the
  deadline is that opening time n working days later. A ``wd`` deadline therefore always
  falls inside office hours.

Clock hours are for emergencies. A non-urgent petition whose limit is written in ``h`` (the
水电气暖 category's 4 h / 24 h) counts it in office time instead (``DeadlinePolicy.limits_for``):
``n h`` becomes ``n wh``, and a whole number of days (24 h, 48 h) becomes that many working
days, since "within 24 hours" from an office means "by this time next working day". A routine
"灶打不着火" sent at 22:00 is therefore due at the next working day's opening plus 4 office
hours, not at 02:00 when nobody is on duty; an urgent petition keeps running round the clock.

Pauses: while a petition waits on the resident the clock stops. ``extend_for_pause`` pushes
a deadline out by the time that passed while paused, measured in the limit's own kind of
time: wall-clock time for ``h``, office time for ``wh`` and ``wd`` (a pause over a weekend
costs nothing; a pause of two full working days moves the deadline two working days on).

Reopening starts a fresh resolve clock at the reopening instant.

Progress and reminders measure the window ``[start, due]`` in the limit's own kind of time,
so a reminder at 75% of a 7 wd limit falls after 5.25 working days of office time. A pause
already folded into ``due`` counts on both sides of that ratio.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any, Literal, get_args

from reception.deadlines.workdays import WorkCalendar

Unit = Literal["h", "wh", "wd"]
UNITS: tuple[str, ...] = get_args(Unit)

TIERS = ("urgent", "normal", "complex")
PAIR_KEYS = ("respond", "resolve")

_UNIT_ZH = {"h": "小时", "wh": "个工作小时", "wd": "个工作日"}
_LIMIT_RE = re.compile(r"(?P<amount>\d+(?:\.\d+)?)\s*(?P<unit>wh|wd|h)", re.IGNORECASE)
_LIMIT_HINT = "write a number followed by h, wh or wd, e.g. '2h', '8wh', '7wd'"


@dataclass(frozen=True)
class Limit:
    """A time limit: ``amount`` of clock hours (h), working hours (wh) or working days (wd)."""

    amount: float
    unit: Unit

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unknown limit unit {self.unit!r}; use one of {', '.join(UNITS)}")
        if not self.amount > 0:
            raise ValueError(f"a limit must be positive, got {self.amount}")
        if self.unit == "wd" and not float(self.amount).is_integer():
            raise ValueError(f"working days must be whole, got {self.amount}")
        object.__setattr__(self, "amount", float(self.amount))

    @classmethod
    def parse(cls, text: str) -> Limit:
        """Parse "2h", "24h", "8wh" or "7wd"; raise ``ValueError`` saying what is wrong."""
        if not isinstance(text, str):
            raise ValueError(f"{text!r} is not a limit; {_LIMIT_HINT}")
        match = _LIMIT_RE.fullmatch(text.strip())
        if match is None:
            raise ValueError(f"{text!r} is not a limit; {_LIMIT_HINT}")
        try:
            return cls(float(match["amount"]), match["unit"].lower())  # type: ignore[arg-type]
        except ValueError as exc:
            raise ValueError(f"{text!r}: {exc}") from None

    def __str__(self) -> str:
        return f"{_format_amount(self.amount)}{self.unit}"

    def describe_zh(self) -> str:
        """The limit for residents and staff: "2小时", "8个工作小时", "7个工作日"."""
        return f"{_format_amount(self.amount)}{_UNIT_ZH[self.unit]}"


@dataclass(frozen=True)
class LimitPair:
    respond: Limit
    resolve: Limit


def _pair(respond: str, resolve: str) -> LimitPair:
    return LimitPair(Limit.parse(respond), Limit.parse(resolve))


@dataclass(frozen=True)
class DeadlinePolicy:
    """Limits per tier ("urgent", "normal", "complex") and per-category overrides."""

    tiers: Mapping[str, LimitPair]
    # Overrides for non-urgent, non-complex petitions, keyed by category name.
    categories: Mapping[str, LimitPair] = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = [tier for tier in TIERS if tier not in self.tiers]
        if missing:
            raise ValueError(f"deadline policy lacks tiers: {', '.join(missing)}")
        object.__setattr__(self, "tiers", MappingProxyType(dict(self.tiers)))
        object.__setattr__(self, "categories", MappingProxyType(dict(self.categories)))

    @classmethod
    def default(cls) -> DeadlinePolicy:
        """Hotline practice: urgent 2h/24h, 水电气暖 4h/24h, normal 1wd/7wd, complex 1wd/15wd."""
        return cls(
            tiers={
                "urgent": _pair("2h", "24h"),
                "normal": _pair("1wd", "7wd"),
                "complex": _pair("1wd", "15wd"),
            },
            categories={"水电气暖": _pair("4h", "24h")},
        )

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, key: str = "deadlines") -> DeadlinePolicy:
        """Build from a config table; raise ``ValueError`` naming the offending key.

        Tiers left out keep their defaults. ``categories``, when present, replaces the
        default category table, so an office can drop or rename the 水电气暖 override.
        ``key`` is the table's own name, used as the prefix in error messages.
        """
        _require_table(data, key)
        default = cls.default()
        tiers = dict(default.tiers)
        categories = dict(default.categories)
        for name, value in data.items():
            if name == "categories":
                table = _require_table(value, f"{key}.categories")
                categories = {
                    category: _pair_from(pair, f"{key}.categories.{category}")
                    for category, pair in table.items()
                }
            elif name in TIERS:
                tiers[name] = _pair_from(value, f"{key}.{name}")
            else:
                known = ", ".join((*TIERS, "categories"))
                raise ValueError(f"{key}.{name}: unknown key; expected one of {known}")
        return cls(tiers=tiers, categories=categories)

    def limits_for(self, *, urgent: bool, complex: bool, category: str) -> LimitPair:
        """Urgent beats complex beats the category override beats normal.

        Only urgent petitions count clock hours round the clock; for the others an ``h``
        limit is counted in office time (see ``office_time``).
        """
        if urgent:
            return self.tiers["urgent"]
        if complex:
            return _in_office_time(self.tiers["complex"])
        return _in_office_time(self.categories.get(category, self.tiers["normal"]))


@dataclass(frozen=True)
class Deadlines:
    respond_by: datetime
    resolve_by: datetime


class DeadlineCalculator:
    """Turns a policy and a working-day calendar into concrete UTC deadlines."""

    def __init__(self, *, policy: DeadlinePolicy, calendar: WorkCalendar) -> None:
        self._policy = policy
        self._calendar = calendar

    @property
    def policy(self) -> DeadlinePolicy:
        return self._policy

    @property
    def calendar(self) -> WorkCalendar:
        return self._calendar

    def due(self, start: datetime, limit: Limit) -> datetime:
        """The instant ``limit`` runs out for a clock started at ``start``."""
        if limit.unit == "h":
            return _utc(start) + timedelta(hours=limit.amount)
        if limit.unit == "wh":
            return self._calendar.add_working_hours(start, limit.amount)
        return self._calendar.add_working_days(start, int(limit.amount))

    def deadlines(
        self, *, start: datetime, urgent: bool, complex: bool, category: str
    ) -> Deadlines:
        """Both deadlines for a petition received at ``start``."""
        pair = self._policy.limits_for(urgent=urgent, complex=complex, category=category)
        return Deadlines(
            respond_by=self.due(start, pair.respond),
            resolve_by=self.due(start, pair.resolve),
        )

    def resolve_after_reopen(
        self, *, reopened_at: datetime, urgent: bool, complex: bool, category: str
    ) -> datetime:
        """A fresh resolve deadline counted from the reopening."""
        pair = self._policy.limits_for(urgent=urgent, complex=complex, category=category)
        return self.due(reopened_at, pair.resolve)

    def extend_for_pause(
        self, due: datetime, *, paused_from: datetime, paused_to: datetime, limit: Limit
    ) -> datetime:
        """Push ``due`` out by the pause, in wall-clock time (h) or office time (wh, wd)."""
        if paused_to < paused_from:
            raise ValueError("a pause cannot end before it starts")
        if limit.unit == "h":
            return _utc(due) + (paused_to - paused_from)
        paused = self._calendar.working_seconds_between(paused_from, paused_to)
        if not paused:
            return _utc(due)
        return self._calendar.add_working_hours(due, paused / 3600)

    def progress(self, *, start: datetime, due: datetime, now: datetime, limit: Limit) -> float:
        """Share of the limit used by ``now``: 0 before the start, above 1 when overdue."""
        used = self._elapsed(start, now, limit)
        total = self._elapsed(start, due, limit)
        if total <= 0:
            return 1.0 if now >= due else 0.0
        return max(used, 0.0) / total

    def reminder_at(
        self, *, start: datetime, due: datetime, limit: Limit, share: float
    ) -> datetime:
        """The instant ``share`` of the limit is used, e.g. 0.75 for the reminder."""
        if share < 0:
            raise ValueError(f"share must not be negative, got {share}")
        total = self._elapsed(start, due, limit)
        if limit.unit == "h":
            return _utc(start) + timedelta(seconds=total * share)
        return self._calendar.add_working_hours(start, total * share / 3600)

    def _elapsed(self, a: datetime, b: datetime, limit: Limit) -> float:
        """Seconds from ``a`` to ``b`` in the limit's own kind of time."""
        if limit.unit == "h":
            return (b - a).total_seconds()
        return self._calendar.working_seconds_between(a, b)


def office_time(limit: Limit) -> Limit:
    """``limit`` counted in office time: ``n h`` -> ``n wh``, whole days of hours -> ``wd``.

    "24h" -> "1wd", "48h" -> "2wd", "4h" -> "4wh"; ``wh`` and ``wd`` limits are unchanged.
    """
    if limit.unit != "h":
        return limit
    if limit.amount % 24 == 0:
        return Limit(limit.amount / 24, "wd")
    return Limit(limit.amount, "wh")


def _in_office_time(pair: LimitPair) -> LimitPair:
    return LimitPair(office_time(pair.respond), office_time(pair.resolve))


def _require_table(value: object, key: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{key}: expected a table, got {value!r}")
    return value


def _pair_from(value: object, key: str) -> LimitPair:
    table = _require_table(value, key)
    for name in table:
        if name not in PAIR_KEYS:
            raise ValueError(f"{key}.{name}: unknown key; expected respond and resolve")
    limits = {}
    for name in PAIR_KEYS:
        if name not in table:
            raise ValueError(f"{key}.{name}: missing; {_LIMIT_HINT}")
        try:
            limits[name] = Limit.parse(table[name])
        except ValueError as exc:
            raise ValueError(f"{key}.{name}: {exc}") from None
    return LimitPair(**limits)


def _format_amount(amount: float) -> str:
    return str(int(amount)) if amount.is_integer() else repr(amount)


def _utc(when: datetime) -> datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"need an aware datetime, got naive {when.isoformat()}")
    return when.astimezone(UTC)
