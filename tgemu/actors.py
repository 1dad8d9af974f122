"""Scripted people: residents and staff who write, send media and press buttons.

Each action stores the message, enqueues a real-shaped Update for the bot and returns what it
created. Misuse (a user writing in a group they are not in, pressing a button that is not
there) raises at once: it is a bug in the script, not something Telegram would allow.
"""

from __future__ import annotations

import mimetypes
import re
from typing import Any

from tgemu.core import CallbackQuery, EmulatorCore
from tgemu.html_check import utf16_len
from tgemu.samples import SAMPLE_JPEG, SAMPLE_OGG, SAMPLE_WEBP, sample_document
from tgemu.state import EmuChat, EmuFile, EmuMessage, EmuUser

_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![^\s.,;:!?])")
_MENTION = re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{5,32}\b")
_MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted"})


def text_entities(text: str) -> list[dict[str, Any]]:
    """Entities Telegram clients attach on their own: /commands (also /cmd@bot), @mentions."""
    found = [("bot_command", m) for m in _COMMAND.finditer(text)]
    found += [("mention", m) for m in _MENTION.finditer(text)]
    entities = [
        {"type": kind, "offset": utf16_len(text[: m.start()]), "length": utf16_len(m.group())}
        for kind, m in found
    ]
    return sorted(entities, key=lambda e: e["offset"])


