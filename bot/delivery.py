"""The delivery worker: sends what the domain queued in the outbox, with retries.

Failures are sorted the way Telegram's errors ask for (https://core.telegram.org/bots/faq):
429 RetryAfter waits the time given and is never counted as an attempt: it pauses the chat
it came from, and the whole bot when a second chat is refused while the first is still
paused (Telegram does not say which limit was hit; two chats refused at once is the global
one); network errors and 5xx are counted and back off exponentially, capped at a minute,
and are given up only after a day (Dispatch.retry);
403 (blocked) and "chat not found" stop sending to that chat; other 400s are our bug and
are logged loudly and not retried.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.pacing import Pacer
from bot.runtime import DbRunner
from bot.text_limits import CAPTION_LIMIT, TEXT_LIMIT, split_html
from reception import texts
from reception.handling.dispatch import Dispatch, Item, Sent
from storage.enums import MessageKind, OutboxKind

log = logging.getLogger(__name__)

CLAIM_BATCH = 100  # at most this many due sends claimed at once

_GONE = ("chat not found", "bot was kicked", "group chat was deactivated", "chat was deleted",
         "bot is not a member", "have no rights to send")


class Delivery:
    def __init__(self, *, bot: Bot, dispatch: Dispatch, run: DbRunner) -> None:
        self.bot, self.dispatch, self.run = bot, dispatch, run
        self._task: asyncio.Task[None] | None = None
        self._flood_until: datetime | None = None  # a global 429: the whole bot waits
        self._chat_paused: dict[int, datetime] = {}  # a per-chat 429: that chat waits
        self.pacer = Pacer(now=dispatch.deps.clock.now)
        self._wake: asyncio.TimerHandle | None = None  # drain again when a paced send is due
        self._claim = False  # the outbox may hold due sends: claim them
        self._taken: list[Item] = []  # sends the domain claimed for this process (take())
        # Outbox id -> messages of a split send already out: a retry goes on from there
        # instead of sending the first parts again (lost with the process: a crash may repeat).
        self._parts_out: dict[int, int] = {}
        self.idle = asyncio.Event()
        self.idle.set()

    def kick(self) -> None:
        """Drain the outbox soon; cheap to call often (runs are coalesced)."""
        self._claim = True
        self._run()

    def take(self, items: list[Item] | None) -> None:
        """Send what a domain call queued and claimed for this process in its own
        transaction (Dispatch.hand_over): no claim needed. None means it left its sends in
        the outbox, so drain that as kick() does."""
        if items is None:
            self.kick()
        elif items:
            self._taken.extend(items)
            self._run()

    async def drain(self) -> None:
        """Send everything due now and wait until this run is over (the tests wait so; the
        periodic job and start-up only ``kick``)."""
        self.kick()
        if self._task is not None:
            await asyncio.shield(self._task)

    async def stop(self) -> None:
        if self._wake is not None:
            self._wake.cancel()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    def _run(self) -> None:
        if self._task is not None and not self._task.done():
            return  # the running loop sees the new work before it ends
        self.idle.clear()
        self._task = asyncio.get_running_loop().create_task(self._drain_loop())

    async def _drain_loop(self) -> None:
        try:
            while self._claim or self._taken:
                items = self._next_items()
                if self._claim:
                    # Taken first, claimed second: whatever was queued before the taken
                    # items committed is claimed now, and the batch goes out in queue order.
                    # No more is claimed than the overall limit lets out now: a backlog
                    # claimed only to be put back would hold the database for nothing.
                    self._claim = False
                    room, wait = self.pacer.available()
                    if room <= 0:
                        self._wake_in(wait)
                        claimed = []
                    else:
                        claimed = await self.run(self.dispatch.claim, limit=min(room, CLAIM_BATCH))
                        self._claim = bool(claimed)  # more may be due, or queued meanwhile
                    items = sorted(items + claimed, key=lambda item: item.id)
                if items:
                    await self._send_batch(items)
        except Exception:
            log.exception("delivery run failed; the periodic job will try again")
        finally:
            self.idle.set()

    def _next_items(self) -> list[Item]:
        """The taken items still safely ours; an expired claim goes back to the outbox."""
        items, self._taken = self._taken, []
        now = self.dispatch.deps.clock.now()
        fresh = [item for item in items if item.claimed_until is None or item.claimed_until > now]
        if len(fresh) < len(items):
            self._claim = True
        return fresh

    async def _send_batch(self, items: list[Item]) -> None:
        # One chat's messages go in order; different chats go side by side. Successful
        # sends of the whole batch are recorded in one transaction.
        by_chat: dict[int, list[Item]] = defaultdict(list)
        for item in items:
            by_chat[item.chat_id].append(item)
        paced: list[tuple[list[Item], timedelta]] = []  # chats that wait their turn
        batches = await asyncio.gather(*(self._send_chat(chat_items, paced)
                                         for chat_items in by_chat.values()))
        await self.run(self.dispatch.record, [sent for batch in batches for sent in batch])
        if paced:  # put back in one transaction, not one per chat
            await self.run(self.dispatch.defer_each, paced)
            self._wake_in(min(wait for _, wait in paced))

    async def _send_chat(self, items: list[Item], paced: list[tuple[list[Item], timedelta]]) -> list[Sent]:
        done: list[Sent] = []
        cards: dict[int, tuple[int, int | None]] = {}  # petition -> (card message, thread) sent now
        for index, item in enumerate(items):
            pause = self._pause_left(item.chat_id) or self.pacer.reserve(item.chat_id)
            if pause is not None:  # not an attempt: the rest of this chat waits its turn
                paced.append((items[index:], pause))
                break
            try:
                sent = await self._send(item, cards)
                if sent is not None:
                    done.append(sent)
            except RetryAfter as exc:
                wait = exc.retry_after if isinstance(exc.retry_after, timedelta) else timedelta(
                    seconds=float(exc.retry_after))
                scope = self._pause(item.chat_id, wait)
                log.warning("Telegram asks to wait %s (%s, at chat %s); %s send(s) wait, "
                            "not counted as attempts", wait, scope, item.chat_id, len(items) - index)
                await self.run(self.dispatch.defer_all, items[index:], after=wait, error=str(exc))
                break
            except Forbidden as exc:
                await self.run(self.dispatch.chat_unreachable, item, error=str(exc))
                self._claim = True  # a lost group's petitions were re-routed
            except BadRequest as exc:
                sent = await self._bad_request(item, exc)
                if sent is not None:
                    done.append(sent)
            except NetworkError as exc:
                log.warning("network error sending outbox %s (attempt %s): %s",
                            item.id, item.attempts + 1, exc)
                await self.run(self.dispatch.retry, item, error=str(exc))
            except TelegramError as exc:
                log.error("outbox %s failed: %s", item.id, exc)
                self._parts_out.pop(item.id, None)
                await self.run(self.dispatch.failed, item, error=str(exc), tell_admins=True)
        return done

    def _wake_in(self, wait: timedelta) -> None:
        """Drain again once a paced send is due (the periodic job would, only later)."""
        if self._wake is None or self._wake.cancelled() or self._wake.when() <= asyncio.get_running_loop().time():
            self._wake = asyncio.get_running_loop().call_later(wait.total_seconds(), self.kick)

    def _pause(self, chat_id: int, wait: timedelta) -> str:
        """Remember a 429; returns "global" or "per chat", the scope it was taken for."""
        now = self.dispatch.deps.clock.now()
        until = now + wait
        others = any(chat != chat_id and at > now for chat, at in self._chat_paused.items())
        self._chat_paused[chat_id] = max(until, self._chat_paused.get(chat_id, until))
        if others:
            self._flood_until = max(until, self._flood_until or until)
            return "global"
        return "per chat"

    def _pause_left(self, chat_id: int) -> timedelta | None:
        """How long this chat must still wait (the longer of its own and a global pause)."""
        now = self.dispatch.deps.clock.now()
        ends = [at for at in (self._flood_until, self._chat_paused.get(chat_id)) if at is not None]
        if not ends or max(ends) <= now:
            self._chat_paused.pop(chat_id, None)
            if self._flood_until is not None and self._flood_until <= now:
                self._flood_until = None
            return None
        return max(ends) - now

    async def _bad_request(self, item: Item, exc: BadRequest) -> Sent | None:
        message = str(exc).lower()
        if any(marker in message for marker in _GONE):
            await self.run(self.dispatch.chat_unreachable, item, error=str(exc))
            self._claim = True  # a lost group's petitions were re-routed
        elif "message is not modified" in message:
            return Sent(item, None)
        else:
            log.error("Telegram refused outbox %s (%s to %s): %s; payload=%r",
                      item.id, item.kind, item.chat_id, exc, item.payload)
            self._parts_out.pop(item.id, None)
            await self.run(self.dispatch.failed, item, error=str(exc), tell_admins=True)
        return None

    async def _send(self, item: Item, cards: dict[int, tuple[int, int | None]]) -> Sent | None:
        if item.kind == OutboxKind.CARD:
            return await self._send_card(item, cards)
        thread_id = reply_to = None
        anchor = item.anchor
        if anchor is not None:
            in_thread_of = item.payload["in_thread_of"]
            if in_thread_of in cards:
                reply_to, thread_id = cards[in_thread_of]
            elif anchor.card_pending:
                # Its card has not gone out yet (it failed and waits for a retry): keep order.
                await self.run(self.dispatch.defer, item, after=timedelta(seconds=1))
                return None
            else:
                reply_to, thread_id = anchor.card_message_id, anchor.thread_id
            if not item.payload.get("reply_to_card"):
                reply_to = None
        sent = await self._send_plain(item, thread_id=thread_id, reply_to=reply_to)
        self._parts_out.pop(item.id, None)
        return Sent(item, sent.message_id if sent else None,
                    kind=MessageKind(item.payload.get("media_kind", MessageKind.TEXT)))

    async def _send_plain(self, item: Item, *, thread_id: int | None, reply_to: int | None) -> Message | None:
        payload = item.payload
        common: dict[str, Any] = {
            "chat_id": item.chat_id,
            "message_thread_id": thread_id,
            "reply_parameters": ReplyParameters(reply_to, allow_sending_without_reply=True)
            if reply_to else None,
        }
        if item.kind == OutboxKind.MESSAGE:
            if payload.get("protect"):  # a resident's contact details: not to be forwarded
                common["protect_content"] = True
            return await self._send_text(payload["text"], common, markup=_markup(payload), key=item.id)
        caption, rest = _caption(payload.get("caption", ""))
        sent: Message | None
        if self._parts_out.get(item.id):  # the media went out; a long caption's rest did not
            await self._send_text(rest, {**common, "reply_parameters": None}, key=item.id, first=1)
            return None
        if item.kind == OutboxKind.UPLOAD:
            path = Path(payload["path"])
            with path.open("rb") as handle:
                if payload.get("as_photo"):
                    sent = await self.bot.send_photo(photo=handle, caption=caption,
                                                     parse_mode=ParseMode.HTML, **common)
                else:
                    sent = await self.bot.send_document(document=handle, filename=path.name,
                                                        caption=caption,
                                                        parse_mode=ParseMode.HTML, **common)
        else:
            sent = await self._send_media({**payload, "caption": caption}, common)
        if rest:  # a caption too long for Telegram: the rest follows as text, nothing is cut
            self._parts_out[item.id] = 1
            await self._send_text(rest, {**common, "reply_parameters": None}, key=item.id, first=1)
        return sent

    async def _send_text(self, text: str, common: dict, *, markup=None, key: int, first: int = 0) -> Message | None:
        """One message, or several when the text is longer than Telegram takes: the first
        part keeps the reply, the last the buttons (bot/text_limits.py). Parts already out
        for outbox item ``key`` (counted from ``first``) are not sent again."""
        parts = split_html(text, TEXT_LIMIT)
        sent = None
        for index, part in enumerate(parts):
            if first + index < self._parts_out.get(key, 0):
                continue
            last = index == len(parts) - 1
            sent = await self.bot.send_message(
                text=part, parse_mode=ParseMode.HTML, reply_markup=markup if last else None,
                **(common if index == 0 else {**common, "reply_parameters": None}))
            self._parts_out[key] = first + index + 1
        return sent

    async def _send_media(self, payload: dict, common: dict) -> Message | None:
        kind, file_id, caption = payload["media_kind"], payload.get("file_id"), payload.get("caption", "")
        if kind == MessageKind.LOCATION:
            return await self.bot.send_location(latitude=payload["latitude"],
                                                longitude=payload["longitude"], **common)
        senders: dict[str, tuple[Callable[..., Awaitable[Message]], str]] = {
            MessageKind.PHOTO: (self.bot.send_photo, "photo"),
            MessageKind.VOICE: (self.bot.send_voice, "voice"),
            MessageKind.DOCUMENT: (self.bot.send_document, "document"),
            MessageKind.VIDEO: (self.bot.send_document, "document")}
        sender, field = senders.get(kind, senders[MessageKind.DOCUMENT])
        return await sender(**{field: file_id}, caption=caption, parse_mode=ParseMode.HTML, **common)

    async def _send_card(self, item: Item, cards: dict[int, tuple[int, int | None]]) -> Sent | None:
        plan = item.plan
        if plan is None:
            await self.run(self.dispatch.failed, item, error="petition not found")
            return None
        markup = _inline(plan.card.buttons)
        message_id, thread_id = plan.message_id, plan.thread_id
        if item.petition_id in cards:  # sent earlier in this batch
            message_id, thread_id = cards[item.petition_id]
        if message_id is not None:
            try:
                await self.bot.edit_message_text(
                    chat_id=item.chat_id, message_id=message_id, text=_fit(plan.card.text),
                    parse_mode=ParseMode.HTML, reply_markup=markup)
            except BadRequest as exc:
                if "not modified" not in str(exc).lower():
                    raise
            return Sent(item, None)
        if plan.make_topic:
            topic = await self.bot.create_forum_topic(chat_id=item.chat_id, name=plan.make_topic)
            thread_id = topic.message_thread_id
        message = await self.bot.send_message(
            chat_id=item.chat_id, text=_fit(plan.card.text), parse_mode=ParseMode.HTML,
            reply_markup=markup, message_thread_id=thread_id)
        if item.petition_id is not None:  # a card is always about a petition
            cards[item.petition_id] = (message.message_id, thread_id)
        return Sent(item, message.message_id, thread_id=thread_id, kind=MessageKind.CARD)


def _fit(text: str) -> str:
    """A card is one message that is edited in place: over the limit, it is shortened
    (balanced) with an ellipsis; the full petition stays in the database and in /show."""
    parts = split_html(text, TEXT_LIMIT - 1)
    return text if len(parts) == 1 else parts[0] + "…"


def _caption(caption: str) -> tuple[str, str]:
    """(what fits in the caption, the rest to send as text after it)."""
    parts = split_html(caption, CAPTION_LIMIT)
    if len(parts) == 1:
        return caption, ""
    return parts[0], "".join(parts[1:])


def _inline(buttons: list) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in buttons])


def _markup(payload: dict) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None:
    if payload.get("buttons"):
        return _inline(payload["buttons"])
    if payload.get("keyboard") == "contact":
        return ReplyKeyboardMarkup(
            [[KeyboardButton(texts.SHARE_PHONE_BUTTON, request_contact=True)]],
            resize_keyboard=True, one_time_keyboard=True)
    if payload.get("keyboard") == "remove":
        return ReplyKeyboardRemove()
    return None
