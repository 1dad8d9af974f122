"""回访: after resolution someone other than the handler calls the resident back.

A resolved petition goes on its community's call-back list when the resident has not rated
it within ``Settings.callback_unrated_days``, or when it falls in the sample
(``callback_sample_percent`` of all resolved petitions, chosen by a hash of the number so
every process picks the same ones). The community's callers (org.toml ``callers``; by
default its administrators) list them with /callbacks and record how the call went with a
button or ``/callback 编号 结果 备注``: 满意 / 基本满意 / 不满意 / 联系不上. The handler of a
petition never calls it back. 不满意 reopens the petition, as the resident's own rating does,
and always (the office found it unsolved; the resident's reopening window does not apply).

The outcome is kept on the petition (``callback_outcome``); in the satisfaction figures it
stands for the rating when the resident gave none (docs/reports.md), 联系不上 counts nowhere.
"""

from __future__ import annotations

import html
import zlib
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from nlp import mask_personal_data
from reception import texts
from reception.deps import Deps
from reception.errors import InvalidInput, NotAllowed, NotFound
from reception.handling.access import Access
from reception.handling.desk import Desk
from reception.handling.lifecycle import Lifecycle
from reception.petition import callback_data, outbox
from reception.petition.callback_data import CALLBACK_OUTCOMES
from reception.petition.cards import address_of, fmt_time, resident_label
from reception.petition.events import Actor, Note
from reception.petition.states import Action
from storage import callback_queries as cq
from storage import queries
from storage.db import transaction
from storage.enums import ActorKind, CallbackOutcome, CallbackReason, DraftKind, Role
from storage.models import CallBack, Draft, Petition, Resident, Staff
from storage.tables import saved_id

# How far back a resolution is still looked at for the list: older ones are history.
LOOKBACK = timedelta(days=30)
OUTCOME_BY_LABEL = {label: CallbackOutcome(code) for label, code in texts.CALLBACK_BUTTONS}


@dataclass(frozen=True)
class _Entry:
    callback: CallBack
    petition: Petition


