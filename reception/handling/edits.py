"""A resident edits a message they sent: the petition follows, and the timeline keeps both.

Telegram sends an ``edited_message`` update with the message's new text (or caption). The
edit of a message stored with an open petition replaces that message's words in the
petition's text, finds the building and unit again, refreshes the card in place and tells
the group; the timeline event keeps the text before and after. The edited text is classified
and routed again: a new category updates the card, and a petition nobody has taken yet moves
to the group that now fits (a ``reclassify`` event on the timeline; the group it left is
told); an edit naming a danger makes it urgent (reception.handling.urgency). An edit after the petition is
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
from reception.handling import knowledge, strays, urgency
from reception.petition import outbox
from reception.petition.events import Actor, Note
from reception.petition.routing import route
from reception.petition.states import Action, Cards, Status, status_label
from storage import queries
from storage.enums import ActorKind, DraftKind
from storage.models import Draft, Petition, PetitionMessage, Resident
from storage.tables import saved_id

if TYPE_CHECKING:
    from reception.handling.intake import Inbound, Intake

def apply_edit(intake: Intake, session: Session, inbound: Inbound) -> str:
    """Apply the edit ``inbound`` (the message's new version); return what happened."""
    resident = queries.resident_by_tg(session, inbound.tg_user_id)
    if resident is None:
        return "ignored"
    stored = queries.inbound_message(session, chat_id=inbound.chat_id, message_id=inbound.message_id)
    if stored is None:
        if knowledge.edit_question(session, inbound):
            return "edited"
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
    actor = Actor(ActorKind.RESIDENT, resident.id)
    moved_from = _reclassify(intake, session, petition, actor)
    danger = urgency.follow_up_danger(deps, petition, inbound.text)
    if danger:  # the edit names a danger: an emergency from now (reception.handling.urgency)
        urgency.become_urgent(session, deps, intake.lifecycle, petition, actor=actor, words=danger)
        outbox.message(session, chat_id=inbound.chat_id, petition_id=petition.id, now=now,
                       text=urgency.upgraded_confirmation(deps, petition))
    else:
        outbox.message(session, chat_id=inbound.chat_id, petition_id=petition.id, now=now,
                       text=texts.EDITED_TO_RESIDENT.format(number=petition.number))
    intake.lifecycle.refresh(session, petition, Cards.EVERYWHERE)
    if moved_from is not None and petition.group_chat_id:
        outbox.message(session, chat_id=moved_from, petition_id=petition.id, now=now,
                       text=texts.EDIT_REROUTED_AWAY.format(number=petition.number))
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


def _reclassify(intake: Intake, session: Session, petition: Petition, actor: Actor) -> int | None:
    """Classify and route the edited text again. A new category or grid updates the card; a
    petition nobody has taken yet moves to the group that now fits (returns the group it
    left). A category or group staff chose (转派) is theirs: the edit leaves it alone."""
    deps = intake.deps
    if queries.events_of(session, saved_id(petition), (Action.REASSIGN,)):
        return None
    decision = deps.analyzer.classify(petition.text)
    triage = decision.confidence < deps.settings.triage_threshold
    group = route(session, deps.org, community_code=petition.community_code,
                  category=decision.category, grid_code=petition.grid_code, triage=triage)
    old_group, old_category = petition.group_chat_id, petition.category
    new_group = group.chat_id if group is not None else old_group
    movable = petition.status == Status.SUBMITTED
    if decision.category == old_category and (new_group == old_group or not movable):
        return None
    petition.category, petition.confidence = decision.category, decision.confidence
    petition.keywords, petition.triage = list(decision.keywords), triage
    petition.runner_up = decision.runner_up
    moved = movable and new_group != old_group
    if moved:
        petition.group_chat_id = new_group
    title = group.title if moved and group is not None else ""
    intake.lifecycle.note(
        session, petition, Note.RECLASSIFY, actor=actor, category=decision.category,
        from_category=old_category, from_group=old_group, to_group=petition.group_chat_id,
        text=texts.EDIT_RECLASSIFIED.format(
            before=old_category, after=decision.category,
            moved=texts.EDIT_RECLASSIFIED_MOVED.format(title=title) if moved else ""))
    return old_group if moved else None
