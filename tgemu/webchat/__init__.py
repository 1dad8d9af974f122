"""A web chat over the emulator: play every user of it in a browser (see server.py)."""

from tgemu.webchat.server import ClockControl, WebChat

__all__ = ["ClockControl", "WebChat"]
