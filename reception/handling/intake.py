"""The resident's side: registering, submitting, following up, cancelling, rating."""

from __future__ import annotations

import html
import logging
from dataclasses import asdict, dataclass, replace
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from nlp import mask_personal_data, parse_location, similarity
from reception import texts
from reception.deadlines.ladder import extend_reminders_for_pause, set_reminders
from reception.deps import Deps
from reception.errors import InvalidInput, NotFound
from reception.handling import emergency
from reception.handling.dispatch import Dispatch, Item
from reception.petition import callback_data, outbox
from reception.petition.cards import (
    CARD_TEXT_LIMIT,
    fmt_time,
    list_line,
    provisional_mark,
    render_status,
    resident_category,
)
from reception.petition.events import Actor, record
from reception.petition.numbering import next_number
from reception.petition.routing import route
from reception.petition.states import OPEN_STATUSES, Action, Status, next_status
from storage import queries, writes
from storage.db import transaction
from storage.models import Draft, Petition, Resident

log = logging.getLogger(__name__)

SUPPORTED_KINDS = frozenset({"text", "photo", "location", "voice", "document", "video", "contact"})
DUPLICATE_LOOKBACK = timedelta(days=30)
TOKEN_CACHE_SIZE = 50_000


@dataclass(frozen=True)
class Inbound:
    """One message from a resident, as the domain needs it (no Telegram types)."""

    tg_user_id: int
    name: str
    username: str
    chat_id: int
    message_id: int
    kind: str
    text: str = ""
    file_id: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    reply_to_message_id: int | None = None


@dataclass(frozen=True)
class IntakeResult:
    outcome: str  # created | appended | answered | duplicate | held
    number: str | None = None
    # What it queued, claimed for this process's delivery worker (see Dispatch.hand_over);
    # None when the sends wait in the outbox for the worker's claim.
    sends: list[Item] | None = None


