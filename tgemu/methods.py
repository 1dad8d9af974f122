"""Bot API methods that send, edit and answer: the bot's side of the conversation.

Error texts are Telegram's own (https://core.telegram.org/bots/api and what the server answers
in practice), so code that matches on them behaves the same against the emulator.
"""

from __future__ import annotations

from typing import Any

from tgemu.checks import (
    CALLBACK_ANSWER_LIMIT,
    CHAT_ACTIONS,
    NOT_MODIFIED,
    check_markup,
    format_text,
    reply_target,
    thread_for,
    writable_chat,
)
from tgemu.core import EmulatorCore
from tgemu.protocol import ApiCall, api_method, bad_request
from tgemu.state import EmuChat, EmuFile, EmuMessage


def post_message(
    core: EmulatorCore,
    call: ApiCall,
    chat: EmuChat,
    *,
    kind: str,
    text: str,
    entities: list[dict[str, Any]],
    file: EmuFile | None = None,
    content: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Store the bot's new message after all checks; return its Message JSON."""
    markup = check_markup(call.get("reply_markup"))
    replied = reply_target(core, call, chat)
    thread_id = thread_for(core, call, chat, replied)
    raw = call.get("caption") if kind != "text" else call.get("text")
    options = {
        key: call.get(key)
        for key in (
            "disable_notification",
            "protect_content",
            "link_preview_options",
            "disable_web_page_preview",
            "parse_mode",
        )
        if call.get(key) is not None
    }
    message = core.world.add_message(
        chat,
        core.bot,
        date=core.now(),
        kind=kind,
        text=text,
        html=raw,
        entities=entities,
        reply_markup=markup,
        reply_to_message_id=replied.message_id if replied else None,
        thread_id=thread_id,
        file=file,
        content=content or {},
        options=options,
    )
    if markup is not None and "keyboard" in markup:
        core.reply_keyboards[chat.id] = markup
    elif markup is not None and markup.get("remove_keyboard"):
        core.reply_keyboards.pop(chat.id, None)
    core.record_message(message)
    return core.world.message_to_api(message)


# --- sending -------------------------------------------------------------------------------


@api_method("sendMessage")
async def send_message(core: EmulatorCore, call: ApiCall) -> dict[str, Any]:
    chat = writable_chat(core, call)
    text, entities = format_text(
        core, call.get("text"), call.get("parse_mode"), call.get("entities"), caption=False
    )
    return post_message(core, call, chat, kind="text", text=text, entities=entities)


def input_file(core: EmulatorCore, call: ApiCall, field: str, kind: str) -> EmuFile:
    """The file a send* call refers to: a fresh multipart upload or an existing file_id."""
    value = call.get(field)
    upload = call.uploads.get(field)
    if upload is None and isinstance(value, str) and value.startswith("attach://"):
        upload = call.uploads.get(value.removeprefix("attach://"))
        if upload is None:
            raise bad_request(f"there is no file attachment {value!r} in the request")
    if upload is not None:
        if not upload.data:
            raise bad_request("file must be non-empty")
        mime = "audio/ogg" if kind == "voice" else upload.content_type or None
        return core.world.store_file(kind, upload.data, file_name=upload.filename, mime_type=mime)
    if not isinstance(value, str) or not value:
        raise bad_request(f"there is no {field} in the request")
    if value.startswith(("http://", "https://")):
        raise bad_request("failed to get HTTP URL content")  # the emulator has no network
    stored = core.world.files.get(value)
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if (stored.kind == "photo") != (kind == "photo"):
        raise bad_request(f"can't use file of type {stored.kind.title()} as {kind.title()}")
    return stored


def media_content(core: EmulatorCore, kind: str, file: EmuFile, call: ApiCall) -> dict[str, Any]:
    common = {
        "file_id": file.file_id,
        "file_unique_id": file.file_unique_id,
        "file_size": file.size,
    }
    if kind == "photo":
        return {"photo": core.world.photo_sizes(file)}
    if kind == "voice":
        return {
            "voice": {
                **common,
                "duration": call.integer("duration", 0),
                "mime_type": file.mime_type or "audio/ogg",
            }
        }
    document = dict(common)
    if file.file_name:
        document["file_name"] = file.file_name
    if file.mime_type:
        document["mime_type"] = file.mime_type
    return {"document": document}


async def _send_media(core: EmulatorCore, call: ApiCall, kind: str) -> dict[str, Any]:
    chat = writable_chat(core, call)
    caption: str = ""
    entities: list[dict[str, Any]] = []
    if call.get("caption") is not None:
        caption, entities = format_text(
            core,
            call.get("caption"),
            call.get("parse_mode"),
            call.get("caption_entities"),
            caption=True,
        )
    file = input_file(core, call, kind, kind)
    content = media_content(core, kind, file, call)
    return post_message(
        core, call, chat, kind=kind, text=caption, entities=entities, file=file, content=content
    )


@api_method("sendPhoto")
async def send_photo(core: EmulatorCore, call: ApiCall) -> dict[str, Any]:
    return await _send_media(core, call, "photo")


@api_method("sendDocument")
async def send_document(core: EmulatorCore, call: ApiCall) -> dict[str, Any]:
    return await _send_media(core, call, "document")


@api_method("sendVoice")
async def send_voice(core: EmulatorCore, call: ApiCall) -> dict[str, Any]:
    return await _send_media(core, call, "voice")


@api_method("sendLocation")
async def send_location(core: EmulatorCore, call: ApiCall) -> dict[str, Any]:
    chat = writable_chat(core, call)
    try:
        latitude = float(call.require("latitude"))
        longitude = float(call.require("longitude"))
    except (TypeError, ValueError):
        raise bad_request("wrong location specified") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise bad_request("wrong location specified")
    location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
    if call.get("horizontal_accuracy") is not None:
        location["horizontal_accuracy"] = float(call.get("horizontal_accuracy"))
    return post_message(
        core, call, chat, kind="location", text="", entities=[], content={"location": location}
    )


@api_method("sendChatAction")
async def send_chat_action(core: EmulatorCore, call: ApiCall) -> bool:
    writable_chat(core, call)
    if call.require("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


# --- editing and answering -----------------------------------------------------------------


def editable_message(core: EmulatorCore, call: ApiCall) -> EmuMessage:
    if call.get("inline_message_id") is not None:
        raise bad_request("inline messages are not supported by the emulator")
    chat = writable_chat(core, call)
    message = core.world.message(chat.id, call.integer("message_id", required=True))
    if message is None:
        raise bad_request("message to edit not found")
    if not message.from_bot or message.service:
        raise bad_request("message can't be edited")
    return message


def apply_edit(core: EmulatorCore, message: EmuMessage, **changes: Any) -> dict[str, Any]:
    for name, value in changes.items():
        setattr(message, name, value)
    message.edited += 1
    message.edit_date = core.now()
    core.record_message(message, action="edited")
    return core.world.message_to_api(message)


@api_method("editMessageText")
async def edit_message_text(core: EmulatorCore, call: ApiCall) -> dict[str, Any]:
    message = editable_message(core, call)
    if message.kind != "text":
        raise bad_request("there is no text in the message to edit")
    text, entities = format_text(
        core, call.get("text"), call.get("parse_mode"), call.get("entities"), caption=False
    )
    # Telegram drops the inline keyboard when an edit does not repeat it.
    markup = check_markup(call.get("reply_markup"))
    if text == message.text and entities == message.entities and markup == message.inline_markup:
        raise bad_request(NOT_MODIFIED)
    return apply_edit(
        core, message, text=text, html=call.get("text"), entities=entities, reply_markup=markup
    )


@api_method("editMessageReplyMarkup")
async def edit_message_reply_markup(core: EmulatorCore, call: ApiCall) -> dict[str, Any]:
    message = editable_message(core, call)
    markup = check_markup(call.get("reply_markup"))
    if markup is not None and "inline_keyboard" not in markup:
        raise bad_request("only inline keyboards can be set by editMessageReplyMarkup")
    if markup == message.inline_markup:
        raise bad_request(NOT_MODIFIED)
    return apply_edit(core, message, reply_markup=markup)


@api_method("answerCallbackQuery")
async def answer_callback_query(core: EmulatorCore, call: ApiCall) -> bool:
    query_id = str(call.require("callback_query_id"))
    query = core.callback_queries.get(query_id)
    if query is None or query.answered:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = call.get("text")
    if text is not None and len(str(text)) > CALLBACK_ANSWER_LIMIT:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answered = True
    core.callback_answers[query_id] = {
        "text": text,
        "show_alert": call.flag("show_alert"),
        "url": call.get("url"),
        "cache_time": call.integer("cache_time", 0),
    }
    if text:
        shown = f"[alert] {text}" if call.flag("show_alert") else str(text)
        core.record(core.world.chats[query.chat_id], core.bot.full_name, shown, action="answer")
    return True
