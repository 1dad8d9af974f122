"""Run the real Application against the built-in Bot API emulator, on an injected clock.

Used by `minyuan demo`, the end-to-end tests and the benchmarks. Everything goes over HTTP
on 127.0.0.1: the bot cannot tell the emulator from Telegram.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import web

from bot.app import build_application, start_bot, stop_bot
from bot.config import Config, ScheduleConfig
from bot.inbox import Poller, UpdateWorker
from bot.runtime import Runtime
from bot.webhook import WEBHOOK_PATH, webhook_app
from bot.wiring import Services, build
from handlers.common import OfficeApplication
from reception.clock import Clock
from tgemu import BotApiEmulator

log = logging.getLogger(__name__)


@dataclass
class Harness:
    config: Config
    clock: Clock
    emulator: BotApiEmulator | None = None
    application: OfficeApplication | None = None
    services: Services | None = None
    # Real-time jobs are off by default: tests and the demo move the injected clock and call
    # the sweep and the digest themselves. `minyuan run --emulator` turns them on.
    schedule: ScheduleConfig | None = None
    # Receive by webhook (the emulator POSTs to a local endpoint) instead of long polling.
    webhook: bool = False
    webhook_secret: str | None = "harness-secret"
    webhook_url: str | None = None
    poller: Poller | None = None
    # The desk's public address, for /web links (None: the desk is off, as by default).
    web_url: str | None = None
    _webhook_runner: web.AppRunner | None = field(default=None, repr=False)
    _owns_emulator: bool = field(default=True, repr=False)

    async def __aenter__(self) -> Harness:
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self, *, emulator: BotApiEmulator | None = None) -> None:
        if emulator is not None and emulator is not self.emulator:  # another's: not ours to stop
            self.emulator, self._owns_emulator = emulator, False
        if self.emulator is None:
            self.emulator = BotApiEmulator(clock=self.clock, bot_username="minyuan_bot")
            await self.emulator.start()
        self.services = build(self.config, clock=self.clock)
        self.application = build_application(
            self.services,
            token=self.emulator.token,
            base_url=self.emulator.base_url,
            base_file_url=self.emulator.base_file_url,
            schedule_config=self.schedule,
            web_url=self.web_url,
        )
        await start_bot(self.application, schedule_config=self.schedule)
        if self.webhook:
            await self._start_webhook()
        else:
            self.poller = Poller(application=self.application, worker=self.updates)
            await self.poller.start()

    async def _start_webhook(self) -> None:
        app = webhook_app(self.updates, path=WEBHOOK_PATH, secret=self.webhook_secret)
        self._webhook_runner = web.AppRunner(app, access_log=None)
        await self._webhook_runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))  # a free port the OS picks
        await web.SockSite(self._webhook_runner, sock).start()
        port = sock.getsockname()[1]
        self.webhook_url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
        await self.app.bot.set_webhook(url=self.webhook_url, secret_token=self.webhook_secret)

    async def stop(self, *, keep_emulator: bool = False) -> None:
        """Stop the bot (like a process exit); the emulator may live on for a restart."""
        if self.poller is not None:
            await self.poller.stop()
            self.poller = None
        if self._webhook_runner is not None:
            await self._webhook_runner.cleanup()
            self._webhook_runner = None
        if self.application is not None:
            await stop_bot(self.application)
            self.application = None
        if self.services is not None:
            self.services.deps.engine.dispose()
        if self.emulator is not None and self._owns_emulator and not keep_emulator:
            await self.emulator.stop()
            self.emulator = None

    @property
    def emu(self) -> BotApiEmulator:
        """The emulator the bot talks to; RuntimeError before `start`."""
        if self.emulator is None:
            raise RuntimeError("the harness has not started")
        return self.emulator

    @property
    def domain(self) -> Services:
        """The domain services the bot runs on; RuntimeError before `start`."""
        if self.services is None:
            raise RuntimeError("the harness has not started")
        return self.services

    @property
    def app(self) -> OfficeApplication:
        """The running Application; RuntimeError before `start` and after `stop`."""
        if self.application is None:
            raise RuntimeError("the harness has not started")
        return self.application

    @property
    def runtime(self) -> Runtime:
        return self.app.bot_data.runtime

    @property
    def updates(self) -> UpdateWorker:
        """The stored-updates worker (always set by build_application)."""
        updates = self.runtime.updates
        if updates is None:
            raise RuntimeError("the application has no update worker")
        return updates

    async def settle(self, *, timeout: float = 10.0) -> None:
        """Wait until every update sent so far is handled and every due message is sent."""
        async with asyncio.timeout(timeout):
            while True:
                await self.emu.drained(timeout=timeout)
                updates = self.updates
                await updates.poke()  # retries the moved clock made due
                await updates.idle.wait()
                delivery = self.runtime.delivery
                await delivery.idle.wait()
                pending = await self.runtime.run(delivery.dispatch.has_due)
                if not pending and updates.idle.is_set():
                    return
                delivery.kick()

    async def tick(self) -> None:
        """What the scheduler would do now (after the clock moved): sweep, then send."""
        await self.runtime.call(self.domain.escalation.sweep)
        await self.runtime.call(self.domain.intake.expire_strays)
        await self.settle()

    def now(self) -> datetime:
        return self.clock.now()
