"""The outbox's rows: queue a send, claim it, and record what became of it.

A row is ``pending`` (due at ``next_attempt_at``), ``sending`` (claimed by one process until
``claimed_until``), ``sent`` or ``failed``. A claim that expires makes the row claimable
again, so a process that dies mid-send leaves its sends to another. Which rows may be
claimed is one condition, ``_claimable``, used both to find due rows and by the UPDATE that
claims them. Plain Core statements, like storage/writes.py; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Result, Row, bindparam, insert, or_, update
from sqlalchemy import select as core_select
from sqlmodel import Session

from storage.enums import OutboxKind, OutboxStatus
from storage.models import Outbox
from storage.tables import table_of

_outbox = table_of(Outbox).c


def _claimable() -> ColumnElement[bool]:
    """Free to claim at ``:now``: pending, or claimed by a process whose claim has expired."""
    return or_(
        _outbox.status == OutboxStatus.PENDING,
        (_outbox.status == OutboxStatus.SENDING) & (_outbox.claimed_until < bindparam("now")),
    )


_INSERT = insert(table_of(Outbox))
_DUE = (
    core_select(_outbox.id, _outbox.kind, _outbox.chat_id, _outbox.petition_id, _outbox.payload,
                _outbox.attempts)
    .where(_outbox.next_attempt_at <= bindparam("now"), _claimable())
    .order_by(_outbox.id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
)
_HAS_DUE = core_select(_outbox.id).where(
    _outbox.status == OutboxStatus.PENDING, _outbox.next_attempt_at <= bindparam("now")
).limit(1)
_UNSENT_CARD_BEFORE = core_select(_outbox.id).where(
    _outbox.kind == OutboxKind.CARD,
    _outbox.petition_id == bindparam("petition_id"),
    _outbox.chat_id == bindparam("chat_id"),
    _outbox.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
    _outbox.id < bindparam("before"),
).limit(1)
_ids = _outbox.id.in_(bindparam("ids", expanding=True))
_TAKE = update(table_of(Outbox)).where(_ids).values(
    status=OutboxStatus.SENDING, claimed_until=bindparam("until"))
_CLAIM = (
    update(table_of(Outbox))
    .where(_ids, _claimable())
    .values(status=OutboxStatus.SENDING, claimed_until=bindparam("until"))
    .returning(_outbox.id)
)
_SENT = update(table_of(Outbox)).where(_ids).values(
    status=OutboxStatus.SENT, sent_at=bindparam("at"), claimed_until=None)
_AGE = core_select(_outbox.attempts, _outbox.created_at).where(_outbox.id == bindparam("id"))


def insert_one(
    session: Session, *, kind: OutboxKind, chat_id: int, petition_id: int | None,
    payload: dict[str, Any], now: datetime,
) -> int:
    """Queue one send (pending, due now); returns its id."""
    result = _dml(session.execute(_INSERT, {
        "kind": kind, "chat_id": chat_id, "petition_id": petition_id, "payload": payload,
        "status": OutboxStatus.PENDING, "attempts": 0, "created_at": now, "next_attempt_at": now,
    }))
    key = result.inserted_primary_key
    if key is None:  # pragma: no cover - a one-row INSERT always has its key
        raise RuntimeError("the outbox insert returned no id")
    return int(key[0])


def insert_many(session: Session, rows: Sequence[dict[str, Any]], *, now: datetime) -> None:
    """Queue many sends (kind, chat_id, petition_id, payload; pending, due now) with one
    statement. Their ids are not read back (that would cost more than the rows themselves
    on PostgreSQL): the delivery worker finds them in the table."""
    if rows:
        session.execute(_INSERT, [{
            **row, "status": OutboxStatus.PENDING, "attempts": 0, "created_at": now,
            "next_attempt_at": now} for row in rows])


def due(session: Session, *, now: datetime, limit: int) -> Sequence[Row[Any]]:
    """Claimable sends due now, oldest first. Rows are locked (PostgreSQL) and skipped by
    other workers until the transaction ends; ``claim`` then takes them."""
    return session.execute(_DUE, {"now": now, "limit": limit}).all()


def has_due(session: Session, *, now: datetime) -> bool:
    """Whether a pending send is due now."""
    return session.execute(_HAS_DUE, {"now": now}).first() is not None


def unsent_card_before(session: Session, *, petition_id: int, chat_id: int, before: int) -> bool:
    """Whether a card of the petition queued for the chat before outbox row ``before`` is
    still unsent (pending, or claimed and on its way)."""
    params = {"petition_id": petition_id, "chat_id": chat_id, "before": before}
    return session.execute(_UNSENT_CARD_BEFORE, params).first() is not None


def claim(session: Session, ids: Sequence[int], *, now: datetime, until: datetime) -> set[int]:
    """Claim those of ``ids`` that are still claimable at ``now``, until ``until``; returns
    the ids this call claimed.

    The condition is checked by the UPDATE itself, so of two workers that read the same
    rows only one gets each (SQLite reads outside the write lock; PostgreSQL's FOR UPDATE
    SKIP LOCKED already keeps them apart).
    """
    if not ids:
        return set()
    params = {"ids": list(ids), "now": now, "until": until}
    return set(session.execute(_CLAIM, params).scalars())


def take(session: Session, ids: Sequence[int], *, until: datetime) -> None:
    """Claim sends the caller's own transaction queued (no one else can see them yet)."""
    if ids:
        session.execute(_TAKE, {"ids": list(ids), "until": until})


