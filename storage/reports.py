"""Queries behind the weekly digest and the reception register. Read-only; never commit."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from storage.enums import ScopeKind
from storage.models import Petition, Resident, StaffGroup

# What the digest reads of a petition (reception.reports.metrics, topics, digest): plain
# rows, not ORM objects. A petition object has 47 columns and costs ~5 KB of Python; building
# them was half the time of a district's digest over a large history.
DIGEST_COLUMNS = (
    Petition.id, Petition.number, Petition.community_code, Petition.grid_code,
    Petition.category, Petition.building, Petition.keywords, Petition.handler_staff_id,
    Petition.created_at, Petition.status, Petition.first_response_at, Petition.respond_due,
    Petition.resolved_at, Petition.resolve_due, Petition.paused_at, Petition.overdue,
    Petition.reopen_count, Petition.rating, Petition.rated_at, Petition.closed_at,
    Petition.text,  # hot topics read the problem and its place from it
)


def petitions_received(
    session: Session,
    *,
    since: datetime,
    until: datetime,
    communities: Iterable[str] | None = None,
) -> list[Row[Any]]:
    """The digest's columns (DIGEST_COLUMNS) of the petitions created in ``[since, until)``,
    oldest first, as read-only rows with the same attribute names; ``communities`` None: all."""
    query = core_select(*(col(c) for c in DIGEST_COLUMNS)).where(
        col(Petition.created_at) >= since, col(Petition.created_at) < until
    )
    if communities is not None:
        query = query.where(col(Petition.community_code).in_(list(communities)))
    return list(session.execute(query.order_by(col(Petition.created_at), col(Petition.id))))


def petitions_received_batches(
    session: Session,
    *,
    since: datetime,
    until: datetime,
    communities: Iterable[str] | None = None,
    batch: int = 1000,
) -> Iterator[list[Petition]]:
    """The petitions of ``petitions_received`` in lists of at most ``batch``, oldest first.

    Streams from the database (a server-side cursor on PostgreSQL) so that a long period
    never sits in memory whole, provided ``session`` references what it loads weakly (a
    plain Session, not storage.db.transaction's, which holds every object it loads).
    """
    query = select(Petition).where(
        col(Petition.created_at) >= since, col(Petition.created_at) < until
    )
    if communities is not None:
        query = query.where(col(Petition.community_code).in_(list(communities)))
    query = query.order_by(col(Petition.created_at), col(Petition.id))
    result = session.exec(query.execution_options(yield_per=batch))
    for chunk in result.partitions():
        yield list(chunk)


def residents_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, Resident]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = session.exec(select(Resident).where(col(Resident.id).in_(wanted)))
    return {r.id: r for r in rows if r.id is not None}


def numbers_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = session.exec(select(Petition.id, Petition.number).where(col(Petition.id).in_(wanted)))
    return {pid: number for pid, number in rows if pid is not None}


def active_groups_of_kinds(session: Session, kinds: Sequence[ScopeKind]) -> list[StaffGroup]:
    query = select(StaffGroup).where(
        col(StaffGroup.scope_kind).in_(list(kinds)),
        StaffGroup.active == True,  # noqa: E712
    )
    return list(session.exec(query.order_by(col(StaffGroup.id))))
