"""Shared emulator state that the HTTP methods, the scripted actors and the façade all use."""

from __future__ import annotations

import itertools
import json
import math
import random
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from tgemu.state import EmuChat, EmuMessage, EmuUser, World, member_to_api
from tgemu.updates import Signal, UpdateQueue

FAULT_KINDS = ("network", "retry_after", "server_error", "html_502", "drop", "bad_request")
RANDOM_FAULT_KINDS = ("retry_after", "server_error", "network", "html_502", "drop")


@dataclass
class RandomFaults:
    """Answer this share of send and edit calls with a fault picked at random."""

    share: float
    rng: random.Random


def _is_send_or_edit(method: str) -> bool:
    return (method.startswith(("send", "edit")) and method != "sendChatAction") or method in (
        "copyMessage", "createForumTopic")
_CALL_LOG_SIZE = 200


class Clock(Protocol):
    def now(self) -> datetime:
        """Return the current time as an aware UTC datetime."""
        ...


class WallClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class TranscriptEntry:
    """One line of the conversation as a person would have seen it."""

    date: datetime
    chat_id: int
    chat_title: str
    sender_name: str
    text: str
    buttons: list[list[str]]
    action: str  # 'sent' | 'edited' | 'callback' | 'answer'


@dataclass
class Fault:
    error: str
    retry_after: int


@dataclass
class CallbackQuery:
    query_id: str
    user: EmuUser
    chat_id: int
    message_id: int
    data: str
    answered: bool = False


@dataclass
class CallOutcome:
    """One API call and how it ended, for timeout diagnostics."""

    method: str
    params: dict[str, Any]
    outcome: str = "pending"

    def __str__(self) -> str:
        shown = {k: _shorten(v) for k, v in self.params.items()}
        return f"{self.method}({shown}) -> {self.outcome}"