def sent(session: Session, ids: Sequence[int], *, at: datetime) -> None:
    """Record sends done."""
    if ids:
        session.execute(_SENT, {"ids": list(ids), "at": at})


def attempts_and_age(session: Session, outbox_id: int) -> tuple[int, datetime]:
    """A send's failed attempts so far and when it was queued; LookupError when it is gone."""
    row = session.execute(_AGE, {"id": outbox_id}).first()
    if row is None:
        raise LookupError(f"outbox row {outbox_id} is gone")
    return int(row[0]), row[1]


def retry(session: Session, outbox_id: int, *, error: str, at: datetime) -> None:
    """Count a failed attempt and make the send due again at ``at``."""
    _update(session, [outbox_id], status=OutboxStatus.PENDING, claimed_until=None, next_attempt_at=at,
            last_error=error[:500], attempts=_outbox.attempts + 1)


def defer(session: Session, ids: Sequence[int], *, at: datetime, error: str | None = None) -> None:
    """Put sends back, due at ``at``, without counting an attempt (Telegram asked to wait,
    or an earlier send must go first); ``error`` is remembered when given."""
    values: dict[str, Any] = {"status": OutboxStatus.PENDING, "claimed_until": None, "next_attempt_at": at}
    if error is not None:
        values["last_error"] = error[:500]
    _update(session, ids, **values)


def failed(session: Session, outbox_id: int, *, error: str) -> None:
    """Count a last attempt: the send is given up and never claimed again."""
    _update(session, [outbox_id], status=OutboxStatus.FAILED, claimed_until=None, last_error=error[:500],
            attempts=_outbox.attempts + 1)


def _update(session: Session, ids: Sequence[int], **values: Any) -> None:
    """Set ``values`` on rows ``ids``; LookupError when one of them is gone."""
    if not ids:
        return
    result = _dml(session.execute(update(table_of(Outbox)).where(
        _outbox.id.in_(list(ids))).values(**values)))
    if result.rowcount != len(set(ids)):
        raise LookupError(f"outbox rows {sorted(ids)}: some are gone")


def _dml(result: Result[Any]) -> CursorResult[Any]:
    """An INSERT's or UPDATE's result, which SQLAlchemy types as a plain Result."""
    return cast("CursorResult[Any]", result)
