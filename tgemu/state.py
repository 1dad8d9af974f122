"""The emulator's world: users, chats, messages, files and forum topics, held in memory.

Everything here is plain data plus id allocation; the JSON shapes follow the Bot API types
(https://core.telegram.org/bots/api#available-types) so PTB can ``de_json`` them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Supergroup ids carry the -100 prefix, like Telegram's.
_SUPERGROUP_BASE = -1001000000000
_FIRST_USER_ID = 700000001


@dataclass
class EmuUser:
    """A Telegram account: a resident, a staff member, or the bot itself."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    is_bot: bool = False
    language_code: str | None = None
    blocked_bot: bool = False
    # Telegram refuses to let a bot start a private conversation: until the user has written
    # to the bot, sendMessage to them is 403 "bot can't initiate conversation with a user".
    started_bot: bool = True

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data


@dataclass
class EmuChat:
    """A private chat (id == the user's id) or a supergroup (id like -100...)."""

    id: int
    type: str
    title: str | None = None
    is_forum: bool = False
    user: EmuUser | None = None
    # user id -> ChatMember status: "creator", "administrator", "member", "left", "kicked"
    members: dict[int, str] = field(default_factory=dict)
    bot_status: str = "administrator"
    deleted: bool = False

    @property
    def display_name(self) -> str:
        if self.title is not None:
            return self.title
        return self.user.full_name if self.user else str(self.id)

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.user is not None:
            data["first_name"] = self.user.first_name
            if self.user.last_name:
                data["last_name"] = self.user.last_name
            if self.user.username:
                data["username"] = self.user.username
        else:
            data["title"] = self.title
        if self.is_forum:
            data["is_forum"] = True
        return data


@dataclass
class EmuFile:
    """Stored bytes behind a file_id; ``file_path`` is what getFile hands out."""

    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    file_name: str | None
    mime_type: str | None
    file_path: str

    @property
    def size(self) -> int:
        return len(self.data)

    def to_api(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }


@dataclass
class EmuTopic:
    """A forum topic; its id is the id of the service message that created it."""

    chat_id: int
    message_thread_id: int
    name: str
    icon_color: int
    icon_custom_emoji_id: str | None = None

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_thread_id": self.message_thread_id,
            "name": self.name,
            "icon_color": self.icon_color,
        }
        if self.icon_custom_emoji_id:
            data["icon_custom_emoji_id"] = self.icon_custom_emoji_id
        return data


@dataclass
class EmuMessage:
    """A message as the emulator keeps it: enough to answer the API and to inspect in tests."""

    message_id: int
    chat_id: int
    sender: EmuUser
    from_bot: bool
    date: datetime
    kind: str
    text: str = ""  # text, or the caption of a media message ("" if none), entities parsed
    html: str | None = None  # the raw string as sent, markup included
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    thread_id: int | None = None
    file: EmuFile | None = None
    content: dict[str, Any] = field(default_factory=dict)  # e.g. {"document": {...}}
    options: dict[str, Any] = field(default_factory=dict)  # disable_notification, link preview
    edited: int = 0
    edit_date: datetime | None = None
    service: bool = False

    @property
    def sender_name(self) -> str:
        return self.sender.full_name

    @property
    def file_bytes(self) -> bytes | None:
        return self.file.data if self.file else None

    @property
    def file_name(self) -> str | None:
        return self.file.file_name if self.file else None

    @property
    def buttons(self) -> list[list[tuple[str, str | None]]]:
        """Keyboard rows as (text, callback_data); a URL button gives its url instead, and
        reply-keyboard buttons give None."""
        markup = self.reply_markup or {}
        if "inline_keyboard" in markup:
            return [
                [(b.get("text", ""), b.get("callback_data", b.get("url"))) for b in row]
                for row in markup["inline_keyboard"]
            ]
        if "keyboard" in markup:
            return [
                [(b, None) if isinstance(b, str) else (b.get("text", ""), None) for b in row]
                for row in markup["keyboard"]
            ]
        return []

    @property
    def inline_markup(self) -> dict[str, Any] | None:
        """The markup Telegram echoes back in Message objects: inline keyboards only."""
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            return self.reply_markup
        return None


