"""The domain side of delivery: claim queued sends, render them, record what happened.

The Telegram side (bot/delivery.py) calls these in short transactions around each send.
Claims expire, so a worker that dies mid-send leaves its items to be retried.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row
from sqlmodel import Session

from reception import texts
from reception.deps import Deps
from reception.petition import outbox
from reception.petition.cards import Card, render_card
from reception.petition.routing import route
from reception.petition.states import OPEN_STATUSES
from storage import outbox as outbox_rows
from storage import queries, writes
from storage.db import transaction
from storage.enums import Direction, MessageKind, OutboxKind
from storage.models import Petition, StaffGroup
from storage.tables import saved_id

log = logging.getLogger(__name__)

CLAIM_FOR = timedelta(seconds=60)
# Real failures (network errors, 5xx) are retried by elapsed time, not by count: a send is
# given up only when it still fails a day after it was queued. Backoff doubles per attempt
# and is capped, so a Telegram outage of hours ends with everything sent within a minute.
GIVE_UP_AFTER = timedelta(days=1)
MAX_BACKOFF = timedelta(seconds=60)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th real failure: 1 s, 2 s, 4 s ... 60 s."""
    return min(timedelta(seconds=2 ** min(attempts, 16)), MAX_BACKOFF)


@dataclass(frozen=True)
class Item:
    id: int
    kind: OutboxKind
    chat_id: int
    petition_id: int | None
    payload: dict[str, Any]
    attempts: int
    plan: CardPlan | None = None  # cards: rendered when claimed
    anchor: Anchor | None = None  # messages about a petition: its topic and card
    claimed_until: datetime | None = None  # send before then, or leave it to a new claim


