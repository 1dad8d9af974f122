"""Messages that are not a petition yet, and albums that are one.

A resident's message with nothing to act on (only emoji or punctuation, a sticker, a photo
without a caption, a lone voice note or location) is held as a draft, not turned into a
petition with promised times: the resident is asked once to say in words what they need, and
their answer becomes the petition with everything held attached (the draft row keeps the
file ids and coordinates, so nothing is lost). A Telegram album arrives as one message per
photo sharing a ``media_group_id``; its later photos join the petition the first one made.

A draft nobody explains is not left hanging: after ``Settings.stray_expiry`` (config.toml
``reception.stray_expire_hours``) since its last message, the sweep files a held voice note
as it is and closes anything else with a friendly message; the held messages stay in the
``stray_record`` table either way (``expire``).
"""

from __future__ import annotations

import html
import logging
import unicodedata
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from reception import texts
from reception.errors import InvalidInput
from reception.petition import callback_data, outbox
from reception.petition.events import Actor
from reception.petition.states import Action, allowed
from storage import queries
from storage.db import transaction
from storage.enums import ActorKind, DraftKind, MessageKind, StrayOutcome
from storage.models import Draft, Petition, Resident, StrayRecord

if TYPE_CHECKING:
    from reception.deps import Deps
    from reception.handling.intake import Inbound, Intake, IntakeResult

log = logging.getLogger(__name__)

EXPIRE_BATCH = 200
# Kept, but not posted to the group.
NOT_FORWARDED = frozenset({MessageKind.TEXT, MessageKind.CONTACT, MessageKind.STICKER})


