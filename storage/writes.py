"""Rows written for every petition and every send, as plain Core statements.

The ORM's unit of work costs several times the INSERT itself on SQLite; these rows are
never read back as objects in the transaction that writes them, so they skip it. Like
queries, nothing here commits. Each statement runs at once, in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, or_, update
from sqlmodel import Session

from storage.models import CardMessage, Outbox, PetitionEvent, PetitionMessage

_outbox = Outbox.__table__.c

_INSERT_OUTBOX = insert(Outbox.__table__)
_INSERT_EVENT = insert(PetitionEvent.__table__)
_INSERT_MESSAGE = insert(PetitionMessage.__table__)
_INSERT_CARD = insert(CardMessage.__table__)
_UPDATE_CARD = (
    update(CardMessage.__table__)
    .where(CardMessage.__table__.c.petition_id == bindparam("card_petition_id"),
           CardMessage.__table__.c.chat_id == bindparam("card_chat_id"))
    .values(message_id=bindparam("card_message_id"), thread_id=bindparam("card_thread_id"))
)
_CLAIM_OUTBOX = (
    update(Outbox.__table__)
    .where(_outbox.id.in_(bindparam("ids", expanding=True)))
    .values(status="sending", claimed_until=bindparam("until"))
)
_CLAIM_DUE_OUTBOX = (
    update(Outbox.__table__)
    .where(
        _outbox.id.in_(bindparam("ids", expanding=True)),
        or_(
            _outbox.status == "pending",
            (_outbox.status == "sending") & (_outbox.claimed_until < bindparam("now")),
        ),
    )
    .values(status="sending", claimed_until=bindparam("until"))
    .returning(_outbox.id)
)
_SENT_OUTBOX = (
    update(Outbox.__table__)
    .where(_outbox.id.in_(bindparam("ids", expanding=True)))
    .values(status="sent", sent_at=bindparam("at"), claimed_until=None)
)


def insert_outbox(
    session: Session, *, kind: str, chat_id: int, petition_id: int | None,
    payload: dict[str, Any], now: datetime,
) -> int:
    """Queue one send (pending, due now); returns its id."""
    result = session.execute(_INSERT_OUTBOX, {
        "kind": kind, "chat_id": chat_id, "petition_id": petition_id, "payload": payload,
        "status": "pending", "attempts": 0, "created_at": now, "next_attempt_at": now,
    })
    return int(result.inserted_primary_key[0])


def insert_outbox_many(session: Session, rows: Sequence[dict[str, Any]], *,
                       now: datetime) -> None:
    """Queue many sends (kind, chat_id, petition_id, payload; pending, due now) with one
    statement. Their ids are not read back (that would cost more than the rows themselves
    on PostgreSQL): the delivery worker finds them in the table."""
    if rows:
        session.execute(_INSERT_OUTBOX, [{
            **row, "status": "pending", "attempts": 0, "created_at": now,
            "next_attempt_at": now} for row in rows])


def claim_outbox(session: Session, ids: Sequence[int], *, until: datetime) -> None:
    """Mark sends as taken by this process until ``until`` (the caller chose them)."""
    if ids:
        session.execute(_CLAIM_OUTBOX, {"ids": list(ids), "until": until})


def claim_due_outbox(
    session: Session, ids: Sequence[int], *, now: datetime, until: datetime
) -> set[int]:
    """Claim those of ``ids`` that are still free (pending, or their claim expired) until
    ``until``; returns the ids this call claimed.

    The condition is checked by the UPDATE itself, so of two workers that read the same
    rows only one gets each (SQLite reads outside the write lock; PostgreSQL's FOR UPDATE
    SKIP LOCKED already keeps them apart).
    """
    if not ids:
        return set()
    params = {"ids": list(ids), "now": now, "until": until}
    return set(session.execute(_CLAIM_DUE_OUTBOX, params).scalars())


def outbox_sent(session: Session, ids: Sequence[int], *, at: datetime) -> None:
    if ids:
        session.execute(_SENT_OUTBOX, {"ids": list(ids), "at": at})


def insert_event(
    session: Session, *, petition_id: int, at: datetime, actor_kind: str, actor_id: int | None,
    action: str, from_status: str | None, to_status: str | None, detail: dict[str, Any],
) -> None:
    session.execute(_INSERT_EVENT, {
        "petition_id": petition_id, "at": at, "actor_kind": actor_kind, "actor_id": actor_id,
        "action": action, "from_status": from_status, "to_status": to_status, "detail": detail,
    })


def insert_events(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Many events (the columns of ``insert_event``) with one statement."""
    if rows:
        session.execute(_INSERT_EVENT, list(rows))


def insert_messages(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """PetitionMessage rows: petition_id, direction, chat_id, message_id, kind, created_at,
    and optionally text, file_id, latitude, longitude, staff_id."""
    if rows:
        session.execute(_INSERT_MESSAGE, [{**_MESSAGE_DEFAULTS, **row} for row in rows])


_MESSAGE_DEFAULTS: dict[str, Any] = {
    "text": "", "file_id": None, "latitude": None, "longitude": None, "staff_id": None,
    "media_group_id": None,
}


def place_card(
    session: Session, *, petition_id: int, chat_id: int, message_id: int, thread_id: int | None,
    now: datetime,
) -> None:
    """Remember where a petition's card now stands in a chat (one row per petition and chat)."""
    moved = session.execute(_UPDATE_CARD, {
        "card_petition_id": petition_id, "card_chat_id": chat_id,
        "card_message_id": message_id, "card_thread_id": thread_id,
    })
    if moved.rowcount == 0:
        session.execute(_INSERT_CARD, {
            "petition_id": petition_id, "chat_id": chat_id, "message_id": message_id,
            "thread_id": thread_id, "created_at": now,
        })
