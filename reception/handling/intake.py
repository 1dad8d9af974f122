"""The resident's side: registering, submitting, following up, cancelling, rating."""

from __future__ import annotations

import html
import logging
from dataclasses import asdict, dataclass, replace
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from nlp import mask_personal_data, parse_location
from reception import texts
from reception.deps import Deps
from reception.errors import InvalidInput, NotFound
from reception.handling import edits, emergency, knowledge, strays, urgency
from reception.handling.dispatch import Dispatch, Item
from reception.handling.filing import Filing
from reception.handling.lifecycle import Lifecycle
from reception.petition import callback_data, outbox
from reception.petition.cards import (
    CARD_TEXT_LIMIT,
    fmt_time,
    list_line,
    provisional_mark,
    render_status,
    resident_category,
)
from reception.petition.events import Actor
from reception.petition.states import Action, Status
from storage import queries, writes
from storage.db import transaction
from storage.enums import ActorKind, Direction, DraftKind, MessageKind
from storage.models import Draft, Petition, Resident
from storage.tables import saved_id

log = logging.getLogger(__name__)

# What a resident may send: every kind of message a petition keeps, except the bot's cards.
SUPPORTED_KINDS = frozenset(MessageKind) - {MessageKind.CARD}


@dataclass(frozen=True)
class Inbound:
    """One message from a resident, as the domain needs it (no Telegram types)."""

    tg_user_id: int
    name: str
    username: str
    chat_id: int
    message_id: int
    kind: str  # a MessageKind value, or another kind of Telegram message (refused)
    text: str = ""
    file_id: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    reply_to_message_id: int | None = None
    media_group_id: str | None = None  # the album it is part of
    forwarded_from: str | None = None  # a forwarded message's origin (see handlers.common)
    forwarded_kind: str | None = None  # user | hidden_user | chat | channel
    forwarded_at: str | None = None  # the original message's date, ISO 8601


@dataclass(frozen=True)
class IntakeResult:
    outcome: str  # created | appended | answered | duplicate | held | answered_by_knowledge
    number: str | None = None
    # What it queued, claimed for this process's delivery worker (see Dispatch.hand_over);
    # None when the sends wait in the outbox for the worker's claim.
    sends: list[Item] | None = None


