"""Chaos benchmark: kill -9 the bot again and again while residents keep writing.

The bot runs as its own process (`python -m bot run`, what an operator starts) against the
emulator hosted here. While `--messages` complaints flow from `--residents` residents, the
bot is killed with SIGKILL `--cycles` times at random moments and started again at once.
After the last message the bot is left running until everything is delivered (or
`--drain-timeout`). Then it prints:

- lost: complaints that never became a petition;
- duplicated: complaints that became more than one petition;
- unconfirmed: residents with fewer "已受理" confirmations than petitions;
- missing cards / duplicate cards: complaints with no card in the staff group / with more
  than one (a duplicate send after a crash is allowed, and counted);
- duplicate confirmations (likewise allowed, counted);
- drain time: from the last message to the last card or confirmation.

    python benchmarks/bench_chaos.py [--cycles 100] [--messages 2000] [--residents 200] [--seed 1]

Wall-clock timing and real processes are the point, so this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_reception import bot_config, cli, open_office  # noqa: E402

TOKEN = re.compile(r"标记(\d{6})")
TOPICS = ["楼上漏水，天花板滴水", "楼下广场舞太吵", "车位被外来车辆占用", "想申请低保",
          "楼道灯坏了", "垃圾没人清理", "电梯经常停运", "邻居占用公共走廊"]


class Bot:
    """`minyuan run` as a child process that can be killed and started again."""

    def __init__(self, config: Path, token: str, log: Path) -> None:
        self.command = [sys.executable, "-m", "bot", "--config", str(config), "run"]
        self.env = {**os.environ, "MINYUAN_BOT_TOKEN": token}
        self.log = log
        self.process: subprocess.Popen | None = None
        self.kills = 0

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env,
                                            stdout=subprocess.DEVNULL, stderr=log)

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
            self.kills += 1

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=60)


@contextlib.asynccontextmanager
async def running_office(residents: int):
    """An emulator, the bot as its own process and an office with ``residents`` residents.

    Yields ``(emu, bot, group, people, tmp)``; stops the bot and prints the ERROR lines of
    its log at the end.
    """
    from tgemu import BotApiEmulator

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        async with BotApiEmulator() as emu:
            config = bot_config(tmp, emu)
            code = cli(config, "invite", "--role", "admin", "--scope", "hongqi")
            bot = Bot(config, emu.token, tmp / "bot.log")
            bot.start()
            try:
                group, people = await open_office(emu, code, residents)
                yield emu, bot, group, people, tmp
            finally:
                bot.stop()
                errors = (tmp / "bot.log").read_text(errors="replace").count(" ERROR ")
                print(f"{'ERROR lines in the bot log':<34}{errors}")


async def chaos(args: argparse.Namespace) -> dict[str, float]:
    rng = random.Random(args.seed)
    async with running_office(args.residents) as (emu, bot, group, people, tmp):
        sent: dict[str, int] = {}  # token -> resident chat
        sending = asyncio.create_task(_send(emu, people, sent, args))
        kill_every = args.send_seconds / max(args.cycles, 1)
        while bot.kills < args.cycles:
            await asyncio.sleep(rng.uniform(0.3, 1.7) * kill_every)
            bot.kill()
            bot.start()
        await sending
        last_sent = time.perf_counter()
        drained_at = await _drain(emu, group, sent, args.drain_timeout)
        bot.stop()
        return _tally(emu, group, sent, tmp / "bench.db", bot.kills,
                      drain=(drained_at - last_sent) if drained_at else float("nan"))


async def _send(emu, people, sent: dict[str, int], args: argparse.Namespace) -> None:
    start = time.perf_counter()
    for i in range(args.messages):
        delay = start + i * args.send_seconds / args.messages - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        person = people[i % len(people)]
        token = f"{i:06d}"
        sent[token] = person.id
        emu.send_text(person, person.id, f"{(i % 10) + 1}号楼{TOPICS[i % len(TOPICS)]}，标记{token}")


def _cards(emu, group) -> Counter[str]:
    return Counter(m for message in emu.bot_messages(group.id) if message.text.startswith("📋")
                   for m in TOKEN.findall(message.text))


def _confirmations(emu, chat_id: int) -> int:
    return sum("已受理" in m.text for m in emu.bot_messages(chat_id))


async def _drain(emu, group, sent: dict[str, int], timeout: float) -> float | None:
    """Wait until every complaint has a card and every resident all confirmations."""
    per_resident = Counter(sent.values())
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        cards = _cards(emu, group)
        if all(token in cards for token in sent) and all(
                _confirmations(emu, chat) >= count for chat, count in per_resident.items()):
            return time.perf_counter()
        await asyncio.sleep(0.5)
    return None


def _tally(emu, group, sent: dict[str, int], db: Path, kills: int, *, drain: float) -> dict[str, float]:
    with sqlite3.connect(db) as connection:
        texts = [row[0] for row in connection.execute("SELECT text FROM petition")]
        inbox = dict(connection.execute("SELECT status, count(*) FROM inboxupdate GROUP BY status"))
    in_petitions = Counter(token for text in texts for token in set(TOKEN.findall(text)))
    cards = _cards(emu, group)
    per_resident = Counter(sent.values())
    confirmations = {chat: _confirmations(emu, chat) for chat in per_resident}
    return {
        "kills": kills,
        "complaints": len(sent),
        "petitions": len(texts),
        "lost": sum(1 for token in sent if in_petitions[token] == 0),
        "duplicated": sum(1 for token in sent if in_petitions[token] > 1),
        "unconfirmed residents": sum(1 for chat, n in per_resident.items() if confirmations[chat] < n),
        "duplicate confirmations": sum(max(0, confirmations[chat] - n) for chat, n in per_resident.items()),
        "missing cards": sum(1 for token in sent if cards[token] == 0),
        "duplicate cards": sum(max(0, cards[token] - 1) for token in sent),
        "inbox pending": inbox.get("pending", 0),
        "inbox parked": inbox.get("dead", 0),
        "drain after last message (s)": drain,
    }


def print_figures(result: dict, *, started: float) -> None:
    """One figure a line, then the wall time since ``started``."""
    for name, value in result.items():
        print(f"{name:<34}{value:.1f}" if isinstance(value, float) else f"{name:<34}{value}")
    print(f"{'wall time (s)':<34}{time.perf_counter() - started:.0f}")


def traffic_arguments(parser: argparse.ArgumentParser, *, messages: int, send_seconds: float,
                      drain_timeout: float, seed_for: str) -> None:
    """The residents' traffic both the chaos and the fault runs send, and its seed."""
    parser.add_argument("--messages", type=int, default=messages, help="complaints to send")
    parser.add_argument("--residents", type=int, default=200, help="distinct residents")
    parser.add_argument("--send-seconds", type=float, default=send_seconds,
                        help="spread the complaints over this")
    parser.add_argument("--drain-timeout", type=float, default=drain_timeout,
                        help="give up waiting after this")
    parser.add_argument("--seed", type=int, default=1, help=f"seed for {seed_for}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cycles", type=int, default=100, help="kill -9 and restart this often")
    traffic_arguments(parser, messages=2000, send_seconds=240, drain_timeout=300,
                      seed_for="the kill moments")
    args = parser.parse_args()
    started = time.perf_counter()
    result = asyncio.run(chaos(args))
    print_figures(result, started=started)


if __name__ == "__main__":
    main()
