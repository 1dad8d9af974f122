"""The domain side of delivery: claim queued sends, render them, record what happened.

The Telegram side (bot/delivery.py) calls these in short transactions around each send.
Claims expire, so a worker that dies mid-send leaves its items to be retried.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlmodel import col, select

from reception import outbox
from reception.cards import Card, render_card
from reception.deps import Deps
from reception.routing import route
from reception.states import OPEN_STATUSES
from storage import queries
from storage.db import transaction
from storage.models import CardMessage, Outbox, Petition, PetitionMessage, Resident, StaffGroup

log = logging.getLogger(__name__)

CLAIM_FOR = timedelta(seconds=60)
MAX_ATTEMPTS = 25


@dataclass(frozen=True)
class Item:
    id: int
    kind: str
    chat_id: int
    petition_id: int | None
    payload: dict[str, Any]
    attempts: int
    plan: CardPlan | None = None  # cards: rendered when claimed
    anchor: Anchor | None = None  # messages about a petition: its topic and card


@dataclass(frozen=True)
class Sent:
    """One successful send, recorded with the others of its batch in one transaction."""

    item: Item
    message_id: int | None
    thread_id: int | None = None
    kind: str = "text"


@dataclass(frozen=True)
class CardPlan:
    card: Card
    message_id: int | None  # edit this message, or send a new card when None
    thread_id: int | None
    make_topic: str | None  # forum groups: create a topic with this name first


@dataclass(frozen=True)
class Anchor:
    """Where a message about a petition goes in a staff chat: its topic and its card."""

    thread_id: int | None
    card_message_id: int | None
    card_pending: bool


class Dispatch:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def claim(self, *, limit: int = 100) -> list[Item]:
        """Take due items; several workers (processes) never take the same one.

        Cards are rendered and anchors looked up in the same transaction, so a send
        needs no further reads.
        """
        now = self.deps.clock.now()
        with transaction(self.deps.engine) as session:
            query = (
                select(Outbox)
                .where(
                    col(Outbox.next_attempt_at) <= now,
                    or_(
                        Outbox.status == "pending",
                        (Outbox.status == "sending") & (col(Outbox.claimed_until) < now),
                    ),
                )
                .order_by(col(Outbox.id))
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            rows = list(session.exec(query))
            if rows:
                session.execute(
                    update(Outbox).where(col(Outbox.id).in_([row.id for row in rows]))
                    .values(status="sending", claimed_until=now + CLAIM_FOR))
            items = []
            for row in rows:
                plan = self._plan(session, row) if row.kind == "card" else None
                anchor = None
                if row.payload.get("in_thread_of") is not None:
                    anchor = self._anchor(session, petition_id=row.payload["in_thread_of"],
                                          chat_id=row.chat_id, before_item=row.id)
                items.append(Item(row.id, row.kind, row.chat_id, row.petition_id,
                                  dict(row.payload), row.attempts, plan, anchor))
            return items

    def record(self, results: list[Sent]) -> None:
        """Mark a batch of sends done; remember where new cards stand."""
        if not results:
            return
        now = self.deps.clock.now()
        with transaction(self.deps.engine) as session:
            for result in results:
                item = result.item
                if item.kind == "card" and result.message_id is not None:
                    card = queries.card(session, petition_id=item.petition_id, chat_id=item.chat_id)
                    if card is None:
                        card = CardMessage(petition_id=item.petition_id, chat_id=item.chat_id,
                                           created_at=now)
                    card.message_id, card.thread_id = result.message_id, result.thread_id
                    session.add(card)
                elif item.petition_id is not None and result.message_id is not None:
                    session.add(PetitionMessage(
                        petition_id=item.petition_id, direction="out", chat_id=item.chat_id,
                        message_id=result.message_id, kind=result.kind,
                        text=item.payload.get("text", "")[:500], created_at=now))
            session.execute(
                update(Outbox)
                .where(col(Outbox.id).in_([result.item.id for result in results]))
                .values(status="sent", sent_at=now, claimed_until=None))

    def has_due(self) -> bool:
        now = self.deps.clock.now()
        with transaction(self.deps.engine) as session:
            query = select(Outbox.id).where(
                Outbox.status == "pending", col(Outbox.next_attempt_at) <= now).limit(1)
            return session.exec(query).first() is not None

    def _plan(self, session, row: Outbox) -> CardPlan | None:
        petition = session.get(Petition, row.petition_id)
        if petition is None:
            return None
        card = render_card(session, self.deps, petition, chat_id=row.chat_id)
        existing = queries.card(session, petition_id=petition.id, chat_id=row.chat_id)
        group = queries.group_by_chat(session, row.chat_id)
        topic = None
        if (existing is None or existing.message_id is None) and group is not None and group.is_forum:
            topic = f"{petition.number} {petition.category}"[:128]
        return CardPlan(
            card=card,
            message_id=existing.message_id if existing else None,
            thread_id=existing.thread_id if existing else None,
            make_topic=topic,
        )

    def _anchor(self, session, *, petition_id: int, chat_id: int, before_item: int) -> Anchor:
        existing = queries.card(session, petition_id=petition_id, chat_id=chat_id)
        if existing is not None and existing.message_id is not None:
            return Anchor(existing.thread_id, existing.message_id, False)
        pending = session.exec(select(Outbox.id).where(
            Outbox.kind == "card", Outbox.petition_id == petition_id,
            Outbox.chat_id == chat_id, col(Outbox.status).in_(["pending", "sending"]),
            col(Outbox.id) < before_item)).first()
        return Anchor(None, None, pending is not None)

    def retry(self, item: Item, *, after: timedelta, error: str) -> None:
        now = self.deps.clock.now()
        with transaction(self.deps.engine) as session:
            row = session.get(Outbox, item.id)
            row.attempts += 1
            row.last_error = error[:500]
            if row.attempts >= MAX_ATTEMPTS:
                row.status = "failed"
                log.error("giving up on outbox %s to chat %s after %s attempts: %s",
                          item.id, item.chat_id, row.attempts, error)
            else:
                row.status, row.next_attempt_at, row.claimed_until = "pending", now + after, None

    def defer(self, item: Item, *, after: timedelta) -> None:
        with transaction(self.deps.engine) as session:
            row = session.get(Outbox, item.id)
            row.status, row.claimed_until = "pending", None
            row.next_attempt_at = self.deps.clock.now() + after

    def failed(self, item: Item, *, error: str) -> None:
        with transaction(self.deps.engine) as session:
            row = session.get(Outbox, item.id)
            row.status, row.last_error, row.attempts = "failed", error[:500], row.attempts + 1

    def chat_unreachable(self, item: Item, *, error: str) -> None:
        """The bot was blocked by a resident, or a group is gone: stop sending there.

        Nothing is lost: the petitions stay, and a lost group's open petitions move to
        the community's other groups (or wait for the next /bind).
        """
        now = self.deps.clock.now()
        with transaction(self.deps.engine) as session:
            row = session.get(Outbox, item.id)
            row.status, row.last_error, row.attempts = "failed", error[:500], row.attempts + 1
            resident = queries.resident_by_tg(session, item.chat_id)
            if resident is not None:
                resident.blocked_bot = True
                log.warning("resident %s blocked the bot; message %s kept in the outbox as failed",
                            resident.id, item.id)
                return
            group = queries.group_by_chat(session, item.chat_id)
            if group is None or not group.active:
                return
            group.active = False
            session.flush()
            log.error("staff group %s (%s) is unreachable (%s); it is unbound and its open "
                      "petitions are re-routed", group.chat_id, group.title, error)
            self._reroute(session, group, now)

    def _reroute(self, session, group: StaffGroup, now: datetime) -> None:
        petitions = session.exec(select(Petition).where(
            Petition.group_chat_id == group.chat_id,
            col(Petition.status).in_(list(OPEN_STATUSES))))
        for petition in petitions:
            target = route(session, self.deps.org, community_code=petition.community_code,
                           category=petition.category, grid_code=petition.grid_code,
                           triage=petition.triage)
            petition.group_chat_id = target.chat_id if target else None
            if target is not None:
                outbox.card(session, chat_id=target.chat_id, petition_id=petition.id, now=now)

    def resident_of_chat(self, chat_id: int) -> Resident | None:
        with transaction(self.deps.engine) as session:
            return queries.resident_by_tg(session, chat_id)
