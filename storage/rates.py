"""The three rates' counts computed by the database, one row per group.

The same definitions as reception.reports.metrics.compute_rates (its docstring is the
reference; tests/reception/test_rates_sql.py checks both agree on every kind of petition),
written as SQL so that a desk's overview over a district's weeks reads a few numbers per
community instead of every petition. Read-only; never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, literal, not_, or_, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from storage.enums import Rating, Status
from storage.models import Petition
from storage.tables import table_of
from storage.types import UTCDateTime

COUNT_NAMES = ("received", "responded", "responded_on_time", "respond_expected", "resolved",
               "resolved_on_time", "resolve_expected", "rejected", "overdue", "reopened", "rated",
               "satisfied", "basic", "unsatisfied")
_EXCLUDED = (Status.MERGED, Status.CANCELLED)
_RATINGS = tuple(Rating)
_p = table_of(Petition).c


def _counts(now: datetime) -> dict[str, ColumnElement[Any]]:
    at = literal(now, UTCDateTime())
    rejected = _p.status == Status.REJECTED
    answered = case(
        (and_(_p.first_response_at.is_not(None), _p.first_response_at <= at), _p.first_response_at),
        (and_(_p.first_response_at.is_(None), rejected, _p.closed_at.is_not(None), _p.closed_at <= at),
         _p.closed_at),
        else_=None,
    )
    resolved_at = case((_p.resolved_at <= at, _p.resolved_at), else_=None)
    clock_end = case((and_(_p.paused_at.is_not(None), _p.paused_at <= at), _p.paused_at), else_=at)
    resolved = and_(not_(rejected), resolved_at.is_not(None))
    # The resident's rating, else the call-back's outcome (reception.reports.metrics._rating).
    rating = case((and_(_p.rating.in_(_RATINGS), or_(_p.rated_at.is_(None), _p.rated_at <= at)), _p.rating),
                  (and_(_p.callback_outcome.in_(_RATINGS), _p.callback_at.is_not(None),
                        _p.callback_at <= at), _p.callback_outcome),
                  else_=None)
    conditions = {
        "received": literal(True),
        "responded": answered.is_not(None),
        "responded_on_time": and_(answered.is_not(None),
                                  or_(_p.respond_due.is_(None), answered <= _p.respond_due)),
        "respond_expected": or_(answered.is_not(None),
                                and_(_p.respond_due.is_not(None), _p.respond_due < at)),
        "resolved": resolved,
        "resolved_on_time": and_(resolved, or_(_p.resolve_due.is_(None), resolved_at <= _p.resolve_due)),
        "resolve_expected": and_(not_(rejected), or_(
            resolved_at.is_not(None), and_(_p.resolve_due.is_not(None), _p.resolve_due < clock_end))),
        "rejected": rejected,
        "overdue": or_(
            _p.overdue.is_(True),
            and_(_p.respond_due.is_not(None), func.coalesce(answered, at) > _p.respond_due),
            and_(not_(rejected), _p.resolve_due.is_not(None),
                 func.coalesce(resolved_at, clock_end) > _p.resolve_due)),
        "reopened": _p.reopen_count > 0,
        "rated": rating.is_not(None),
        "satisfied": rating == Rating.SATISFIED,
        "basic": rating == Rating.BASIC,
        "unsatisfied": rating == Rating.UNSATISFIED,
    }
    return {name: func.coalesce(func.sum(case((condition, 1), else_=0)), 0).label(name)
            for name, condition in conditions.items()}


def rate_counts(session: Session, *, period_start: datetime, period_end: datetime, now: datetime,
                communities: Sequence[str], by_community: bool = True) -> dict[str, dict[str, int]]:
    """The cohort's counts (COUNT_NAMES) per community (or under "" for all of them)."""
    counts = _counts(now)
    key = _p.community_code if by_community else literal("")
    query = (select(key.label("key"), *counts.values())
             .where(_p.community_code.in_(list(communities)),
                    _p.created_at >= literal(period_start, UTCDateTime()),
                    _p.created_at < literal(period_end, UTCDateTime()),
                    _p.created_at <= literal(now, UTCDateTime()),
                    _p.status.not_in(_EXCLUDED)))
    if by_community:
        query = query.group_by(_p.community_code)
    return {row.key: {name: int(getattr(row, name)) for name in COUNT_NAMES}
            for row in session.execute(query)}


@dataclass(frozen=True)
class GroupCounts:
    """The counts (COUNT_NAMES) of one week's petitions sharing a community, grid, category
    and handler: the finest grouping a digest needs. A breakdown by any of them is a sum."""

    week: int  # index into the weeks asked for
    community_code: str
    grid_code: str | None
    category: str
    handler_staff_id: int | None
    counts: dict[str, int]


def week_breakdown(session: Session, *, weeks: Sequence[tuple[datetime, datetime]], now: datetime,
                   communities: Sequence[str]) -> list[GroupCounts]:
    """Each week's cohort counted per (community, grid, category, handler), in one query.

    ``weeks`` are ``[start, end)`` periods that do not overlap (a digest asks for this week
    and the one before). One scan of the weeks' rows, grouped by a CASE on ``created_at``
    naming the week and by the four keys; the counts are the SUM(CASE …) of ``rate_counts``.
    """
    if not weeks:
        return []
    counts = _counts(now)
    week = case(*((and_(_p.created_at >= literal(start, UTCDateTime()),
                        _p.created_at < literal(end, UTCDateTime())), index)
                  for index, (start, end) in enumerate(weeks)), else_=None).label("week")
    keys = (week, _p.community_code, _p.grid_code, _p.category, _p.handler_staff_id)
    query = (select(*keys, *counts.values())
             .where(_p.community_code.in_(list(communities)),
                    _p.created_at >= literal(min(start for start, _ in weeks), UTCDateTime()),
                    _p.created_at < literal(max(end for _, end in weeks), UTCDateTime()),
                    _p.created_at <= literal(now, UTCDateTime()),
                    _p.status.not_in(_EXCLUDED))
             .group_by(*keys))
    return [GroupCounts(week=row.week, community_code=row.community_code, grid_code=row.grid_code,
                        category=row.category, handler_staff_id=row.handler_staff_id,
                        counts={name: int(getattr(row, name)) for name in COUNT_NAMES})
            for row in session.execute(query) if row.week is not None]


def rate_counts_of_two(session: Session, *, start: datetime, split: datetime, end: datetime, now: datetime,
                       communities: Sequence[str]) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    """``rate_counts`` per community of [start, split) and of [split, end), read in one pass
    (the desk's overview: this week and the week before)."""
    counts = _counts(now)
    later = (_p.created_at >= literal(split, UTCDateTime())).label("later")
    query = (select(_p.community_code.label("key"), later, *counts.values())
             .where(_p.community_code.in_(list(communities)),
                    _p.created_at >= literal(start, UTCDateTime()),
                    _p.created_at < literal(end, UTCDateTime()),
                    _p.created_at <= literal(now, UTCDateTime()),
                    _p.status.not_in(_EXCLUDED))
             .group_by(_p.community_code, later))
    before: dict[str, dict[str, int]] = {}
    after: dict[str, dict[str, int]] = {}
    for row in session.execute(query):
        (after if row.later else before)[row.key] = {name: int(getattr(row, name)) for name in COUNT_NAMES}
    return before, after
