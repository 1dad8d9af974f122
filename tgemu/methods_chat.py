"""Bot API methods about the bot itself, updates, chats, files and forum topics."""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

from tgemu.checks import find_chat, writable_chat
from tgemu.core import EmulatorCore, commands_key
from tgemu.protocol import ApiCall, api_method, bad_request
from tgemu.state import EmuTopic, member_to_api

DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile serves files up to 20 MB
TOPIC_COLORS = (0x6FB9F0, 0xFFD67E, 0xCB86DB, 0x8EEE98, 0xFF93B2, 0xFB6F5F)
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_NO_GIFTS = {
    "unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
    "premium_subscription": False, "gifts_from_channels": False,
}  # fmt: skip


@api_method("getMe")
async def get_me(core: EmulatorCore, call: ApiCall) -> dict[str, Any]:
    return {
        **core.bot.to_api(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@api_method("close")
async def close(core: EmulatorCore, call: ApiCall) -> bool:
    return True


@api_method("logOut")
async def log_out(core: EmulatorCore, call: ApiCall) -> bool:
    return True


# --- updates -------------------------------------------------------------------------------


def _update_types(call: ApiCall) -> list[str] | None:
    allowed = call.get("allowed_updates")
    if allowed is not None and not (
        isinstance(allowed, list) and all(isinstance(t, str) for t in allowed)
    ):
        raise bad_request("can't parse allowed_updates JSON array")
    return allowed


@api_method("getUpdates")
async def get_updates(core: EmulatorCore, call: ApiCall) -> list[dict[str, Any]]:
    return await core.updates.get_updates(
        offset=call.integer("offset"),
        limit=call.integer("limit", 100),
        timeout=call.integer("timeout", 0),
        allowed=_update_types(call),
    )


@api_method("setWebhook")
async def set_webhook(core: EmulatorCore, call: ApiCall) -> bool:
    url = call.get("url") or ""
    if not url:
        core.updates.delete_webhook(drop=call.flag("drop_pending_updates"))
        return True
    parts = urlsplit(url)
    try:
        loopback = (
            parts.hostname == "localhost" or ipaddress.ip_address(parts.hostname or "").is_loopback
        )
    except ValueError:
        loopback = False
    if parts.scheme not in ("http", "https") or not loopback:
        raise bad_request("bad webhook: the emulator only delivers to loopback http(s) URLs")
    core.updates.set_webhook(
        url,
        secret_token=call.get("secret_token"),
        allowed=_update_types(call),
        drop=call.flag("drop_pending_updates"),
    )
    return True


@api_method("deleteWebhook")
async def delete_webhook(core: EmulatorCore, call: ApiCall) -> bool:
    core.updates.delete_webhook(drop=call.flag("drop_pending_updates"))
    return True


@api_method("getWebhookInfo")
async def get_webhook_info(core: EmulatorCore, call: ApiCall) -> dict[str, Any]:
    webhook = core.updates.webhook
    info: dict[str, Any] = {
        "url": webhook.url if webhook else "",
        "has_custom_certificate": False,
        "pending_update_count": core.updates.pending_count,
    }
    if webhook is not None:
        info["max_connections"] = 40
        info["ip_address"] = "127.0.0.1"
        if core.updates.allowed_updates:
            info["allowed_updates"] = core.updates.allowed_updates
        if webhook.last_error_date is not None:
            info["last_error_date"] = webhook.last_error_date
            info["last_error_message"] = webhook.last_error_message
    return info


# --- commands ------------------------------------------------------------------------------


def _commands_key(call: ApiCall) -> str:
    scope = call.get("scope") or {"type": "default"}
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("can't parse BotCommandScope JSON object")
    return commands_key(scope, call.get("language_code"))


@api_method("setMyCommands")
async def set_my_commands(core: EmulatorCore, call: ApiCall) -> bool:
    commands = call.require("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON array")
    for command in commands:
        if not isinstance(command, dict) or not _COMMAND.fullmatch(str(command.get("command"))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description") or "")) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    core.commands[_commands_key(call)] = [
        {"command": c["command"], "description": c["description"]} for c in commands
    ]
    return True


@api_method("getMyCommands")
async def get_my_commands(core: EmulatorCore, call: ApiCall) -> list[dict[str, Any]]:
    return list(core.commands.get(_commands_key(call), []))


@api_method("deleteMyCommands")
async def delete_my_commands(core: EmulatorCore, call: ApiCall) -> bool:
    core.commands.pop(_commands_key(call), None)
    return True


# --- files and topics ----------------------------------------------------------------------


@api_method("getFile")
async def get_file(core: EmulatorCore, call: ApiCall) -> dict[str, Any]:
    stored = core.world.files.get(str(call.require("file_id")))
    if stored is None:
        raise bad_request("invalid file_id")
    if stored.size > DOWNLOAD_LIMIT:
        raise bad_request("file is too big")
    return stored.to_api()


@api_method("createForumTopic")
async def create_forum_topic(core: EmulatorCore, call: ApiCall) -> dict[str, Any]:
    chat = writable_chat(core, call)
    if not chat.is_forum:
        raise bad_request("the chat is not a forum")
    if chat.bot_status not in ("administrator", "creator"):
        raise bad_request("not enough rights to create a topic")
    name = str(call.get("name") or "")
    if not 1 <= len(name) <= 128:
        raise bad_request("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
    color = call.integer("icon_color", TOPIC_COLORS[0])
    if color not in TOPIC_COLORS:
        raise bad_request("TOPIC_ICON_COLOR_INVALID")  # the Bot API allows only six colours
    created = {"name": name, "icon_color": color}
    if call.get("icon_custom_emoji_id"):
        created["icon_custom_emoji_id"] = call.get("icon_custom_emoji_id")
    # The topic's id is the id of its "forum_topic_created" service message.
    service = core.world.add_message(
        chat,
        core.bot,
        date=core.now(),
        kind="forum_topic_created",
        text=name,
        service=True,
        content={"forum_topic_created": created},
    )
    service.thread_id = service.message_id
    topic = EmuTopic(chat.id, service.message_id, name, color, created.get("icon_custom_emoji_id"))
    core.world.topics[chat.id].append(topic)
    core.record_message(service)
    return topic.to_api()


# --- chats ---------------------------------------------------------------------------------


@api_method("getChat")
async def get_chat(core: EmulatorCore, call: ApiCall) -> dict[str, Any]:
    chat = find_chat(core, call.require("chat_id"))
    return {
        **chat.to_api(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": dict(_NO_GIFTS),
    }


@api_method("getChatMember")
async def get_chat_member(core: EmulatorCore, call: ApiCall) -> dict[str, Any]:
    chat = find_chat(core, call.require("chat_id"))
    user = core.world.users.get(call.integer("user_id", required=True))
    if user is None:
        raise bad_request("user not found")
    if user.id == core.bot.id:
        status = chat.bot_status
    elif chat.user is not None:
        status = "member" if user.id == chat.id else "left"
    else:
        status = chat.members.get(user.id, "left")
    return member_to_api(user, status)


@api_method("leaveChat")
async def leave_chat(core: EmulatorCore, call: ApiCall) -> bool:
    chat = find_chat(core, call.require("chat_id"))
    if chat.user is not None:
        raise bad_request("chat member status can't be changed in private chats")
    if chat.bot_status in ("left", "kicked"):
        raise bad_request(f"bot is not a member of the {chat.type} chat")
    old = chat.bot_status
    chat.bot_status = "left"
    core.push_my_chat_member(chat, core.bot, old, "left")
    return True
