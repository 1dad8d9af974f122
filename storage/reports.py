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
from storage.tables import table_of

# What the digest reads of a petition beyond the counts the database makes for it
# (storage.rates.week_breakdown): the hot topics and recurring clusters of
# reception.reports.topics (which read the problem and its place from the text too), and who
# is in the cohort. Plain rows, not ORM objects: a petition object has 47 columns and costs
# ~5 KB of Python, and on SQLite every datetime read is parsed.
DIGEST_COLUMNS = ("number", "community_code", "category", "building", "keywords", "created_at",
                  "status", "text")
_petition = table_of(Petition).c


def petitions_received(
    session: Session,
    *,
    since: datetime,
    until: datetime,
    communities: Iterable[str] | None = None,
) -> list[Row[Any]]:
    """The digest's columns (DIGEST_COLUMNS) of the petitions created in ``[since, until)``,
    oldest first, as read-only rows with the same attribute names; ``communities`` None: all.

    A Core statement over the table's columns: an ORM-enabled one (``Petition.x``) runs every
    row through the ORM's loading machinery, a second per 30,000 rows.
    """
    query = core_select(*(_petition[name] for name in DIGEST_COLUMNS)).where(
        _petition.created_at >= since, _petition.created_at < until
    )
    if communities is not None:
        query = query.where(_petition.community_code.in_(list(communities)))
    return list(session.execute(query.order_by(_petition.created_at, _petition.id)).all())


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