@dataclass(frozen=True)
class Sent:
    """One successful send, recorded with the others of its batch in one transaction."""

    item: Item
    message_id: int | None
    thread_id: int | None = None
    kind: MessageKind = MessageKind.TEXT


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
        until = now + CLAIM_FOR
        with transaction(self.deps.engine) as session:
            rows = outbox_rows.due(session, now=now, limit=limit)
            mine = outbox_rows.claim(session, [row.id for row in rows], now=now, until=until)
            return [self._item(session, row, row.attempts, until) for row in rows if row.id in mine]

    def hand_over(self, session: Session) -> list[Item] | None:
        """Claim for this process what the caller's transaction queued, ready to send.

        Called last in a transaction: its sends are rendered with what the session already
        holds and, once it commits, go straight to this process's delivery worker
        (Delivery.take) with no claim transaction of their own. The claim expires like any
        other, so a process that dies before sending leaves them to be retried, and other
        processes leave them alone until then.

        Returns None, and leaves everything pending for the worker's next claim, when a
        card queued here follows an earlier card of the same petition and chat that is not
        sent yet: where that card lands is not known until it is sent.
        """
        queued = outbox.queued(session)
        if not queued:
            return []
        session.flush()  # render from the transaction's final state
        first = queued[0].id
        for row in queued:
            about = row.petition_id if row.kind == OutboxKind.CARD else row.payload.get("in_thread_of")
            if about is not None and outbox_rows.unsent_card_before(
                    session, petition_id=about, chat_id=row.chat_id, before=first):
                return None
        until = self.deps.clock.now() + CLAIM_FOR
        outbox_rows.take(session, [row.id for row in queued], until=until)
        return [self._item(session, row, 0, until) for row in queued]

    def _item(self, session: Session, row: Row[Any] | outbox.Queued, attempts: int, claimed_until: datetime) -> Item:
        plan = self._plan(session, row) if row.kind == OutboxKind.CARD else None
        anchor = None
        if row.payload.get("in_thread_of") is not None:
            anchor = self._anchor(session, petition_id=row.payload["in_thread_of"],
                                  chat_id=row.chat_id, before_item=row.id)
        return Item(row.id, row.kind, row.chat_id, row.petition_id, dict(row.payload), attempts,
                    plan, anchor, claimed_until)

    def record(self, results: list[Sent]) -> None:
        """Mark a batch of sends done; remember where new cards stand."""
        if not results:
            return
        now = self.deps.clock.now()
        with transaction(self.deps.engine) as session:
            messages = []
            for result in results:
                item = result.item
                if item.kind == OutboxKind.CARD and item.petition_id is not None and result.message_id is not None:
                    writes.place_card(session, petition_id=item.petition_id, chat_id=item.chat_id,
                                      message_id=result.message_id, thread_id=result.thread_id,
                                      now=now)
                elif item.petition_id is not None and result.message_id is not None:
                    messages.append(dict(
                        petition_id=item.petition_id, direction=Direction.OUT, chat_id=item.chat_id,
                        message_id=result.message_id, kind=result.kind,
                        text=item.payload.get("text", "")[:500], created_at=now))
            writes.insert_messages(session, messages)
            outbox_rows.sent(session, [result.item.id for result in results], at=now)

    def has_due(self) -> bool:
        with transaction(self.deps.engine) as session:
            return outbox_rows.has_due(session, now=self.deps.clock.now())

    def _plan(self, session: Session, row: Row[Any] | outbox.Queued) -> CardPlan | None:
        petition = session.get(Petition, row.petition_id)
        if petition is None:
            return None
        card = render_card(session, self.deps, petition, chat_id=row.chat_id)
        message_id, thread_id = queries.card_place(
            session, petition_id=saved_id(petition), chat_id=row.chat_id) or (None, None)
        topic = None
        if message_id is None and queries.group_is_forum(session, row.chat_id):
            topic = f"{petition.number} {petition.category}"[:128]
        return CardPlan(card=card, message_id=message_id, thread_id=thread_id, make_topic=topic)

    def _anchor(self, session: Session, *, petition_id: int, chat_id: int, before_item: int) -> Anchor:
        message_id, thread_id = queries.card_place(
            session, petition_id=petition_id, chat_id=chat_id) or (None, None)
        if message_id is not None:
            return Anchor(thread_id, message_id, False)
        pending = outbox_rows.unsent_card_before(session, petition_id=petition_id, chat_id=chat_id,
                                             before=before_item)
        return Anchor(None, None, pending)

    def retry(self, item: Item, *, error: str) -> None:
        """A real failure (network, 5xx): count it and try again after a backoff, or give
        up once the send has been failing for GIVE_UP_AFTER since it was queued."""
        now = self.deps.clock.now()
        with transaction(self.deps.engine) as session:
            attempts, queued_at = outbox_rows.attempts_and_age(session, item.id)
            attempts += 1
            if now - _aware(queued_at) >= GIVE_UP_AFTER:
                outbox_rows.failed(session, item.id, error=error)
                log.error("GAVE UP on outbox %s (%s to chat %s) after %s attempts over %s: %s",
                          item.id, item.kind, item.chat_id, attempts, now - _aware(queued_at),
                          error)
                self._tell_admins(session, item, error=error, now=now)
            else:
                outbox_rows.retry(session, item.id, error=error, at=now + backoff(attempts))

    def _tell_admins(self, session: Session, item: Item, *, error: str, now: datetime,
                     refused: bool = False) -> None:
        """Queue the loud notice of a give-up (or of a send Telegram refused outright) to
        every active administrator (not to the chat that failed: an administrator's own
        notice failing is only logged)."""
        admins = queries.active_admin_chat_ids(session)
        petition = session.get(Petition, item.petition_id) if item.petition_id else None
        target = (texts.DELIVERY_TARGET_GROUP if item.chat_id < 0 else texts.DELIVERY_TARGET_RESIDENT)
        about = texts.DELIVERY_ABOUT.format(number=petition.number) if petition else ""
        notice = (texts.DELIVERY_REFUSED if refused else texts.DELIVERY_GAVE_UP).format(
            target=target, about=about, hours=int(GIVE_UP_AFTER.total_seconds() // 3600),
            error=html.escape(error[:200]))
        for chat_id in admins:
            if chat_id != item.chat_id:
                outbox.message(session, chat_id=chat_id, text=notice, now=now)

    def defer(self, item: Item, *, after: timedelta) -> None:
        """Not an attempt: send later (Telegram asked to wait, or an earlier send must go
        first). ``attempts`` is left alone."""
        self.defer_all([item], after=after)

    def defer_all(self, items: list[Item], *, after: timedelta, error: str | None = None) -> None:
        self.defer_each([(items, after)], error=error)

    def defer_each(self, deferrals: list[tuple[list[Item], timedelta]], *, error: str | None = None) -> None:
        """Put sends back, each list after its own wait, in one transaction (not an attempt)."""
        if not any(items for items, _ in deferrals):
            return
        now = self.deps.clock.now()
        with transaction(self.deps.engine) as session:
            for items, after in deferrals:
                outbox_rows.defer(session, [item.id for item in items], at=now + after, error=error)

    def failed(self, item: Item, *, error: str, tell_admins: bool = False) -> None:
        """A send that can never succeed as it is (Telegram refused it): not retried;
        ``tell_admins`` says so to the administrators as loudly as a give-up."""
        with transaction(self.deps.engine) as session:
            outbox_rows.failed(session, item.id, error=error)
            if tell_admins:
                self._tell_admins(session, item, error=error, now=self.deps.clock.now(), refused=True)

    def chat_unreachable(self, item: Item, *, error: str) -> None:
        """The bot was blocked by a resident, or a group is gone: stop sending there.

        Nothing is lost: the petitions stay, and a lost group's open petitions move to
        the community's other groups (or wait for the next /bind).
        """
        now = self.deps.clock.now()
        with transaction(self.deps.engine) as session:
            outbox_rows.failed(session, item.id, error=error)
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

    def _reroute(self, session: Session, group: StaffGroup, now: datetime) -> None:
        petitions = queries.open_petitions_of_group(session, chat_id=group.chat_id,
                                                    statuses=list(OPEN_STATUSES))
        for petition in petitions:
            target = route(session, self.deps.org, community_code=petition.community_code,
                           category=petition.category, grid_code=petition.grid_code,
                           triage=petition.triage)
            petition.group_chat_id = target.chat_id if target else None
            if target is not None:
                outbox.card(session, chat_id=target.chat_id, petition_id=saved_id(petition), now=now)


def _aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back naive; they were stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)

