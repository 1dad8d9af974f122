"""Telegram's checks on a send or edit call: chat, text and parse mode, markup, reply target.

Each raises the ApiError Telegram would answer with; the texts are Telegram's own.
"""

from __future__ import annotations

from typing import Any

from tgemu.core import EmulatorCore
from tgemu.html_check import HtmlParseError, parse_html
from tgemu.protocol import ApiCall, bad_request, forbidden
from tgemu.state import EmuChat, EmuMessage

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_ANSWER_LIMIT = 200
CALLBACK_DATA_LIMIT = 64
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip
_INLINE_ACTIONS = (
    "callback_data", "url", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "callback_game",
    "pay", "web_app", "copy_text",
)  # fmt: skip
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


def find_chat(core: EmulatorCore, chat_id: Any) -> EmuChat:
    """The chat ``chat_id`` names (an id or "@username"); 400 "chat not found" otherwise."""
    chat = None
    if isinstance(chat_id, str) and chat_id.startswith("@"):
        chat = next(
            (
                c
                for c in core.world.chats.values()
                if c.user is not None and c.user.username == chat_id[1:]
            ),
            None,
        )
    elif isinstance(chat_id, int) and not isinstance(chat_id, bool):
        chat = core.world.chats.get(chat_id)
    if chat is None or chat.deleted:
        raise bad_request("chat not found")
    return chat


def writable_chat(core: EmulatorCore, call: ApiCall) -> EmuChat:
    """The target chat of a send/edit call, after Telegram's membership and block checks."""
    chat = find_chat(core, call.require("chat_id"))
    if chat.user is not None:
        if chat.user.blocked_bot:
            raise forbidden("bot was blocked by the user")
        if not chat.user.started_bot:
            raise forbidden("bot can't initiate conversation with a user")
    elif chat.bot_status == "left":
        raise forbidden(f"bot is not a member of the {chat.type} chat")
    elif chat.bot_status == "kicked":
        raise forbidden(f"bot was kicked from the {chat.type} chat")
    return chat


def format_text(
    core: EmulatorCore, raw: Any, parse_mode: Any, entities: Any, *, caption: bool
) -> tuple[str, list[dict[str, Any]]]:
    """Apply parse_mode to ``raw``; return (plain text, entities) or raise Telegram's 400."""
    if not isinstance(raw, str):
        raise bad_request("message text is empty")
    text, parsed_entities = raw, list(entities or [])
    if parse_mode and str(parse_mode).lower() == "html":
        try:
            parsed = parse_html(raw, strict=core.strict_html)
        except HtmlParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
        text, parsed_entities = parsed.text, parsed.entities
    elif parse_mode and str(parse_mode).lower() not in ("markdown", "markdownv2"):
        raise bad_request(f"unsupported parse_mode {parse_mode}")
    if caption:
        if utf16_length(text) > CAPTION_LIMIT:
            raise bad_request("message caption is too long")
    elif not text.strip():
        raise bad_request("message text is empty")
    elif utf16_length(text) > TEXT_LIMIT:
        raise bad_request("message is too long")
    return text, parsed_entities


def utf16_length(text: str) -> int:
    """Telegram counts text limits in UTF-16 code units (an emoji outside the BMP is two)."""
    return len(text.encode("utf-16-le")) // 2


def check_markup(markup: Any) -> dict[str, Any] | None:
    """Validate reply_markup the way Telegram parses it; return it unchanged."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        for row in _rows(markup["inline_keyboard"]):
            for button in row:
                _check_inline_button(button)
    elif "keyboard" in markup:
        for row in _rows(markup["keyboard"]):
            for button in row:
                label = button if isinstance(button, str) else (button or {}).get("text")
                if not isinstance(label, str) or not label:
                    raise bad_request("can't parse keyboard button: Text must be non-empty")
    elif markup.get("remove_keyboard") is not True and "force_reply" not in markup:
        raise bad_request("can't parse reply keyboard markup JSON object")
    return markup


def _rows(rows: Any) -> list[list[Any]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("can't parse reply keyboard markup JSON object")
    return rows


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request("can't parse inline keyboard button: Text must be a String")
    actions = [key for key in _INLINE_ACTIONS if key in button]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    data = button.get("callback_data")
    if data is not None and not (1 <= len(str(data).encode("utf-8")) <= CALLBACK_DATA_LIMIT):
        raise bad_request("BUTTON_DATA_INVALID")
    url = button.get("url")
    if url is not None and not str(url).startswith(("http://", "https://", "tg://")):
        raise bad_request("BUTTON_URL_INVALID")


def reply_target(core: EmulatorCore, call: ApiCall, chat: EmuChat) -> EmuMessage | None:
    """The message being replied to, from reply_parameters or legacy reply_to_message_id."""
    parameters = call.get("reply_parameters") or {}
    if not isinstance(parameters, dict):
        raise bad_request("can't parse reply parameters JSON object")
    message_id = parameters.get("message_id", call.get("reply_to_message_id"))
    if message_id is None:
        return None
    allow_missing = parameters.get(
        "allow_sending_without_reply", call.flag("allow_sending_without_reply")
    )
    if isinstance(message_id, bool) or not isinstance(message_id, int):
        raise bad_request("invalid reply_parameters specified")
    replied = core.world.message(chat.id, message_id)
    if replied is None and not allow_missing:
        raise bad_request("message to be replied not found")
    return replied


def thread_for(
    core: EmulatorCore, call: ApiCall, chat: EmuChat, replied: EmuMessage | None
) -> int | None:
    thread_id = call.integer("message_thread_id")
    if thread_id is None:
        return replied.thread_id if replied else None
    exists = (
        core.world.topic(chat.id, thread_id) is not None
        if chat.is_forum
        else chat.type != "private" and core.world.message(chat.id, thread_id) is not None
    )
    if not exists:
        raise bad_request("message thread not found")
    return thread_id
