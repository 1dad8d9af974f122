"""Reception benchmark: residents' messages -> staff cards, over HTTP through the emulator.

Measures, on one process, with SQLite (the embedded default) and PostgreSQL side by side:
- sustained throughput at a target rate (default 50 petitions/s for 20 s),
- latency from a resident's message entering the Bot API to its petition being taken in
  (p50 / p99): long polling, the inbox commit, the handler and the petition's commit. Cards
  and confirmations are paced under Telegram's flood limits, so they are not the measure,
- cold start: from launching `minyuan run` to its first getUpdates call,
- the bot process's peak resident memory (VmHWM),
- the bot's CPU time per petition while the load runs (user + system, all threads): the
  figure that least depends on what else the machine is doing. Above 1000 / rate ms the
  one process cannot keep up; the closer to it, the longer the queues and the p99,
- the durable inbox's own cost: every update is committed before Telegram is told it
  arrived and marked handled afterwards, two commits per polled batch; timed here alone,
  per batch and per update, for batches of 1 (a quiet office) and 10 (a busy one).

The bot runs as its own process (`python -m bot run`, exactly what an operator starts),
pointed at the emulator that this script hosts and drives.

    python benchmarks/bench_reception.py [--rate 50] [--seconds 20] [--residents 200]
                                         [--databases sqlite,postgresql,postgresql-x2]

``postgresql-x2`` runs two bot processes on one PostgreSQL database. Telegram lets only one
client long-poll a bot, so they run in webhook mode behind a round-robin proxy hosted here
(what a load balancer does); CPU per petition is both processes' together.

PostgreSQL is a private server from Debian's packages with its durable defaults (fsync and
synchronous_commit on), as an office would run it, unlike the tests' throwaway server.

Wall-clock timing is the point here, so this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from types import SimpleNamespace

import tomli_w

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

def bot_config(tmp: Path, emu, url: str | None = None, *, webhook: tuple[str, int] | None = None,
               name: str = "config.toml") -> Path:
    """config.toml pointed at the emulator and a fresh database (SQLite unless ``url``); every
    message its own petition (a resident writing again within the merge window would add to
    their open one). ``webhook``: (the URL the emulator posts to, the port this bot listens on)."""
    data = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))
    if webhook is not None:
        data["telegram"].update(mode="webhook", webhook_url=webhook[0], webhook_listen="127.0.0.1",
                                webhook_port=webhook[1])
    data["database"]["url"] = url or f"sqlite:///{tmp / 'bench.db'}"
    data["telegram"].update(base_url=emu.base_url, base_file_url=emu.base_file_url)
    data["reception"]["organisation"] = str(ROOT / "org.toml")
    data["reception"]["merge_window_seconds"] = 0
    data["reports"]["dir"] = str(tmp / "reports")
    path = tmp / name
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def cli(config: Path, *args: str) -> str:
    out = subprocess.run([sys.executable, "-m", "bot", "--config", str(config), *args],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    return out.stdout.strip()


async def load(rate: float, seconds: float, residents: int, url: str | None = None,
               processes: int = 1) -> dict[str, float]:
    """Run `minyuan run` as its own process (or ``processes`` of them sharing the PostgreSQL
    database at ``url``) against the emulator hosted here.

    Several processes cannot all long-poll one bot (Telegram answers 409 Conflict), so they
    run in webhook mode behind a round-robin proxy hosted here too, as a load balancer would
    spread Telegram's webhook calls; each process stores what it is given and handles it.
    """
    from tgemu import BotApiEmulator

    if processes > 1 and url is None:
        raise ValueError("several bot processes need a shared PostgreSQL database")
    with tempfile.TemporaryDirectory() as tmp_name, ExitStack() as logs:
        tmp = Path(tmp_name)
        async with BotApiEmulator() as emu:
            proxy = await _RoundRobin.start() if processes > 1 else None
            configs = []
            for index in range(processes):
                webhook = None
                if proxy is not None:
                    port = _free_port()
                    proxy.targets.append(f"http://127.0.0.1:{port}")
                    webhook = (f"{proxy.url}/telegram", port)
                configs.append(bot_config(tmp, emu, url, webhook=webhook, name=f"config{index}.toml"))
            code = cli(configs[0], "invite", "--role", "admin", "--scope", "hongqi")
            env = {**os.environ, "MINYUAN_BOT_TOKEN": emu.token}
            started = time.perf_counter()
            bots = []
            for index, config in enumerate(configs):
                command = [sys.executable, "-m", "bot", "--config", str(config), "run"]
                if os.environ.get("MINYUAN_PROFILE") and index == 0:  # e.g. MINYUAN_PROFILE=/tmp/bot.svg
                    command = ["py-spy", "record", "-o", os.environ["MINYUAN_PROFILE"], "--format",
                               "raw" if os.environ["MINYUAN_PROFILE"].endswith(".txt") else "flamegraph",
                               "--threads", "--", *command]
                log_path = os.environ.get("MINYUAN_BENCH_LOG")  # the bot's log, kept for a look
                log_file = (logs.enter_context(open(f"{log_path}.{index}" if index else log_path, "w"))
                            if log_path else subprocess.DEVNULL)
                bots.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file, stderr=log_file))
            try:
                ready = "setWebhook" if proxy is not None else "getUpdates"
                await emu.wait_for(lambda: sum(m == ready for m, _ in emu.calls) >= processes, timeout=90)
                cold = time.perf_counter() - started
                result = await _drive(emu, code, rate, seconds, residents,
                                      cpu=lambda: sum(_cpu_seconds(b.pid) for b in bots),
                                      url=url or f"sqlite:///{tmp / 'bench.db'}")
                result["cold_start_s"] = cold
                result["peak_rss_mb"] = max(_peak_rss_mb(b.pid) for b in bots)
                if proxy is not None:
                    result["shares"] = "/".join(str(n) for n in proxy.counts)
            finally:
                stopping = time.perf_counter()
                for bot in bots:
                    bot.send_signal(signal.SIGINT)
                for bot in bots:
                    try:
                        bot.wait(timeout=120)
                    except subprocess.TimeoutExpired:  # a backlog it could not finish: the figures stand
                        bot.kill()
                        bot.wait()
                if proxy is not None:
                    await proxy.stop()
            result["stop_s"] = time.perf_counter() - stopping
            return result


class _RoundRobin:
    """An HTTP proxy on a loopback port passing each request to the next target in turn."""

    def __init__(self) -> None:
        self.targets: list[str] = []
        self.counts: list[int] = []
        self._next = 0

    @classmethod
    async def start(cls) -> _RoundRobin:
        import aiohttp
        from aiohttp import web

        proxy = cls()
        proxy._session = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", proxy._forward)
        proxy._runner = web.AppRunner(app, access_log=None)
        await proxy._runner.setup()
        port = _free_port()
        await web.TCPSite(proxy._runner, "127.0.0.1", port).start()
        proxy.url = f"http://127.0.0.1:{port}"
        return proxy

    async def _forward(self, request):
        from aiohttp import web

        index = self._next % len(self.targets)
        self._next += 1
        while len(self.counts) < len(self.targets):
            self.counts.append(0)
        self.counts[index] += 1
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        async with self._session.request(request.method, self.targets[index] + request.path_qs,
                                         data=await request.read(), headers=headers) as answer:
            return web.Response(status=answer.status, body=await answer.read(),
                                content_type=answer.content_type)

    async def stop(self) -> None:
        await self._session.close()
        await self._runner.cleanup()


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def settle(emu, count: int, chat_id: int, containing: str) -> None:
    await emu.wait_for(lambda: sum(containing in m.text for m in emu.bot_messages(chat_id)) >= count,
                       timeout=120)


async def open_office(emu, code: str, residents: int):
    """An admin who joined with ``code``, the bound staff group, and registered residents."""
    admin = emu.add_user(first_name="管理员")
    group = emu.add_group("红旗社区民愿工作群", members=[admin])
    emu.send_text(admin, admin.id, f"/join {code}")
    await settle(emu, 1, admin.id, "欢迎加入")
    emu.send_text(admin, group.id, "/bind hongqi")
    await settle(emu, 1, group.id, "绑定")
    people = [emu.add_user(first_name=f"居民{i}") for i in range(residents)]
    for person in people:
        emu.send_text(person, person.id, "/start hongqi")
    await emu.wait_for(lambda: all(emu.bot_messages(p.id) for p in people), timeout=300)
    return group, people


async def _drive(emu, code: str, rate: float, seconds: float, residents: int, *,
                 cpu: Callable[[], float], url: str) -> dict[str, float]:
    """Send at ``rate``; latency is from a message entering the Bot API to its petition being
    taken in by the bot (the petition's created_at, stamped by the bot's own clock just before
    the commit; both processes read the same system clock).

    Not to the staff card or the resident's confirmation: those are paced under Telegram's
    flood limits (20 messages a minute per group, 30 a second overall), so at 50 petitions/s
    they drain over minutes by design, whatever the reception costs."""
    from sqlalchemy import create_engine, text

    _group, people = await open_office(emu, code, residents)
    topics = ["楼上漏水，天花板滴水", "楼下广场舞太吵", "车位被外来车辆占用", "想申请低保",
              "楼道灯坏了", "垃圾没人清理", "电梯经常停运", "邻居占用公共走廊"]
    total = int(rate * seconds)
    sent_at: dict[str, float] = {}
    engine = create_engine(url)
    count = text("SELECT count(*) FROM petition WHERE text LIKE :mark")
    try:
        cpu_before = cpu()
        start = time.time()
        for i in range(total):
            delay = start + i / rate - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            token = f"{i:06d}"
            sent_at[token] = time.time()
            emu.send_text(people[i % residents], people[i % residents].id,
                          f"{(i % 10) + 1}号楼{topics[i % len(topics)]}，标记{token}")
        deadline = time.time() + 120
        while True:
            with engine.connect() as connection:
                if connection.execute(count, {"mark": "%标记%"}).scalar_one() >= total:
                    break
            if time.time() > deadline:
                raise TimeoutError("petitions were not all taken in within 120 s")
            await asyncio.sleep(0.2)
        cpu_ms = (cpu() - cpu_before) * 1000 / total
        with engine.connect() as connection:
            taken = {row[0].split("标记", 1)[1][:6]: row[1] for row in connection.execute(
                text("SELECT text, created_at FROM petition WHERE text LIKE :mark"),
                {"mark": "%标记%"})}
    finally:
        engine.dispose()
    stamps = {token: _epoch(at) for token, at in taken.items()}
    if os.environ.get("MINYUAN_BENCH_TRACE"):  # one line per message: sent (s from start), latency
        for t in sorted(sent_at):
            print(f"trace {sent_at[t] - start:8.3f} {(stamps[t] - sent_at[t]) * 1000:8.1f}")
    elapsed = max(stamps.values()) - start
    latencies = sorted((stamps[t] - sent_at[t]) * 1000 for t in sent_at)
    return {
        "petitions": total,
        "throughput": total / elapsed,
        "p50_ms": latencies[len(latencies) // 2],
        "p90_ms": latencies[int(len(latencies) * 0.90) - 1],
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1],
        "max_ms": latencies[-1],
        "cpu_ms": cpu_ms,
    }


def _epoch(value) -> float:
    """A stored UTC timestamp (naive datetime, or text on SQLite) as seconds since the epoch."""
    from datetime import UTC, datetime

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC).timestamp()


def inbox_cost(url: str, *, updates: int = 1000) -> dict[str, float]:
    """Milliseconds the inbox's two commits take per batch and per update, alone."""
    from datetime import UTC, datetime

    from reception.clock import ManualClock
    from reception.handling.inbox import Arrival, Inbox
    from storage.db import create_schema, make_engine

    engine = make_engine(url)
    create_schema(engine)
    inbox = Inbox(SimpleNamespace(engine=engine, clock=ManualClock(datetime(2026, 12, 3, tzinfo=UTC))))
    result: dict[str, float] = {}
    next_id = 1
    for batch in (1, 10):
        started = time.perf_counter()
        for _ in range(updates // batch):
            arrivals = [Arrival(update_id=next_id + k, chat_id=1000 + k, kind="message",
                                payload=json.dumps({"update_id": next_id + k, "message": {}}))
                        for k in range(batch)]
            next_id += batch
            stored = inbox.receive(arrivals)
            inbox.handled([s.update_id for s in stored])
        per_batch = (time.perf_counter() - started) * 1000 / (updates // batch)
        result[f"batch{batch}_ms"] = per_batch
        result[f"batch{batch}_per_update_ms"] = per_batch / batch
    engine.dispose()
    return result


ROWS = [
    ("petitions", "petitions", "{:.0f}"),
    ("achieved throughput (/s)", "throughput", "{:.1f}"),
    ("taken in, p50 (ms)", "p50_ms", "{:.1f}"),
    ("taken in, p90 (ms)", "p90_ms", "{:.1f}"),
    ("taken in, p99 (ms)", "p99_ms", "{:.1f}"),
    ("taken in, max (ms)", "max_ms", "{:.1f}"),
    ("bot CPU per petition (ms)", "cpu_ms", "{:.1f}"),
    ("cold start (s)", "cold_start_s", "{:.2f}"),
    ("stop after SIGINT (s)", "stop_s", "{:.2f}"),
    ("bot peak RSS (MB)", "peak_rss_mb", "{:.0f}"),
    ("inbox, batch of 1 (ms)", "batch1_ms", "{:.2f}"),
    ("inbox, batch of 10 (ms)", "batch10_ms", "{:.2f}"),
    ("inbox per update, batch 10 (ms)", "batch10_per_update_ms", "{:.2f}"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=50, help="petitions per second")
    parser.add_argument("--seconds", type=float, default=20, help="how long to sustain the rate")
    parser.add_argument("--residents", type=int, default=200, help="distinct residents")
    parser.add_argument("--databases", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql, postgresql-x2 (two bot processes "
                             "sharing one database, behind a round-robin webhook proxy)")
    args = parser.parse_args()
    databases = args.databases.split(",")
    results: dict[str, dict[str, float]] = {}
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        server = None
        for database in databases:
            if database == "sqlite":
                url, inbox_url = None, f"sqlite:///{Path(tmp) / 'inbox.db'}"
            elif database in ("postgresql", "postgresql-x2"):
                if server is None:
                    from tests.reception.pg_server import postgres_server

                    server = stack.enter_context(postgres_server(durable=True))
                url, inbox_url = stack.enter_context(server.database()), stack.enter_context(server.database())
            else:
                parser.error(f"unknown database {database!r}: use sqlite or postgresql")
            processes = 2 if database.endswith("-x2") else 1
            results[database] = asyncio.run(load(args.rate, args.seconds, args.residents, url, processes))
            results[database].update(inbox_cost(inbox_url))
    print(f"target rate {args.rate:.0f}/s for {args.seconds:.0f} s, {args.residents} residents")
    print(f"{'':<34}" + "".join(f"{d:>14}" for d in databases))
    for label, key, form in ROWS:
        print(f"{label:<34}" + "".join(f"{form.format(results[d][key]):>14}" for d in databases))


if __name__ == "__main__":
    main()
