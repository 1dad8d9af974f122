"""City scale in one run: issue 13's whole table re-measured, SQLite and PostgreSQL side by side.

One process runs, in order, the parts of the other benchmarks that the table needs, and
prints one Markdown table with growth exponents (log time ratio / log size ratio: 1 is
linear, 0 is flat):

- deadline sweep (bench_sweep.py): drain 100k open with ~1.2k steps due; an idle sweep over
  10k open with 0 and 100k closed (the ratio says whether closed history costs anything);
- weekly digest (bench_digest.py's histories from bench_desk.py, built once and kept under
  /tmp/minyuan-bench): one community and the street aggregate at 10k / 100k / 1M petitions,
  whole (with the chart) and, in brackets, without the chart, whose drawing does not depend
  on the history; the growth exponent is of the latter, from the last size but one;
- register export (bench_register.py): 10k and 50k rows, time and peak memory (forked child);
- reception (bench_reception.py): the bot as its own process at 100 petitions/s for 20 s,
  rate, p99 and CPU per petition; with rjieba (the default when installed) and with jieba;
  and two processes sharing the PostgreSQL database (webhook mode behind a round-robin proxy).

    python3 benchmarks/bench_scale.py [--databases sqlite,postgresql] [--digest-sizes 10000,100000,1000000]
                                      [--register-sizes 10000,50000] [--rate 100] [--seconds 20]
                                      [--parts sweep,digest,register,reception]

About 30-40 minutes on a loaded 2-core machine the first time (the 1M histories take most
of it), less once the histories are kept. Wall-clock timing is the point: a benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import math
import os
import sys
import time
import traceback
from argparse import Namespace
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HERE = Path(__file__).resolve().parent


def _module(name: str):
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def exponent(small: tuple[int, float], large: tuple[int, float]) -> float:
    (n1, t1), (n2, t2) = small, large
    return math.log(max(t2, 1e-9) / max(t1, 1e-9)) / math.log(n2 / n1)


# --- the parts ------------------------------------------------------------------------------
def sweep(databases: list[str], stack: ExitStack, *, open_count: int, closed: int) -> dict:
    bench = _module("bench_sweep")
    args = Namespace(open=open_count, due=max(10, open_count * 12 // 1000), idle_open=10_000, days=40,
                     repeat=5)
    trees = [("new", ROOT)]
    out: dict = {}
    for database in databases:
        rows: list = []
        dbs = bench.Databases(stack, database)
        bench.drain(dbs, database, args, trees, rows)
        bench.idle(dbs, database, args, trees, rows, [0, closed])
        (_, _, _, drain_s, drain_longest, _, steps), idle0, idle100 = rows
        out[database] = dict(drain=drain_s, longest=drain_longest, steps=steps,
                             idle0=idle0[3], idle100=idle100[3])
    return out


def digest(databases: list[str], sizes: str, stack: ExitStack, repeat: int = 3) -> dict:
    desk = _module("bench_desk")
    from bot.config import load_config
    from bot.wiring import build_deps, build_services
    from reception.clock import ManualClock
    from storage.db import make_engine

    out: dict = {}
    args = Namespace(databases=",".join(databases), sizes=sizes, pg_sizes=sizes)
    for database, size, url, tmp in desk.histories(stack, args):
        (tmp / "org.toml").write_text(desk.org_toml(), encoding="utf-8")
        config = load_config(ROOT / "config.toml")
        config = replace(config, reception=replace(config.reception, organisation=tmp / "org.toml"))
        engine = make_engine(url)
        digests = build_services(build_deps(config, clock=ManualClock(desk.NOW), engine=engine)).digests
        for kind, code in (("community", "c0x0"), ("street", "s0")):
            times, charts = [], []
            for _ in range(repeat):
                started = time.perf_counter()
                digests.weekly(scope_kind=kind, scope_code=code, out_dir=tmp)
                times.append(time.perf_counter() - started)
                # The chart (matplotlib) does not depend on the history's size: timed apart.
                drawn = digests._chart
                digests._chart = lambda *_, **__: None
                try:
                    started = time.perf_counter()
                    digests.weekly(scope_kind=kind, scope_code=code, out_dir=tmp)
                    charts.append(time.perf_counter() - started)
                finally:
                    digests._chart = drawn
            out[(database, kind, size)] = (min(times), min(charts))
            print(f"digest {database} {kind} {size:,}: {min(times):.2f} s, without the chart "
                  f"{min(charts):.2f} s", flush=True)
        engine.dispose()
    return out


def register(databases: list[str], sizes: list[int], stack: ExitStack) -> dict:
    bench = _module("bench_register")
    out: dict = {}
    for database in databases:
        if database == "postgresql" and bench._SERVER is None:
            from tests.reception.pg_server import postgres_server

            bench._SERVER = stack.enter_context(postgres_server())
        for size, seconds, peak, _ in bench.run(database, sizes, 0, stack):
            out[(database, size)] = (seconds, peak)
    return out


def reception(databases: list[str], rate: float, seconds: float, stack: ExitStack) -> dict:
    bench = _module("bench_reception")
    out: dict = {}
    server = None
    for segmenter in ("rjieba", "jieba"):
        os.environ["MINYUAN_SEGMENTER"] = segmenter
        for database in databases:
            url = None
            if database == "postgresql":
                if server is None:
                    from tests.reception.pg_server import postgres_server

                    server = stack.enter_context(postgres_server(durable=True))
                url = stack.enter_context(server.database())
            result = asyncio.run(bench.load(rate, seconds, 200, url))
            out[(database, segmenter)] = result
            print(f"reception {database} {segmenter}: {result['throughput']:.1f}/s, "
                  f"p99 {result['p99_ms']:.1f} ms, CPU {result['cpu_ms']:.1f} ms/petition", flush=True)
    os.environ.pop("MINYUAN_SEGMENTER", None)
    if server is not None:  # two bot processes sharing the database, behind a webhook proxy
        result = asyncio.run(bench.load(rate, seconds, 200, stack.enter_context(server.database()), 2))
        out[("postgresql-x2", "rjieba")] = result
        print(f"reception postgresql, two processes: {result['throughput']:.1f}/s, "
              f"p99 {result['p99_ms']:.1f} ms, CPU {result['cpu_ms']:.1f} ms/petition", flush=True)
    return out


# --- the table ------------------------------------------------------------------------------
def table(databases: list[str], results: dict, args) -> list[str]:
    head = "| what | size | " + " | ".join(databases) + " | growth | goal |"
    lines = [head, "|" + " --- |" * (len(databases) + 4)]

    def row(what: str, size: str, cells: list[str], growth: str, goal: str) -> None:
        lines.append(f"| {what} | {size} | " + " | ".join(cells) + f" | {growth} | {goal} |")

    if "sweep" in results:
        s = results["sweep"]
        row("deadline sweep: drain (longest call)",
            f"{args.sweep_open // 1000}k open, {s[databases[0]]['steps']:,} steps due",
            [f"{s[d]['drain']:.2f} s ({s[d]['longest']:.2f} s)" for d in databases], "", "< 1 s")
        row("sweep, nothing due", f"10k open + 0 / {args.idle_closed // 1000}k closed",
            [f"{s[d]['idle0'] * 1000:.1f} / {s[d]['idle100'] * 1000:.1f} ms" for d in databases],
            "x" + " / x".join(f"{s[d]['idle100'] / s[d]['idle0']:.2f}" for d in databases),
            "independent of closed history")
    if "digest" in results:
        g = results["digest"]
        sizes = [int(n) for n in args.digest_sizes.split(",")]
        for kind in ("community", "street"):
            label = "weekly digest, one community" if kind == "community" else "street aggregate"
            for size in sizes:
                cells = [f"{g[(d, kind, size)][0]:.2f} s ({g[(d, kind, size)][1]:.2f} s)"
                         if (d, kind, size) in g else "—" for d in databases]
                growth = ""
                if size == sizes[-1] and len(sizes) > 1:
                    growth = " / ".join(
                        f"{exponent((sizes[-2], g[(d, kind, sizes[-2])][1]), (size, g[(d, kind, size)][1])):.2f}"
                        for d in databases if (d, kind, size) in g)
                row(label, f"{size:,} petitions", cells, growth, "< 5 s at 1M" if size == sizes[-1] else "")
    if "register" in results:
        r = results["register"]
        sizes = [int(n) for n in args.register_sizes.split(",")]
        for size in sizes:
            cells = [f"{r[(d, size)][0]:.2f} s, +{r[(d, size)][1]:.0f} MB" for d in databases]
            growth = ""
            if size == sizes[-1] and len(sizes) > 1:
                growth = " / ".join(
                    f"time {exponent((sizes[-2], r[(d, sizes[-2])][0]), (size, r[(d, size)][0])):.2f}, "
                    f"memory {exponent((sizes[-2], max(r[(d, sizes[-2])][1], 1)), (size, max(r[(d, size)][1], 1))):.2f}"
                    for d in databases)
            row("register export (xlsx + CSV)", f"{size:,} rows", cells, growth,
                "50k < 20 s, memory bounded" if size == sizes[-1] else "")
    if "reception" in results:
        c = results["reception"]
        for segmenter in ("rjieba", "jieba"):
            cells = [f"{c[(d, segmenter)]['throughput']:.1f}/s, p99 {c[(d, segmenter)]['p99_ms']:.0f} ms, "
                     f"{c[(d, segmenter)]['cpu_ms']:.1f} ms CPU" for d in databases]
            row(f"reception, one process ({segmenter})", f"{args.rate:.0f}/s for {args.seconds:.0f} s", cells, "",
                "100/s, p99 < 100 ms, ≤ 8 ms CPU" if segmenter == "rjieba" else "")
        two = c.get(("postgresql-x2", "rjieba"))
        if two is not None:
            cells = [f"{two['throughput']:.1f}/s, p99 {two['p99_ms']:.0f} ms, {two['cpu_ms']:.1f} ms CPU"
                     if d == "postgresql" else "—" for d in databases]
            row("reception, two processes, one PostgreSQL", f"{args.rate:.0f}/s for {args.seconds:.0f} s",
                cells, "", "")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--sweep-open", type=int, default=100_000, help="open petitions to drain")
    parser.add_argument("--idle-closed", type=int, default=100_000, help="closed history of the idle sweep")
    parser.add_argument("--digest-sizes", default="10000,100000,1000000")
    parser.add_argument("--register-sizes", default="10000,50000")
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--parts", default="sweep,digest,register,reception")
    args = parser.parse_args()
    os.environ.setdefault("MINYUAN_LOG_LEVEL", "WARNING")
    databases = args.databases.split(",")
    parts = args.parts.split(",")
    results: dict = {}
    started = time.perf_counter()
    runs = {
        "sweep": lambda stack: sweep(databases, stack, open_count=args.sweep_open, closed=args.idle_closed),
        "digest": lambda stack: digest(databases, args.digest_sizes, stack),
        "register": lambda stack: register(databases, [int(n) for n in args.register_sizes.split(",")],
                                           stack),
        "reception": lambda stack: reception(databases, args.rate, args.seconds, stack),
    }
    for part in parts:
        # Each part cleans up after itself (its servers and scratch folders) before the next,
        # and one that fails leaves the others' figures standing.
        try:
            with ExitStack() as stack:
                results[part] = runs[part](stack)
        except Exception:
            traceback.print_exc()
            print(f"{part}: failed, left out of the table", flush=True)
    print(f"\n{' '.join(sys.argv)}  ({(time.perf_counter() - started) / 60:.0f} min)\n")
    print("\n".join(table(databases, results, args)))


if __name__ == "__main__":
    main()
