"""Closing the loop: the resident rates the answer; 不满意 within the window reopens it."""

from __future__ import annotations

from datetime import timedelta

from reception import texts
from reception.deadlines.ladder import set_reminders
from reception.deps import Deps
from reception.errors import InvalidInput, NotAllowed, NotFound
from reception.petition import outbox
from reception.petition.callback_data import RATINGS
from reception.petition.events import Actor, record
from reception.petition.states import Action, Status, next_status
from storage import queries
from storage.db import transaction
from storage.models import Petition


class Feedback:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def rate(self, *, tg_user_id: int, petition_id: int, rating: str) -> str:
        """Record a rating from the petition's own resident; return the answer to show."""
        if rating not in RATINGS:
            raise InvalidInput(texts.BUTTON_INVALID)
        now = self.deps.clock.now()
        with transaction(self.deps.engine) as session:
            resident = queries.resident_by_tg(session, tg_user_id)
            petition = session.get(Petition, petition_id)
            if petition is None:
                raise NotFound(texts.BUTTON_INVALID)
            if resident is None or petition.resident_id != resident.id:
                raise NotAllowed(texts.RATE_NOT_YOURS)
            if petition.status != Status.RESOLVED:
                return texts.ALREADY_RATED
            label = texts.RATING_LABELS[rating]
            actor = Actor("resident", resident.id)
            petition.rating, petition.rated_at = rating, now
            petition.version += 1
            window = timedelta(days=self.deps.settings.reopen_days)
            reopen = rating == "unsatisfied" and petition.resolved_at and now - petition.resolved_at <= window
            before = petition.status
            if reopen:
                petition.status = next_status(Action.REOPEN, petition.status)
                self._restart_resolve_clock(petition, now)
                record(session, petition, action=Action.RATE, actor=actor, at=now, rating=rating,
                       rating_label=label)
                record(session, petition, action=Action.REOPEN, actor=actor, at=now,
                       from_status=before, to_status=petition.status)
                reply = texts.RATED_REOPENED.format(number=petition.number)
                group_note = texts.RESIDENT_REOPENED.format(number=petition.number)
            else:
                petition.status = next_status(Action.RATE, petition.status)
                petition.closed_at = now
                record(session, petition, action=Action.RATE, actor=actor, at=now,
                       from_status=before, to_status=petition.status, rating=rating, rating_label=label)
                reply = (texts.RATED_TOO_LATE.format(rating=label, days=self.deps.settings.reopen_days)
                         if rating == "unsatisfied" else
                         texts.RATED_THANKS.format(rating=label, number=petition.number))
                group_note = texts.RESIDENT_RATED.format(number=petition.number, rating=label)
            outbox.message(session, chat_id=tg_user_id, text=reply, now=now, petition_id=petition.id)
            for card in queries.cards_of(session, petition.id):
                outbox.card(session, chat_id=card.chat_id, petition_id=petition.id, now=now)
            if petition.group_chat_id:
                outbox.message(session, chat_id=petition.group_chat_id, text=group_note, now=now,
                               petition_id=petition.id, in_thread_of=petition.id, reply_to_card=True)
            return reply

    def _restart_resolve_clock(self, petition: Petition, now) -> None:
        petition.reopen_count += 1
        petition.resolve_started_at = now
        petition.resolved_at = None
        petition.closed_at = None
        petition.overdue = False
        petition.resolve_step = 0
        petition.resolve_due = self.deps.deadlines.resolve_after_reopen(
            reopened_at=now, urgent=petition.urgent, complex=petition.complex,
            category=petition.category)
        set_reminders(self.deps, petition)
