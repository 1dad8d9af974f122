"""A resident edits a message they sent: the petition follows, and the timeline keeps both.

Telegram sends an ``edited_message`` update with the message's new text (or caption). The
edit of a message stored with an open petition replaces that message's words in the
petition's text, finds the building and unit again, refreshes the card in place and tells
the group; the timeline event keeps the text before and after. An edit after the petition is
closed is recorded only: it does not reopen it. An edit of a held stray message updates the
draft, and once it has words it becomes the petition (reception.handling.strays).
"""

from __future__ import annotations

import html
from dataclasses import asdict, replace
from typing import TYPE_CHECKING

from sqlmodel import Session

from nlp import mask_personal_data, parse_location
from reception import texts
from reception.handling import strays
from reception.petition import outbox
from reception.petition.events import Actor, Note
from reception.petition.states import Cards, status_label
from storage import queries
from storage.enums import ActorKind, DraftKind
from storage.models import Draft, Petition, PetitionMessage, Resident

if TYPE_CHECKING:
    from reception.handling.intake import Inbound, Intake

def apply_edit(intake: Intake, session: Session, inbound: Inbound) -> str:
    """Apply the edit ``inbound`` (the message's new version); return what happened."""
    resident = queries.resident_by_tg(session, inbound.tg_user_id)
    if resident is None:
        return "ignored"
    stored = queries.inbound_message(session, chat_id=inbound.chat_id, message_id=inbound.message_id)
    if stored is None:
        return _edit_draft(intake, session, resident, inbound)
    if stored.text == inbound.text:
        return "unchanged"
    petition = session.get(Petition, stored.petition_id)
    if petition is None:  # the message's petition is gone: nothing to follow
        return "unchanged"
    if petition.status.is_open:
        _edit_open(intake, session, petition, stored, resident, inbound)
        return "edited"
    _record(intake, session, petition, stored, resident, inbound, closed=True)
    outbox.message(session, chat_id=inbound.chat_id, petition_id=petition.id, now=intake.deps.clock.now(),
                   text=texts.EDITED_CLOSED_TO_RESIDENT.format(
                       number=petition.number, label=status_label(petition.status)))
    return "recorded"


def _edit_open(intake: Intake, session: Session, petition: Petition, stored: PetitionMessage,
               resident: Resident, inbound: Inbound) -> None:
    deps, now = intake.deps, intake.deps.clock.now()
    before = stored.text
    if before and before in petition.text:
        petition.text = petition.text.replace(before, inbound.text, 1)
    else:
        petition.text = f"{petition.text}\n{inbound.text}".strip()
    _record(intake, session, petition, stored, resident, inbound, closed=False)
    stored.text = inbound.text
    location = parse_location(petition.text)
    if location.building:
        petition.building, petition.unit, petition.room = location.building, location.unit, location.room
        grid = deps.org.grid_for(petition.community_code, petition.building)
        petition.grid_code = grid.code if grid else petition.grid_code
    outbox.message(session, chat_id=inbound.chat_id, petition_id=petition.id, now=now,
                   text=texts.EDITED_TO_RESIDENT.format(number=petition.number))
    intake.lifecycle.refresh(session, petition, Cards.EVERYWHERE)
    if petition.group_chat_id:  # a card edited in place makes no sound: say it once
        outbox.message(
            session, chat_id=petition.group_chat_id, petition_id=petition.id, now=now,
            text=texts.RESIDENT_EDITED.format(
                number=petition.number, text=html.escape(mask_personal_data(inbound.text))),
            in_thread_of=petition.id, reply_to_card=True,
        )


def _record(intake: Intake, session: Session, petition: Petition, stored: PetitionMessage,
            resident: Resident, inbound: Inbound, *, closed: bool) -> None:
    intake.lifecycle.note(session, petition, Note.EDIT, actor=Actor(ActorKind.RESIDENT, resident.id),
                          message_id=inbound.message_id, before=stored.text, after=inbound.text,
                          after_close=closed)


def _edit_draft(intake: Intake, session: Session, resident: Resident, inbound: Inbound) -> str:
    """The edited message is held (a stray, or waiting for the community)."""
    draft = session.get(Draft, (resident.tg_user_id, resident.tg_user_id))
    if draft is None:
        return "ignored"
    held = list(draft.payload.get("held", []))
    index = next((i for i, item in enumerate(held) if item["message_id"] == inbound.message_id), None)
    if index is None:
        return "ignored"
    item = strays.held_inbound(held.pop(index))
    edited = replace(item, text=inbound.text)
    if draft.kind == DraftKind.STRAY and strays.meaningful(edited.text):
        draft.payload = {"held": held}
        if not held:
            session.delete(draft)
        session.flush()
        strays.create_or_hold(intake, session, resident, edited)
        return "created"
    held.insert(index, asdict(edited))
    draft.payload = {"held": held}
    return "held"