class World:
    """All users, chats, messages, files and topics, plus their id counters."""

    def __init__(self, bot: EmuUser) -> None:
        self.bot = bot
        self.users: dict[int, EmuUser] = {bot.id: bot}
        self.chats: dict[int, EmuChat] = {}
        self.files: dict[str, EmuFile] = {}
        self.files_by_path: dict[str, EmuFile] = {}
        self.topics: dict[int, list[EmuTopic]] = {}
        self._messages: dict[int, list[EmuMessage]] = {}
        self._message_index: dict[tuple[int, int], EmuMessage] = {}
        self._next_message_id: dict[int, int] = {}
        self._thumbnails: dict[str, EmuFile] = {}
        self._user_ids = itertools.count(_FIRST_USER_ID)
        self._group_ids = itertools.count(1)
        self._file_numbers = itertools.count(1)

    # --- users and chats ---------------------------------------------------------------

    def add_user(
        self,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        user_id: int | None = None,
        started: bool = True,
    ) -> EmuUser:
        uid = user_id if user_id is not None else next(self._user_ids)
        if uid in self.users:
            raise ValueError(f"user id {uid} already exists")
        user = EmuUser(
            uid, first_name, last_name, username, language_code="zh-hans", started_bot=started
        )
        self.users[uid] = user
        self.chats[uid] = EmuChat(uid, "private", user=user, bot_status="member")
        self._messages[uid] = []
        return user

    def add_group(
        self,
        title: str,
        *,
        forum: bool,
        members: Iterable[EmuUser],
        admins: Iterable[EmuUser],
    ) -> EmuChat:
        chat_id = _SUPERGROUP_BASE - next(self._group_ids)
        chat = EmuChat(chat_id, "supergroup", title=title, is_forum=forum)
        for user in members:
            chat.members[user.id] = "member"
        for user in admins:
            chat.members[user.id] = "administrator"
        self.chats[chat_id] = chat
        self._messages[chat_id] = []
        self.topics[chat_id] = []
        return chat

    def chat(self, chat_id: int) -> EmuChat:
        """Return the chat for scripting code; a wrong id is a test bug, so fail loudly."""
        try:
            return self.chats[chat_id]
        except KeyError:
            known = ", ".join(f"{c.id} ({c.display_name})" for c in self.chats.values())
            raise KeyError(f"no chat {chat_id} in the emulator; known chats: {known}") from None

    # --- messages ----------------------------------------------------------------------

    def add_message(
        self, chat: EmuChat, sender: EmuUser, *, date: datetime, kind: str, **fields: Any
    ) -> EmuMessage:
        message_id = self._next_message_id.get(chat.id, 1)
        self._next_message_id[chat.id] = message_id + 1
        message = EmuMessage(
            message_id=message_id,
            chat_id=chat.id,
            sender=sender,
            from_bot=sender.id == self.bot.id,
            date=date,
            kind=kind,
            **fields,
        )
        self._messages[chat.id].append(message)
        self._message_index[(chat.id, message_id)] = message
        return message

    def message(self, chat_id: int, message_id: int) -> EmuMessage | None:
        return self._message_index.get((chat_id, message_id))

    def messages(self, chat_id: int) -> list[EmuMessage]:
        self.chat(chat_id)
        return list(self._messages[chat_id])

    def topic(self, chat_id: int, thread_id: int) -> EmuTopic | None:
        return next(
            (t for t in self.topics.get(chat_id, []) if t.message_thread_id == thread_id), None
        )

    # --- files -------------------------------------------------------------------------

    def store_file(
        self, kind: str, data: bytes, *, file_name: str | None, mime_type: str | None
    ) -> EmuFile:
        number = next(self._file_numbers)
        extension = (file_name or "").rpartition(".")[2] if file_name and "." in file_name else ""
        extension = extension or _DEFAULT_EXTENSIONS.get(kind, "bin")
        stored = EmuFile(
            file_id=f"EMU{kind[:3].upper()}{number:06d}AgADemulatorfile",
            file_unique_id=f"AQAD{number:06d}",
            kind=kind,
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            file_path=f"{_FOLDERS.get(kind, 'documents')}/file_{number}.{extension}",
        )
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    def photo_sizes(self, photo: EmuFile) -> list[dict[str, Any]]:
        """PhotoSize list, smallest first, as Telegram sends: a thumbnail and the full size."""
        thumb = self._thumbnails.get(photo.file_id)
        if thumb is None:
            thumb = self.store_file("photo", photo.data, file_name=None, mime_type="image/jpeg")
            self._thumbnails[photo.file_id] = thumb
            self._thumbnails[thumb.file_id] = thumb
        sizes = [(thumb, 90, 68), (photo, 800, 600)] if thumb is not photo else [(photo, 90, 68)]
        return [
            {
                "file_id": f.file_id,
                "file_unique_id": f.file_unique_id,
                "file_size": f.size,
                "width": width,
                "height": height,
            }
            for f, width, height in sizes
        ]

    # --- serialisation -----------------------------------------------------------------

    def message_to_api(self, message: EmuMessage, *, with_reply: bool = True) -> dict[str, Any]:
        """The Bot API Message object for ``message``."""
        chat = self.chats[message.chat_id]
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "from": message.sender.to_api(),
            "chat": chat.to_api(),
            "date": int(message.date.timestamp()),
        }
        if message.thread_id is not None:
            data["message_thread_id"] = message.thread_id
            if chat.is_forum:
                data["is_topic_message"] = True
        if with_reply:
            replied = self._replied(message, chat)
            if replied is not None:
                data["reply_to_message"] = self.message_to_api(replied, with_reply=False)
        if message.edit_date is not None:
            data["edit_date"] = int(message.edit_date.timestamp())
        text_key, entities_key = (
            ("text", "entities") if message.kind == "text" else ("caption", "caption_entities")
        )
        if message.text and not message.service:  # Telegram omits empty captions
            data[text_key] = message.text
            if message.entities:
                data[entities_key] = message.entities
        data.update(message.content)
        if message.inline_markup is not None:
            data["reply_markup"] = message.inline_markup
        return data

    def _replied(self, message: EmuMessage, chat: EmuChat) -> EmuMessage | None:
        """The message ``message`` answers. Telegram quirk: a plain message in a forum topic
        carries the topic's "forum_topic_created" service message as reply_to_message."""
        if message.reply_to_message_id is not None:
            return self.message(message.chat_id, message.reply_to_message_id)
        if chat.is_forum and message.thread_id is not None and not message.service:
            return self.message(message.chat_id, message.thread_id)
        return None


_ADMIN_RIGHTS = {
    "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
    "can_delete_messages": True, "can_manage_video_chats": True, "can_restrict_members": True,
    "can_promote_members": False, "can_change_info": True, "can_invite_users": True,
    "can_post_stories": False, "can_edit_stories": False, "can_delete_stories": False,
    "can_pin_messages": True, "can_manage_topics": True,
}  # fmt: skip


def member_to_api(user: EmuUser, status: str) -> dict[str, Any]:
    """A ChatMember object of the subtype ``status`` selects."""
    data: dict[str, Any] = {"status": status, "user": user.to_api()}
    if status == "creator":
        data["is_anonymous"] = False
    elif status == "administrator":
        data.update(_ADMIN_RIGHTS)
    elif status == "kicked":
        data["until_date"] = 0
    return data


_FOLDERS = {"photo": "photos", "document": "documents", "voice": "voice", "sticker": "stickers"}
_DEFAULT_EXTENSIONS = {"photo": "jpg", "voice": "oga", "sticker": "webp", "document": "bin"}
