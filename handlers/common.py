"""Helpers every handler uses: the callback context with the runtime, the caller's identity,
polite refusals."""

from __future__ import annotations

import html
import logging
from functools import partial
from typing import TYPE_CHECKING, Any, TypeAlias

from telegram import (
    Message,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot, JobQueue

from reception.errors import ReceptionError
from reception.handling.intake import Inbound
from reception.petition.callback_data import BadCallbackData
from storage.enums import MessageKind

if TYPE_CHECKING:  # the composition root hands handlers their runtime; no import at run time
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


class OfficeData:
    """The application's ``bot_data``: the runtime, handed over once by the composition root
    (bot/app.py) before any update or job runs."""

    def __init__(self) -> None:
        self._runtime: Runtime | None = None

    @property
    def runtime(self) -> Runtime:
        """The runtime; RuntimeError before the composition root set it."""
        if self._runtime is None:
            raise RuntimeError("the application has no runtime yet (bot.app.build_application sets it)")
        return self._runtime

    @runtime.setter
    def runtime(self, runtime: Runtime) -> None:
        self._runtime = runtime


class Context(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], OfficeData]):
    """What every handler, error handler and job gets as ``context`` (PTB's ContextTypes)."""

    @property
    def runtime(self) -> Runtime:
        """The services, the database runner and the workers (bot/runtime.py)."""
        return self.bot_data.runtime


CONTEXT_TYPES = ContextTypes(context=Context, bot_data=OfficeData)
# The Application built with CONTEXT_TYPES, as type checkers see it.
OfficeApplication: TypeAlias = Application[
    ExtBot[None], Context, dict[Any, Any], dict[Any, Any], OfficeData, JobQueue[Any]]


def display_name(update: Update) -> str:
    user = update.effective_user
    return user.full_name if user else ""


def args_text(update: Update) -> str:
    """Everything after the command word (keeps spaces and line breaks)."""
    message = update.effective_message
    text = (message.text if message else None) or ""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


async def say(update: Update, text: str) -> None:
    """Answer in the chat the update came from (HTML)."""
    message = update.effective_message
    if message is not None:
        await message.reply_html(text, do_quote=False)


async def refuse(update: Update, error: ReceptionError) -> None:
    """Tell the person why nothing happened; button presses get an alert."""
    if isinstance(error, BadCallbackData):  # an old card or a forged press: worth a line, no more
        user = update.effective_user
        data = update.callback_query.data if update.callback_query else None
        log.info("refused button %.80r from user %s: %s", data, user.id if user else None,
                 error.reason)
    if update.callback_query is not None:
        try:
            await update.callback_query.answer(_plain(str(error)), show_alert=True)
        except BadRequest as failure:
            _harmless(failure, "answer")
    else:
        await say(update, str(error))


async def unknown_button(update: Update, context: Context) -> None:
    """A press no other handler claims: a button of an older version, or forged data."""
    await refuse(update, BadCallbackData("no handler for this button"))


# Telegram's answers to a button press that came twice (a double tap, a redelivered update):
# the keyboard is already gone, or the press was already answered. Nothing is wrong.
_HARMLESS = ("message is not modified", "query is too old", "query id is invalid")


async def answer_press(update: Update, text: str) -> None:
    """Answer a button press; a press answered before (a second tap) is left be."""
    if update.callback_query is None:
        return
    try:
        await update.callback_query.answer(_plain(text))
    except BadRequest as error:
        _harmless(error, "answer")


async def drop_keyboard(update: Update) -> None:
    """Remove the buttons under the pressed message; already gone is fine."""
    if update.callback_query is None:
        return
    try:
        await update.callback_query.edit_message_reply_markup(reply_markup=None)
    except BadRequest as error:
        _harmless(error, "edit")


def _harmless(error: BadRequest, what: str) -> None:
    if not any(phrase in error.message.lower() for phrase in _HARMLESS):
        raise error
    log.info("button press %s skipped: %s", what, error.message)


def _plain(text: str) -> str:
    """Callback answers are plain text, at most 200 characters."""
    for tag in ("<b>", "</b>", "<i>", "</i>", "<code>", "</code>"):
        text = text.replace(tag, "")
    return html.unescape(text)[:200]


def inbound_from(message: Message) -> Inbound | None:
    """The domain's view of a resident's message; None for kinds we do not accept."""
    user = message.from_user
    if user is None:  # a channel post has no sender to answer
        return None
    inbound = partial(
        Inbound,
        tg_user_id=user.id,
        name=user.full_name,
        username=user.username or "",
        chat_id=message.chat_id,
        message_id=message.message_id,
        reply_to_message_id=message.reply_to_message.message_id if message.reply_to_message else None,
        media_group_id=message.media_group_id,
        **_forward_origin(message),
    )
    if message.text:
        return inbound(kind=MessageKind.TEXT, text=message.text)
    caption = message.caption or ""
    if message.photo:
        return inbound(kind=MessageKind.PHOTO, text=caption, file_id=message.photo[-1].file_id)
    if message.voice:
        return inbound(kind=MessageKind.VOICE, text=caption, file_id=message.voice.file_id)
    if message.document:
        return inbound(kind=MessageKind.DOCUMENT, text=caption, file_id=message.document.file_id)
    if message.video:
        return inbound(kind=MessageKind.VIDEO, text=caption, file_id=message.video.file_id)
    if message.location:
        loc = message.location
        return inbound(kind=MessageKind.LOCATION, latitude=loc.latitude, longitude=loc.longitude)
    if message.sticker:  # kept while the bot asks what the resident needs
        return inbound(kind=MessageKind.STICKER, file_id=message.sticker.file_id)
    return None


def _forward_origin(message: Message) -> dict[str, Any]:
    """Who wrote a forwarded message first, and when (Bot API ``forward_origin``)."""
    origin = message.forward_origin
    if origin is None:
        return {}
    if isinstance(origin, MessageOriginUser):
        kind, name = "user", origin.sender_user.full_name
    elif isinstance(origin, MessageOriginHiddenUser):
        kind, name = "hidden_user", origin.sender_user_name
    elif isinstance(origin, MessageOriginChat):
        kind, name = "chat", origin.sender_chat.title or origin.author_signature or ""
    elif isinstance(origin, MessageOriginChannel):
        kind, name = "channel", origin.chat.title or origin.author_signature or ""
    else:
        kind, name = "unknown", ""
    return {"forwarded_from": name or "—", "forwarded_kind": kind,
            "forwarded_at": origin.date.isoformat() if origin.date else None}

