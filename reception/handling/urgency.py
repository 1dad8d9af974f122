"""Urgency after the first message: a follow-up that reports a danger, and staff's judgement.

A petition is judged urgent from its first message (reception.handling.filing). Dangers
also arrive later: "刚才说的漏水，现在水已经漫到客厅了，电线那里在冒火花". Each message the resident
adds to an open petition is checked again; when it names a live danger the petition becomes
urgent at once (``Action.MARK_URGENT``): the resident's reply opens with the safety advice
and the numbers, the urgent limits count from now, and the group, the street's supervisors
and the on-duty staff are alerted, then alerted again until someone claims it, exactly as
for a petition urgent from the start (reception.handling.emergency).

Staff can judge it themselves: ``/urgent 编号`` (or the card's 🔴 button) and
``/noturgent 编号 理由`` (or the card's 取消紧急 button, then the reason;
``Action.MARK_ROUTINE``: the routine limits again, from the petition's own start, in office
time). Both are on the timeline with who and why.
"""

from __future__ import annotations

import html

from sqlmodel import Session

from reception import texts
from reception.deps import Deps
from reception.errors import InvalidInput
from reception.handling import emergency
from reception.handling.desk import Desk
from reception.handling.lifecycle import Lifecycle
from reception.petition import outbox
from reception.petition.cards import fmt_time
from reception.petition.events import Actor
from reception.petition.states import Action, allowed, next_status
from storage.enums import ActorKind, DraftKind
from storage.models import Draft, Petition


def follow_up_danger(deps: Deps, petition: Petition, text: str) -> tuple[str, ...]:
    """The danger words of a message added to a routine open petition; empty when it names
    none, or when the petition is urgent already."""
    if petition.urgent or not text.strip() or not allowed(Action.MARK_URGENT, petition.status):
        return ()
    urgency = deps.analyzer.urgency(text)
    return urgency.words if urgency.urgent else ()


def become_urgent(session: Session, deps: Deps, lifecycle: Lifecycle, petition: Petition, *,
                  actor: Actor, words: tuple[str, ...] = (), reason: str = "") -> None:
    """Mark ``petition`` urgent now and alert everyone who must act (its card refreshes)."""
    now = deps.clock.now()
    petition.urgent_words = list(dict.fromkeys([*petition.urgent_words, *words]))
    lifecycle.apply(session, petition, Action.MARK_URGENT, actor=actor,
                    words=list(words), text=reason or "、".join(words))
    emergency.alert(session, deps, petition, now=now)


def upgraded_confirmation(deps: Deps, petition: Petition) -> str:
    """The resident's reply to the follow-up that made the petition urgent: what to do and
    whom to call first, then that it is now handled as an emergency."""
    return emergency.safety_advice(deps, petition) + texts.URGENT_UPGRADED_TO_RESIDENT.format(
        number=petition.number, respond_by=fmt_time(petition.respond_due, deps.settings.tz))


class Urgency:
    """Staff marking a petition urgent or not urgent (commands and the card's button)."""

    def __init__(self, deps: Deps, desk: Desk) -> None:
        self.deps = deps
        self.desk = desk
        desk.draft_takers[DraftKind.NOT_URGENT] = self._take_reason

    def mark_urgent(self, *, tg_user_id: int, chat_id: int | None = None,
                    number: str | None = None, petition_id: int | None = None) -> str:
        with self.desk._acting(tg_user_id, chat_id=chat_id, petition_id=petition_id,
                               number=number) as (session, staff, petition):
            if petition.urgent:
                return texts.URGENT_ALREADY.format(number=petition.number)
            actor = Actor(ActorKind.STAFF, staff.id, staff.name)
            become_urgent(session, self.deps, self.desk.lifecycle, petition, actor=actor,
                          reason=texts.URGENT_BY_STAFF.format(name=staff.name))
            self.desk._tell_resident(session, petition, texts.URGENT_MARKED_TO_RESIDENT.format(
                number=petition.number,
                respond_by=fmt_time(petition.respond_due, self.deps.settings.tz))
                if petition.first_response_at is None else
                texts.URGENT_MARKED_TO_RESIDENT_HANDLED.format(number=petition.number))
            return texts.URGENT_MARKED.format(
                number=petition.number, due=self._due(petition))

    def prompt_routine(self, *, tg_user_id: int, chat_id: int, petition_id: int) -> str:
        """The card's 取消紧急 button: ask the staff member for the reason (their next line)."""
        with self.desk._acting(tg_user_id, chat_id=chat_id, petition_id=petition_id) as (
                session, staff, petition):
            if not petition.urgent:
                return texts.NOTURGENT_ALREADY.format(number=petition.number)
            next_status(Action.MARK_ROUTINE, petition.status)
            now = self.deps.clock.now()
            draft = session.get(Draft, (tg_user_id, chat_id)) or Draft(
                tg_user_id=tg_user_id, chat_id=chat_id, kind=DraftKind.NOT_URGENT, created_at=now)
            draft.kind, draft.petition_id = DraftKind.NOT_URGENT, petition.id
            session.add(draft)
            text = texts.NOTURGENT_PROMPT.format(name=html.escape(staff.name), number=petition.number)
            outbox.message(session, chat_id=chat_id, text=text, now=now, petition_id=petition.id,
                           in_thread_of=petition.id)
            return text.split(texts.CLAUSE_BREAK)[0]

    def _take_reason(self, *, tg_user_id: int, chat_id: int, petition_id: int | None,
                     text: str) -> str:
        return self.mark_routine(tg_user_id=tg_user_id, chat_id=chat_id, reason=text,
                                 petition_id=petition_id)

    def mark_routine(self, *, tg_user_id: int, reason: str, chat_id: int | None = None,
                     number: str | None = None, petition_id: int | None = None) -> str:
        if not reason.strip():
            raise InvalidInput(texts.NOTURGENT_USAGE)
        with self.desk._acting(tg_user_id, chat_id=chat_id, number=number,
                               petition_id=petition_id) as (session, staff, petition):
            if not petition.urgent:
                return texts.NOTURGENT_ALREADY.format(number=petition.number)
            self.desk.lifecycle.apply(session, petition, Action.MARK_ROUTINE,
                                      actor=Actor(ActorKind.STAFF, staff.id, staff.name), reason=reason)
            return texts.NOTURGENT_MARKED.format(
                number=petition.number, reason=html.escape(reason), due=self._due(petition))

    def _due(self, petition: Petition) -> str:
        tz = self.deps.settings.tz
        if petition.first_response_at is None and petition.status.is_open:
            return texts.URGENCY_DUES.format(respond=fmt_time(petition.respond_due, tz),
                                             resolve=fmt_time(petition.resolve_due, tz))
        return texts.URGENCY_DUE_RESOLVE.format(resolve=fmt_time(petition.resolve_due, tz))
