"""Updates in: stored in the inbox before Telegram is told they arrived, then handled in order.

PTB's Updater confirms a batch (asks for the next getUpdates offset) as soon as it has put
the batch on its in-memory queue, so a process that dies before the handlers stored
anything loses the batch; and one update that fails to parse fails the whole batch, which
is then fetched again forever. Here the poller (or the webhook, bot/webhook.py) commits the
raw JSON of each update to the inbox first and confirms only then; the worker reads each
stored update on its own and hands it to the Application's handlers, one at a time, in
update order. A failure is retried a few times, then parked (reception/handling/inbox.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from bot.runtime import DbRunner
from reception.clock import Clock
from reception.handling.inbox import Arrival, Inbox
from storage.inbox import Stored

log = logging.getLogger(__name__)

RECOVER_EVERY = timedelta(seconds=60)  # look for leftovers of other (or dead) processes


def arrivals(raw: Iterable[Any]) -> tuple[list[Arrival], list[tuple[int, str, str]]]:
    """Split a getUpdates result into storable updates and unreadable ones (id, JSON, why).

    An item with no integer update_id cannot be stored or confirmed by id; it is logged
    and skipped (the offset after the batch's highest id confirms it).
    """
    good: list[Arrival] = []
    bad: list[tuple[int, str, str]] = []
    for item in raw:
        update_id = item.get("update_id") if isinstance(item, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            log.error("skipping an update without an update_id: %.500r", item)
            continue
        text = json.dumps(item, ensure_ascii=False)
        kinds = [key for key in item if key != "update_id"]
        if len(kinds) != 1 or not isinstance(item[kinds[0]], dict):
            bad.append((update_id, text, f"not an update: fields {kinds!r}"))
            continue
        good.append(Arrival(update_id, _chat_id(item[kinds[0]]), kinds[0], text))
    return good, bad


def _chat_id(body: dict[str, Any]) -> int | None:
    """The chat an update concerns, read defensively: the payload is not trusted yet."""
    for holder in (body, body.get("message")):
        chat = holder.get("chat") if isinstance(holder, dict) else None
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return chat["id"]
    sender = body.get("from")
    if isinstance(sender, dict) and isinstance(sender.get("id"), int):
        return sender["id"]
    return None


class UpdateWorker:
    """Handles stored updates one at a time, oldest first, through the Application.

    PTB's error handler reports a handler's failure here (``note_failure``); the update is
    then counted as failed in the inbox rather than handled.
    """

    def __init__(self, *, application: Application, inbox: Inbox, run: DbRunner, clock: Clock) -> None:
        self.application, self.inbox, self.run, self.clock = application, inbox, run, clock
        self._queue: deque[Stored] = deque()
        self._queued: set[int] = set()
        self._failures: dict[int, tuple[BaseException, bool]] = {}
        self._task: asyncio.Task[None] | None = None
        self._retry_at: datetime | None = None  # the earliest retry this process scheduled
        self._recovered_at: datetime | None = None
        self.idle = asyncio.Event()
        self.idle.set()

    def take(self, stored: Iterable[Stored]) -> None:
        """Handle these stored updates (claimed for this process) after those queued."""
        for item in stored:
            if item.update_id not in self._queued:
                self._queued.add(item.update_id)
                self._queue.append(item)
        if self._queue and (self._task is None or self._task.done()):
            self.idle.clear()
            self._task = asyncio.get_running_loop().create_task(self._work())

    async def recover(self, *, takeover: bool = False) -> int:
        """Claim what is stored and due but not handled (after a crash, a failure's retry,
        a replay), and handle it before anything received later. Returns how many."""
        self._recovered_at = self.clock.now()
        self._retry_at = None
        total = 0
        while True:
            stored = await self.run(self.inbox.take_due, takeover=takeover)
            stored = [item for item in stored if item.update_id not in self._queued]
            if not stored:
                return total
            total += len(stored)
            self.take(stored)

    async def poke(self) -> None:
        """Called every few seconds: retries that fell due, leftovers of other processes."""
        now = self.clock.now()
        if (self._retry_at is not None and self._retry_at <= now) or (
                self._recovered_at is None or now - self._recovered_at >= RECOVER_EVERY):
            await self.recover()

    def note_failure(self, update: object, error: BaseException, *, retryable: bool = True) -> None:
        """From PTB's error handler: the handler of this update raised ``error``."""
        if isinstance(update, Update):
            self._failures[update.update_id] = (error, retryable)

    async def stop(self) -> None:
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def _work(self) -> None:
        try:
            while self._queue:
                handled: list[int] = []
                while self._queue:
                    item = self._queue.popleft()
                    if await self._handle(item):
                        handled.append(item.update_id)
                    self._queued.discard(item.update_id)
                await self.run(self.inbox.handled, handled)
        except Exception:
            log.exception("the update worker stopped; stored updates are handled at the next poke")
            self._queue.clear()
            self._queued.clear()
        finally:
            self.idle.set()

    async def _handle(self, item: Stored) -> bool:
        try:
            update = Update.de_json(json.loads(item.payload), self.application.bot)
        except Exception as exc:  # malformed: it can never succeed (the inbox logs it, once)
            await self.run(self.inbox.failed, item.update_id, error=f"unreadable: {exc!r}",
                           retryable=False)
            return False
        self._failures.pop(item.update_id, None)
        try:
            await self.application.process_update(update)
        except Exception as exc:  # process_update hands handler errors to on_error; this is else
            self._failures[item.update_id] = (exc, True)
        failure = self._failures.pop(item.update_id, None)
        if failure is None:
            return True
        error, retryable = failure
        retry_at = await self.run(self.inbox.failed, item.update_id, error=f"{error!r}",
                                  retryable=retryable)
        if retry_at is not None and (self._retry_at is None or retry_at < self._retry_at):
            self._retry_at = retry_at
        return False


class Poller:
    """Long polling that confirms a batch only after it is stored.

    Bot.get_updates parses the whole batch into Update objects before returning, so one
    update it cannot parse fails the batch and the raw JSON is gone; this calls the same
    endpoint through Bot._post, which returns the JSON, and stores each update as it came.
    """

    def __init__(self, *, application: Application, worker: UpdateWorker, timeout: int = 10,
                 allowed_updates: list[str] | None = None) -> None:
        self.application, self.worker, self.timeout = application, worker, timeout
        self.allowed_updates = allowed_updates if allowed_updates is not None else list(Update.ALL_TYPES)
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self.offset: int | None = None

    async def start(self) -> None:
        await self.application.bot.delete_webhook(drop_pending_updates=False)
        self._stopping.clear()
        self._task = asyncio.get_running_loop().create_task(self._poll_forever())

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _poll_forever(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                raw = await self._get_updates()
                failures = 0
            except RetryAfter as exc:
                await self._pause(float(exc.retry_after if not isinstance(exc.retry_after, timedelta)
                                        else exc.retry_after.total_seconds()))
                continue
            except (Conflict, InvalidToken) as exc:
                log.error("getUpdates refused: %s (another bot instance, or a webhook is set?)", exc)
                await self._pause(10)
                continue
            except (NetworkError, TelegramError, ValueError) as exc:
                failures += 1
                log.warning("getUpdates failed (%s); retrying", exc)
                await self._pause(min(2 ** failures, 30))
                continue
            if raw:
                await self._store(raw)
            await self.worker.poke()

    async def _get_updates(self) -> list[Any]:
        result = await self.application.bot._post(  # raw JSON: see the class docstring
            "getUpdates",
            {"offset": self.offset, "timeout": self.timeout, "allowed_updates": self.allowed_updates},
            read_timeout=self.timeout + 5)
        if not isinstance(result, list):
            raise ValueError(f"getUpdates answered {type(result).__name__}, not a list")
        return result

    async def _store(self, raw: list[Any]) -> None:
        """Commit the batch, then move the offset past it; never the other way round."""
        good, bad = arrivals(raw)
        failures = 0
        while True:
            try:
                stored = await self.worker.run(self.worker.inbox.receive, good)
                for update_id, text, why in bad:
                    await self.worker.run(self.worker.inbox.receive_unreadable,
                                          update_id=update_id, payload=text, error=why)
                break
            except Exception:
                failures += 1
                log.exception("could not store %s updates; they stay unconfirmed", len(raw))
                await self._pause(min(2 ** failures, 30))
                if self._stopping.is_set():
                    return
        ids = [a.update_id for a in good] + [update_id for update_id, _, _ in bad]
        if ids:
            self.offset = max(ids) + 1
        self.worker.take(stored)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
