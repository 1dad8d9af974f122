"""`minyuan try`: the real bot against the emulator, played by hand in a web chat.

The Application is the one `minyuan run` builds, unmodified; only its clock is simulated.
That clock runs at wall speed and jumps forward from the page. PTB's JobQueue fires on the
wall clock, so here the jobs are walked through simulated time instead: every reminder,
escalation, morning brief and weekly digest falling inside a jump is taken at its own instant.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import tempfile
import time as wall
import tomllib
import webbrowser
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.config import Config
from bot.demo import START
from bot.harness import Harness
from reception.org import Community, Street
from storage import ladder_queries
from storage.db import transaction
from storage.enums import Role
from tgemu import BotApiEmulator
from tgemu.webchat import WebChat

log = logging.getLogger(__name__)

CAST = Path(__file__).with_name("demo") / "cast.toml"
TITLE = "民愿接待室 · 试用"
NOTHING_DUE = "没有到期的事项"
DONE = {"reminded": "提醒 {} 件", "overdue": "超期 {} 件", "escalated": "上报 {} 件",
        "brief": "早报已发送", "digest": "周报已发送"}
EMPTY_NOTE = "空白的接待室：用“＋ 新用户”“＋ 新群”添加人和群；管理员在私聊里发送 /join 邀请码，再在群里 /bind。"
INVITE_NOTE = "{name} 管理员邀请码：{code}"


class TrialClock:
    """Simulated time: from ``start`` it runs at wall speed (if ``ticking``) and jumps ahead."""

    def __init__(self, start: datetime, *, ticking: bool = True) -> None:
        self._start, self.ticking = start.astimezone(UTC), ticking
        self._offset, self._t0 = timedelta(0), wall.monotonic()

    def now(self) -> datetime:
        running = timedelta(seconds=wall.monotonic() - self._t0) if self.ticking else timedelta(0)
        return self._start + running + self._offset

    def jump_to(self, when: datetime) -> None:
        gap = when - self.now()
        if gap > timedelta(0):
            self._offset += gap


class Trial:
    """What the scheduler would do as simulated time passes; the page's clock control."""

    def __init__(self, harness: Harness, clock: TrialClock) -> None:
        self.h, self.clock = harness, clock
        schedule, tz = harness.config.schedule, ZoneInfo(harness.config.reception.timezone)
        brief = schedule.morning_brief
        self._calendar = {
            "brief": CronTrigger(hour=brief.hour, minute=brief.minute, timezone=tz),
            "digest": CronTrigger.from_crontab(schedule.weekly_digest_cron, timezone=tz),
        }
        self._checked = clock.now()
        self._lock = asyncio.Lock()
        self.sections: list[tuple[str, list[int]]] = []

    @property
    def ticking(self) -> bool:
        return self.clock.ticking

    def now(self) -> datetime:
        return self.clock.now()

    async def advance(self, delta: timedelta) -> str:
        """Move time forward, stopping at each instant something falls due."""
        async with self._lock:
            target, done = self.clock.now() + delta, Counter[str]()
            while True:
                stop = min(await self._next_instant(target), target)
                self.clock.jump_to(stop)
                await self._due_work(done)
                if stop >= target:
                    break
        said = [DONE[key].format(n) for key, n in done.items() if n]
        return "；".join(said) if said else NOTHING_DUE

    async def catch_up(self) -> None:
        """What falls due as the clock simply runs (called every few wall seconds)."""
        async with self._lock:
            await self._due_work(Counter())

    async def _due_work(self, done: Counter[str]) -> None:
        runtime, services, now = self.h.runtime, self.h.domain, self.clock.now()
        report = await runtime.call(services.escalation.sweep)
        done.update(reminded=report.reminded, overdue=report.overdue, escalated=report.escalated)
        for name, trigger in self._calendar.items():
            fire = trigger.get_next_fire_time(None, self._checked + timedelta(microseconds=1))
            while fire is not None and fire <= now:
                job = services.escalation.morning_brief if name == "brief" else services.digests.queue_weekly
                done[name] += bool(await runtime.call(job))
                fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
        self._checked = now
        await self.h.settle()

    async def _next_instant(self, target: datetime) -> datetime:
        now = self.clock.now()
        fires = [t.get_next_fire_time(None, now + timedelta(microseconds=1)) for t in self._calendar.values()]
        ladder = await self.h.runtime.run(self._ladder_instants, now, target)
        return min([f for f in fires if f is not None] + ladder + [target])

    def _ladder_instants(self, now: datetime, target: datetime) -> list[datetime]:
        """When each running petition's next reminder or escalation step falls due."""
        delay = self.h.domain.deps.settings.second_escalation
        instants: list[datetime] = []
        with transaction(self.h.domain.deps.engine) as session:
            for clock in ladder_queries.CLOCKS:
                for c in ladder_queries.candidates(session, clock=clock, now=target,
                                                    second_delay=delay, limit=1000):
                    by_step: dict[int, list[datetime | None]] = {
                        0: [c.remind_at, c.due], 1: [c.due], 2: [c.due + delay]}
                    steps = by_step.get(c.step, [])
                    instants += [at for at in steps if at is not None and at > now]
        return instants

    # --- the people ----------------------------------------------------------------------

    async def cast(self, path: Path = CAST) -> None:
        """Bring in the demo's people: staff join by invite, admins bind groups, residents start."""
        emu, access = self.h.emu, self.h.domain.access
        cast = tomllib.loads(path.read_text(encoding="utf-8"))
        people = {}
        for person in cast.get("staff", []):
            user = people[person["name"]] = emu.add_user(first_name=person["name"])
            code = access.create_invite(role=person["role"], scope_code=person["scope"], days=365)
            emu.send_text(user, user.id, f"/join {code}")
        await self.h.settle()
        sections: dict[str, list[int]] = {"居民": []}
        for group in cast.get("groups", []):
            chat = emu.add_group(group["title"], forum=group.get("forum", False),
                                 members=[people[name] for name in group["members"]])
            sections.setdefault(group["section"], []).append(chat.id)
            emu.send_text(people[group["by"]], chat.id, group["bind"])
            await self.h.settle()
        for person in cast.get("residents", []):
            user = emu.add_user(first_name=person["name"])
            sections["居民"].append(user.id)
            if person.get("community"):
                emu.send_text(user, user.id, f"/start {person['community']}")
        await self.h.settle()
        sections["工作人员私聊"] = [user.id for user in people.values()]
        self.sections = list(sections.items())

    def invites(self) -> list[str]:
        """For an empty office: an admin invite code for each community and street."""
        access, org = self.h.domain.access, self.h.domain.deps.org
        scopes: list[Community | Street] = [*org.communities.values(), *org.streets.values()]
        return [INVITE_NOTE.format(name=s.name, code=access.create_invite(role=Role.ADMIN, scope_code=s.code,
                                                                          days=365)) for s in scopes]


