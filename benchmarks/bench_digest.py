"""Weekly digest benchmark: one community, a street and the whole district over a large history.

Builds the synthetic district of bench_desk.py (3 streets, 24 communities, two years of
petitions up to "now"), then times ``Digests.weekly`` (rates, breakdowns by grid, category,
staff and community, hot topics, recurring clusters and the chart) for a community, a street
and the district, on SQLite and on PostgreSQL (a private Debian cluster, durable defaults).
Side by side in the same run: the digest read as it was before, full ORM petition objects
(every column) instead of the digest's columns as plain rows.

    python benchmarks/bench_digest.py [--sizes 100000] [--pg-sizes 100000,1000000]
                                      [--repeat 3] [--databases sqlite,postgresql]

The goal (issue 13): under 5 s for one community over 1,000,000 petitions, the street
aggregate too. Wall-clock timing is the point, so this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _desk_bench():
    spec = importlib.util.spec_from_file_location("bench_desk", Path(__file__).with_name("bench_desk.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextmanager
def orm_objects():
    """The digest's query as it was: whole Petition objects."""
    from sqlmodel import col, select

    from storage import reports
    from storage.models import Petition

    def petitions_received(session, *, since, until, communities=None):
        query = select(Petition).where(col(Petition.created_at) >= since, col(Petition.created_at) < until)
        if communities is not None:
            query = query.where(col(Petition.community_code).in_(list(communities)))
        return list(session.exec(query.order_by(col(Petition.created_at), col(Petition.id))))

    shipped, reports.petitions_received = reports.petitions_received, petitions_received
    try:
        yield
    finally:
        reports.petitions_received = shipped


def measure(url: str, repeat: int, tmp: Path, desk) -> dict[tuple[str, str], float]:
    from bot.config import load_config
    from bot.wiring import build_deps, build_services
    from reception.clock import ManualClock
    from storage.db import make_engine

    (tmp / "org.toml").write_text(desk.org_toml(), encoding="utf-8")
    config = load_config(ROOT / "config.toml")
    config = replace(config, reception=replace(config.reception, organisation=tmp / "org.toml"))
    engine = make_engine(url)
    digests = build_services(build_deps(config, clock=ManualClock(desk.NOW), engine=engine)).digests
    scopes = (("community", "c0x0"), ("street", "s0"), ("district", "heping"))
    results: dict[tuple[str, str], float] = {}
    for variant in ("columns", "orm"):
        for kind, code in scopes:
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                if variant == "orm":
                    with orm_objects():
                        digests.weekly(scope_kind=kind, scope_code=code, out_dir=tmp)
                else:
                    digests.weekly(scope_kind=kind, scope_code=code, out_dir=tmp)
                times.append(time.perf_counter() - started)
            results[(variant, kind)] = min(times)
    engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000", help="SQLite history sizes")
    parser.add_argument("--pg-sizes", default="100000,1000000", help="PostgreSQL history sizes")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (the best is shown)")
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    os.environ.setdefault("MINYUAN_LOG_LEVEL", "WARNING")
    desk = _desk_bench()
    columns = []
    with ExitStack() as stack:
        for database, size, url, tmp in desk.histories(stack, args):
            columns.append((database, size, measure(url, args.repeat, tmp, desk)))
    print(f"\nseconds for one weekly digest (best of {args.repeat}): digest's columns | whole ORM objects")
    print(f"{'scope':<12}" + "".join(f"{f'{db} {size:,}':>26}" for db, size, _ in columns))
    for kind in ("community", "street", "district"):
        cells = "".join(f"{_pair(r, kind):>26}" for _, _, r in columns)
        print(f"{kind:<12}{cells}")


def _pair(results: dict[tuple[str, str], float], kind: str) -> str:
    return f"{results[('columns', kind)]:.2f} | {results[('orm', kind)]:.2f}"


if __name__ == "__main__":
    main()
