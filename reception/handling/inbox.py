"""The inbox: every update Telegram delivered, kept until it has been handled.

The Telegram side stores a batch here before it confirms the batch (the next polling offset,
or the webhook's HTTP 200), then hands the stored updates to the handlers. An update that
is stored but not handled — the process died, a handler failed — is handled later: at
start-up, or when its retry is due. One that keeps failing, or cannot be read at all, is
parked as a dead letter for an administrator (`minyuan inbox`, `minyuan inbox replay ID`),
and the resident is told their message is kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from reception import texts
from reception.deps import Deps
from reception.errors import NotFound
from reception.petition import outbox
from storage import inbox as rows
from storage.db import transaction
from storage.inbox import Stored
from storage.models import InboxUpdate

log = logging.getLogger(__name__)

CLAIM_FOR = timedelta(seconds=60)
# Waits before the 2nd, 3rd, … attempt; after the last one the update is parked.
RETRY_AFTER = (timedelta(seconds=2), timedelta(seconds=10), timedelta(minutes=1), timedelta(minutes=5))
KEEP_HANDLED = timedelta(days=8)  # Telegram may pick update ids afresh after a quiet week


@dataclass(frozen=True)
class Arrival:
    """One update as received: its id, the chat it concerns (if any), its type, its JSON."""

    update_id: int
    chat_id: int | None
    kind: str
    payload: str


@dataclass(frozen=True)
class DeadLetter:
    update_id: int
    chat_id: int | None
    kind: str
    attempts: int
    received_at: datetime
    last_error: str | None
    payload: str


class Inbox:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def receive(self, arrivals: list[Arrival]) -> list[Stored]:
        """Store a batch in one transaction; return the updates new to the inbox, claimed
        for the caller to handle (a redelivered update that was stored before is not)."""
        now = self.deps.clock.now()
        with transaction(self.deps.engine) as session:
            new = set(rows.store(session, [
                {"update_id": a.update_id, "chat_id": a.chat_id, "kind": a.kind, "payload": a.payload}
                for a in arrivals], now=now, claim_until=now + CLAIM_FOR))
        return [Stored(a.update_id, a.payload, 0) for a in sorted(arrivals, key=lambda a: a.update_id)
                if a.update_id in new]

    def receive_unreadable(self, *, update_id: int, payload: str, error: str) -> None:
        """Keep an update that could not be read, parked, and say so once."""
        with transaction(self.deps.engine) as session:
            new = rows.store_unreadable(session, update_id=update_id, payload=payload,
                                        now=self.deps.clock.now(), error=error)
        if new:
            log.error("update %s cannot be read and is parked (minyuan inbox): %s", update_id, error)

    def take_due(self, *, takeover: bool = False, limit: int = 100) -> list[Stored]:
        """Claim stored updates that are due and not handled, oldest first.

        ``takeover`` also takes updates another worker claimed: for a process that knows it
        is the only one (SQLite) at start-up, so a crash's leftovers need not wait for
        their claim to expire.
        """
        now = self.deps.clock.now()
        with transaction(self.deps.engine) as session:
            ids = rows.due_ids(session, now=now, limit=limit, takeover=takeover)
            if takeover:
                rows.release_claims(session, ids)
            return rows.claim(session, ids, now=now, until=now + CLAIM_FOR)

    def handled(self, update_ids: list[int]) -> None:
        if update_ids:
            with transaction(self.deps.engine) as session:
                rows.handled(session, update_ids, at=self.deps.clock.now())

    def failed(self, update_id: int, *, error: str, retryable: bool = True) -> datetime | None:
        """Count a failed attempt. Returns when to try again, or None when it is parked
        (the attempts are used up, or it can never succeed): then the resident is told that
        their message is kept, and an administrator finds it in `minyuan inbox`."""
        now = self.deps.clock.now()
        with transaction(self.deps.engine) as session:
            row = session.get(InboxUpdate, update_id)
            if row is None:
                return None
            attempt = row.attempts  # failures before this one
            retry_at = now + RETRY_AFTER[attempt] if retryable and attempt < len(RETRY_AFTER) else None
            rows.failed(session, update_id, error=error, retry_at=retry_at)
            if retry_at is None and row.kind == "message" and row.chat_id is not None and row.chat_id > 0:
                outbox.message(session, chat_id=row.chat_id, text=texts.INBOX_PARKED, now=now)
        if retry_at is None:
            log.error("update %s (%s, chat %s) parked after %s attempt(s): %s; "
                      "see `minyuan inbox`, replay with `minyuan inbox replay %s`",
                      update_id, row.kind, row.chat_id, attempt + 1, error, update_id)
        else:
            log.warning("update %s failed (attempt %s), retry at %s: %s",
                        update_id, attempt + 1, retry_at.isoformat(timespec="seconds"), error)
        return retry_at

    def dead_letters(self, *, limit: int = 50) -> list[DeadLetter]:
        with transaction(self.deps.engine) as session:
            return [DeadLetter(r.update_id, r.chat_id, r.kind, r.attempts, r.received_at,
                               r.last_error, r.payload) for r in rows.dead(session, limit=limit)]

    def counts(self) -> dict[str, int]:
        with transaction(self.deps.engine) as session:
            return rows.counts(session)

    def replay(self, update_id: int) -> None:
        """Put a parked update back in line; a running bot handles it within a minute.

        Raises:
            NotFound: no update with that id is stored.
        """
        with transaction(self.deps.engine) as session:
            if rows.replay(session, update_id) is None:
                raise NotFound(f"收件箱中没有编号为 {update_id} 的消息。")

    def purge(self) -> int:
        """Forget updates handled more than KEEP_HANDLED ago; returns how many."""
        with transaction(self.deps.engine) as session:
            return rows.purge_handled(session, before=self.deps.clock.now() - KEEP_HANDLED)
