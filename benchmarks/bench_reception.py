"""Reception benchmark: residents' messages -> staff cards, over HTTP through the emulator.

Measures, on one process with SQLite (the embedded default):
- sustained throughput at a target rate (default 50 petitions/s for 20 s),
- latency from a resident's message entering the Bot API to the staff card arriving there
  (p50 / p99), which includes long polling, the handler, the database commit, the outbox
  and the sendMessage call,
- cold start: from launching `minyuan run` to its first getUpdates call,
- the bot process's peak resident memory (VmHWM),
- the bot's CPU time per petition while the load runs (user + system, all threads): the
  figure that least depends on what else the machine is doing. Above 1000 / rate ms the
  one process cannot keep up; the closer to it, the longer the queues and the p99.

The bot runs as its own process (`python -m bot run`, exactly what an operator starts),
pointed at the emulator that this script hosts and drives.

    python benchmarks/bench_reception.py [--rate 50] [--seconds 20] [--residents 200]

Wall-clock timing is the point here, so this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

import tomli_w

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

def bot_config(tmp: Path, emu) -> Path:
    """config.toml pointed at the emulator and a fresh SQLite file; every message its own
    petition (a resident writing again within the merge window would add to their open one)."""
    data = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))
    data["database"]["url"] = f"sqlite:///{tmp / 'bench.db'}"
    data["telegram"].update(base_url=emu.base_url, base_file_url=emu.base_file_url)
    data["reception"]["organisation"] = str(ROOT / "org.toml")
    data["reception"]["merge_window_seconds"] = 0
    data["reports"]["dir"] = str(tmp / "reports")
    path = tmp / "config.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def cli(config: Path, *args: str) -> str:
    out = subprocess.run([sys.executable, "-m", "bot", "--config", str(config), *args],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    return out.stdout.strip()


async def load(rate: float, seconds: float, residents: int) -> dict[str, float]:
    """Run `minyuan run` as its own process against the emulator hosted here."""
    from tgemu import BotApiEmulator

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        async with BotApiEmulator() as emu:
            config = bot_config(tmp, emu)
            code = cli(config, "invite", "--role", "admin", "--scope", "hongqi")
            env = {**os.environ, "MINYUAN_BOT_TOKEN": emu.token}
            started = time.perf_counter()
            command = [sys.executable, "-m", "bot", "--config", str(config), "run"]
            if os.environ.get("MINYUAN_PROFILE"):  # e.g. MINYUAN_PROFILE=/tmp/bot.svg
                command = ["py-spy", "record", "-o", os.environ["MINYUAN_PROFILE"], "--format",
                           "raw" if os.environ["MINYUAN_PROFILE"].endswith(".txt") else "flamegraph",
                           "--threads", "--", *command]
            bot = subprocess.Popen(command,
                                   cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
            try:
                await emu.wait_for(lambda: any(m == "getUpdates" for m, _ in emu.calls), timeout=60)
                cold = time.perf_counter() - started
                result = await _drive(emu, code, rate, seconds, residents,
                                      cpu=lambda: _cpu_seconds(bot.pid))
                result["cold_start_s"] = cold
                result["peak_rss_mb"] = _peak_rss_mb(bot.pid)
                return result
            finally:
                bot.send_signal(signal.SIGINT)
                bot.wait(timeout=30)


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
                 cpu: Callable[[], float]) -> dict[str, float]:
    group, people = await open_office(emu, code, residents)

    sent_at: dict[str, float] = {}
    arrived_at: dict[str, float] = {}
    core = emu._core  # benchmark-only hook: stamp the moment each card reaches the group
    original = core.record_message

    def stamp(message, *, action="sent"):
        if action == "sent" and message.chat_id == group.id and "标记" in message.text:
            token = message.text.split("标记", 1)[1][:6]
            arrived_at.setdefault(token, time.perf_counter())
        return original(message, action=action)

    core.record_message = stamp
    topics = ["楼上漏水，天花板滴水", "楼下广场舞太吵", "车位被外来车辆占用", "想申请低保",
              "楼道灯坏了", "垃圾没人清理", "电梯经常停运", "邻居占用公共走廊"]
    total = int(rate * seconds)
    cpu_before = cpu()
    start = time.perf_counter()
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        token = f"{i:06d}"
        sent_at[token] = time.perf_counter()
        emu.send_text(people[i % residents], people[i % residents].id,
                      f"{(i % 10) + 1}号楼{topics[i % len(topics)]}，标记{token}")
    await emu.wait_for(lambda: len(arrived_at) >= total, timeout=120)
    cpu_ms = (cpu() - cpu_before) * 1000 / total
    elapsed = max(arrived_at.values()) - start
    latencies = sorted((arrived_at[t] - sent_at[t]) * 1000 for t in sent_at)
    return {
        "petitions": total,
        "throughput": total / elapsed,
        "p50_ms": latencies[len(latencies) // 2],
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1],
        "max_ms": latencies[-1],
        "cpu_ms": cpu_ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=50, help="petitions per second")
    parser.add_argument("--seconds", type=float, default=20, help="how long to sustain the rate")
    parser.add_argument("--residents", type=int, default=200, help="distinct residents")
    args = parser.parse_args()
    result = asyncio.run(load(args.rate, args.seconds, args.residents))
    print(f"{'petitions':<28}{result['petitions']}")
    print(f"{'target rate (/s)':<28}{args.rate:.0f}")
    print(f"{'achieved throughput (/s)':<28}{result['throughput']:.1f}")
    print(f"{'latency p50 (ms)':<28}{result['p50_ms']:.1f}")
    print(f"{'latency p99 (ms)':<28}{result['p99_ms']:.1f}")
    print(f"{'latency max (ms)':<28}{result['max_ms']:.1f}")
    print(f"{'bot CPU per petition (ms)':<28}{result['cpu_ms']:.1f}")
    print(f"{'cold start (s)':<28}{result['cold_start_s']:.2f}")
    print(f"{'bot peak RSS (MB)':<28}{result['peak_rss_mb']:.0f}")


if __name__ == "__main__":
    main()
