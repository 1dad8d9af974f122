"""BotApiEmulator: start/stop, set up the world, inspect it, and wait on it."""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, Self, TypeVar

from tgemu.actors import UserActions
from tgemu.core import (
    Clock,
    EmulatorCore,
    Fault,
    RandomFaults,
    TranscriptEntry,
    WallClock,
    commands_key,
)
from tgemu.server import ApiServer
from tgemu.state import EmuChat, EmuMessage, EmuUser

T = TypeVar("T")
_TOKEN = re.compile(r"(\d+):[A-Za-z0-9_-]+")


class BotApiEmulator(UserActions):
    """A local Telegram Bot API server with scriptable users, for tests and the demo.

    Point a real PTB Application at it with
    ``ApplicationBuilder().token(emu.token).base_url(emu.base_url)
    .base_file_url(emu.base_file_url)``. It runs on the caller's event loop.
    """

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        token: str = "123456:EMULATOR",
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "minyuan_bot",
        bot_name: str = "民愿接待室",
        strict_html: bool = True,
    ) -> None:
        """``clock.now()`` dates every message; ``strict_html`` also rejects bare & and >.

        Raises:
            ValueError: the token is not shaped like "<bot id>:<secret>".
        """
        match = _TOKEN.fullmatch(token)
        if match is None:
            raise ValueError(f"token {token!r} is not shaped like '123456:SECRET'")
        self.token = token
        self._host = host
        bot = EmuUser(int(match.group(1)), bot_name, username=bot_username, is_bot=True)
        self._core = EmulatorCore(bot=bot, clock=clock or WallClock(), strict_html=strict_html)
        self._server = ApiServer(self._core, token=token, host=host, port=port)
        self._running = False

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        await self._server.start()
        self._running = True

    async def stop(self) -> None:
        """Release pending long polls, stop webhook delivery and close the server."""
        if not self._running:
            return
        self._running = False
        await self._core.updates.close()
        await self._server.stop()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self._server.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self._host}:{self._server.port}/file/bot"

    @property
    def bot(self) -> EmuUser:
        return self._core.bot

    # --- setting up the world ----------------------------------------------------------

    def add_user(
        self,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        user_id: int | None = None,
        *,
        started: bool = True,
    ) -> EmuUser:
        """A Telegram user; their private chat with the bot has ``chat_id == user.id``.

        ``started=False`` models someone who never opened the bot: Telegram answers 403
        "bot can't initiate conversation with a user" until they write to it.
        """
        return self._core.world.add_user(
            first_name, last_name=last_name, username=username, user_id=user_id, started=started
        )

    def add_member(self, chat_id: int, user: EmuUser, *, admin: bool = False) -> None:
        """``user`` joins an existing group."""
        self._core.world.chat(chat_id).members[user.id] = "administrator" if admin else "member"

    def add_group(
        self,
        title: str,
        forum: bool = False,
        members: Iterable[EmuUser] = (),
        *,
        admins: Iterable[EmuUser] = (),
        bot_member: bool = True,
    ) -> EmuChat:
        """A supergroup; the bot is in it as an administrator unless ``bot_member=False``."""
        chat = self._core.world.add_group(title, forum=forum, members=members, admins=admins)
        if not bot_member:
            chat.bot_status = "left"
        return chat

    def delete_chat(self, chat_id: int) -> None:
        """From now on the API answers 400 "chat not found" for this chat."""
        self._core.world.chat(chat_id).deleted = True
        self._core.notify()

    def fail_next(self, method: str, *, error: str, times: int = 1, retry_after: int = 3,
                  after: int = 0) -> None:
        """Make the next ``times`` calls of ``method`` fail, after letting ``after`` calls
        through; ``times=0`` cancels pending ones.

        ``error``: "network" (HTTP 502, PTB raises NetworkError), "retry_after" (429 with
        parameters.retry_after, PTB raises RetryAfter), "server_error" (500, NetworkError),
        "html_502" (a proxy's HTML error page with status 502), "drop" (the connection is
        closed before an answer) or "bad_request" (400, PTB raises BadRequest).

        Raises:
            ValueError: unknown ``error`` or negative ``times``.
        """
        self._core.add_fault(method, Fault(error, retry_after), times, after)

    def random_faults(self, share: float, *, seed: int = 1) -> None:
        """Answer ``share`` (0..1) of send and edit calls with a random fault: 429
        (retry_after 1), 500, 502 JSON, 502 HTML, or a dropped connection; 0 turns it off."""
        if not 0 <= share <= 1:
            raise ValueError("share must be between 0 and 1")
        self._core.random_faults = RandomFaults(share, random.Random(seed)) if share else None

    @property
    def flood_limits(self) -> bool:
        """When true, sends over Telegram's flood limits are answered 429 with retry_after
        (10 in 10 s per private chat, 20 a minute per group, 30 a second overall)."""
        return self._core.flood_limits

    @flood_limits.setter
    def flood_limits(self, on: bool) -> None:
        self._core.flood_limits = on

    @property
    def flood_refusals(self) -> int:
        """How many sends the flood limits refused with a 429."""
        return self._core.flood_refusals

    # --- inspection --------------------------------------------------------------------

    def messages(self, chat_id: int) -> list[EmuMessage]:
        """Every message in the chat, users' and the bot's, in order (service messages too)."""
        return self._core.world.messages(chat_id)

    def chats(self) -> list[EmuChat]:
        """Every chat the emulator holds: users' private chats and the groups."""
        return list(self._core.world.chats.values())

    def bot_messages(self, chat_id: int) -> list[EmuMessage]:
        """The bot's own messages in the chat, without service messages such as topic creation."""
        return [m for m in self.messages(chat_id) if m.from_bot and not m.service]

    def last_bot_message(self, chat_id: int) -> EmuMessage | None:
        sent = self.bot_messages(chat_id)
        return sent[-1] if sent else None

    def topics(self, chat_id: int) -> list[dict[str, Any]]:
        """Forum topics created in the chat, as Bot API ForumTopic dicts."""
        self._core.world.chat(chat_id)
        return [topic.to_api() for topic in self._core.world.topics.get(chat_id, [])]

    def reply_keyboard(self, chat_id: int) -> list[list[str]] | None:
        """Labels of the reply keyboard the bot last showed in the chat, if still shown."""
        markup = self._core.reply_keyboards.get(chat_id)
        if markup is None:
            return None
        return [[b if isinstance(b, str) else b["text"] for b in row] for row in markup["keyboard"]]

    def my_commands(
        self, *, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """The commands set with setMyCommands for this scope and language."""
        return list(self._core.commands.get(commands_key(scope, language_code), []))

    @property
    def callback_answers(self) -> dict[str, dict[str, Any]]:
        return self._core.callback_answers

    @property
    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        return self._core.calls

    @property
    def transcript(self) -> list[TranscriptEntry]:
        return self._core.transcript

    @property
    def webhook_url(self) -> str | None:
        webhook = self._core.updates.webhook
        return webhook.url if webhook else None

    @property
    def pending_updates(self) -> int:
        return self._core.updates.pending_count

    # --- waiting -----------------------------------------------------------------------

    async def wait_for(
        self, predicate: Callable[[], bool], timeout: float = 5.0, *, what: str | None = None
    ) -> None:
        """Wait until ``predicate()`` holds; it is re-checked after every API call and action.

        Nothing else wakes it: a predicate on the bot's own state (a database row) is only
        re-checked at the bot's next API call, so prefer waiting for what the bot sends.

        Raises:
            TimeoutError: not true within ``timeout`` seconds; the message lists recent calls.
        """
        await self._wait_value(
            lambda: True if predicate() else None, timeout, lambda: what or "condition"
        )

    async def wait_for_bot_message(
        self,
        chat_id: int,
        *,
        containing: str | None = None,
        after: int = 0,
        timeout: float = 5.0,
    ) -> EmuMessage:
        """The first bot message in the chat with message_id > ``after`` (and the text).

        Raises:
            TimeoutError: none arrived in time; the message shows the chat and recent calls.
        """

        def find() -> EmuMessage | None:
            return next(
                (
                    m
                    for m in self.bot_messages(chat_id)
                    if m.message_id > after and (containing is None or containing in m.text)
                ),
                None,
            )

        def describe() -> str:
            recent = "; ".join(
                f"#{m.message_id} {m.sender_name}: {(m.text or f'[{m.kind}]')[:40]!r}"
                for m in self.messages(chat_id)[-5:]
            )
            wanted = f" containing {containing!r}" if containing is not None else ""
            return (
                f"a bot message in chat {chat_id} after #{after}{wanted} "
                f"(latest messages: {recent or 'none'})"
            )

        return await self._wait_value(find, timeout, describe)

    async def drained(self, timeout: float = 5.0) -> None:
        """Wait until every enqueued update was fetched and confirmed by a later offset.

        PTB confirms a batch as soon as it polls again, which may be before its handlers have
        finished with it: "drained" means delivered, not processed.
        """
        await self._wait_value(
            lambda: True if self._core.updates.drained else None,
            timeout,
            lambda: f"all updates to be confirmed ({self.pending_updates} still pending)",
        )

    async def _wait_value(
        self, probe: Callable[[], T | None], timeout: float, describe: Callable[[], str]
    ) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (value := probe()) is None:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"timed out after {timeout}s waiting for {describe()}.\n"
                    f"Last API calls:\n  {self._core.recent_calls()}"
                )
            await self._core.signal.wait(remaining)
        return value
