"""Queries behind the supervisors' desk: counts for the overview, a filtered petition list.

Read-only; never commits. Only the columns a page shows or the rates need are read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, case, func, literal_column, or_
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from storage import search
from storage.enums import Direction, Status
from storage.models import Petition, PetitionMessage
from storage.tables import table_of


@dataclass(frozen=True)
class Filters:
    statuses: Sequence[Status] = ()
    category: str | None = None
    community: str | None = None
    grid: str | None = None
    urgent: bool | None = None
    overdue: bool = False
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None
    building: str | None = None


def _late(open_statuses: Sequence[Status], now: datetime, c: Callable[[str], Any] | None = None
          ) -> ColumnElement[bool]:
    c = c or table_of(Petition).c.__getitem__
    return (c("status").in_(list(open_statuses))) & or_(
        c("overdue").is_(True),
        c("resolve_due") < now,
        (c("first_response_at").is_(None)) & (c("respond_due") < now),
    )


def counts(session: Session, *, communities: Sequence[str], open_statuses: Sequence[Status],
           now: datetime, day_start: datetime, day_end: datetime) -> dict[str, int]:
    """received today, open, overdue (open and late), due today (open, resolve due today).

    Two statements: the open ones are counted in one pass over the (community, status)
    index, today's arrivals over (community, created_at)."""
    scope = col(Petition.community_code).in_(list(communities))
    received = session.exec(select(func.count()).select_from(Petition).where(
        scope, col(Petition.created_at) >= day_start, col(Petition.created_at) < day_end)).one()
    due_today = (col(Petition.resolve_due) >= now) & (col(Petition.resolve_due) < day_end)
    late = _late(open_statuses, now)
    row = session.execute(core_select(func.count(), func.sum(case((late, 1), else_=0)),
                                      func.sum(case((due_today, 1), else_=0)))
                          .where(scope, col(Petition.status).in_(list(open_statuses)))).one()
    return {"received": int(received), "open": int(row[0]), "overdue": int(row[1] or 0),
            "due_today": int(row[2] or 0)}


def open_by_building(session: Session, *, communities: Sequence[str], open_statuses: Sequence[Status],
                     now: datetime) -> list[tuple[str, str | None, str | None, int, int]]:
    """(community, grid, building, open, of them late) for every place with open petitions."""
    late = _late(open_statuses, now)
    query = (core_select(col(Petition.community_code), col(Petition.grid_code), col(Petition.building),
                    func.count(), func.sum(case((late, 1), else_=0)))
             .where(col(Petition.community_code).in_(list(communities)),
                    col(Petition.status).in_(list(open_statuses)))
             .group_by(col(Petition.community_code), col(Petition.grid_code), col(Petition.building)))
    return [(c, g, b, int(n), int(k or 0)) for c, g, b, n, k in session.execute(query)]


class Listed(NamedTuple):
    """What the list shows of a petition."""

    id: int
    number: str
    category: str
    urgent: bool
    status: Status
    overdue: bool
    community_code: str
    resolve_due: datetime | None
    late: bool  # open and past a deadline, whether or not the sweep has flagged it yet


COUNT_CAP = 1000  # a list says "1000+" beyond this: counting a district's history row by row is slow


Column = Callable[[str], Any]  # a petition column by name, as a condition should use it
_table = table_of(Petition)


def _indexed(name: str) -> Any:
    return _table.c[name]


def _unindexed(name: str) -> Any:
    """The column behind SQLite's unary +: the same value, that no index may answer."""
    return literal_column(f"+petition.{name}", type_=_table.c[name].type)


def _conditions(filters: Filters, c: Column, *, communities: Sequence[str], open_statuses: Sequence[Status],
                now: datetime, dialect: str, viewer_staff_id: int | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [c("community_code").in_(list(communities))]
    if filters.statuses:
        conditions.append(c("status").in_(list(filters.statuses)))
    if filters.category:
        conditions.append(c("category") == filters.category)
    if filters.community:
        conditions.append(c("community_code") == filters.community)
    if filters.grid:
        conditions.append(c("grid_code") == filters.grid)
    if filters.building:
        conditions.append(c("building") == filters.building)
    if filters.urgent is not None:
        conditions.append(c("urgent") == filters.urgent)
    if filters.overdue:
        conditions.append(_late(open_statuses, now, c))
    # The period stays on its index either way: it is also the order of the list.
    if filters.since is not None:
        conditions.append(col(Petition.created_at) >= filters.since)
    if filters.until is not None:
        conditions.append(col(Petition.created_at) < filters.until)
    if filters.text:
        conditions.append(search.matches(filters.text, dialect=dialect, handler_staff_id=viewer_staff_id,
                                         column=c))
    return conditions


def petition_page(session: Session, *, communities: Sequence[str], filters: Filters,
                  open_statuses: Sequence[Status], now: datetime, offset: int, limit: int,
                  viewer_staff_id: int | None = None, cap: int = COUNT_CAP) -> tuple[list[Listed], int]:
    """One page of petitions, newest first, and how many match in all up to ``cap`` (more
    than that counts as ``cap + 1``). The search text is matched against what everyone in
    scope sees (masked), and for ``viewer_staff_id`` also against the unmasked text of the
    petitions they handle (storage.search)."""
    dialect = session.get_bind().dialect.name

    def where(c: Column) -> list[ColumnElement[bool]]:
        return _conditions(filters, c, communities=communities, open_statuses=open_statuses, now=now,
                           dialect=dialect, viewer_staff_id=viewer_staff_id)

    conditions = where(_indexed)
    capped = core_select(col(Petition.id)).where(*conditions).limit(cap + 1).subquery()
    total = session.execute(core_select(func.count()).select_from(capped)).scalar_one()
    shown = [getattr(Petition, name) for name in Listed._fields if name != "late"]
    late = case((_late(open_statuses, now), True), else_=False)
    if total > cap and dialect == "sqlite":
        # Many match: walking created_at from the newest finds a page at once, where SQLite
        # would take a filter's index and sort every match. Unary + keeps the filters off the
        # indexes (https://sqlite.org/optoverview.html#disqualifying_where_clause_terms_using_unary_);
        # PostgreSQL weighs both plans by its statistics.
        # One community: (community, created_at) both filters and orders, so it stays.
        single = filters.community or (communities[0] if len(communities) == 1 else None)
        conditions = where(_unindexed if single is None else
                           lambda name: _indexed(name) if name == "community_code" else _unindexed(name))
    rows = session.execute(core_select(*shown, late).where(*conditions)
                           .order_by(col(Petition.created_at).desc(), col(Petition.id).desc())
                           .offset(offset).limit(limit))
    return [Listed._make((*row[:-1], bool(row[-1]))) for row in rows], int(total)


def attachments(session: Session, *, petition_id: int) -> list[PetitionMessage]:
    """What the resident sent with a file (photos, documents, voice…), oldest first."""
    return list(session.exec(select(PetitionMessage).where(
        col(PetitionMessage.petition_id) == petition_id, col(PetitionMessage.direction) == Direction.IN,
        col(PetitionMessage.file_id).is_not(None)).order_by(col(PetitionMessage.id))))
