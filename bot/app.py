"""Build the python-telegram-bot Application around the domain services."""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats
from telegram.ext import ApplicationBuilder

import handlers
from bot.config import ScheduleConfig
from bot.delivery import Delivery
from bot.http import AiohttpRequest
from bot.inbox import UpdateWorker
from bot.runtime import DbRunner, Runtime
from bot.scheduling import schedule
from bot.wiring import Services
from handlers.common import CONTEXT_TYPES, OfficeApplication
from reception.handling.dispatch import Dispatch
from storage.db import WalCheckpointer

log = logging.getLogger(__name__)

RESIDENT_COMMANDS = [
    ("my", "我的诉求"), ("status", "查看诉求进度：/status 编号"), ("cancel", "撤回诉求：/cancel 编号"),
    ("address", "登记住址：/address 3号楼2单元501"), ("start", "选择社区"), ("help", "帮助"),
]
STAFF_COMMANDS = [
    ("open", "待办诉求"), ("overdue", "超期诉求"), ("show", "诉求详情：/show 编号"),
    ("resolve", "办结：/resolve 编号 结果"), ("reject", "驳回：/reject 编号 原因"),
    ("ask", "请居民补充：/ask 编号 问题"), ("merge", "合并重复：/merge 重复编号 目标编号"),
    ("walkin", "登记来访"), ("digest", "本周报告"), ("export", "导出本月登记本"), ("help", "帮助"),
    ("urgent", "标为紧急：/urgent 编号"), ("noturgent", "改为非紧急：/noturgent 编号 理由"),
    ("duty", "值班：/duty、/duty on、/duty @姓名 日期"),
]


def build_application(
    services: Services,
    *,
    token: str,
    base_url: str,
    base_file_url: str,
    schedule_config: ScheduleConfig | None = None,
    db_workers: int | None = None,
    web_url: str | None = None,
) -> OfficeApplication:
    """The bot, pointed at any Bot API server (Telegram's, self-hosted, or the emulator)."""
    sqlite = services.deps.engine.dialect.name == "sqlite"
    run = DbRunner(workers=db_workers or (1 if sqlite else 4))
    application = (
        ApplicationBuilder()
        .token(token)
        .context_types(CONTEXT_TYPES)  # handlers and jobs get context.runtime
        .base_url(base_url)
        .base_file_url(base_file_url)
        .request(AiohttpRequest())
        .get_updates_request(AiohttpRequest(connection_pool_size=1))
        .updater(None)  # updates come in through the inbox (bot/inbox.py), not PTB's Updater
        .build()
    )
    delivery = Delivery(bot=application.bot, dispatch=Dispatch(services.deps), run=run)
    checkpointer = WalCheckpointer(services.deps.engine) if sqlite else None
    updates = UpdateWorker(application=application, inbox=services.inbox, run=run,
                           clock=services.deps.clock)
    application.bot_data.runtime = Runtime(services=services, run=run, delivery=delivery,
                                           checkpointer=checkpointer, updates=updates,
                                           web_url=web_url)
    handlers.register(application)
    return application


async def start_bot(application: OfficeApplication, *, schedule_config: ScheduleConfig | None) -> None:
    """Everything before updates may come in: PTB's start, our start-up work, and the
    updates an earlier run stored but did not handle (handled first, in order)."""
    await application.initialize()
    await on_start(application, schedule_config=schedule_config)
    await application.start()
    await recover_updates(application)


async def stop_bot(application: OfficeApplication) -> None:
    """The reverse of start_bot, once the poller or the webhook has stopped."""
    if application.running:
        await application.stop()
    await on_stop(application)
    await application.shutdown()


async def on_start(application: OfficeApplication, *, schedule_config: ScheduleConfig | None) -> None:
    """After the bot is initialised: commands menu, periodic jobs, and whatever a previous
    run left unsent in the outbox goes out now."""
    runtime = application.bot_data.runtime
    if runtime.checkpointer is not None:
        runtime.checkpointer.start()
    await _set_commands(application)
    if schedule_config is not None:
        schedule(application, schedule_config, timezone=runtime.services.deps.settings.timezone)
    runtime.delivery.kick()


async def recover_updates(application: OfficeApplication) -> None:
    """Handle what a previous run stored but did not handle, before anything new.

    SQLite means one process, so its leftovers are taken over at once; on PostgreSQL other
    processes may be handling theirs, so only updates whose claim expired are taken.
    """
    runtime = application.bot_data.runtime
    updates = runtime.updates
    if updates is None:  # set by build_application; nothing stored to recover without it
        return
    takeover = runtime.services.deps.engine.dialect.name == "sqlite"
    count = await updates.recover(takeover=takeover)
    if count:
        log.warning("handling %s update(s) stored by an earlier run but not handled", count)
    await updates.idle.wait()


async def on_stop(application: OfficeApplication) -> None:
    """Let the delivery worker finish its current send, then release the database threads."""
    runtime = application.bot_data.runtime
    if runtime.updates is not None:
        await runtime.updates.stop()
    await runtime.delivery.stop()
    runtime.run.close()
    if runtime.checkpointer is not None:
        runtime.checkpointer.stop()


async def _set_commands(application: OfficeApplication) -> None:
    bot = application.bot
    await bot.set_my_commands(RESIDENT_COMMANDS, scope=BotCommandScopeAllPrivateChats())
    await bot.set_my_commands(
        [BotCommand(name, text) for name, text in STAFF_COMMANDS],
        scope=BotCommandScopeAllGroupChats())