def meaningful(text: str) -> bool:
    """True when ``text`` has a letter or a digit: a word, not only emoji or punctuation."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


def is_stray(inbound: Inbound) -> bool:
    return not meaningful(inbound.text)


def create_or_hold(intake: Intake, session: Session, resident: Resident, inbound: Inbound) -> IntakeResult:
    """A new petition from ``inbound`` and any held strays; or hold ``inbound`` as a stray."""
    draft = _draft(session, resident)
    held = list(draft.payload.get("held", [])) if draft is not None else []
    if any(item["message_id"] == inbound.message_id for item in held):
        return _result("duplicate")
    if is_stray(inbound):
        return _hold(intake, session, resident, inbound, draft, held)
    result = intake._create(session, resident, inbound)
    if draft is not None:
        session.delete(draft)
        petition = queries.petition_by_number(session, result.number) if result.number else None
        if petition is not None:
            _attach(intake, session, petition, resident, [held_inbound(item) for item in held])
    return result


def _hold(intake: Intake, session: Session, resident: Resident, inbound: Inbound,
          draft: Draft | None, held: list[dict[str, Any]]) -> IntakeResult:
    now = intake.deps.clock.now()
    same_album = bool(held) and inbound.media_group_id is not None and any(
        item.get("media_group_id") == inbound.media_group_id for item in held)
    held.append(asdict(inbound))
    if draft is None:
        draft = Draft(tg_user_id=resident.tg_user_id, chat_id=resident.tg_user_id, kind=DraftKind.STRAY,
                      created_at=now)
        session.add(draft)
    # A new dict: the JSON column sees the change. ``last_at``: the expiry counts from here.
    draft.payload = {"held": held, "last_at": now.isoformat()}
    if inbound.kind == MessageKind.VOICE:  # elderly residents speak rather than type: it may go as it is
        outbox.message(session, chat_id=inbound.chat_id, text=texts.STRAY_ASK_VOICE, now=now,
                       buttons=[[(texts.STRAY_SUBMIT_BUTTON, callback_data.SUBMIT_HELD)]])
    elif not same_album:  # one question per album, not one per photo
        what = texts.STRAY_WHAT.get(inbound.kind, texts.STRAY_WHAT[MessageKind.TEXT])
        if len(held) > 1:
            text = texts.STRAY_ASK_AGAIN.format(what=what)
        elif inbound.kind in NOT_FORWARDED:  # an emoji or a sticker: nothing to attach
            text = texts.STRAY_ASK_WORDS
        else:
            text = texts.STRAY_ASK.format(what=what)
        outbox.message(session, chat_id=inbound.chat_id, text=text, now=now)
    return _result("held")


def submit_held(intake: Intake, session: Session, resident: Resident) -> IntakeResult:
    """The resident confirms a held voice note as it is: it becomes the petition (no words,
    so the classifier's low confidence sends it to triage), with the rest held attached."""
    draft = _draft(session, resident)
    held = [held_inbound(item) for item in draft.payload.get("held", [])] if draft else []
    voice = next((item for item in held if item.kind == MessageKind.VOICE), None)
    if voice is None:
        raise InvalidInput(texts.STRAY_NOTHING_HELD)
    session.delete(draft)
    result = intake._create(session, resident, voice)
    petition = queries.petition_by_number(session, result.number) if result.number else None
    if petition is not None:
        _attach(intake, session, petition, resident, [item for item in held if item is not voice])
    return result


def _attach(intake: Intake, session: Session, petition: Petition, resident: Resident,
            items: list[Inbound]) -> None:
    """Store the held messages with the petition and post their media to its group."""
    if not items:
        return
    now = intake.deps.clock.now()
    for item in items:
        intake._store_message(session, petition, item, now)
        place_by_location(intake.deps, petition, item)
        if petition.group_chat_id and item.kind not in NOT_FORWARDED:
            intake._forward_media(session, petition, item, petition.group_chat_id)
    intake.lifecycle.note(session, petition, Action.APPEND, actor=Actor(ActorKind.RESIDENT, resident.id),
                          kinds=[item.kind for item in items], held=True)
    media = [item for item in items if item.kind not in NOT_FORWARDED]
    if not media:  # emoji and stickers are kept with the petition, not announced
        return
    what = texts.LIST_SEPARATOR.join(dict.fromkeys(texts.STRAY_WHAT.get(i.kind, i.kind) for i in media))
    outbox.message(session, chat_id=resident.tg_user_id, petition_id=petition.id, now=now,
                   text=texts.STRAY_ATTACHED.format(count=len(media), what=html.escape(what)).strip())


# --- albums -------------------------------------------------------------------------------
def album_petition(session: Session, inbound: Inbound) -> Petition | None:
    """The petition an earlier message of the same album went into, if any."""
    if inbound.media_group_id is None:
        return None
    petition_id = queries.petition_of_media_group(
        session, chat_id=inbound.chat_id, media_group_id=inbound.media_group_id)
    return session.get(Petition, petition_id) if petition_id is not None else None


def add_to_album(intake: Intake, session: Session, petition: Petition, resident: Resident,
                 inbound: Inbound) -> IntakeResult:
    """One more photo of an album: attached quietly (the first message was confirmed)."""
    if inbound.text.strip() and petition.status.is_open:
        petition.text = f"{petition.text}\n{inbound.text}".strip()
    intake._store_message(session, petition, inbound, intake.deps.clock.now())
    detail: dict[str, Any]
    actor, detail = Actor(ActorKind.RESIDENT, resident.id), {
        "kind": inbound.kind, "text": inbound.text, "media_group": inbound.media_group_id}
    if allowed(Action.APPEND, petition.status):
        intake.lifecycle.apply(session, petition, Action.APPEND, actor=actor, **detail)
    else:  # the petition moved on between the album's photos: kept and recorded
        intake.lifecycle.note(session, petition, Action.APPEND, actor=actor, **detail)
    if petition.group_chat_id and inbound.kind not in NOT_FORWARDED:
        intake._forward_media(session, petition, inbound, petition.group_chat_id)
    return _result("appended", petition.number)


def place_by_location(deps: Deps, petition: Petition, inbound: Inbound) -> None:
    """A shared location near a building of org.toml fills an address the words did not give."""
    if (inbound.kind != MessageKind.LOCATION or petition.building or inbound.latitude is None
            or inbound.longitude is None):
        return
    found = deps.org.building_at(petition.community_code, inbound.latitude, inbound.longitude)
    if found is not None:
        grid, petition.building = found
        petition.grid_code = grid.code


def origin_detail(inbound: Inbound) -> dict[str, Any]:
    """A forwarded message's origin for its timeline event (the card shows it)."""
    if not inbound.forwarded_from:
        return {}
    return {"forwarded_from": inbound.forwarded_from, "forwarded_kind": inbound.forwarded_kind,
            "forwarded_at": inbound.forwarded_at}


# --- helpers ------------------------------------------------------------------------------
def _draft(session: Session, resident: Resident) -> Draft | None:
    draft = session.get(Draft, (resident.tg_user_id, resident.tg_user_id))
    if draft is not None and draft.kind != DraftKind.STRAY:
        # The row is one per chat. Messages held for the community choice stay held (they
        # are attached like strays); a staff prompt here gives way to the resident's words.
        kept = draft.payload.get("held", []) if draft.kind == DraftKind.HELD else []
        draft.kind, draft.petition_id, draft.payload = DraftKind.STRAY, None, {"held": list(kept)}
    return draft


def held_inbound(item: dict[str, Any]) -> Inbound:
    """A held message as it was stored in the draft."""
    from reception.handling.intake import Inbound
    return Inbound(**item)


def _result(outcome: str, number: str | None = None) -> IntakeResult:
    from reception.handling.intake import IntakeResult
    return IntakeResult(outcome, number)


# --- expiry -------------------------------------------------------------------------------
def expire(intake: Intake) -> int:
    """Close the stray drafts nobody explained within ``Settings.stray_expiry``: a held voice
    note is filed as it is (elderly residents speak rather than type), anything else is
    closed with a friendly message. Either way the held messages are kept in
    ``stray_record``; nothing is dropped silently. Returns how many drafts were closed."""
    deps = intake.deps
    after = deps.settings.stray_expiry
    if after <= timedelta(0):
        return 0
    now = deps.clock.now()
    with transaction(deps.engine) as session:
        stale = queries.stale_drafts(session, kind=DraftKind.STRAY, before=now - after, limit=EXPIRE_BATCH)
    closed = 0
    for tg_user_id, chat_id in stale:
        try:
            with transaction(deps.engine) as session:
                closed += _expire_one(intake, session, tg_user_id, chat_id, now=now)
        except Exception:
            log.exception("closing the stray draft of %s failed", tg_user_id)
    return closed


def _expire_one(intake: Intake, session: Session, tg_user_id: int, chat_id: int, *,
                now: datetime) -> bool:
    draft = session.get(Draft, (tg_user_id, chat_id))
    if draft is None or draft.kind != DraftKind.STRAY:  # answered meanwhile, or another process took it
        return False
    last = datetime.fromisoformat(draft.payload["last_at"]) if draft.payload.get("last_at") else draft.created_at
    if now - last < intake.deps.settings.stray_expiry:
        return False
    held = list(draft.payload.get("held", []))
    resident = queries.resident_by_tg(session, tg_user_id)
    record = StrayRecord(tg_user_id=tg_user_id, held=held, outcome=StrayOutcome.CLOSED,
                         received_at=draft.created_at, closed_at=now)
    if resident is not None and resident.community_code and any(
            item.get("kind") == MessageKind.VOICE for item in held):
        outbox.message(session, chat_id=chat_id, text=texts.STRAY_EXPIRED_FILED, now=now)
        result = submit_held(intake, session, resident)
        petition = queries.petition_by_number(session, result.number) if result.number else None
        record.outcome, record.petition_id = StrayOutcome.FILED, petition.id if petition else None
    else:
        session.delete(draft)
        kinds = dict.fromkeys(texts.STRAY_WHAT.get(str(item.get("kind")), texts.STRAY_WHAT[MessageKind.TEXT])
                              for item in held)
        outbox.message(session, chat_id=chat_id, now=now, text=texts.STRAY_EXPIRED_CLOSED.format(
            what=html.escape(texts.LIST_SEPARATOR.join(kinds) or texts.STRAY_WHAT[MessageKind.TEXT])))
    session.add(record)
    return True
