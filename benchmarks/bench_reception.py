"""Reception benchmark: residents' messages -> staff cards, over HTTP through the emulator.

Measures, on one process with SQLite (the embedded default):
- sustained throughput at a target rate (default 50 petitions/s for 20 s),
- latency from a resident's message entering the Bot API to the staff card arriving there
  (p50 / p99), which includes long polling, the handler, the database commit, the outbox
  and the sendMessage call,
- cold start (fresh interpreter: imports, rules, database, Application.initialize),
- peak resident memory of the process (bot and emulator together).

    python benchmarks/bench_reception.py [--rate 50] [--seconds 20] [--residents 200]

Wall-clock timing is the point here, so this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COLD_START = """
import time, asyncio
t0 = time.perf_counter()
from bot.config import load_config
from bot.emulator import BotApiEmulator
from bot.harness import Harness
from reception.clock import SystemClock
async def main():
    config = load_config().with_database("sqlite:///{db}")
    async with BotApiEmulator() as emu:
        harness = Harness(config=config, clock=SystemClock())
        await harness.start(emulator=emu)
        print(time.perf_counter() - t0)
        await harness.stop()
asyncio.run(main())
"""


def cold_start() -> float:
    """Seconds from a fresh interpreter to a bot polling the emulator (median of 3)."""
    times = []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as tmp:
            code = COLD_START.replace("{db}", f"{tmp}/cold.db")
            out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                                 text=True, check=True)
            times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


async def load(rate: float, seconds: float, residents: int) -> dict[str, float]:
    from bot.config import load_config
    from bot.emulator import BotApiEmulator
    from bot.harness import Harness
    from reception.clock import SystemClock

    with tempfile.TemporaryDirectory() as tmp:
        base = load_config().with_database(f"sqlite:///{tmp}/bench.db")
        # Every message is its own petition here: a resident writing again within the
        # merge window would (correctly) add to their open petition instead.
        config = replace(base, reports_dir=Path(tmp),
                         reception=replace(base.reception, merge_window_seconds=0))
        clock = SystemClock()
        async with BotApiEmulator(clock=clock) as emu:
            harness = Harness(config=config, clock=clock)
            await harness.start(emulator=emu)
            try:
                return await _drive(harness, emu, rate, seconds, residents)
            finally:
                await harness.stop()


async def _drive(harness, emu, rate: float, seconds: float, residents: int) -> dict[str, float]:
    access = harness.services.access
    admin = emu.add_user(first_name="管理员")
    group = emu.add_group("红旗社区民愿工作群", members=[admin])
    emu.send_text(admin, admin.id, f"/join {access.create_invite(role='admin', scope_code='hongqi')}")
    await harness.settle()
    emu.send_text(admin, group.id, "/bind hongqi")
    people = [emu.add_user(first_name=f"居民{i}") for i in range(residents)]
    for person in people:
        emu.send_text(person, person.id, "/start hongqi")
    await harness.settle(timeout=120)

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
    elapsed = max(arrived_at.values()) - start
    latencies = sorted((arrived_at[t] - sent_at[t]) * 1000 for t in sent_at)
    return {
        "petitions": total,
        "throughput": total / elapsed,
        "p50_ms": latencies[len(latencies) // 2],
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1],
        "max_ms": latencies[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=50, help="petitions per second")
    parser.add_argument("--seconds", type=float, default=20, help="how long to sustain the rate")
    parser.add_argument("--residents", type=int, default=200, help="distinct residents")
    args = parser.parse_args()
    result = asyncio.run(load(args.rate, args.seconds, args.residents))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cold = cold_start()
    print(f"{'petitions':<28}{result['petitions']}")
    print(f"{'target rate (/s)':<28}{args.rate:.0f}")
    print(f"{'achieved throughput (/s)':<28}{result['throughput']:.1f}")
    print(f"{'latency p50 (ms)':<28}{result['p50_ms']:.1f}")
    print(f"{'latency p99 (ms)':<28}{result['p99_ms']:.1f}")
    print(f"{'latency max (ms)':<28}{result['max_ms']:.1f}")
    print(f"{'cold start (s)':<28}{cold:.2f}")
    print(f"{'peak RSS, bot+emulator (MB)':<28}{peak_mb:.0f}")


if __name__ == "__main__":
    main()
