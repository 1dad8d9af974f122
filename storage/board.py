"""Queries behind the supervisors' desk: counts for the overview, a filtered petition list.

Read-only; never commits. Only the columns a page shows or the rates need are read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, case, func, or_
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from storage.enums import Status
from storage.models import Petition


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


def _late(open_statuses: Sequence[Status], now: datetime) -> ColumnElement[bool]:
    return (col(Petition.status).in_(list(open_statuses))) & or_(
        col(Petition.overdue).is_(True),
        col(Petition.resolve_due) < now,
        (col(Petition.first_response_at).is_(None)) & (col(Petition.respond_due) < now),
    )


def counts(session: Session, *, communities: Sequence[str], open_statuses: Sequence[Status],
           now: datetime, day_start: datetime, day_end: datetime) -> dict[str, int]:
    """received today, open, overdue (open and late), due today (open, resolve due today)."""
    scope = col(Petition.community_code).in_(list(communities))
    is_open = col(Petition.status).in_(list(open_statuses))

    def one(*conditions: ColumnElement[bool]) -> int:
        return session.exec(select(func.count()).select_from(Petition).where(scope, *conditions)).one()

    return {
        "received": one(col(Petition.created_at) >= day_start, col(Petition.created_at) < day_end),
        "open": one(is_open),
        "overdue": one(_late(open_statuses, now)),
        "due_today": one(is_open, col(Petition.resolve_due) >= now, col(Petition.resolve_due) < day_end),
    }


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


def petition_page(session: Session, *, communities: Sequence[str], filters: Filters,
                  open_statuses: Sequence[Status], now: datetime, offset: int,
                  limit: int) -> tuple[list[Petition], int]:
    """One page of petitions, newest first, and how many match in all."""
    conditions: list[ColumnElement[bool]] = [col(Petition.community_code).in_(list(communities))]
    if filters.statuses:
        conditions.append(col(Petition.status).in_(list(filters.statuses)))
    if filters.category:
        conditions.append(col(Petition.category) == filters.category)
    if filters.community:
        conditions.append(col(Petition.community_code) == filters.community)
    if filters.grid:
        conditions.append(col(Petition.grid_code) == filters.grid)
    if filters.building:
        conditions.append(col(Petition.building) == filters.building)
    if filters.urgent is not None:
        conditions.append(col(Petition.urgent) == filters.urgent)
    if filters.overdue:
        conditions.append(_late(open_statuses, now))
    if filters.since is not None:
        conditions.append(col(Petition.created_at) >= filters.since)
    if filters.until is not None:
        conditions.append(col(Petition.created_at) < filters.until)
    if filters.text:
        pattern = "%" + filters.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(or_(col(Petition.text).like(pattern, escape="\\"),
                              col(Petition.number).like(pattern, escape="\\")))
    total = session.exec(select(func.count()).select_from(Petition).where(*conditions)).one()
    rows = session.exec(select(Petition).where(*conditions)
                        .order_by(col(Petition.created_at).desc(), col(Petition.id).desc())
                        .offset(offset).limit(limit))
    return list(rows), total
