"""What the web chat shows: the emulator's world as plain JSON for the browser.

Text goes out as Telegram clients receive it, ``text`` plus ``entities`` (offsets in UTF-16
code units, which is what JavaScript strings count), never as HTML: the page builds the
formatting with DOM calls, so nothing a user or the bot typed can become markup.
"""

from __future__ import annotations

from typing import Any

from tgemu.core import EmulatorCore
from tgemu.state import EmuChat, EmuMessage, EmuUser


def user_json(user: EmuUser) -> dict[str, Any]:
    return {"id": user.id, "name": user.full_name, "bot": user.is_bot}


def chat_json(core: EmulatorCore, chat: EmuChat) -> dict[str, Any]:
    members = [chat.id] if chat.user is not None else [
        uid for uid, status in chat.members.items() if status not in ("left", "kicked")
    ]
    topics = [
        {"id": t.message_thread_id, "name": t.name, "color": t.icon_color}
        for t in core.world.topics.get(chat.id, [])
    ]
    keyboard = core.reply_keyboards.get(chat.id)
    return {
        "id": chat.id,
        "type": chat.type,
        "title": chat.display_name,
        "forum": chat.is_forum,
        "members": members,
        "topics": topics,
        "keyboard": _reply_keyboard(keyboard) if keyboard else None,
        "bot_in_chat": chat.bot_status not in ("left", "kicked"),
    }


def message_json(message: EmuMessage) -> dict[str, Any]:
    data: dict[str, Any] = {
        "chat": message.chat_id,
        "id": message.message_id,
        "from": message.sender.id,
        "from_name": message.sender_name,
        "bot": message.from_bot,
        "date": message.date.isoformat(),
        "kind": message.kind,
        "text": message.text,
        "entities": message.entities,
        "buttons": _inline_keyboard(message),
        "reply_to": message.reply_to_message_id,
        "thread": message.thread_id,
        "edited": message.edited,
        "service": message.service,
    }
    if message.file is not None:
        data["file"] = {
            "id": message.file.file_id,
            "name": message.file.file_name,
            "mime": message.file.mime_type,
            "size": message.file.size,
        }
    for key in ("location", "contact"):
        if key in message.content:
            data[key] = message.content[key]
    return data


def fingerprint(message: EmuMessage) -> tuple[int, int]:
    """Changes whenever the page must redraw the message: every edit bumps ``edited``."""
    return message.edited, len(message.text)


def _inline_keyboard(message: EmuMessage) -> list[list[dict[str, str]]]:
    markup = message.inline_markup or {}
    rows = []
    for row in markup.get("inline_keyboard", []):
        buttons = []
        for button in row:
            shown = {"text": str(button.get("text", ""))}
            for key in ("callback_data", "url"):
                if key in button:
                    shown[key] = str(button[key])
            buttons.append(shown)
        rows.append(buttons)
    return rows


def _reply_keyboard(markup: dict[str, Any]) -> list[list[dict[str, Any]]]:
    rows = []
    for row in markup.get("keyboard", []):
        rows.append([
            {"text": b} if isinstance(b, str) else {
                "text": str(b.get("text", "")),
                "contact": bool(b.get("request_contact")),
                "location": bool(b.get("request_location")),
            }
            for b in row
        ])
    return rows
