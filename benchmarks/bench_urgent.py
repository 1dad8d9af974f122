"""Repeat-alert benchmark: what looking for unclaimed urgent petitions adds to each sweep.

Every sweep (once a minute) also calls ``repeat_alerts`` (reception.handling.emergency): it
reads the urgent petitions received in the last 24 hours that nobody has claimed, and their
alert events. On bench_sweep's synthetic office (10k open petitions over 12 days, 3% urgent,
30% unclaimed) with 0 / 100k / 300k closed ones, on SQLite and PostgreSQL side by side, this
times one ``repeat_alerts`` call next to one idle ladder sweep (median of ``--repeat``): the
added cost should be a small share of the sweep and not grow with the closed history.

    python benchmarks/bench_urgent.py [--idle-open 10000] [--closed 0,100000,300000]
                                      [--databases sqlite,postgresql] [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sweep import T0, Databases, build


def measure(url: str, repeat: int) -> tuple[float, float, int]:
    import logging

    logging.disable(logging.CRITICAL)
    from reception.clock import ManualClock
    from reception.handling.access import Access
    from reception.handling.emergency import repeat_alerts
    from reception.supervision.escalation import Escalation
    from tests.domain import make_deps

    deps = make_deps(url, ManualClock(T0))
    escalation = Escalation(deps, Access(deps))
    escalation.sweep()  # whatever is due at T0, so the timed sweeps are idle ones
    alerts, sweeps, repeated = [], [], 0
    for _ in range(repeat):
        began = time.perf_counter()
        repeated += repeat_alerts(deps)
        alerts.append(time.perf_counter() - began)
        began = time.perf_counter()
        report = escalation.sweep_batch()
        while report.resume is not None:
            report = escalation.sweep_batch(report.resume)
        sweeps.append(time.perf_counter() - began)
    deps.engine.dispose()
    return statistics.median(alerts), statistics.median(sweeps), repeated


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle-open", type=int, default=10_000)
    parser.add_argument("--closed", default="0,100000,300000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(f"{'database':10} {'closed':>8} {'repeat_alerts':>14} {'idle sweep':>11} {'share':>7}")
    with ExitStack() as stack:
        for database in args.databases.split(","):
            dbs = Databases(stack, database)
            for closed in (int(n) for n in args.closed.split(",")):
                url = dbs.fresh(f"urgent_{closed}")
                build(url, open_count=args.idle_open, closed_count=closed, days=12)
                alerts, sweep, _ = measure(url, args.repeat)
                print(f"{database:10} {closed:8d} {alerts * 1000:11.2f} ms {sweep * 1000:8.2f} ms "
                      f"{alerts / sweep:7.0%}", flush=True)


if __name__ == "__main__":
    main()
