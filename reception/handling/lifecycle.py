"""What happens to a petition when someone acts on it, in one place.

``Lifecycle.apply`` carries out one row of ``reception.petition.states.TRANSITIONS``: it
checks the action is allowed, moves the status, sets the row's timestamps, handler,
counters and deadlines, bumps the version, records the timeline event and asks for the
cards to be shown afresh. The services (intake, desk, feedback) decide *whether* to act and
what to tell people; what an action *does* to the petition is the table's.

Nothing here commits: the caller's transaction holds the change, the event and the sends.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from reception import texts
from reception.deadlines.calculator import Limit
from reception.deadlines.ladder import extend_reminders_for_pause, set_reminders
from reception.deps import Deps
from reception.petition import outbox
from reception.petition.events import Actor, Note, record
from reception.petition.states import (
    TRANSITIONS,
    Action,
    Cards,
    Clocks,
    Handler,
    Status,
    next_status,
)
from storage import queries
from storage.models import Petition
from storage.tables import saved_id


class Lifecycle:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def apply(
        self,
        session: Session,
        petition: Petition,
        action: Action,
        *,
        actor: Actor,
        original: Petition | None = None,
        extend_by: int | None = None,
        **detail: Any,
    ) -> Status:
        """Carry out ``action`` on ``petition``; return its new status.

        ``detail`` goes on the timeline event. ``Action.SUBMIT`` stores the new petition
        (it has no id yet); ``Action.MERGE`` needs the ``original`` it merges into, and
        ``Action.EXTEND_APPROVE`` the working days it grants (``extend_by``).
        Raises InvalidTransition (nothing changed) when the action is not allowed now.
        """
        rule = TRANSITIONS[action]
        now = self.deps.clock.now()
        before = None if action is Action.SUBMIT else petition.status
        after = rule.target if before is None else next_status(action, before)
        assert after is not None  # SUBMIT has a target
        petition.status = after
        for name in rule.stamps:
            setattr(petition, name, now)
        for name in rule.clears:
            setattr(petition, name, None)
        for name in rule.counts:
            setattr(petition, name, getattr(petition, name) + 1)
        if rule.first_response and petition.first_response_at is None:
            petition.first_response_at = now
        if rule.handler is Handler.TAKE or (
                rule.handler is Handler.TAKE_IF_NONE and not petition.handler_staff_id):
            petition.handler_staff_id = actor.id
        elif rule.handler is Handler.RELEASE:
            petition.handler_staff_id = None
        if rule.clocks is Clocks.EXTEND:
            if not extend_by:
                raise ValueError(f"{action} needs the working days it grants")
            _extend(self.deps, petition, now, extend_by)
        elif rule.clocks is not None:
            _CLOCKS[rule.clocks](self.deps, petition, now)
        if rule.version:
            petition.version += 1
        if before is None:
            session.add(petition)
            session.flush()
        statuses = {"from_status": before, "to_status": after} if rule.statuses else {}
        record(session, petition, action=action, actor=actor, at=now, **statuses, **detail)
        self.refresh(session, petition, rule.cards)
        if rule.into_original:
            if original is None:
                raise ValueError(f"{action} needs the original petition")
            petition.merged_into_id = original.id
            record(session, original, action=action, actor=actor, at=now,
                   text=texts.MERGED_INTO_NOTE.format(number=petition.number))
            self.refresh(session, original, Cards.EVERYWHERE)
        return after

    def note(self, session: Session, petition: Petition, kind: Action | Note, *, actor: Actor,
             **detail: Any) -> None:
        """Record an event that moves nothing (no status, version or card change)."""
        record(session, petition, action=kind, actor=actor, at=self.deps.clock.now(), **detail)

    def refresh(self, session: Session, petition: Petition, cards: Cards) -> None:
        """Queue 'show the current card' in the chats ``cards`` names."""
        now = self.deps.clock.now()
        if cards is Cards.GROUP:
            chats = [petition.group_chat_id] if petition.group_chat_id else []
        elif cards is Cards.SHOWN:
            chats = [c.chat_id for c in queries.cards_of(session, saved_id(petition))]
        else:
            shown = {c.chat_id for c in queries.cards_of(session, saved_id(petition))}
            chats = sorted(shown | ({petition.group_chat_id} if petition.group_chat_id else set()))
        for chat_id in chats:
            outbox.card(session, chat_id=chat_id, petition_id=saved_id(petition), now=now)


def _resume(deps: Deps, petition: Petition, now: datetime) -> None:
    """The resident answered: both deadlines (and reminders) move out by the pause."""
    paused_from = petition.paused_at
    if paused_from is None:
        return
    calc = deps.deadlines
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
    extend_reminders_for_pause(deps, petition, paused_from=paused_from, paused_to=now)
    petition.paused_at = None


def _restart_resolve(deps: Deps, petition: Petition, now: datetime) -> None:
    """Reopened: a fresh resolve deadline from now, and the ladder starts again."""
    petition.overdue = False
    petition.resolve_step = 0
    petition.resolve_due = deps.deadlines.resolve_after_reopen(
        reopened_at=now, urgent=petition.urgent, complex=petition.complex,
        category=petition.category)
    set_reminders(deps, petition)


def _complex(deps: Deps, petition: Petition, now: datetime) -> None:
    """Marked complex: the complex resolve limit, counted from the same start."""
    petition.complex = True
    start = petition.resolve_started_at or petition.created_at
    petition.resolve_due = deps.deadlines.deadlines(
        start=start, urgent=petition.urgent, complex=True, category=petition.category
    ).resolve_by
    petition.resolve_step = 0
    petition.overdue = petition.respond_step >= 2 and petition.first_response_at is None
    set_reminders(deps, petition)


def _urgent(deps: Deps, petition: Petition, now: datetime) -> None:
    """Urgent from now on: the urgent limits counted from now (round the clock), wherever
    they fall before the deadlines the petition already has; steps taken stay taken."""
    petition.urgent = True
    due = deps.deadlines.deadlines(start=now, urgent=True, complex=petition.complex,
                                   category=petition.category)
    if petition.first_response_at is None:
        petition.respond_due = min(filter(None, (petition.respond_due, due.respond_by)))
    petition.resolve_due = min(filter(None, (petition.resolve_due, due.resolve_by)))
    set_reminders(deps, petition)


def _routine(deps: Deps, petition: Petition, now: datetime) -> None:
    """Not urgent after all: the routine limits from the petition's own starts (office
    time); a clock whose new deadline is still ahead climbs the ladder again from the start."""
    petition.urgent, petition.urgent_words = False, []
    calc = deps.deadlines
    limits = calc.policy.limits_for(urgent=False, complex=petition.complex,
                                    category=petition.category)
    if petition.first_response_at is None:
        petition.respond_due = calc.due(petition.created_at, limits.respond)
        if petition.respond_due > now:
            petition.respond_step = 0
    petition.resolve_due = calc.due(petition.resolve_started_at or petition.created_at,
                                    limits.resolve)
    if petition.resolve_due > now:
        petition.resolve_step = 0
    petition.overdue = (petition.respond_step >= 2 and petition.first_response_at is None) or (
        petition.resolve_step >= 2)
    set_reminders(deps, petition)


def _extend(deps: Deps, petition: Petition, now: datetime, days: int) -> None:
    """An approved extension: the resolve deadline moves out by ``days`` working days,
    counted by the deadline calculator from the deadline it replaces; the ladder starts
    again when the new deadline is still ahead, so reminders and lateness count against it."""
    due = petition.resolve_due or now
    petition.resolve_due = deps.deadlines.due(due, Limit(days, "wd"))
    if petition.resolve_due > now:
        petition.resolve_step = 0
        petition.overdue = petition.respond_step >= 2 and petition.first_response_at is None
    set_reminders(deps, petition)


_CLOCKS = {Clocks.RESUME: _resume, Clocks.RESTART_RESOLVE: _restart_resolve,
           Clocks.COMPLEX: _complex, Clocks.URGENT: _urgent, Clocks.ROUTINE: _routine}
