"""A local Telegram Bot API emulator: a real aiohttp server the unmodified PTB bot talks to.

Tests and the demo script residents and staff through :class:`BotApiEmulator`; the bot sees
real-shaped updates over HTTP and gets Telegram's own error answers back.
"""

from tgemu.core import TranscriptEntry
from tgemu.emulator import BotApiEmulator
from tgemu.html_check import HtmlParseError, parse_html
from tgemu.state import EmuChat, EmuFile, EmuMessage, EmuUser

__all__ = [
    "BotApiEmulator",
    "EmuChat",
    "EmuFile",
    "EmuMessage",
    "EmuUser",
    "HtmlParseError",
    "TranscriptEntry",
    "parse_html",
]