def _shorten(value: Any, limit: int = 60) -> Any:
    text = value if isinstance(value, str) else repr(value)
    return value if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class EmulatorCore:
    """World + update queue + everything recorded about the conversation."""

    bot: EmuUser
    clock: Clock
    strict_html: bool = True
    signal: Signal = field(default_factory=Signal)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    call_log: deque[CallOutcome] = field(default_factory=lambda: deque(maxlen=_CALL_LOG_SIZE))
    transcript: list[TranscriptEntry] = field(default_factory=list)
    callback_queries: dict[str, CallbackQuery] = field(default_factory=dict)
    callback_answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    faults: dict[str, deque[Fault | None]] = field(default_factory=dict)
    commands: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    reply_keyboards: dict[int, dict[str, Any]] = field(default_factory=dict)
    query_numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    # Telegram's flood limits, when on: sends over them are answered 429 with retry_after.
    flood_limits: bool = False
    random_faults: RandomFaults | None = None
    flood_refusals: int = 0
    _flood_sent: dict[int | None, deque[float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.world = World(self.bot)
        self.updates = UpdateQueue(self.signal, unix_now=self.unix_now)

    # --- time --------------------------------------------------------------------------

    def now(self) -> datetime:
        current = self.clock.now()
        if current.tzinfo is None:
            raise ValueError("the emulator's clock must return aware datetimes")
        return current.astimezone(UTC)

    def unix_now(self) -> int:
        return int(self.now().timestamp())

    # --- recording ---------------------------------------------------------------------

    def notify(self) -> None:
        """Wake everything waiting on the emulator (wait_for, long polls)."""
        self.signal.notify()

    def begin_call(self, method: str, params: dict[str, Any]) -> CallOutcome:
        self.calls.append((method, params))
        record = CallOutcome(method, params)
        self.call_log.append(record)
        return record

    def recent_calls(self, count: int = 10) -> str:
        # Empty long polls are noise when explaining why a wait timed out.
        records = [r for r in self.call_log if r.outcome != "ok (0 updates)"]
        lines = [str(record) for record in records[-count:]]
        return "\n  ".join(lines) if lines else "(no API calls yet)"

    def record_message(self, message: EmuMessage, *, action: str = "sent") -> None:
        chat = self.world.chats[message.chat_id]
        self.record(
            chat,
            message.sender_name,
            describe(message),
            action=action,
            buttons=[[text for text, _ in row] for row in message.buttons],
        )

    def record(
        self,
        chat: EmuChat,
        sender_name: str,
        text: str,
        *,
        action: str,
        buttons: list[list[str]] | None = None,
    ) -> None:
        self.transcript.append(
            TranscriptEntry(
                self.now(), chat.id, chat.display_name, sender_name, text, buttons or [], action
            )
        )

    def push_my_chat_member(self, chat: EmuChat, by_user: EmuUser, old: str, new: str) -> None:
        """Tell the bot its own membership in ``chat`` changed (a my_chat_member update)."""
        self.updates.push(
            {
                "my_chat_member": {
                    "chat": chat.to_api(),
                    "from": by_user.to_api(),
                    "date": self.unix_now(),
                    "old_chat_member": member_to_api(self.bot, old),
                    "new_chat_member": member_to_api(self.bot, new),
                }
            }
        )

    # --- flood limits ------------------------------------------------------------------

    def flood_check(self, chat_id: Any) -> int | None:
        """Count one send to ``chat_id``; the retry_after to answer when it is over a limit.

        Telegram's documented limits as sliding windows: 10 messages in 10 s in a private
        chat (about 1/s, short bursts allowed), 20 per minute in a group, 30 per second
        overall (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this).
        """
        now = self.now().timestamp()
        chat_key = chat_id if isinstance(chat_id, int) else None
        count, window = (10, 10.0) if isinstance(chat_id, int) and chat_id > 0 else (20, 60.0)
        waits = []
        for key, (limit, span) in ((chat_key, (count, window)), ("all", (30, 1.0))):
            sent = self._flood_sent.setdefault(key, deque())  # type: ignore[arg-type]
            while sent and sent[0] <= now - span:
                sent.popleft()
            if len(sent) >= limit:
                waits.append(sent[0] + span - now)
        if waits:
            self.flood_refusals += 1
            return max(1, math.ceil(max(waits)))
        self._flood_sent[chat_key].append(now)
        self._flood_sent["all"].append(now)  # type: ignore[index]
        return None

    # --- fault injection ---------------------------------------------------------------

    def add_fault(self, method: str, fault: Fault, times: int, after: int = 0) -> None:
        if fault.error not in FAULT_KINDS:
            raise ValueError(f"unknown fault {fault.error!r}; use one of {FAULT_KINDS}")
        if times < 0 or after < 0:
            raise ValueError("times and after must not be negative")
        queue = self.faults.setdefault(method.lower(), deque())
        if times == 0:
            queue.clear()  # "fail the next 0 calls": the method works again
        queue.extend([None] * after + [fault] * times)

    def take_fault(self, method: str) -> Fault | None:
        queue = self.faults.get(method.lower())
        if queue:
            return queue.popleft()  # None: a call let through before the faults
        chaos = self.random_faults
        if chaos is not None and _is_send_or_edit(method) and chaos.rng.random() < chaos.share:
            return Fault(chaos.rng.choice(RANDOM_FAULT_KINDS), 1)
        return None


def commands_key(scope: dict[str, Any] | None, language_code: str | None) -> str:
    """Where setMyCommands stores a command list: per scope and language, as Telegram does."""
    scope_json = json.dumps(scope or {"type": "default"}, sort_keys=True)
    return f"{scope_json}|{language_code or ''}"


def describe(message: EmuMessage) -> str:
    """Human-readable content of a message for transcripts."""
    caption = message.text
    content = message.content
    if message.kind == "text":
        return caption
    if message.kind == "location":
        loc = content["location"]
        label = f"[location {loc['latitude']:.5f}, {loc['longitude']:.5f}]"
    elif message.kind == "contact":
        label = f"[contact {content['contact']['phone_number']}]"
    elif message.kind == "voice":
        label = f"[voice {content['voice']['duration']}s]"
    elif message.kind == "document":
        label = f"[document {message.file_name or ''}]".replace(" ]", "]")
    elif message.kind == "forum_topic_created":
        label = f"[topic created: {content['forum_topic_created']['name']}]"
    else:
        label = f"[{message.kind}]"
    return f"{label} {caption}" if caption else label