class Intake:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.dispatch = Dispatch(deps)
        self._tokens: dict[int, frozenset[str]] = {}  # petition id -> tokens (see _tokens_of)

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
        if inbound.kind == "text" and not inbound.text.strip():
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

    def _submit(self, session: Session, inbound: Inbound) -> IntakeResult:
        if queries.inbound_seen(session, chat_id=inbound.chat_id, message_id=inbound.message_id):
            return IntakeResult("duplicate")
        resident = self._resident(session, inbound.tg_user_id, inbound.name, inbound.username)
        if not resident.community_code and len(self.deps.org.communities) == 1:
            resident.community_code = next(iter(self.deps.org.communities))
        if not resident.community_code:
            return self._hold(session, resident, inbound)
        target = self._follow_up_target(session, resident, inbound)
        if target is not None:
            return self._append(session, target, resident, inbound)
        return self._create(session, resident, inbound)

    def _follow_up_target(
        self, session: Session, resident: Resident, inbound: Inbound
    ) -> Petition | None:
        if inbound.reply_to_message_id is not None:
            replied = queries.petition_by_message(
                session, chat_id=inbound.chat_id, message_id=inbound.reply_to_message_id
            )
            if replied and replied.resident_id == resident.id and Status(replied.status).is_open:
                return replied
        latest = queries.latest_petition_of(session, resident.id)
        if latest is None:
            return None
        petition_id, status, last_message_at = latest
        fresh = self.deps.clock.now() - last_message_at <= self.deps.settings.merge_window
        if status == Status.WAITING or (status == Status.SUBMITTED and fresh):
            return session.get(Petition, petition_id)
        return None

    def _create(self, session: Session, resident: Resident, inbound: Inbound) -> IntakeResult:
        petition = self.new_petition(
            session, community=resident.community_code, text=inbound.text, resident=resident,
            actor=Actor("resident", resident.id),
        )
        self._store_message(session, petition, inbound, petition.created_at)
        self._confirm(session, petition, len(inbound.text))
        if petition.group_chat_id:
            self._forward_media(session, petition, inbound, petition.group_chat_id)
        return IntakeResult("created", petition.number)

    def new_petition(
        self, session: Session, *, community: str, text: str, actor: Actor,
        resident: Resident | None = None, channel: str = "telegram",
        visitor_name: str | None = None, visitor_phone: str | None = None,
    ) -> Petition:
        """Classify, locate, route and time a new petition; queue its card. Used for
        residents' messages and for visits registered at the desk."""
        deps, now = self.deps, self.deps.clock.now()
        analysis = deps.analyzer.analyse(text)
        decision, location = analysis.decision, analysis.location
        profile = resident if resident is not None and not location.building else None
        building = location.building or (resident.building if resident else None)
        unit = location.unit or (profile.unit if profile else None)
        room = location.room or (profile.room if profile else None)
        grid = deps.org.grid_for(community, building)
        triage = decision.confidence < deps.settings.triage_threshold
        group = route(
            session, deps.org, community_code=community, category=decision.category,
            grid_code=grid.code if grid else None, triage=triage,
        )
        due = deps.deadlines.deadlines(
            start=now, urgent=analysis.urgency.urgent, complex=False, category=decision.category
        )
        petition = Petition(
            number=next_number(session, prefix=deps.settings.number_prefix, now=now,
                               tz=deps.settings.tz),
            channel=channel, status=Status.SUBMITTED, community_code=community,
            street_code=deps.org.street_of(community).code,
            grid_code=grid.code if grid else None,
            resident_id=resident.id if resident else None,
            visitor_name=visitor_name, visitor_phone=visitor_phone,
            category=decision.category, confidence=decision.confidence,
            runner_up=decision.runner_up, keywords=list(decision.keywords),
            tokens=sorted(analysis.tokens), urgent=analysis.urgency.urgent,
            urgent_words=list(analysis.urgency.words), triage=triage,
            building=building, unit=unit, room=room, text=text,
            group_chat_id=group.chat_id if group else None,
            created_at=now, last_message_at=now, resolve_started_at=now,
            respond_due=due.respond_by, resolve_due=due.resolve_by,
        )
        set_reminders(deps, petition)
        petition.duplicate_of_id = self._find_duplicate(session, petition)
        session.add(petition)
        session.flush()
        record(
            session, petition, action=Action.SUBMIT, actor=actor, at=now,
            to_status=Status.SUBMITTED, channel=channel, category=decision.category,
            confidence=round(decision.confidence, 3), keywords=list(decision.keywords),
            urgent=analysis.urgency.urgent, group=group.chat_id if group else None,
            duplicate_of=petition.duplicate_of_id,
        )
        if group is None:
            log.warning("petition %s has no staff group: bind one with /bind %s",
                        petition.number, community)
        else:
            outbox.card(session, chat_id=group.chat_id, petition_id=petition.id, now=now)
        if petition.urgent:
            emergency.alert(session, deps, petition, now=now)
        return petition

    def _find_duplicate(self, session: Session, petition: Petition) -> int | None:
        if not petition.tokens:
            return None
        candidates = queries.duplicate_candidates(
            session, community_code=petition.community_code, building=petition.building,
            statuses=list(OPEN_STATUSES), since=petition.created_at - DUPLICATE_LOOKBACK,
        )
        tokens = self._tokens_of(session, candidates)
        mine = frozenset(petition.tokens)
        # Same building is strong evidence; without an address the words must agree more.
        threshold = self.deps.settings.duplicate_threshold
        if not petition.building:
            threshold = max(threshold, 0.6)
        best: tuple[float, int] | None = None
        for other_id, other in tokens.items():
            score = similarity(mine, other)
            if score >= threshold and (best is None or score > best[0]):
                best = (score, other_id)
        return best[1] if best else None

    def _tokens_of(self, session: Session, ids: list[int]) -> dict[int, frozenset[str]]:
        """Tokens of stored petitions, read once per process: they never change, and a
        new petition is compared with up to 200 of its building's."""
        cache = self._tokens
        missing = [i for i in ids if i not in cache]
        if missing:
            if len(cache) > TOKEN_CACHE_SIZE:
                cache.clear()
            cache.update((i, frozenset(t)) for i, t in queries.tokens_of(session, missing).items())
        return {i: cache[i] for i in ids if i in cache}

    def _append(
        self, session: Session, petition: Petition, resident: Resident, inbound: Inbound
    ) -> IntakeResult:
        now = self.deps.clock.now()
        waiting = petition.status == Status.WAITING
        action = Action.ANSWER if waiting else Action.APPEND
        before = petition.status
        petition.status = next_status(action, petition.status)
        if waiting and petition.paused_at is not None:
            self._resume_clocks(petition, now)
        if inbound.text:
            petition.text = f"{petition.text}\n{inbound.text}".strip()
        petition.last_message_at = now
        petition.version += 1
        self._store_message(session, petition, inbound, now)
        record(
            session, petition, action=action, actor=Actor("resident", resident.id), at=now,
            from_status=before, to_status=petition.status, text=inbound.text, kind=inbound.kind,
        )
        template = texts.CONFIRM_ANSWERED if waiting else texts.CONFIRM_APPENDED
        outbox.message(
            session, chat_id=inbound.chat_id, text=template.format(number=petition.number),
            now=now, petition_id=petition.id,
        )
        if petition.group_chat_id:
            outbox.card(session, chat_id=petition.group_chat_id, petition_id=petition.id, now=now)
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

    def _resume_clocks(self, petition: Petition, now) -> None:
        calc, paused_from = self.deps.deadlines, petition.paused_at
        limits = calc.policy.limits_for(
            urgent=petition.urgent, complex=petition.complex, category=petition.category
        )
        if petition.first_response_at is None and petition.respond_due:
            petition.respond_due = calc.extend_for_pause(
                petition.respond_due, paused_from=paused_from, paused_to=now, limit=limits.respond
            )
        if petition.resolve_due:
            petition.resolve_due = calc.extend_for_pause(
                petition.resolve_due, paused_from=paused_from, paused_to=now, limit=limits.resolve
            )
        extend_reminders_for_pause(self.deps, petition, paused_from=paused_from, paused_to=now)
        petition.paused_at = None

    def _hold(self, session: Session, resident: Resident, inbound: Inbound) -> IntakeResult:
        """No community yet: keep the message, ask for the community, submit it afterwards."""
        now = self.deps.clock.now()
        draft = session.get(Draft, (resident.tg_user_id, resident.tg_user_id))
        held = list(draft.payload.get("held", [])) if draft and draft.kind == "held" else []
        if any(h["message_id"] == inbound.message_id for h in held):
            return IntakeResult("duplicate")
        held.append(asdict(inbound))
        if draft is None:
            draft = Draft(
                tg_user_id=resident.tg_user_id, chat_id=resident.tg_user_id, kind="held", created_at=now
            )
            session.add(draft)
        draft.kind, draft.payload = "held", {"held": held}
        outbox.message(
            session, chat_id=inbound.chat_id, text=texts.HELD_MESSAGE, now=now,
            buttons=self._community_buttons(),
        )
        return IntakeResult("held")

    def _release_held(self, session: Session, resident: Resident) -> None:
        draft = session.get(Draft, (resident.tg_user_id, resident.tg_user_id))
        if draft is None or draft.kind != "held":
            return
        session.delete(draft)
        session.flush()
        for item in draft.payload.get("held", []):
            inbound = Inbound(**item)
            if not queries.inbound_seen(session, chat_id=inbound.chat_id, message_id=inbound.message_id):
                target = self._follow_up_target(session, resident, inbound)
                if target is not None:
                    self._append(session, target, resident, inbound)
                else:
                    self._create(session, resident, inbound)
                session.flush()

    # --- the resident's other actions -------------------------------------------------
    def cancel(self, *, tg_user_id: int, number: str) -> str:
        now = self.deps.clock.now()
        with transaction(self.deps.engine) as session:
            petition, resident = self._own_petition(session, tg_user_id, number)
            before = petition.status
            petition.status = next_status(Action.CANCEL, petition.status)
            petition.closed_at = now
            petition.version += 1
            record(session, petition, action=Action.CANCEL, actor=Actor("resident", resident.id),
                   at=now, from_status=before, to_status=petition.status)
            outbox.message(session, chat_id=tg_user_id, now=now, petition_id=petition.id,
                           text=texts.CANCELLED.format(number=petition.number))
            if petition.group_chat_id:
                outbox.card(session, chat_id=petition.group_chat_id, petition_id=petition.id, now=now)
            return petition.number

    def my_petitions(self, *, tg_user_id: int) -> str:
        with transaction(self.deps.engine) as session:
            resident = queries.resident_by_tg(session, tg_user_id)
            petitions = queries.petitions_of(session, resident.id) if resident else []
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
    def _own_petition(self, session: Session, tg_user_id: int, number: str):
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
        community = self.deps.org.community(resident.community_code)
        outbox.message(
            session, chat_id=resident.tg_user_id, now=self.deps.clock.now(),
            text=texts.WELCOME_COMMUNITY.format(
                community=html.escape(community.name), office=texts.OFFICE,
                address=html.escape(community.address or community.name),
            ),
            keyboard=None if resident.phone else "contact",
        )

    def _store_message(self, session: Session, petition: Petition, inbound: Inbound, now) -> None:
        writes.insert_messages(session, [dict(
            petition_id=petition.id, direction="in", chat_id=inbound.chat_id,
            message_id=inbound.message_id, kind=inbound.kind, text=inbound.text,
            file_id=inbound.file_id, latitude=inbound.latitude, longitude=inbound.longitude,
            created_at=now,
        )])

    def _forward_media(self, session: Session, petition: Petition, inbound: Inbound, chat_id: int) -> None:
        if inbound.kind in ("text", "contact"):
            return
        outbox.media(
            session, chat_id=chat_id, media_kind=inbound.kind, file_id=inbound.file_id,
            now=self.deps.clock.now(), caption=f"{petition.number} 的附件", petition_id=petition.id,
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
        outbox.message(session, chat_id=resident.tg_user_id, text=text, now=self.deps.clock.now(),
                       petition_id=petition.id)
