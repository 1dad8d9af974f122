"""`minyuan run`: the real bot, by long polling or by webhook, until SIGINT/SIGTERM.

PTB's run_polling/run_webhook are not used: their Updater confirms updates before they
are stored (see bot/inbox.py). The lifecycle is the same: initialise, start, receive, and
on a signal stop receiving, let the workers finish, shut down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal

from aiohttp import web
from telegram import Bot, Update
from telegram.ext import Application

from bot.app import build_application, start_bot, stop_bot
from bot.config import Config
from bot.inbox import Poller
from bot.webhook import WEBHOOK_PATH, webhook_app
from bot.wiring import build

log = logging.getLogger(__name__)


def serve(config: Config, *, emulator: bool = False) -> int:
    if emulator:
        return asyncio.run(_serve_with_emulator(config))
    services = build(config)
    application = build_application(
        services, token=config.telegram.token(), base_url=config.telegram.base_url,
        base_file_url=config.telegram.base_file_url,
        schedule_config=config.schedule,
        web_url=config.web.public_url if config.web.enabled else None)
    return asyncio.run(_serve(application, config))


async def _serve(application: Application, config: Config) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(signum, stop.set)
    await start_bot(application, schedule_config=config.schedule)
    runtime = application.bot_data.runtime
    receiver: web.AppRunner | Poller | None = None
    desk = None
    try:
        if config.telegram.mode == "webhook":
            receiver = await _start_webhook(application, config)
        else:
            receiver = Poller(application=application, worker=runtime.updates)
            await receiver.start()
        if config.web.enabled:
            desk = await start_desk(runtime.services, config, bot=application.bot)
        log.info("bot running (%s); Ctrl-C to stop", config.telegram.mode)
        await stop.wait()
    finally:
        if desk is not None:
            await desk.cleanup()
        if isinstance(receiver, Poller):
            await receiver.stop()
        elif isinstance(receiver, web.AppRunner):
            await receiver.cleanup()
        await stop_bot(application)
    return 0


async def _start_webhook(application: Application, config: Config) -> web.AppRunner:
    telegram = config.telegram
    secret = os.environ.get(telegram.webhook_secret_env) or None
    runner = web.AppRunner(webhook_app(application.bot_data.runtime.updates,
                                       path=WEBHOOK_PATH, secret=secret), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, telegram.webhook_listen, telegram.webhook_port).start()
    await application.bot.set_webhook(url=telegram.webhook_url, secret_token=secret,
                                      allowed_updates=list(Update.ALL_TYPES))
    return runner


async def _serve_with_emulator(config: Config) -> int:
    """Serve the emulator on a fixed local port and run the bot against it until Ctrl-C."""
    from bot.harness import Harness
    from reception.clock import SystemClock
    from tgemu import BotApiEmulator

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


async def start_desk(services, config: Config, *, bot: Bot | None = None) -> web.AppRunner:
    """Serve the supervisors' desk ([web] in config.toml) on this event loop; residents'
    files come through ``bot`` (the running application's), or a Bot of the desk's own."""
    from bot.desk_files import BotFiles
    from web.app import desk_app

    token = os.environ.get(config.telegram.token_env, "").strip() or None
    if token is None:
        log.warning("no bot token: the desk's Telegram Mini App sign-in and attachments are off "
                    "(login links work)")
    elif bot is None:
        bot = Bot(token, base_url=config.telegram.base_url, base_file_url=config.telegram.base_file_url)
        await bot.initialize()
    app = desk_app(services, bot_token=token, public_url=config.web.public_url,
                   initdata_max_age_seconds=config.web.initdata_max_age_seconds,
                   files=BotFiles(bot) if bot is not None else None)
    runner = web.AppRunner(app, access_log=None)  # paths carry login tokens: no access log
    await runner.setup()
    await web.TCPSite(runner, config.web.host, config.web.port).start()
    log.info("desk at %s (listening on %s:%s)", config.web.public_url, config.web.host, config.web.port)
    return runner


def serve_desk(config: Config) -> int:
    """`minyuan web`: the desk alone, over the bot's database, until SIGINT/SIGTERM."""

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(signum, stop.set)
        runner = await start_desk(build(config), config)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()
        return 0

    return asyncio.run(main())