class UserActions:
    """The scripting half of BotApiEmulator: what users do."""

    _core: EmulatorCore

    # --- messages ----------------------------------------------------------------------

    def send_text(
        self,
        user: EmuUser,
        chat_id: int,
        text: str,
        *,
        reply_to: int | None = None,
        thread_id: int | None = None,
        forward_origin: dict[str, Any] | None = None,
    ) -> EmuMessage:
        """``user`` writes ``text``; leading /commands get bot_command entities.

        ``forward_origin`` (a Bot API MessageOrigin, e.g. ``origin_user(...)``) makes it a
        message the user forwarded from elsewhere.
        """
        return self._post(
            user,
            chat_id,
            "text",
            text=text,
            entities=[] if forward_origin else text_entities(text),
            reply_to=reply_to,
            thread_id=thread_id,
            content={"forward_origin": forward_origin} if forward_origin else None,
        )

    def edit_text(self, user: EmuUser, chat_id: int, message_id: int, text: str) -> EmuMessage:
        """``user`` edits their own message: the bot gets an ``edited_message`` update."""
        core = self._core
        message = core.world.message(chat_id, message_id)
        if message is None or message.sender.id != user.id:
            raise LookupError(f"{user.full_name} has no message {message_id} in chat {chat_id}")
        message.text, message.html, message.edited = text, text, message.edited + 1
        message.edit_date = core.now()
        if message.kind == "text":
            message.entities = text_entities(text)
        core.record(core.world.chat(chat_id), user.full_name, text, action="edited")
        core.updates.push({"edited_message": core.world.message_to_api(message)})
        return message

    def send_album(
        self, user: EmuUser, chat_id: int, count: int, *, caption: str | None = None,
        photos: list[bytes] | None = None,
    ) -> list[EmuMessage]:
        """``count`` photos sent together (the bytes of ``photos`` when given, else a small
        real JPEG each): one message each with one ``media_group_id``, the caption on the
        first, as Telegram delivers an album."""
        if photos is not None:
            count = len(photos)
        if not 2 <= count <= 10:
            raise ValueError("an album holds 2 to 10 photos")
        group_id = f"{next(self._core.query_numbers)}{user.id}{count}"
        messages = []
        for index in range(count):
            photo = self._core.world.store_file(
                "photo", photos[index] if photos else SAMPLE_JPEG, file_name=None,
                mime_type="image/jpeg"
            )
            content = {"photo": self._core.world.photo_sizes(photo), "media_group_id": group_id}
            messages.append(
                self._post(
                    user,
                    chat_id,
                    "photo",
                    text=caption if index == 0 else None,
                    file=photo,
                    content=content,
                )
            )
        return messages

    def send_dice(self, user: EmuUser, chat_id: int) -> EmuMessage:
        """A 🎲 (a message kind few bots handle)."""
        return self._post(
            user, chat_id, "dice", content={"dice": {"emoji": "🎲", "value": 3}}
        )

    def send_photo(
        self,
        user: EmuUser,
        chat_id: int,
        *,
        caption: str | None = None,
        reply_to: int | None = None,
        data: bytes | None = None,
    ) -> EmuMessage:
        """``user`` sends a photo (a small real JPEG unless ``data`` is given)."""
        photo = self._core.world.store_file(
            "photo", data or SAMPLE_JPEG, file_name=None, mime_type="image/jpeg"
        )
        return self._post(
            user,
            chat_id,
            "photo",
            text=caption,
            file=photo,
            reply_to=reply_to,
            content={"photo": self._core.world.photo_sizes(photo)},
        )

    def send_document(
        self,
        user: EmuUser,
        chat_id: int,
        file_name: str = "x.pdf",
        caption: str | None = None,
        *,
        data: bytes | None = None,
        mime_type: str | None = None,
    ) -> EmuMessage:
        mime = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        stored = self._core.world.store_file(
            "document",
            data if data is not None else sample_document(file_name),
            file_name=file_name,
            mime_type=mime,
        )
        document = {**_file_fields(stored), "file_name": file_name, "mime_type": mime}
        return self._post(
            user, chat_id, "document", text=caption, file=stored, content={"document": document}
        )

    def send_voice(self, user: EmuUser, chat_id: int, duration: int = 5) -> EmuMessage:
        stored = self._core.world.store_file(
            "voice", SAMPLE_OGG, file_name=None, mime_type="audio/ogg"
        )
        voice = {**_file_fields(stored), "duration": duration, "mime_type": "audio/ogg"}
        return self._post(user, chat_id, "voice", file=stored, content={"voice": voice})

    def send_location(
        self, user: EmuUser, chat_id: int, latitude: float, longitude: float
    ) -> EmuMessage:
        location = {"latitude": latitude, "longitude": longitude}
        return self._post(user, chat_id, "location", content={"location": location})

    def send_contact(
        self,
        user: EmuUser,
        chat_id: int,
        phone_number: str,
        *,
        own: bool = True,
        first_name: str | None = None,
    ) -> EmuMessage:
        """Share a contact; ``own=True`` is the "share my phone number" button (user_id set)."""
        contact: dict[str, Any] = {"phone_number": phone_number}
        if own:
            contact["first_name"] = user.first_name
            if user.last_name:
                contact["last_name"] = user.last_name
            contact["user_id"] = user.id
        else:
            contact["first_name"] = first_name or "联系人"
        return self._post(user, chat_id, "contact", content={"contact": contact})

    def send_sticker(self, user: EmuUser, chat_id: int) -> EmuMessage:
        """A sticker (a webp image with an emoji)."""
        stored = self._core.world.store_file(
            "sticker", SAMPLE_WEBP, file_name=None, mime_type="image/webp"
        )
        sticker = {
            **_file_fields(stored),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
        return self._post(user, chat_id, "sticker", file=stored, content={"sticker": sticker})

    # --- buttons and membership --------------------------------------------------------

    def press_button(self, user: EmuUser, chat_id: int, message_id: int, data: str) -> str:
        """Press the inline button with ``data`` under a bot message; return the query id."""
        core = self._core
        chat = core.world.chat(chat_id)
        self._check_can_write(user, chat)
        message = core.world.message(chat_id, message_id)
        if message is None:
            raise LookupError(f"no message {message_id} in chat {chat_id}")
        label = next(
            (
                text
                for row in message.buttons
                for text, value in row
                if value == data and message.inline_markup is not None
            ),
            None,
        )
        if label is None:
            raise LookupError(
                f"message {message_id} has no inline button with callback_data {data!r}; "
                f"its buttons are {message.buttons}"
            )
        query_id = f"{next(core.query_numbers)}{user.id}"
        core.callback_queries[query_id] = CallbackQuery(query_id, user, chat_id, message_id, data)
        core.record(chat, user.full_name, f"[pressed] {label}", action="callback")
        core.updates.push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user.to_api(),
                    "message": core.world.message_to_api(message),
                    "chat_instance": str(abs(chat_id) * 7919 % 10**12),
                    "data": data,
                }
            }
        )
        return query_id

    def press_again(self, query_id: str) -> str:
        """The same press arrives once more under the same query id, as when a slow answer
        makes the client retry; answering it again is "query is too old"."""
        core = self._core
        query = core.callback_queries[query_id]
        message = core.world.message(query.chat_id, query.message_id)
        if message is None:
            raise ValueError(f"the pressed message of query {query_id} is gone")
        core.updates.push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": query.user.to_api(),
                    "message": core.world.message_to_api(message),
                    "chat_instance": str(abs(query.chat_id) * 7919 % 10**12),
                    "data": query.data,
                }
            }
        )
        return query_id

    def send_raw_update(self, body: dict[str, Any]) -> int:
        """Queue an update of any shape (a newer or faulty server's); return its update_id."""
        return int(self._core.updates.push(body)["update_id"])

    def redeliver_last_update(self) -> int:
        """Send the last update again under the SAME update_id; return that id."""
        return int(self._core.updates.redeliver_last()["update_id"])

    def bot_added_to_group(self, chat_id: int, by_user: EmuUser, *, as_admin: bool = True) -> None:
        """``by_user`` adds the bot to the group (a my_chat_member update)."""
        chat = self._core.world.chat(chat_id)
        old = chat.bot_status
        chat.bot_status = "administrator" if as_admin else "member"
        self._core.push_my_chat_member(chat, by_user, old, chat.bot_status)

    def block_bot(self, user: EmuUser) -> None:
        """``user`` blocks the bot: sends to them now fail with 403."""
        user.blocked_bot = True
        chat = self._core.world.chat(user.id)
        self._core.push_my_chat_member(chat, user, "member", "kicked")

    def unblock_bot(self, user: EmuUser) -> None:
        user.blocked_bot = False
        chat = self._core.world.chat(user.id)
        self._core.push_my_chat_member(chat, user, "kicked", "member")

    # --- internals ---------------------------------------------------------------------

    def _check_can_write(self, user: EmuUser, chat: EmuChat) -> None:
        if chat.deleted:
            raise RuntimeError(f"chat {chat.id} was deleted")
        if chat.user is not None:
            if chat.id != user.id:
                raise ValueError(f"{user.full_name} cannot write in {chat.display_name}'s chat")
            if user.blocked_bot:
                raise RuntimeError(f"{user.full_name} has blocked the bot; unblock_bot() first")
        elif chat.members.get(user.id) not in _MEMBER_STATUSES:
            raise ValueError(f"{user.full_name} is not a member of {chat.display_name}")

    def _post(
        self,
        user: EmuUser,
        chat_id: int,
        kind: str,
        *,
        text: str | None = None,
        entities: list[dict[str, Any]] | None = None,
        reply_to: int | None = None,
        thread_id: int | None = None,
        file: EmuFile | None = None,
        content: dict[str, Any] | None = None,
    ) -> EmuMessage:
        core = self._core
        chat = core.world.chat(chat_id)
        self._check_can_write(user, chat)
        replied = core.world.message(chat_id, reply_to) if reply_to is not None else None
        if reply_to is not None and replied is None:
            raise LookupError(f"no message {reply_to} in chat {chat_id} to reply to")
        if thread_id is None and replied is not None:
            thread_id = replied.thread_id
        if thread_id is not None and chat.is_forum and core.world.topic(chat_id, thread_id) is None:
            raise LookupError(f"no forum topic {thread_id} in chat {chat_id}")
        message = core.world.add_message(
            chat,
            user,
            date=core.now(),
            kind=kind,
            text=text or "",
            html=text,
            entities=entities or [],
            reply_to_message_id=reply_to,
            thread_id=thread_id,
            file=file,
            content=content or {},
        )
        if chat.user is not None:
            user.started_bot = True
        core.record_message(message)
        # A bot that left a group no longer sees what is said there.
        if chat.user is not None or chat.bot_status not in ("left", "kicked"):
            core.updates.push({"message": core.world.message_to_api(message)})
        else:
            core.notify()
        return message


def origin_user(user: EmuUser, date: int) -> dict[str, Any]:
    """A MessageOrigin for a message first written by ``user`` at ``date`` (Unix time)."""
    return {"type": "user", "date": date, "sender_user": user.to_api()}


def origin_channel(chat_id: int, title: str, date: int, message_id: int = 1) -> dict[str, Any]:
    """A MessageOrigin for a post of the channel ``title``."""
    chat = {"id": chat_id, "type": "channel", "title": title}
    return {"type": "channel", "date": date, "chat": chat, "message_id": message_id}


def _file_fields(stored: EmuFile) -> dict[str, Any]:
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
    }