class Intake:
    def __init__(self, deps: Deps, filing: Filing | None = None) -> None:
        self.deps = deps
        self.dispatch = Dispatch(deps)
        self.lifecycle = Lifecycle(deps)
        self.filing = filing or Filing(deps)

    # --- registration ------------------------------------------------------------------
    def start(self, *, tg_user_id: int, name: str, username: str, payload: str = "") -> None:
        """/start, optionally with a community code from a QR poster's deep link."""
        now = self.deps.clock.now()
        with transaction(self.deps.engine) as session:
            resident = self._resident(session, tg_user_id, name, username)
            code = payload.strip()
            if code and code in self.deps.org.communities:
                resident.community_code = code
            if resident.community_code and (not code or code in self.deps.org.communities):
                self._welcome(session, resident)
                self._release_held(session, resident)
                return
            prompt = (
                texts.UNKNOWN_COMMUNITY_CODE.format(code=html.escape(code))
                if code
                else texts.WELCOME_CHOOSE.format(office=texts.OFFICE)
            )
            outbox.message(
                session, chat_id=tg_user_id, text=prompt, now=now, buttons=self._community_buttons()
            )

    def choose_community(self, *, tg_user_id: int, name: str, username: str, code: str) -> None:
        if code not in self.deps.org.communities:
            raise InvalidInput(texts.UNKNOWN_COMMUNITY_CODE.format(code=html.escape(code)))
        with transaction(self.deps.engine) as session:
            resident = self._resident(session, tg_user_id, name, username)
            resident.community_code = code
            self._welcome(session, resident)
            self._release_held(session, resident)

    def set_phone(self, *, tg_user_id: int, phone: str, own: bool) -> None:
        if not own:
            raise InvalidInput(texts.PHONE_NOT_OWN)
        now = self.deps.clock.now()
        with transaction(self.deps.engine) as session:
            resident = self._resident(session, tg_user_id, "", "")
            resident.phone = phone.lstrip("+").removeprefix("86") if phone else None
            resident.phone_consent_at = now
            text = texts.PHONE_SAVED.format(phone=html.escape(resident.phone or ""))
            outbox.message(session, chat_id=tg_user_id, text=text, now=now, keyboard="remove")

    def set_address(self, *, tg_user_id: int, text: str) -> None:
        if not text.strip():
            raise InvalidInput(texts.ADDRESS_HINT)
        location = parse_location(text)
        if not location.building:
            raise InvalidInput(texts.ADDRESS_NOT_UNDERSTOOD)
        now = self.deps.clock.now()
        with transaction(self.deps.engine) as session:
            resident = self._resident(session, tg_user_id, "", "")
            resident.building, resident.unit, resident.room = (
                location.building, location.unit, location.room
            )
            reply = texts.ADDRESS_SAVED.format(address=html.escape(location.label()))
            outbox.message(session, chat_id=tg_user_id, text=reply, now=now)

    # --- submitting --------------------------------------------------------------------
    def submit(self, inbound: Inbound) -> IntakeResult:
        """Store a resident's message as a petition (or part of one) before anything is sent.

        A redelivered message (same chat and message id) changes nothing.
        """
        if inbound.kind not in SUPPORTED_KINDS:
            raise InvalidInput(texts.UNSUPPORTED_MESSAGE)
        if inbound.kind == MessageKind.TEXT and not inbound.text.strip():
            raise InvalidInput(texts.EMPTY_MESSAGE)
        try:
            with transaction(self.deps.engine) as session:
                result = self._submit(session, inbound)
                return replace(result, sends=self.dispatch.hand_over(session))
        except IntegrityError:
            # The same Telegram message raced in twice (two processes, a redelivery):
            # the first one won and holds it.
            log.info("duplicate delivery of message %s/%s", inbound.chat_id, inbound.message_id)
            return IntakeResult("duplicate")

    def submit_held(self, *, tg_user_id: int) -> IntakeResult:
        """The 就这样提交 button under a held voice note (see strays.py)."""
        with transaction(self.deps.engine) as session:
            resident = self._resident(session, tg_user_id, "", "")
            result = strays.submit_held(self, session, resident)
            return replace(result, sends=self.dispatch.hand_over(session))

    def expire_strays(self) -> int:
        """Close stray drafts nobody explained in time (see strays.expire); run by the sweep."""
        return strays.expire(self)

    def edit(self, inbound: Inbound) -> str:
        """A resident edited a message (``inbound`` is its new version); see edits.py."""
        with transaction(self.deps.engine) as session:
            return edits.apply_edit(self, session, inbound)

    def _submit(self, session: Session, inbound: Inbound) -> IntakeResult:
        if queries.inbound_seen(session, chat_id=inbound.chat_id, message_id=inbound.message_id):
            return IntakeResult("duplicate")
        resident = self._resident(session, inbound.tg_user_id, inbound.name, inbound.username)
        if not resident.community_code and len(self.deps.org.communities) == 1:
            resident.community_code = next(iter(self.deps.org.communities))
        if not resident.community_code:
            return self._hold(session, resident, inbound)
        if (album := strays.album_petition(session, inbound)) is not None:
            return strays.add_to_album(self, session, album, resident, inbound)
        target = self._follow_up_target(session, resident, inbound)
        if target is not None:
            return self._append(session, target, resident, inbound)
        if (answered := knowledge.answer_question(self, session, resident, inbound)) is not None:
            return answered
        return strays.create_or_hold(self, session, resident, inbound)

    def _follow_up_target(
        self, session: Session, resident: Resident, inbound: Inbound
    ) -> Petition | None:
        if inbound.reply_to_message_id is not None:
            replied = queries.petition_by_message(
                session, chat_id=inbound.chat_id, message_id=inbound.reply_to_message_id
            )
            if replied and replied.resident_id == resident.id and replied.status.is_open:
                return replied
        latest = queries.latest_petition_of(session, saved_id(resident))
        if latest is None:
            return None
        petition_id, status, last_message_at = latest
        fresh = self.deps.clock.now() - last_message_at <= self.deps.settings.merge_window
        if status == Status.WAITING or (status == Status.SUBMITTED and fresh):
            return session.get(Petition, petition_id)
        return None

    def _create(self, session: Session, resident: Resident, inbound: Inbound) -> IntakeResult:
        community = resident.community_code
        if community is None:  # callers hold the message until the resident has a community
            raise ValueError("a petition needs the resident's community")
        petition = self.filing.new_petition(
            session, community=community, text=inbound.text, resident=resident,
            actor=Actor(ActorKind.RESIDENT, resident.id), detail=strays.origin_detail(inbound),
        )
        self._store_message(session, petition, inbound, petition.created_at)
        self._confirm(session, petition, len(inbound.text))
        if petition.group_chat_id:
            self._forward_media(session, petition, inbound, petition.group_chat_id)
        return IntakeResult("created", petition.number)

    def _append(
        self, session: Session, petition: Petition, resident: Resident, inbound: Inbound
    ) -> IntakeResult:
        now = self.deps.clock.now()
        waiting = petition.status == Status.WAITING
        action = Action.ANSWER if waiting else Action.APPEND
        before = petition.status
        danger = urgency.follow_up_danger(self.deps, petition, inbound.text)
        if inbound.text:
            petition.text = f"{petition.text}\n{inbound.text}".strip()
        self._store_message(session, petition, inbound, now)
        strays.place_by_location(self.deps, petition, inbound)
        # The resident's confirmation first, then the card edit (the order they are sent in).
        template = texts.CONFIRM_ANSWERED if waiting else texts.CONFIRM_APPENDED
        if not danger:
            outbox.message(
                session, chat_id=inbound.chat_id, text=template.format(number=petition.number),
                now=now, petition_id=petition.id,
            )
        actor = Actor(ActorKind.RESIDENT, resident.id)
        self.lifecycle.apply(session, petition, action, actor=actor,
                             text=inbound.text, kind=inbound.kind, **strays.origin_detail(inbound))
        if danger:  # it has become an emergency: safety first, everyone alerted now
            urgency.become_urgent(session, self.deps, self.lifecycle, petition, actor=actor,
                                  words=danger)
            outbox.message(session, chat_id=inbound.chat_id, now=now, petition_id=petition.id,
                           text=urgency.upgraded_confirmation(self.deps, petition))
        if petition.group_chat_id:
            if inbound.text and (waiting or before != Status.SUBMITTED):
                # Masked like the card: the group sees what was said, not the phone or ID number.
                note = texts.RESIDENT_ANSWER if waiting else texts.RESIDENT_FOLLOWUP
                outbox.message(
                    session, chat_id=petition.group_chat_id, petition_id=petition.id, now=now,
                    text=note.format(number=petition.number,
                                     text=html.escape(mask_personal_data(inbound.text))),
                    in_thread_of=petition.id, reply_to_card=True,
                )
            self._forward_media(session, petition, inbound, petition.group_chat_id)
        return IntakeResult("answered" if waiting else "appended", petition.number)

    def _hold(self, session: Session, resident: Resident, inbound: Inbound) -> IntakeResult:
        """No community yet: keep the message, ask for the community, submit it afterwards."""
        now = self.deps.clock.now()
        draft = session.get(Draft, (resident.tg_user_id, resident.tg_user_id))
        held = list(draft.payload.get("held", [])) if draft and draft.kind == DraftKind.HELD else []
        if any(h["message_id"] == inbound.message_id for h in held):
            return IntakeResult("duplicate")
        held.append(asdict(inbound))
        if draft is None:
            draft = Draft(
                tg_user_id=resident.tg_user_id, chat_id=resident.tg_user_id, kind=DraftKind.HELD, created_at=now
            )
            session.add(draft)
        draft.kind, draft.payload = DraftKind.HELD, {"held": held}
        outbox.message(
            session, chat_id=inbound.chat_id, text=texts.HELD_MESSAGE, now=now,
            buttons=self._community_buttons(),
        )
        return IntakeResult("held")

    def _release_held(self, session: Session, resident: Resident) -> None:
        draft = session.get(Draft, (resident.tg_user_id, resident.tg_user_id))
        if draft is None or draft.kind != DraftKind.HELD:
            return
        session.delete(draft)
        session.flush()
        for item in draft.payload.get("held", []):
            inbound = Inbound(**item)
            if not queries.inbound_seen(session, chat_id=inbound.chat_id, message_id=inbound.message_id):
                if (album := strays.album_petition(session, inbound)) is not None:
                    strays.add_to_album(self, session, album, resident, inbound)
                elif (target := self._follow_up_target(session, resident, inbound)) is not None:
                    self._append(session, target, resident, inbound)
                else:
                    strays.create_or_hold(self, session, resident, inbound)
                session.flush()

    # --- the resident's other actions -------------------------------------------------
    def cancel(self, *, tg_user_id: int, number: str) -> str:
        now = self.deps.clock.now()
        with transaction(self.deps.engine) as session:
            petition, resident = self._own_petition(session, tg_user_id, number)
            if petition.status == Status.CANCELLED:  # a second /cancel: nobody handled it
                raise InvalidInput(texts.CANCEL_ALREADY.format(number=petition.number))
            # A refusal raises out of the transaction: the message below is never sent.
            outbox.message(session, chat_id=tg_user_id, now=now, petition_id=petition.id,
                           text=texts.CANCELLED.format(number=petition.number))
            self.lifecycle.apply(session, petition, Action.CANCEL,
                                 actor=Actor(ActorKind.RESIDENT, resident.id))
            return petition.number

    def my_petitions(self, *, tg_user_id: int) -> str:
        with transaction(self.deps.engine) as session:
            resident = queries.resident_by_tg(session, tg_user_id)
            petitions = queries.petitions_of(session, saved_id(resident)) if resident else []
            if not petitions:
                return texts.MY_EMPTY
            lines = [texts.MY_HEADER.format(count=len(petitions))]
            lines += [list_line(p, self.deps.settings.tz, for_resident=True) for p in petitions]
            return "\n".join(lines)

    def status(self, *, tg_user_id: int, number: str) -> str:
        with transaction(self.deps.engine) as session:
            petition, _ = self._own_petition(session, tg_user_id, number)
            return render_status(session, self.deps, petition)

    # --- helpers -----------------------------------------------------------------------
    def _own_petition(self, session: Session, tg_user_id: int, number: str) -> tuple[Petition, Resident]:
        resident = queries.resident_by_tg(session, tg_user_id)
        petition = queries.petition_by_number(session, number) if number.strip() else None
        if resident is None or petition is None or petition.resident_id != resident.id:
            raise NotFound(texts.NOT_YOUR_PETITION.format(number=html.escape(number.strip())))
        return petition, resident

    def _resident(self, session: Session, tg_user_id: int, name: str, username: str) -> Resident:
        resident = queries.resident_by_tg(session, tg_user_id)
        if resident is None:
            resident = Resident(tg_user_id=tg_user_id, name=name, username=username,
                                created_at=self.deps.clock.now())
            session.add(resident)
            session.flush()
        elif name and resident.name != name:
            resident.name = name
        return resident

    def _community_buttons(self) -> outbox.Buttons:
        return [[(c.name, callback_data.community(c.code))] for c in self.deps.org.communities.values()]

    def _welcome(self, session: Session, resident: Resident) -> None:
        if resident.community_code is None:  # callers welcome a resident once the community is known
            return
        community = self.deps.org.community(resident.community_code)
        outbox.message(
            session, chat_id=resident.tg_user_id, now=self.deps.clock.now(),
            text=texts.WELCOME_COMMUNITY.format(
                community=html.escape(community.name), office=texts.OFFICE,
                address=html.escape(community.address or community.name),
            ),
            keyboard=None if resident.phone else "contact",
        )

    def _store_message(self, session: Session, petition: Petition, inbound: Inbound, now: datetime) -> None:
        writes.insert_messages(session, [dict(
            petition_id=petition.id, direction=Direction.IN, chat_id=inbound.chat_id,
            message_id=inbound.message_id, kind=MessageKind(inbound.kind), text=inbound.text,
            file_id=inbound.file_id, latitude=inbound.latitude, longitude=inbound.longitude,
            media_group_id=inbound.media_group_id, created_at=now,
        )])

    def _forward_media(self, session: Session, petition: Petition, inbound: Inbound, chat_id: int) -> None:
        if inbound.kind in (MessageKind.TEXT, MessageKind.CONTACT):
            return
        outbox.media(
            session, chat_id=chat_id, media_kind=MessageKind(inbound.kind), file_id=inbound.file_id,
            now=self.deps.clock.now(), caption=texts.MEDIA_CAPTION.format(number=petition.number),
            petition_id=petition.id,
            in_thread_of=petition.id, latitude=inbound.latitude, longitude=inbound.longitude,
        )

    def _confirm(self, session: Session, petition: Petition, length: int) -> None:
        tz = self.deps.settings.tz
        text = texts.CONFIRM_CREATED.format(
            number=petition.number, category=html.escape(resident_category(petition)),
            urgent=texts.CONFIRM_URGENT_MARK if petition.urgent else "",
            respond_by=fmt_time(petition.respond_due, tz),
            resolve_by=fmt_time(petition.resolve_due, tz) + provisional_mark(self.deps, petition.resolve_due),
        )
        if petition.urgent:  # the calls to make first, then what we do; no form letter
            text = emergency.confirmation(self.deps, petition)
        else:
            text += emergency.after_hours_note(self.deps, petition)
        if length > self.deps.settings.max_text_chars:
            text += texts.CONFIRM_LONG_TEXT.format(length=length, shown=CARD_TEXT_LIMIT)
        resident = session.get(Resident, petition.resident_id)
        if resident is None:  # a petition confirmed here always has its resident
            return
        outbox.message(session, chat_id=resident.tg_user_id, text=text, now=self.deps.clock.now(),
                       petition_id=petition.id)
