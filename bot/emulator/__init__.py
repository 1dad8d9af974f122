"""A local Telegram Bot API emulator: a real aiohttp server the unmodified PTB bot talks to.

Tests and the demo script residents and staff through :class:`BotApiEmulator`; the bot sees
real-shaped updates over HTTP and gets Telegram's own error answers back.
"""

from bot.emulator.core import TranscriptEntry
from bot.emulator.emulator import BotApiEmulator
from bot.emulator.html_check import HtmlParseError, parse_html
from bot.emulator.state import EmuChat, EmuFile, EmuMessage, EmuUser

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
