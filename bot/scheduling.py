"""Periodic work on PTB's JobQueue (APScheduler): one sweep, the outbox, digests, briefs.

One sweep job finds every reminder and escalation that is due, rather than one job per
petition: jobs die with the process, rows in the database do not, and the sweep claims each
step atomically so several processes can run it side by side.
"""

from __future__ import annotations

import logging
from datetime import time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.config import ScheduleConfig
from handlers.common import Context, OfficeApplication
from storage.db import refresh_statistics

log = logging.getLogger(__name__)


def schedule(application: OfficeApplication, config: ScheduleConfig, *, timezone: str) -> None:
    queue = application.job_queue
    if queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    tz = ZoneInfo(timezone)
    queue.run_repeating(_outbox, interval=timedelta(seconds=config.outbox_seconds), first=0,
                        name="outbox")
    queue.run_repeating(_inbox, interval=timedelta(seconds=5), first=5, name="inbox")
    queue.run_daily(_purge_inbox, time=time(3, 30, tzinfo=tz), name="purge-inbox")
    queue.run_daily(_statistics, time=time(4, 0, tzinfo=tz), name="statistics")
    queue.run_repeating(_purge_sign_ins, interval=timedelta(hours=1), first=60, name="purge-sign-ins")
    queue.run_repeating(_sweep, interval=timedelta(seconds=config.sweep_seconds), first=1,
                        name="sweep")
    queue.run_daily(_morning_brief, time=config.morning_brief.replace(tzinfo=tz),
                    name="morning-brief")
    # Down at brief time today? Send it now (once: the day's brief is claimed atomically).
    queue.run_once(_late_morning_brief, when=0, name="late-morning-brief",
                   data=config.morning_brief)
    queue.run_custom(_weekly_digest, name="weekly-digest", job_kwargs={
        "trigger": CronTrigger.from_crontab(config.weekly_digest_cron, timezone=tz)})
    # Mondays of December, 09:00: is next year's holiday arrangement in yet?
    queue.run_custom(_calendar_reminder, name="calendar-reminder", job_kwargs={
        "trigger": CronTrigger.from_crontab("0 9 * 12 mon", timezone=tz)})
    # 每月一题: last month's recurring problems to every street group, on the first at 09:00.
    queue.run_custom(_monthly_report, name="monthly-report", job_kwargs={
        "trigger": CronTrigger.from_crontab("0 9 1 * *", timezone=tz)})
    # 回访: resolved petitions due for a call-back go on the lists; callers are told.
    queue.run_repeating(_callbacks, interval=timedelta(hours=1), first=120, name="callbacks")
    # A notice imported by `minyuan calendar import` (another process) counts from then on.
    queue.run_repeating(_calendar_refresh, interval=timedelta(minutes=10), first=600,
                        name="calendar-refresh")


async def _outbox(context: Context) -> None:
    """Retry what is due in the outbox (failed sends, messages queued by other processes)."""
    context.runtime.delivery.kick()


async def _inbox(context: Context) -> None:
    """Handle stored updates whose retry is due, and leftovers of processes that died."""
    updates = context.runtime.updates
    if updates is not None:  # set by build_application, which is where jobs are scheduled
        await updates.poke()


async def _purge_inbox(context: Context) -> None:
    """Forget updates handled more than a week ago (Telegram may then reuse their ids)."""
    runtime = context.runtime
    purged = await runtime.run(runtime.services.inbox.purge)
    if purged:
        log.info("inbox: forgot %s updates handled more than a week ago", purged)


async def _statistics(context: Context) -> None:
    """Fresh planner statistics for SQLite, as the history grows (storage.db.refresh_statistics)."""
    runtime = context.runtime
    await runtime.run(refresh_statistics, runtime.services.deps.engine)


async def _purge_sign_ins(context: Context) -> None:
    """Forget the desk's expired sessions and login links."""
    runtime = context.runtime
    purged = await runtime.run(runtime.services.signin.purge)
    if purged:
        log.info("desk: forgot %s expired sessions and login links", purged)


async def _sweep(context: Context) -> None:
    """Take every due reminder/overdue/escalation step once."""
    runtime = context.runtime
    escalation = runtime.services.escalation
    # Batch by batch, each a short transaction of its own: residents' messages and the rest
    # of the database work take turns with a large sweep instead of waiting for all of it.
    report = await runtime.call(escalation.sweep_batch)
    while report.resume is not None:
        report = report.then(await runtime.call(escalation.sweep_batch, report.resume))
    alerted = await runtime.call(escalation.repeat_alerts)
    strays = await runtime.call(runtime.services.intake.expire_strays)
    if strays:
        log.info("sweep: %s unexplained stray drafts closed or filed", strays)
    practice = await runtime.call(escalation.practice_steps)
    if report.steps or alerted or practice:
        log.info("sweep: %s reminded, %s overdue, %s escalated, %s urgent alerted again, "
                 "%s return/referral steps", report.reminded, report.overdue, report.escalated,
                 alerted, practice)


async def _morning_brief(context: Context) -> None:
    runtime = context.runtime
    await runtime.call(runtime.services.escalation.morning_brief)


async def _late_morning_brief(context: Context) -> None:
    runtime = context.runtime
    if context.job is None:  # only ever run as a job
        return
    queued = await runtime.call(runtime.services.escalation.late_morning_brief, context.job.data)
    if queued:
        log.info("morning brief sent late, at start-up: %s messages queued", queued)


async def _weekly_digest(context: Context) -> None:
    runtime = context.runtime
    queued = await runtime.call(runtime.services.digests.queue_weekly)
    log.info("weekly digest: %s messages queued", queued)


async def _calendar_reminder(context: Context) -> None:
    runtime = context.runtime
    queued = await runtime.call(runtime.services.escalation.calendar_reminder)
    if queued:
        log.info("calendar: next year is provisional, %s administrators reminded", queued)


async def _calendar_refresh(context: Context) -> None:
    runtime = context.runtime
    if await runtime.run(runtime.services.escalation.refresh_calendar):
        log.info("calendar: imported holiday arrangement taken up")


async def _callbacks(context: Context) -> None:
    runtime = context.runtime
    queued = await runtime.call(runtime.services.callbacks.queue_due)
    if queued:
        log.info("call-backs: %s resolved petitions put on the lists", queued)


async def _monthly_report(context: Context) -> None:
    runtime = context.runtime
    queued = await runtime.call(runtime.services.monthly.queue_monthly)
    log.info("monthly report: %s messages queued", queued)
