"""Queue what must be sent, in the caller's transaction.

Nothing is sent here: a delivery worker outside the domain reads the Outbox table, sends,
retries and records the result. So a state change and the messages announcing it commit
together, or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from storage import outbox as outbox_rows
from storage.enums import MessageKind, OutboxKind

Buttons = list[list[tuple[str, str]]]


def message(
    session: Session,
    *,
    chat_id: int,
    text: str,
    now: datetime,
    petition_id: int | None = None,
    buttons: Buttons | None = None,
    keyboard: str | None = None,
    in_thread_of: int | None = None,
    reply_to_card: bool = False,
    protect: bool = False,
) -> None:
    """Queue an HTML text message.

    ``keyboard`` is "contact" (ask for the phone number) or "remove"; ``in_thread_of`` puts
    the message in that petition's forum topic or under its card; ``protect`` sends it with
    Telegram's ``protect_content`` (no forwarding, no saving: a resident's contact details).
    """
    payload: dict[str, Any] = {"text": text}
    if protect:
        payload["protect"] = True
    if buttons:
        payload["buttons"] = [[list(b) for b in row] for row in buttons]
    if keyboard:
        payload["keyboard"] = keyboard
    if in_thread_of is not None:
        payload["in_thread_of"] = in_thread_of
        payload["reply_to_card"] = reply_to_card
    _add(session, kind=OutboxKind.MESSAGE, chat_id=chat_id, petition_id=petition_id, payload=payload, now=now)


def media(
    session: Session,
    *,
    chat_id: int,
    media_kind: MessageKind,
    file_id: str | None,
    now: datetime,
    caption: str = "",
    petition_id: int | None = None,
    in_thread_of: int | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> None:
    """Queue a photo, voice, document or location (by Telegram file_id or coordinates)."""
    payload: dict[str, Any] = {"media_kind": media_kind, "file_id": file_id, "caption": caption}
    if latitude is not None:
        payload.update(latitude=latitude, longitude=longitude)
    if in_thread_of is not None:
        payload["in_thread_of"] = in_thread_of
        payload["reply_to_card"] = True
    _add(session, kind=OutboxKind.MEDIA, chat_id=chat_id, petition_id=petition_id, payload=payload, now=now)


def upload(
    session: Session, *, chat_id: int, path: str, caption: str, now: datetime, as_photo: bool
) -> None:
    """Queue a file from disk (a digest chart, an exported register)."""
    payload = {"path": path, "caption": caption, "as_photo": as_photo}
    _add(session, kind=OutboxKind.UPLOAD, chat_id=chat_id, petition_id=None, payload=payload, now=now)


def card(session: Session, *, chat_id: int, petition_id: int, now: datetime) -> None:
    """Queue 'show this petition's current card in this chat' (sent once, then edited).

    The card's text is rendered when it is sent, so several queued refreshes of one card
    show the latest state.
    """
    _add(session, kind=OutboxKind.CARD, chat_id=chat_id, petition_id=petition_id, payload={}, now=now)


@dataclass(frozen=True)
class Queued:
    """A send queued in the current transaction."""

    id: int
    kind: OutboxKind
    chat_id: int
    petition_id: int | None
    payload: dict[str, Any]


def queued(session: Session) -> list[Queued]:
    """What this transaction has queued so far, in order (see Dispatch.hand_over)."""
    return list(session.info.get(_QUEUED, ()))


_QUEUED = "reception.petition.outbox.queued"


def _add(
    session: Session,
    *,
    kind: OutboxKind,
    chat_id: int,
    petition_id: int | None,
    payload: dict[str, Any],
    now: datetime,
) -> None:
    row_id = outbox_rows.insert_one(
        session, kind=kind, chat_id=chat_id, petition_id=petition_id, payload=payload, now=now
    )
    session.info.setdefault(_QUEUED, []).append(Queued(row_id, kind, chat_id, petition_id, payload))


@dataclass(frozen=True)
class Send:
    """One send to queue with others (``queue_all``): what ``message``/``card`` would queue."""

    kind: OutboxKind
    chat_id: int
    petition_id: int | None
    payload: dict[str, Any]

    @classmethod
    def card(cls, *, chat_id: int, petition_id: int) -> Send:
        return cls(OutboxKind.CARD, chat_id, petition_id, {})

    @classmethod
    def message_in_thread(cls, *, chat_id: int, text: str, petition_id: int) -> Send:
        """A text message under the petition's card (or in its forum topic)."""
        payload = {"text": text, "in_thread_of": petition_id, "reply_to_card": True}
        return cls(OutboxKind.MESSAGE, chat_id, petition_id, payload)


def queue_all(session: Session, sends: list[Send], *, now: datetime) -> None:
    """Queue many sends, in order, with one statement.

    Unlike ``message`` and ``card`` they are not listed by ``queued``, so ``hand_over`` does
    not take them: the delivery worker sends them from the table (it is kicked after every
    domain call).
    """
    outbox_rows.insert_many(session, [
        {"kind": s.kind, "chat_id": s.chat_id, "petition_id": s.petition_id,
         "payload": s.payload} for s in sends], now=now)
