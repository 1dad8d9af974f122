"""`minyuan run`: the real bot, by long polling or by webhook."""

from __future__ import annotations

import asyncio
import logging
import os

from telegram import Update

from bot.app import build_application
from bot.config import Config
from bot.wiring import build

log = logging.getLogger(__name__)


def serve(config: Config, *, emulator: bool = False) -> int:
    if emulator:
        return asyncio.run(_serve_with_emulator(config))
    services = build(config)
    application = build_application(
        services, token=config.telegram.token(), base_url=config.telegram.base_url,
        base_file_url=config.telegram.base_file_url,
        schedule_config=config.schedule)
    if config.telegram.mode == "webhook":
        secret = os.environ.get(config.telegram.webhook_secret_env) or None
        application.run_webhook(
            listen=config.telegram.webhook_listen, port=config.telegram.webhook_port,
            url_path="telegram", webhook_url=config.telegram.webhook_url, secret_token=secret,
            allowed_updates=Update.ALL_TYPES)
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


async def _serve_with_emulator(config: Config) -> int:
    """Serve the emulator on a fixed local port and run the bot against it until Ctrl-C."""
    from bot.emulator import BotApiEmulator
    from bot.harness import Harness
    from reception.clock import SystemClock

    clock = SystemClock()
    async with BotApiEmulator(clock=clock, port=8081, bot_username="minyuan_bot") as emu:
        harness = Harness(config=config, clock=clock, schedule=config.schedule)
        await harness.start(emulator=emu)
        log.info("bot running against the emulator at %s (Ctrl-C to stop)", emu.base_url)
        try:
            await asyncio.Event().wait()
        finally:
            await harness.stop()
    return 0
