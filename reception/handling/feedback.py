"""Closing the loop: the resident rates the answer; 不满意 within the window reopens it."""

from __future__ import annotations

from datetime import timedelta

from reception import texts
from reception.deps import Deps
from reception.errors import InvalidInput, NotAllowed, NotFound
from reception.handling.lifecycle import Lifecycle
from reception.petition import outbox
from reception.petition.callback_data import RATINGS
from reception.petition.events import Actor
from reception.petition.states import Action, Status
from storage import queries
from storage.db import transaction
from storage.enums import ActorKind, Rating
from storage.models import Petition


class Feedback:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.lifecycle = Lifecycle(deps)

    def rate(self, *, tg_user_id: int, petition_id: int, rating: Rating) -> str:
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
            actor = Actor(ActorKind.RESIDENT, resident.id)
            petition.rating, petition.rated_at = rating, now
            window = timedelta(days=self.deps.settings.reopen_days)
            reopen = rating == Rating.UNSATISFIED and petition.resolved_at and now - petition.resolved_at <= window
            if reopen:
                reply = texts.RATED_REOPENED.format(number=petition.number)
                group_note = texts.RESIDENT_REOPENED.format(number=petition.number)
            else:
                reply = (texts.RATED_TOO_LATE.format(rating=label, days=self.deps.settings.reopen_days)
                         if rating == Rating.UNSATISFIED else
                         texts.RATED_THANKS.format(rating=label, number=petition.number))
                group_note = texts.RESIDENT_RATED.format(number=petition.number, rating=label)
            # The resident's answer first, then the card edits (the order they are sent in).
            outbox.message(session, chat_id=tg_user_id, text=reply, now=now, petition_id=petition.id)
            if reopen:  # the rating is recorded, and the reopening is the transition
                self.lifecycle.note(session, petition, Action.RATE, actor=actor, rating=rating,
                                    rating_label=label)
                self.lifecycle.apply(session, petition, Action.REOPEN, actor=actor)
            else:
                self.lifecycle.apply(session, petition, Action.RATE, actor=actor, rating=rating,
                                     rating_label=label)
            if petition.group_chat_id:
                outbox.message(session, chat_id=petition.group_chat_id, text=group_note, now=now,
                               petition_id=petition.id, in_thread_of=petition.id, reply_to_card=True)
            return reply