async def run_trial(config: Config, *, port: int, empty: bool = False, open_browser: bool = False,
                    db: str | None = None) -> int:
    """Serve the web chat on 127.0.0.1 until Ctrl-C."""
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(db).resolve() if db else Path(tmp) / "try.db"
        config = replace(config.with_database(f"sqlite:///{db_path}"), reports_dir=Path(tmp) / "reports")
        clock = TrialClock(START)
        async with BotApiEmulator(clock=clock) as emu:
            harness = Harness(config=config, clock=clock)
            try:
                await harness.start(emulator=emu)
                return await _serve(harness, clock, empty=empty, port=port, open_browser=open_browser)
            finally:
                await harness.stop()


async def _serve(harness: Harness, clock: TrialClock, *, empty: bool, port: int, open_browser: bool) -> int:
    config, emu = harness.config, harness.emu
    trial = Trial(harness, clock)
    notes = [EMPTY_NOTE, *trial.invites()] if empty else []
    if not empty:
        await trial.cast()
    chat = WebChat(emu, title=TITLE, clock=trial, layout=lambda: trial.sections,
                   timezone=config.reception.timezone, notes=notes)
    try:
        url = await chat.start(port=port)
    except OSError as exc:
        print(f"cannot listen on 127.0.0.1:{port} ({exc.strerror}); try --port 0")
        return 2
    print(f"民愿接待室试用已启动：{url}  （Ctrl-C 结束）", flush=True)
    if open_browser:
        webbrowser.open(url)
    try:
        await _until_stopped(trial)
    finally:
        await chat.stop()
    return 0


async def _until_stopped(trial: Trial) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    seconds = trial.h.config.schedule.outbox_seconds
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)
        if not stop.is_set():
            await trial.catch_up()
