"""Fault benchmark: residents keep writing while a share of the bot's sends fail.

The bot runs as its own process (`python -m bot run`) against the emulator hosted here,
which answers `--faults` of send and edit calls with a random fault: 429 (retry_after 1),
500, 502 JSON, 502 HTML (a proxy's page) or a dropped connection, and enforces Telegram's
flood limits. After the last message the bot runs until every card and confirmation is in
(or `--drain-timeout`). Prints undelivered and duplicate sends, 429s from the flood limits,
and the drain time after the last message.

    python benchmarks/bench_faults.py [--messages 600] [--residents 200] [--faults 0.2]

Telegram lets a bot post 20 messages a minute to one group, and every petition here has a
card in the same group: more than 20 petitions a minute cannot drain faster than that.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_chaos import _drain, _send, _tally, print_figures, running_office, traffic_arguments  # noqa: E402


async def faults(args: argparse.Namespace) -> dict[str, float]:
    async with running_office(args.residents) as (emu, bot, group, people, tmp):
        emu.flood_limits = True
        emu.random_faults(args.faults, seed=args.seed)
        sent: dict[str, int] = {}
        await _send(emu, people, sent, args)
        last_sent = time.perf_counter()
        drained_at = await _drain(emu, group, sent, args.drain_timeout)
        bot.stop()
        result = _tally(emu, group, sent, tmp / "bench.db", 0,
                        drain=(drained_at - last_sent) if drained_at else float("nan"))
        result["429 from the flood limits"] = emu.flood_refusals
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--faults", type=float, default=0.2, help="share of send calls that fail")
    traffic_arguments(parser, messages=600, send_seconds=1800, drain_timeout=600, seed_for="the faults")
    args = parser.parse_args()
    started = time.perf_counter()
    result = asyncio.run(faults(args))
    print_figures({k: v for k, v in result.items() if k != "kills"}, started=started)


if __name__ == "__main__":
    main()
