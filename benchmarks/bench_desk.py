"""Supervisors' desk benchmark: the overview and filtered lists over a large history.

Builds a synthetic but schema-true district (3 streets, 24 communities, 72 grids) whose
petitions span two years up to "now": old ones closed, resolved, rejected or merged, the
last weeks with open, overdue and rated ones, residents' text with phones. Then serves the
real desk (web.app.desk_app over bot.wiring's services) on a loopback port and times HTTP
GETs as a signed-in viewer would make them: the overview and the petition list with the
filters a supervisor uses (open, overdue, a category, a grid, a date range, page 20, and a
full-text search), for a district supervisor (every community) and a community's staff.
Each figure is the 95th percentile of ``--repeat`` requests (and the median), at every size,
on SQLite and on PostgreSQL (a private Debian cluster with its durable defaults).

    python benchmarks/bench_desk.py [--sizes 10000,100000] [--pg-sizes 100000,1000000]
                                    [--repeat 30] [--databases sqlite,postgresql]
                                    [--cache /tmp/minyuan-bench-desk]

Histories are built once and kept in ``--cache`` (benchmarks/history_cache.py: SQLite
files, and one PostgreSQL cluster with a database per size), keyed by size and a fingerprint
of the generator, the models and the migrations; ``--cache ''`` builds afresh in a scratch
folder and deletes it.

The goal (issue 14): under 200 ms at the 95th percentile over 1,000,000 petitions on
PostgreSQL and 100,000 on SQLite. Wall-clock timing is the point, so this is a benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, a Thursday
STREETS, COMMUNITIES_PER_STREET, GRIDS = 3, 8, 3
CATEGORIES = ("物业管理", "噪音扰民", "水电气暖", "环境卫生", "停车交通", "房屋维修", "邻里纠纷", "养老助残")
TEXTS = ("{b}号楼{u}单元楼道灯坏了一个星期，晚上很黑，电话138{p:08d}",
         "小区门口垃圾堆了三天没人清理，味道很大",
         "楼上装修每天早上七点就开始电钻，影响休息，{b}号楼",
         "楼下饭店油烟直排进我家窗户，联系人王建国",
         "暖气不热，室温只有十四度，家里有老人，{b}号楼{u}单元",
         "车位被外来车辆长期占用，物业不管")
CLOSED = ("closed", "resolved", "rejected", "merged", "cancelled")
OPEN = ("submitted", "claimed", "waiting", "reopened")


def org_toml() -> str:
    lines = ['[districts.heping]\nname = "和平区"\n']
    for s in range(STREETS):
        lines.append(f'[streets.s{s}]\nname = "第{s + 1}街道"\ndistrict = "heping"\n')
        for c in range(COMMUNITIES_PER_STREET):
            code = f"c{s}x{c}"
            lines.append(f'[communities.{code}]\nname = "第{s + 1}街道{c + 1}号社区"\nstreet = "s{s}"\n'
                         f'address = "幸福路{c + 1}号"\n')
            for g in range(GRIDS):
                buildings = ", ".join(f'"{b}"' for b in range(g * 10 + 1, g * 10 + 11))
                lines.append(f'[communities.{code}.grids.g{g}]\nname = "第{g + 1}网格"\n'
                             f'buildings = [{buildings}]\n')
    return "\n".join(lines)


def communities() -> list[tuple[str, str]]:
    return [(f"c{s}x{c}", f"s{s}") for s in range(STREETS) for c in range(COMMUNITIES_PER_STREET)]


# Petitions made one by one in Python; a larger history repeats them. On a loaded 2-core
# machine PostgreSQL takes in about 100 generated petitions a second.
GENERATED_MAX = 10_000


def build_history(engine, size: int, seed: int = 11) -> None:
    """``size`` petitions over the two years before NOW, with staff to sign in as.

    Up to GENERATED_MAX petitions are generated; beyond that the database copies them
    (INSERT … SELECT, a new number each) until ``size``: the same two years and mix, as
    many times denser, in minutes instead of hours on a 2-core machine.
    """
    generated = min(size, GENERATED_MAX)
    _generate(engine, generated, seed)
    copy = 1
    while generated < size:
        _copy_petitions(engine, copy=copy, count=min(GENERATED_MAX, size - generated))
        generated += min(GENERATED_MAX, size - generated)
        copy += 1
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            # The rows went in at random ages; an office's go in as they come, so its recent
            # weeks sit together at the end of the table. CLUSTER lays them out so.
            connection.exec_driver_sql("SET maintenance_work_mem = '256MB'")
            connection.exec_driver_sql("CLUSTER petition USING ix_petition_created_at")


def _copy_petitions(engine, *, copy: int, count: int) -> None:
    from sqlalchemy import insert, literal, select

    from storage.db import transaction
    from storage.models import Petition
    from storage.tables import table_of

    table = table_of(Petition)
    columns = [c for c in table.c if c.name != "id"]
    chosen = [(c + literal(f"-{copy}")).label("number") if c.name == "number" else c for c in columns]
    source = select(*chosen).where(table.c.id <= GENERATED_MAX).order_by(table.c.id).limit(count)
    with transaction(engine) as session:
        session.execute(insert(table).from_select([c.name for c in columns], source))


def _generate(engine, size: int, seed: int) -> None:
    from sqlalchemy import insert

    from storage.db import transaction
    from storage.models import Resident, Staff

    rng = random.Random(seed)
    places = communities()
    with transaction(engine) as session:
        session.execute(insert(Staff), [
            dict(tg_user_id=900_001, name="区督办员", role="supervisor", scope_kind="district",
                 scope_code="heping", active=True, joined_at=NOW - timedelta(days=800)),
            dict(tg_user_id=900_002, name="张网格员", role="staff", scope_kind="community",
                 scope_code="c0x0", active=True, joined_at=NOW - timedelta(days=800)),
        ] + [dict(tg_user_id=900_100 + i, name=f"经办人{i}", role="staff", scope_kind="community",
                  scope_code=places[i % len(places)][0], active=True,
                  joined_at=NOW - timedelta(days=800)) for i in range(48)])
        session.execute(insert(Resident), [dict(
            tg_user_id=100_000 + i, name=f"居民{i}", phone=f"139{i:08d}",
            community_code=places[i % len(places)][0], created_at=NOW - timedelta(days=800))
            for i in range(1, 5001)])
    with bulk_load(engine):
        _petitions(engine, rng, size, places)


@contextmanager
def bulk_load(engine) -> Iterator[None]:
    """On PostgreSQL, petition's secondary indexes are dropped while the rows go in and made
    again afterwards: one CREATE INDEX (the trigram GIN above all) is many times faster than
    a million inserts into it. The indexes are the same, only built in one go."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.begin() as connection:
        indexes = connection.exec_driver_sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'petition' AND indexname "
            "NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'petition'::regclass)").all()
        for name, _ in indexes:
            connection.exec_driver_sql(f'DROP INDEX "{name}"')
    yield
    with engine.begin() as connection:
        connection.exec_driver_sql("SET maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            connection.exec_driver_sql(definition)


def _petitions(engine, rng: random.Random, size: int, places: list[tuple[str, str]]) -> None:
    from reception.petition.searchable import searchable
    from storage.models import Petition

    span = timedelta(days=730).total_seconds()
    batch: list[dict] = []
    for i in range(1, size + 1):
        # Newer petitions are denser (offices grow): created = NOW - span * u^1.5.
        age = timedelta(seconds=span * rng.random() ** 1.5)
        created = NOW - age
        recent = age < timedelta(days=21)
        status = rng.choice(OPEN + CLOSED) if recent else rng.choice(CLOSED + ("closed",) * 4)
        community, street = places[rng.randrange(len(places))]
        done = status in ("resolved", "closed")
        claimed = status != "submitted"
        respond_due = created + timedelta(hours=24)
        resolve_due = created + timedelta(days=5)
        building, unit = rng.randint(1, 30), rng.randint(1, 4)
        number, text = f"MY-{created:%Y%m%d}-{i:07d}", rng.choice(TEXTS).format(b=building, u=unit, p=i % 10**8)
        batch.append(dict(
            number=number, channel="telegram", status=status, search_text=searchable(number, text),
            community_code=community, street_code=street, grid_code=f"g{(building - 1) // 10}",
            resident_id=rng.randint(1, 5000), category=rng.choice(CATEGORIES),
            keywords=[], tokens=[], urgent_words=[], urgent=rng.random() < 0.02,
            building=str(building), unit=str(unit),
            text=text,
            created_at=created, last_message_at=created, resolve_started_at=created,
            respond_due=respond_due, resolve_due=resolve_due,
            handler_staff_id=rng.randint(3, 50) if claimed else None,
            first_response_at=created + timedelta(hours=rng.choice((1, 3, 30))) if claimed else None,
            resolved_at=created + timedelta(days=rng.choice((1, 3, 7))) if done else None,
            closed_at=created + timedelta(days=8) if status in CLOSED else None,
            result="已处理并回访居民" if done else None,
            reject_reason="不属于本社区受理范围" if status == "rejected" else None,
            merged_into_id=rng.randint(1, i - 1) if status == "merged" and i > 1 else None,
            overdue=recent and status in OPEN and rng.random() < 0.3,
            rating=rng.choice(("satisfied", "satisfied", "basic", "unsatisfied", None)) if done else None,
            rated_at=created + timedelta(days=4) if done else None,
        ))
        if len(batch) == 10_000:
            _insert(engine, Petition, batch)
            batch = []
    if batch:
        _insert(engine, Petition, batch)


def _insert(engine, table, rows) -> None:
    from sqlalchemy import insert

    from storage.db import transaction

    if engine.dialect.name == "postgresql":
        _copy(engine, table, rows)
        return
    with transaction(engine) as session:
        session.execute(insert(table), rows)


def _copy(engine, table, rows) -> None:
    """PostgreSQL's COPY, many times faster than INSERTs for a million rows; values as the
    column types store them (naive UTC instants, JSON text)."""
    import json

    from storage.tables import table_of

    columns = list(rows[0])
    defaults = {}  # what an INSERT would have added: the models' Python-side defaults
    for column in table_of(table).c:
        if column.name not in columns and column.default is not None:
            arg = column.default.arg  # type: ignore[attr-defined]
            defaults[column.name] = arg(None) if callable(arg) else arg
    names = columns + list(defaults)
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor, cursor.copy(
                f"COPY {table.__tablename__} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([_stored(row[c], json) for c in columns]
                               + [_stored(v, json) for v in defaults.values()])
        raw.commit()
    finally:
        raw.close()


def _stored(value, json):
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    return value


QUERIES = (
    ("overview", "/"),
    ("list: open", "/petitions?status=open"),
    ("list: overdue", "/petitions?overdue=1"),
    ("list: category, open", "/petitions?status=open&category=%E6%B0%B4%E7%94%B5%E6%B0%94%E6%9A%96"),
    ("list: a grid", "/petitions?grid=c0x0:g1"),
    ("list: last month", "/petitions?from=2026-11-01&to=2026-11-30"),
    ("list: all, page 20", "/petitions?page=20"),
    ("list: search 楼道灯", "search:楼道灯"),  # three characters: the trigram index (1 in 6 match)
    ("list: search 垃圾", "search:垃圾"),  # two: no trigram, a scan of the scope
    ("list: search a number", "search:MY-20261201-0999999"),  # a number pasted whole
)


async def measure(url: str, repeat: int, tmp: Path) -> dict[tuple[str, str], tuple[float, float]]:
    """(viewer, query) -> (p50 ms, p95 ms), through HTTP against the real desk."""
    import aiohttp
    from aiohttp import web as aioweb

    from bot.config import load_config
    from bot.wiring import build_deps, build_services
    from reception.clock import ManualClock
    from storage.db import make_engine
    from web.app import SESSION_COOKIE, desk_app

    (tmp / "org.toml").write_text(org_toml(), encoding="utf-8")
    config = load_config(ROOT / "config.toml")
    config = replace(config, reception=replace(config.reception, organisation=tmp / "org.toml"))
    engine = make_engine(url)
    services = build_services(build_deps(config, clock=ManualClock(NOW), engine=engine))
    app = desk_app(services, bot_token=None, public_url="http://127.0.0.1")
    runner = aioweb.AppRunner(app, access_log=None)
    await runner.setup()
    site = aioweb.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # the port the OS picked
    results: dict[tuple[str, str], tuple[float, float]] = {}
    try:
        for viewer, tg_user_id in (("district", 900_001), ("community", 900_002)):
            signed = services.signin.redeem_link(token=services.signin.issue_link(tg_user_id=tg_user_id))
            async with aiohttp.ClientSession(f"http://127.0.0.1:{port}",
                                             cookies={SESSION_COOKIE: signed.token}) as client:
                for label, path in QUERIES:
                    if path.startswith("search:"):
                        async with client.post("/petitions", data={"csrf": signed.csrf, "q": path[7:]},
                                               allow_redirects=False) as answer:
                            assert answer.status == 303, answer.status
                        path = "/petitions"
                    times = []
                    for _ in range(repeat + 2):
                        started = time.perf_counter()
                        async with client.get(path, allow_redirects=False) as answer:
                            await answer.read()
                            assert answer.status == 200, (path, answer.status)
                        times.append((time.perf_counter() - started) * 1000)
                    times = sorted(times[2:])  # the first two warm caches
                    results[(viewer, label)] = (statistics.median(times),
                                                times[max(0, int(len(times) * 0.95) - 1)])
    finally:
        await runner.cleanup()
        engine.dispose()
    return results


def histories(stack: ExitStack, args: argparse.Namespace) -> Iterator[tuple[str, int, str, Path]]:
    """(database, size, url, a scratch folder) for each history ``args`` asks for.

    ``args`` carries ``databases``, ``sizes`` (SQLite) and ``pg_sizes`` (PostgreSQL). The
    histories are built once and kept (benchmarks/history_cache.py: a SQLite file, and a
    database in a private cluster with its durable defaults, under /tmp/minyuan-bench).
    """
    sys.path.insert(0, str(Path(__file__).parent))
    import history_cache
    from history_cache import kept_cluster, sqlite_history

    if getattr(args, "cache", None) is not None:  # --cache: that folder; '' builds afresh
        history_cache.CACHE = (Path(args.cache) if args.cache
                               else Path(stack.enter_context(tempfile.TemporaryDirectory())))

    cluster = None
    shaped_by = (build_history, _generate, _copy_petitions, _insert)
    for database in args.databases.split(","):
        sizes = args.sizes if database == "sqlite" else args.pg_sizes
        for size in (int(s) for s in sizes.split(",") if s):
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            if database == "sqlite":
                url = sqlite_history(f"district-g{GENERATED_MAX}", size, *shaped_by)
            else:
                if cluster is None:
                    cluster = stack.enter_context(kept_cluster())
                url = cluster.history(f"district_g{GENERATED_MAX}", size, *shaped_by)
            yield database, size, url, tmp


def main() -> None:
    import signal

    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop the kept server on kill too
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="SQLite history sizes")
    parser.add_argument("--pg-sizes", default="100000,1000000", help="PostgreSQL history sizes")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--cache", default="/tmp/minyuan-bench-desk",
                        help="folder keeping built histories ('' for none)")
    args = parser.parse_args()
    os.environ.setdefault("MINYUAN_LOG_LEVEL", "WARNING")
    columns: list[tuple[str, int, dict]] = []
    with ExitStack() as stack:
        for database, size, url, tmp in histories(stack, args):
            columns.append((database, size, asyncio.run(measure(url, args.repeat, tmp))))
            _table(columns[-1:], args.repeat)  # each history as soon as it is measured
    if len(columns) > 1:
        _table(columns, args.repeat)


def _table(columns: list[tuple[str, int, dict]], repeat: int) -> None:
    print(f"\np95 (p50) in ms over {repeat} requests; goal: p95 < 200 ms")
    header = "".join(f"{f'{db} {size:,}':>24}" for db, size, _ in columns)
    for viewer in ("district", "community"):
        print(f"\n{viewer + ' viewer':<26}{header}")
        for label, _ in QUERIES:
            cells = "".join(f"{f'{r[(viewer, label)][1]:.0f} ({r[(viewer, label)][0]:.0f})':>24}"
                            for _, _, r in columns)
            print(f"{label:<26}{cells}", flush=True)

if __name__ == "__main__":
    main()
