"""The inbox's rows: store what Telegram delivered, claim it, mark what became of it.

Plain Core statements, like storage/writes.py; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert
from sqlmodel import Session, col

from storage.enums import InboxStatus
from storage.models import InboxUpdate
from storage.tables import table_of

_inbox = table_of(InboxUpdate).c

_CLAIM = (
    update(table_of(InboxUpdate))
    .where(
        _inbox.update_id.in_(bindparam("ids", expanding=True)),
        _inbox.status == InboxStatus.PENDING,
        or_(_inbox.claimed_until.is_(None), _inbox.claimed_until < bindparam("now")),
    )
    .values(claimed_until=bindparam("until"))
    .returning(_inbox.update_id, _inbox.payload, _inbox.attempts)
)
_HANDLED = (
    update(table_of(InboxUpdate))
    .where(_inbox.update_id.in_(bindparam("ids", expanding=True)))
    .values(status=InboxStatus.HANDLED, handled_at=bindparam("at"), claimed_until=None)
)


@dataclass(frozen=True)
class Stored:
    """An update as the inbox keeps it: its id, its JSON text and how often it failed."""

    update_id: int
    payload: str
    attempts: int


def store(session: Session, rows: Sequence[dict[str, Any]], *, now: datetime, claim_until: datetime) -> list[int]:
    """Insert updates not stored yet, claimed until ``claim_until``; return the new ids.

    ``rows`` carry update_id, chat_id, kind and payload. An update_id already present (a
    redelivery after a lost confirmation) is left as it is.
    """
    if not rows:
        return []
    values = [{**row, "status": InboxStatus.PENDING, "attempts": 0, "received_at": now,
               "next_attempt_at": now, "claimed_until": claim_until} for row in rows]
    dialect = session.get_bind().dialect.name
    statement: Insert
    if dialect == "postgresql":
        statement = postgresql.insert(table_of(InboxUpdate)).on_conflict_do_nothing(
            index_elements=["update_id"])
    elif dialect == "sqlite":
        statement = sqlite.insert(table_of(InboxUpdate)).on_conflict_do_nothing(
            index_elements=["update_id"])
    else:  # pragma: no cover - the two supported databases are handled above
        statement = insert(table_of(InboxUpdate))
    result = session.execute(statement.returning(_inbox.update_id), values)
    return sorted(row[0] for row in result)


def store_unreadable(session: Session, *, update_id: int, payload: str, now: datetime, error: str) -> bool:
    """Keep an update that cannot be read at all, parked; False when it was stored already."""
    if session.get(InboxUpdate, update_id) is not None:
        return False
    session.execute(insert(table_of(InboxUpdate)), {
        "update_id": update_id, "chat_id": None, "kind": "", "payload": payload,
        "status": InboxStatus.DEAD, "attempts": 1, "received_at": now, "next_attempt_at": now,
        "last_error": error[:500]})
    return True


def claim(session: Session, ids: Sequence[int], *, now: datetime, until: datetime) -> list[Stored]:
    """Claim those of ``ids`` that are pending and free; in update order."""
    if not ids:
        return []
    rows = session.execute(_CLAIM, {"ids": list(ids), "now": now, "until": until})
    return sorted((Stored(*row) for row in rows), key=lambda stored: stored.update_id)


def due_ids(session: Session, *, now: datetime, limit: int, takeover: bool = False) -> list[int]:
    """Pending updates due now whose claim is free (or any claim, with ``takeover``)."""
    query = (select(_inbox.update_id)
             .where(_inbox.status == InboxStatus.PENDING, _inbox.next_attempt_at <= now)
             .order_by(_inbox.update_id).limit(limit))
    if not takeover:
        query = query.where(or_(_inbox.claimed_until.is_(None), _inbox.claimed_until < now))
    return list(session.execute(query).scalars())


def release_claims(session: Session, ids: Sequence[int]) -> None:
    """Make claimed updates free for any worker at once (one process taking over)."""
    if ids:
        session.execute(update(table_of(InboxUpdate))
                        .where(_inbox.update_id.in_(list(ids)), _inbox.status == InboxStatus.PENDING)
                        .values(claimed_until=None))


def handled(session: Session, ids: Sequence[int], *, at: datetime) -> None:
    if ids:
        session.execute(_HANDLED, {"ids": list(ids), "at": at})


def failed(session: Session, update_id: int, *, error: str, retry_at: datetime | None) -> InboxUpdate | None:
    """Count a failed attempt: due again at ``retry_at``, or parked (dead) when it is None."""
    row = session.get(InboxUpdate, update_id)
    if row is None:
        return None
    row.attempts += 1
    row.last_error = error[:500]
    row.claimed_until = None
    if retry_at is None:
        row.status = InboxStatus.DEAD
    else:
        row.next_attempt_at = retry_at
    return row


def dead(session: Session, *, limit: int) -> list[InboxUpdate]:
    """Parked updates, newest first."""
    query = (select(InboxUpdate).where(col(InboxUpdate.status) == InboxStatus.DEAD)
             .order_by(col(InboxUpdate.update_id).desc()).limit(limit))
    return list(session.scalars(query))


def counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(_inbox.status, func.count()).group_by(_inbox.status))
    return {status: count for status, count in rows}


def replay(session: Session, update_id: int) -> InboxUpdate | None:
    """Put a parked update back in line, due at once, with its failures forgotten.

    Due since it was received: the bot's clock, not the caller's, decides what is due.
    """
    row = session.get(InboxUpdate, update_id)
    if row is None:
        return None
    row.status, row.attempts, row.claimed_until = InboxStatus.PENDING, 0, None
    row.next_attempt_at = row.received_at
    return row


def purge_handled(session: Session, *, before: datetime) -> int:
    """Forget updates handled before ``before`` (Telegram may reuse ids after a week)."""
    result = cast("CursorResult[Any]", session.execute(delete(table_of(InboxUpdate)).where(
        _inbox.status == InboxStatus.HANDLED, _inbox.handled_at < before)))  # a DELETE gives a CursorResult
    return result.rowcount or 0