class CallBacks:
    def __init__(self, deps: Deps, access: Access, desk: Desk | None = None) -> None:
        self.deps = deps
        self.access = access
        self.lifecycle = Lifecycle(deps)
        if desk is not None:  # the caller's line after an outcome button is the call's note
            desk.draft_takers[DraftKind.CALLBACK_NOTE] = self.take_note

    def take_note(self, *, tg_user_id: int, chat_id: int, petition_id: int | None,
                  text: str) -> str:
        """The caller's line after an outcome button: the call's note (register, timeline)."""
        with transaction(self.deps.engine) as session:
            staff = self.access.require_staff(session, tg_user_id)
            callback = cq.latest_done_callback(session, petition_id or 0, caller_staff_id=staff.id)
            petition = session.get(Petition, petition_id) if petition_id else None
            if callback is None or petition is None or not text.strip():
                return texts.PROMPT_CANCELLED
            callback.note = text.strip()
            self.lifecycle.note(session, petition, Note.CALLBACK_NOTE,
                                actor=Actor(ActorKind.STAFF, staff.id, staff.name), text=callback.note)
            return texts.CALLBACK_NOTE_SAVED.format(number=petition.number)

    # --- the list ---------------------------------------------------------------------------
    def queue_due(self) -> int:
        """Put what is due on the call-back lists and tell each community's callers in
        private how many wait. Returns how many were put on a list (the scheduled job)."""
        with transaction(self.deps.engine) as session:
            added = self._queue_due(session)
            now = self.deps.clock.now()
            for community_code, count in sorted(_count_by(added).items()):
                for caller in self._callers(session, community_code):
                    outbox.message(session, chat_id=caller.tg_user_id, now=now,
                                   text=texts.CALLBACK_DUE_TO_CALLER.format(count=count))
            return len(added)

    def pending(self, *, tg_user_id: int, chat_id: int) -> str:
        """/callbacks: the call-backs this caller may make, as one message each with the
        outcome buttons (masked: it may be a group); the residents' contacts go to the
        caller's private chat. Everything is queued in order; returns "" or the empty note."""
        with transaction(self.deps.engine) as session:
            staff = self.access.require_staff(session, tg_user_id)
            communities = [code for code in self.access.chat_scope(session, staff, chat_id)
                           if self._is_caller(session, staff, code)]
            if not communities:
                raise NotAllowed(texts.CALLBACK_NOT_ANY_CALLER)
            self._queue_due(session)
            entries = [_Entry(c, p) for c, p in cq.pending_callbacks(session, communities=communities)
                       if p.handler_staff_id != staff.id]
            if not entries:
                return texts.CALLBACK_EMPTY
            now = self.deps.clock.now()
            outbox.message(session, chat_id=chat_id, now=now,
                           text=texts.CALLBACK_HEADER.format(count=len(entries)))
            handlers = queries.staff_names(session, (e.petition.handler_staff_id for e in entries))
            contacts = [texts.CALLBACK_CONTACTS_HEADER]
            for entry in entries:
                petition, resident = entry.petition, self._resident(session, entry.petition)
                buttons = [[(label, callback_data.call_back(saved_id(entry.callback), code))
                            for label, code in OUTCOME_BY_LABEL.items()]]
                outbox.message(session, chat_id=chat_id, now=now, petition_id=petition.id,
                               buttons=buttons, text=self._item(petition, resident, entry.callback,
                                                                handlers))
                name, _, phone = resident_label(resident, petition, masked=False).partition(" ")
                contacts.append(texts.CALLBACK_CONTACT_LINE.format(
                    number=petition.number, name=html.escape(name), phone=html.escape(phone or texts.CALLBACK_NO_PHONE),
                    address=html.escape(address_of(petition) or texts.ADDRESS_NOT_GIVEN)))
            outbox.message(session, chat_id=staff.tg_user_id, now=now, text="\n".join(contacts))
            return ""

    # --- recording the call -------------------------------------------------------------------
    def record_press(self, *, tg_user_id: int, chat_id: int, callback_id: int,
                     outcome: CallbackOutcome) -> str:
        """An outcome button under a list entry."""
        with transaction(self.deps.engine) as session:
            callback = session.get(CallBack, callback_id)
            petition = session.get(Petition, callback.petition_id) if callback else None
            if callback is None or petition is None:
                raise NotFound(texts.BUTTON_INVALID)
            done_before = callback.done_at is not None
            answer = self._record(session, tg_user_id, chat_id, petition, outcome, "")
            if not done_before:  # the caller's next message in this chat is the call's note
                draft = session.get(Draft, (tg_user_id, chat_id)) or Draft(
                    tg_user_id=tg_user_id, chat_id=chat_id, kind=DraftKind.CALLBACK_NOTE,
                    created_at=self.deps.clock.now())
                draft.kind, draft.petition_id = DraftKind.CALLBACK_NOTE, petition.id
                session.add(draft)
                outbox.message(session, chat_id=chat_id, now=self.deps.clock.now(),
                               petition_id=petition.id, text=texts.CALLBACK_NOTE_PROMPT.format(
                                   number=petition.number))
            return answer

    def record(self, *, tg_user_id: int, chat_id: int, number: str, outcome: str,
               note: str = "") -> str:
        """/callback 编号 结果 备注. Raises InvalidInput for an unknown outcome."""
        code = OUTCOME_BY_LABEL.get(outcome.strip())
        if code is None:
            raise InvalidInput(texts.CALLBACK_USAGE)
        with transaction(self.deps.engine) as session:
            petition = queries.petition_by_number(session, number.strip())
            if petition is None:
                self.access.require_staff(session, tg_user_id)
                raise NotFound(texts.NO_SUCH_PETITION.format(number=html.escape(number)))
            return self._record(session, tg_user_id, chat_id, petition, code, note.strip())

    def _record(self, session: Session, tg_user_id: int, chat_id: int, petition: Petition,
                outcome: CallbackOutcome, note: str) -> str:
        if outcome not in CALLBACK_OUTCOMES:
            raise InvalidInput(texts.CALLBACK_USAGE)
        staff = self.access.require_staff(session, tg_user_id)
        self.access.chat_scope(session, staff, chat_id)  # the chat first: an unbound group learns nothing
        self.access.require_scope(staff, petition, session=session, chat_id=chat_id)
        if not self._is_caller(session, staff, petition.community_code):
            raise NotAllowed(texts.CALLBACK_NOT_CALLER)
        if petition.handler_staff_id == staff.id:
            raise NotAllowed(texts.CALLBACK_OWN_PETITION.format(number=petition.number))
        callback = cq.pending_callback_of(session, petition) if petition.resolved_at else None
        if callback is None and petition.resolved_at is not None:  # due since the last job
            self._queue_due(session)
            callback = cq.pending_callback_of(session, petition)
        if callback is None:
            raise InvalidInput(texts.CALLBACK_NOT_LISTED.format(number=petition.number))
        if callback.done_at is not None:
            return texts.CALLBACK_ALREADY.format(
                number=petition.number, outcome=texts.CALLBACK_LABELS.get(callback.outcome or "", ""))
        now, label = self.deps.clock.now(), texts.CALLBACK_LABELS[outcome]
        actor = Actor(ActorKind.STAFF, staff.id, staff.name)
        shown = label + (texts.CALLBACK_NOTE_SUFFIX.format(note=note) if note else "")
        # The transition first: it refuses (nothing changed) when the petition moved on.
        self.lifecycle.apply(session, petition, Action.CALL_BACK, actor=actor, outcome=outcome,
                             outcome_label=label, text=shown, note=note)
        callback.outcome, callback.note, callback.caller_staff_id, callback.done_at = (
            outcome, note, staff.id, now)
        petition.callback_outcome = outcome
        if outcome != CallbackOutcome.UNSATISFIED:
            return texts.CALLBACK_RECORDED.format(number=petition.number, outcome=label)
        resident = self._resident(session, petition)
        if resident is not None:
            outbox.message(session, chat_id=resident.tg_user_id, now=now, petition_id=petition.id,
                           text=texts.CALLBACK_REOPENED_TO_RESIDENT.format(number=petition.number))
        self.lifecycle.apply(session, petition, Action.REOPEN, actor=actor)
        if petition.group_chat_id:
            outbox.message(session, chat_id=petition.group_chat_id, now=now, petition_id=petition.id,
                           in_thread_of=petition.id, reply_to_card=True,
                           text=texts.CALLBACK_REOPENED_GROUP.format(
                               number=petition.number, caller=html.escape(staff.name),
                               note=html.escape(texts.CALLBACK_NOTE_SUFFIX.format(
                                   note=mask_personal_data(note))) if note else ""))
        return texts.CALLBACK_REOPENED.format(number=petition.number)

    # --- helpers ---------------------------------------------------------------------------
    def _queue_due(self, session: Session) -> list[CallBack]:
        settings, now = self.deps.settings, self.deps.clock.now()
        days = settings.callback_unrated_days
        added: list[CallBack] = []
        for petition in cq.resolved_without_callback(
                session, resolved_since=now - LOOKBACK, resolved_before=now - timedelta(days=days)):
            reason = (CallbackReason.UNRATED if petition.rating is None
                      else CallbackReason.SAMPLE if in_sample(petition.number, settings.callback_sample_percent)
                      else None)
            if reason is None or petition.resolved_at is None:
                continue
            row = CallBack(petition_id=saved_id(petition), community_code=petition.community_code,
                           resolved_at=petition.resolved_at, reason=reason, created_at=now)
            if cq.add_callback(session, row):
                added.append(row)
                self.lifecycle.note(session, petition, Note.CALLBACK_DUE, actor=Actor.system(),
                                    text=texts.CALLBACK_DUE_NOTE.format(
                                        reason=texts.CALLBACK_REASONS[reason], days=days))
        return added

    def _callers(self, session: Session, community_code: str) -> list[Staff]:
        names = self.deps.org.community(community_code).callers
        candidates = cq.active_staff_named(session, names) if names else cq.active_admins(session)
        return [s for s in candidates if self._in_scope(s, community_code)]

    def _is_caller(self, session: Session, staff: Staff, community_code: str) -> bool:
        if not self._in_scope(staff, community_code):
            return False
        names = self.deps.org.community(community_code).callers
        return staff.name in names if names else staff.role == Role.ADMIN

    def _in_scope(self, staff: Staff, community_code: str) -> bool:
        return self.deps.org.scope_contains(scope_kind=staff.scope_kind, scope_code=staff.scope_code,
                                            community_code=community_code)

    @staticmethod
    def _resident(session: Session, petition: Petition) -> Resident | None:
        return session.get(Resident, petition.resident_id) if petition.resident_id else None

    def _item(self, petition: Petition, resident: Resident | None, callback: CallBack,
              handlers: dict[int, str]) -> str:
        community = self.deps.org.community(petition.community_code)
        result = mask_personal_data(petition.result or "—")
        return texts.CALLBACK_ITEM.format(
            number=petition.number, category=html.escape(petition.category),
            reason=texts.CALLBACK_REASONS.get(callback.reason, callback.reason),
            resolved=fmt_time(petition.resolved_at, self.deps.settings.tz),
            handler=html.escape(handlers.get(petition.handler_staff_id or 0, "—")),
            resident=html.escape(resident_label(resident, petition, masked=True)),
            place=html.escape(community.name + address_of(petition)),
            result=html.escape(result[:80] + ("…" if len(result) > 80 else "")))


def in_sample(number: str, percent: int) -> bool:
    """Whether a petition is in the call-back sample: a stable hash of its number."""
    return zlib.crc32(number.encode("utf-8")) % 100 < percent


def _count_by(rows: list[CallBack]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.community_code] = counts.get(row.community_code, 0) + 1
    return counts
