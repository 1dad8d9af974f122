"""Rows written for every petition, as plain Core statements (the outbox's: storage/outbox.py).

The ORM's unit of work costs several times the INSERT itself on SQLite; these rows are
never read back as objects in the transaction that writes them, so they skip it. Like
queries, nothing here commits. Each statement runs at once, in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Result, bindparam, insert, update
from sqlmodel import Session

from storage.enums import ActorKind, Status
from storage.models import CardMessage, PetitionEvent, PetitionMessage
from storage.tables import table_of

_INSERT_EVENT = insert(table_of(PetitionEvent))
_INSERT_MESSAGE = insert(table_of(PetitionMessage))
_INSERT_CARD = insert(table_of(CardMessage))
_UPDATE_CARD = (
    update(table_of(CardMessage))
    .where(table_of(CardMessage).c.petition_id == bindparam("card_petition_id"),
           table_of(CardMessage).c.chat_id == bindparam("card_chat_id"))
    .values(message_id=bindparam("card_message_id"), thread_id=bindparam("card_thread_id"))
)
def insert_event(
    session: Session, *, petition_id: int, at: datetime, actor_kind: ActorKind, actor_id: int | None,
    action: str, from_status: Status | None, to_status: Status | None, detail: dict[str, Any],
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
    moved = _dml(session.execute(_UPDATE_CARD, {
        "card_petition_id": petition_id, "card_chat_id": chat_id,
        "card_message_id": message_id, "card_thread_id": thread_id,
    }))
    if moved.rowcount == 0:
        session.execute(_INSERT_CARD, {
            "petition_id": petition_id, "chat_id": chat_id, "message_id": message_id,
            "thread_id": thread_id, "created_at": now,
        })


def _dml(result: Result[Any]) -> CursorResult[Any]:
    """An INSERT's or UPDATE's result, which SQLAlchemy types as a plain Result."""
    return cast("CursorResult[Any]", result)
