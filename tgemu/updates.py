"""The update queue: getUpdates long polling, confirmation by offset, webhook delivery.

Semantics from https://core.telegram.org/bots/api#getupdates: an update is *confirmed* once
getUpdates is called with an offset higher than its update_id; unconfirmed updates are sent
again; a negative offset keeps only the last ``-offset`` updates. While a webhook is set,
getUpdates answers 409 and updates are POSTed to the webhook instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from tgemu.protocol import ApiError

logger = logging.getLogger(__name__)

# With an empty allowed_updates list Telegram sends every type except these.
_OPT_IN_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_WEBHOOK_RETRY_CAP = 1.0


class Signal:
    """A broadcast "something changed": waiters wake up and re-check their own condition."""

    def __init__(self) -> None:
        self._event = asyncio.Event()
        # Counts notifications, so a waiter that was busy can tell whether it missed one.
        self.version = 0

    def notify(self) -> None:
        self.version += 1
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float | None) -> bool:
        """Wait for the next notification; return False if ``timeout`` elapsed first."""
        event = self._event
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return False
        return True


@dataclass
class _Pending:
    update: dict[str, Any]
    delivered: bool = False
    redelivery: bool = False

    @property
    def update_id(self) -> int:
        return int(self.update["update_id"])

    @property
    def type(self) -> str:
        return next(key for key in self.update if key != "update_id")


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


class UpdateQueue:
    """Updates waiting for the bot, delivered by getUpdates or by webhook POSTs."""

    def __init__(
        self, signal: Signal, *, unix_now: Callable[[], int], first_update_id: int = 100000001
    ) -> None:
        self._signal = signal
        self._unix_now = unix_now
        self._pending: list[_Pending] = []
        self._next_id = first_update_id
        self._poll_generation = 0
        self._closing = False
        self._delivery_task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self.allowed_updates: list[str] = []
        self.webhook: WebhookConfig | None = None
        self.last_update: dict[str, Any] | None = None

    # --- producing ---------------------------------------------------------------------

    def push(self, body: dict[str, Any]) -> dict[str, Any]:
        """Enqueue ``body`` (an Update without update_id) under the next update_id."""
        update = {"update_id": self._next_id, **body}
        self._next_id += 1
        self._pending.append(_Pending(update))
        self.last_update = update
        self._signal.notify()
        return update

    def redeliver_last(self) -> dict[str, Any]:
        """Enqueue the last update again with the same update_id, as after a lost confirmation."""
        if self.last_update is None:
            raise RuntimeError("no update has been sent yet, nothing to redeliver")
        self._pending.append(_Pending(dict(self.last_update), redelivery=True))
        self._signal.notify()
        return self.last_update

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    @property
    def drained(self) -> bool:
        return not self._pending

    # --- getUpdates --------------------------------------------------------------------

    async def get_updates(
        self, *, offset: int | None, limit: int, timeout: float, allowed: list[str] | None
    ) -> list[dict[str, Any]]:
        self._refuse_if_webhook()
        if allowed is not None:
            self.allowed_updates = list(allowed)
        self._poll_generation += 1
        generation = self._poll_generation
        self._confirm(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(timeout, 0)
        while True:
            batch = self._take(max(1, min(limit, 100)))
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._closing:
                return batch
            await self._signal.wait(remaining)
            self._refuse_if_webhook()
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )

    def _refuse_if_webhook(self) -> None:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )

    def _confirm(self, offset: int | None) -> None:
        if offset is None or offset == 0:
            return
        before = len(self._pending)
        if offset < 0:
            keep = sorted(self._pending, key=lambda p: p.update_id)[offset:]
            self._pending = [p for p in self._pending if any(p is k for k in keep)]
        else:
            self._pending = [
                p
                for p in self._pending
                if p.update_id >= offset or (p.redelivery and not p.delivered)
            ]
        if len(self._pending) != before:
            self._signal.notify()

    def _take(self, limit: int) -> list[dict[str, Any]]:
        wanted = [p for p in self._pending if self._allowed(p.type)]
        if len(wanted) != len(self._pending):
            self._pending = wanted  # updates of unwanted types are dropped, as on Telegram
        batch = sorted(wanted, key=lambda p: p.update_id)[:limit]
        for pending in batch:
            pending.delivered = True
        return [p.update for p in batch]

    def _allowed(self, update_type: str) -> bool:
        if self.allowed_updates:
            return update_type in self.allowed_updates
        return update_type not in _OPT_IN_TYPES

    # --- webhook -----------------------------------------------------------------------

    def set_webhook(
        self, url: str, *, secret_token: str | None, allowed: list[str] | None, drop: bool
    ) -> None:
        if allowed is not None:
            self.allowed_updates = list(allowed)
        if drop:
            self._pending.clear()
        self.webhook = WebhookConfig(url, secret_token)
        if self._delivery_task is None or self._delivery_task.done():
            self._delivery_task = asyncio.create_task(self._deliver_forever())
        self._signal.notify()

    def delete_webhook(self, *, drop: bool) -> None:
        self.webhook = None
        if drop:
            self._pending.clear()
        self._signal.notify()

    async def _deliver_forever(self) -> None:
        delay = 0.05
        while self.webhook is not None and not self._closing:
            batch = self._take(1)
            if not batch:
                await self._signal.wait(None)
                continue
            if await self._post(self.webhook, batch[0]):
                self._pending = [p for p in self._pending if p.update_id != batch[0]["update_id"]]
                self._signal.notify()
                delay = 0.05
            else:
                # Transport-level retry, like Telegram's: wall-clock backoff is fine here.
                await asyncio.sleep(delay)
                delay = min(delay * 2, _WEBHOOK_RETRY_CAP)

    async def _post(self, webhook: WebhookConfig, update: dict[str, Any]) -> bool:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        headers = {}
        if webhook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = webhook.secret_token
        try:
            async with self._session.post(webhook.url, json=update, headers=headers) as response:
                if 200 <= response.status < 300:
                    return True
                message = f"Wrong response from the webhook: {response.status} {response.reason}"
        except aiohttp.ClientError as exc:
            message = f"Connection failed: {exc!r}"
        webhook.last_error_message = message
        webhook.last_error_date = self._unix_now()
        logger.warning("webhook delivery of update %s failed: %s", update["update_id"], message)
        return False

    # --- shutdown ----------------------------------------------------------------------

    async def close(self) -> None:
        """Release long polls and stop webhook delivery."""
        self._closing = True
        self._signal.notify()
        if self._delivery_task is not None:
            self._delivery_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._delivery_task
        if self._session is not None:
            await self._session.close()
