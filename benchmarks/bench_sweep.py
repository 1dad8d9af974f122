"""Deadline sweep benchmark: the time to take what is due, and to find that nothing is.

Generates a synthetic but schema-true office (two communities of one street, staff, one
group per community, street and district) whose petitions have deadlines and reminder
instants from the real calculator, and whose ladder steps are those a sweep running all
along would have left at ``T0``. Then, on SQLite and PostgreSQL side by side:

(a) drain: 100k open petitions; at ``T1`` a little after ``T0`` about 1.2k steps fall due.
    Time until a sweep has taken them all, and the longest single call, i.e. the longest the
    database thread is held (SQLite has only that one thread).
(b) idle: 10k open petitions with nothing due, and 0 / 100k / 300k closed ones. Time of one
    sweep (median of several); it must not grow with the closed history.

``--trees`` compares code: each tree's ``Escalation`` runs in a child process (its own
``PYTHONPATH``) over a fresh copy of the same data, e.g. ``--trees new=.,main=/work/main``.
A tree without ``sweep_batch`` (main before this change) is timed by calling ``sweep()``
until it takes nothing more; one such call is one hold of the database thread.

    python benchmarks/bench_sweep.py [--open 100000] [--due 1200] [--idle-open 10000]
                                     [--closed 0,100000,300000] [--databases sqlite,postgresql]
                                     [--trees new=.] [--repeat 5]

PostgreSQL is a private server with its durable defaults (fsync on), as an office would run
it. Wall-clock timing is the point here, so this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if "--child" not in sys.argv:  # a child runs the code its PYTHONPATH names
    sys.path.insert(0, str(ROOT))

T0 = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Beijing
COMMUNITIES = ("hongqi", "qingnian")
GROUPS = {"hongqi": -100_1001, "qingnian": -100_1002}
STREET_GROUP, DISTRICT_GROUP = -100_2001, -100_3001
CATEGORIES = ("物业管理", "水电气暖", "环境卫生", "噪音扰民", "停车交通")
OPEN_STATUSES = (("submitted", 0.3), ("claimed", 0.55), ("waiting", 0.05), ("reopened", 0.1))
CLOSED_STATUSES = ("closed", "resolved", "rejected", "merged", "cancelled")
TEXT = "3号楼2单元楼道灯坏了一个星期，晚上很黑"


# --- the data ----------------------------------------------------------------------------
class Deadlines:
    """Deadlines and reminder instants from the real calculator, cached by the minute."""

    def __init__(self) -> None:
        from reception.deadlines.calculator import DeadlineCalculator, DeadlinePolicy
        from reception.deadlines.workdays import WorkCalendar
        from reception.deps import Settings

        self.calc = DeadlineCalculator(policy=DeadlinePolicy.default(), calendar=WorkCalendar())
        self.settings = Settings()
        self._cache: dict[tuple, tuple] = {}

    def of(self, start: datetime, *, urgent: bool, category: str) -> tuple:
        """(respond_due, resolve_due, respond_remind_at, resolve_remind_at)."""
        key = (start, urgent, category)
        if key not in self._cache:
            limits = self.calc.policy.limits_for(urgent=urgent, complex=False, category=category)
            share = self.settings.reminder_share
            respond = self.calc.due(start, limits.respond)
            resolve = self.calc.due(start, limits.resolve)
            self._cache[key] = (
                respond, resolve,
                self.calc.reminder_at(start=start, due=respond, limit=limits.respond, share=share),
                self.calc.reminder_at(start=start, due=resolve, limit=limits.resolve, share=share),
            )
        return self._cache[key]


def steps_at(step: int, due: datetime, remind_at: datetime | None, now: datetime,
             delay: timedelta) -> tuple[int, int]:
    """(the step a sweep at ``now`` leaves a clock at, the steps it takes on the way)."""
    from reception.deadlines.ladder import next_step

    taken = 0
    while (target := next_step(step=step, due=due, remind_at=remind_at, now=now,
                               delay=delay)) is not None:
        step, taken = int(target), taken + 1
    return step, taken


def open_rows(count: int, rng: random.Random, deadlines: Deadlines, *, days: float) -> list[dict]:
    """Open petitions received over the ``days`` before T0, their ladders as of T0."""
    statuses = [s for s, _ in OPEN_STATUSES]
    weights = [w for _, w in OPEN_STATUSES]
    delay = deadlines.settings.second_escalation
    rows = []
    for n in range(count):
        created = T0 - timedelta(minutes=rng.randrange(1, int(days * 24 * 60)))
        status = rng.choices(statuses, weights)[0]
        urgent = rng.random() < 0.03
        category = rng.choice(CATEGORIES)
        respond_due, resolve_due, respond_remind, resolve_remind = deadlines.of(
            created, urgent=urgent, category=category)
        answered = status != "submitted" and rng.random() < 0.9
        row = base_row(n, rng, created, status, category, urgent, open_=True)
        row.update(
            respond_due=respond_due, resolve_due=resolve_due, respond_remind_at=respond_remind,
            resolve_remind_at=resolve_remind,
            first_response_at=created + timedelta(hours=1) if answered else None,
            paused_at=T0 - timedelta(hours=2) if status == "waiting" else None,
        )
        respond_step = 0
        if not answered:  # the respond clock ran until T0 (a paused one stopped earlier: fine)
            respond_step, _ = steps_at(0, respond_due, respond_remind, T0, delay)
        resolve_step, _ = steps_at(0, resolve_due, resolve_remind, T0, delay)
        row.update(respond_step=respond_step, resolve_step=resolve_step,
                   overdue=respond_step >= 2 or resolve_step >= 2)
        rows.append(row)
    return rows


def closed_rows(count: int, rng: random.Random, deadlines: Deadlines, *, first: int) -> list[dict]:
    """A year of history before the open petitions: every petition closed one way or another."""
    rows = []
    for n in range(first, first + count):
        created = T0 - timedelta(days=30) - timedelta(minutes=rng.randrange(1, 365 * 24 * 60))
        category = rng.choice(CATEGORIES)
        urgent = rng.random() < 0.03
        respond_due, resolve_due, respond_remind, resolve_remind = deadlines.of(
            created, urgent=urgent, category=category)
        row = base_row(n, rng, created, rng.choice(CLOSED_STATUSES), category, urgent,
                       open_=False)
        late = rng.random() < 0.2
        row.update(
            respond_due=respond_due, resolve_due=resolve_due, respond_remind_at=respond_remind,
            resolve_remind_at=resolve_remind, first_response_at=created + timedelta(hours=3),
            resolved_at=created + timedelta(days=3), closed_at=created + timedelta(days=5),
            respond_step=0, resolve_step=rng.choice((2, 3)) if late else rng.choice((0, 1)),
            overdue=late,
        )
        rows.append(row)
    return rows


def base_row(n: int, rng: random.Random, created: datetime, status: str, category: str,
             urgent: bool, *, open_: bool) -> dict:
    community = COMMUNITIES[n % 2]
    return dict(
        number=f"MY-{created:%Y%m%d}-{n:07d}", channel="telegram", status=status,
        community_code=community, street_code="xinhua", grid_code="g1", resident_id=None,
        category=category, confidence=0.9, keywords=[category], tokens=[], urgent=urgent,
        urgent_words=[], complex=False, triage=False, building=str(rng.randint(1, 5)),
        unit="2", room="501", text=TEXT, group_chat_id=GROUPS[community],
        handler_staff_id=(n % 20) + 1 if status != "submitted" else None,
        created_at=created, last_message_at=created, resolve_started_at=created,
        first_response_at=None, resolved_at=None, closed_at=None, paused_at=None,
        version=1 if open_ else 4,
    )


def build(url: str, *, open_count: int, closed_count: int, days: float, seed: int = 7) -> None:
    """A fresh database at ``url``: the office, ``closed_count`` closed and ``open_count`` open
    petitions, statistics gathered."""
    from sqlalchemy import insert, text

    from storage.db import create_schema, make_engine, transaction
    from storage.models import Petition, Staff, StaffGroup

    rng = random.Random(seed)
    deadlines = Deadlines()
    engine = make_engine(url)
    create_schema(engine)
    start = T0 - timedelta(days=800)
    with transaction(engine) as session:
        session.execute(insert(Staff), [dict(
            tg_user_id=900_000 + i, name=f"经办人{i}", role="staff", scope_kind="community",
            scope_code=COMMUNITIES[i % 2], active=True, joined_at=start) for i in range(1, 21)])
        groups = [(chat, "community", code) for code, chat in GROUPS.items()]
        groups += [(STREET_GROUP, "street", "xinhua"), (DISTRICT_GROUP, "district", "heping")]
        session.execute(insert(StaffGroup), [dict(
            chat_id=chat, title=f"{code}群", scope_kind=kind, scope_code=code, categories=[],
            grids=[], triage=False, is_forum=False, active=True, bound_by=900_001,
            bound_at=start) for chat, kind, code in groups])
    rows = closed_rows(closed_count, rng, deadlines, first=open_count)
    rows += open_rows(open_count, rng, deadlines, days=days)
    for chunk in range(0, len(rows), 5000):
        with transaction(engine) as session:
            session.execute(insert(Petition), rows[chunk:chunk + 5000])
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE"))
        else:
            connection.execute(text("ANALYZE"))
            connection.commit()
    engine.dispose()


def due_instant(rows_url: str, target: int) -> tuple[datetime, int]:
    """The first instant after T0 at which about ``target`` steps are due (read back)."""
    from sqlalchemy import select

    from reception.deps import Settings
    from storage.db import make_engine
    from storage.models import Petition

    delay = Settings().second_escalation
    engine = make_engine(rows_url)
    p = Petition.__table__.c
    with engine.connect() as connection:
        clocks = connection.execute(select(
            p.status, p.paused_at, p.first_response_at, p.respond_step, p.respond_due,
            p.respond_remind_at, p.resolve_step, p.resolve_due, p.resolve_remind_at,
        ).where(p.status.in_(("submitted", "claimed", "reopened")), p.paused_at.is_(None))).all()
    engine.dispose()

    def due_at(when: datetime) -> int:
        total = 0
        for row in clocks:
            if row.first_response_at is None:
                total += steps_at(row.respond_step, row.respond_due, row.respond_remind_at,
                                  when, delay)[1]
            total += steps_at(row.resolve_step, row.resolve_due, row.resolve_remind_at,
                              when, delay)[1]
        return total

    low, high = 0, 7 * 24 * 60  # minutes after T0
    while low < high:
        middle = (low + high) // 2
        if due_at(T0 + timedelta(minutes=middle)) >= target:
            high = middle
        else:
            low = middle + 1
    when = T0 + timedelta(minutes=low)
    return when, due_at(when)


# --- one timed sweep, in a child running one tree's code ----------------------------------
def child(spec: dict) -> dict:
    """Sweep at ``spec['at']`` with this process's code; times as JSON."""
    import logging

    logging.disable(logging.CRITICAL)
    from reception.clock import ManualClock
    from reception.handling.access import Access
    from reception.supervision.escalation import Escalation
    from tests.domain import make_deps

    at = datetime.fromisoformat(spec["at"])
    deps = make_deps(spec["url"], ManualClock(at))  # create_schema: this tree's indexes
    escalation = Escalation(deps, Access(deps))
    batched = hasattr(escalation, "sweep_batch")
    runs = []
    for _ in range(spec["repeat"]):
        calls, steps, began = [], 0, time.perf_counter()
        if batched:
            report = None
            while True:
                t = time.perf_counter()
                report = escalation.sweep_batch(report.resume if report else None)
                calls.append(time.perf_counter() - t)
                steps += report.steps
                if report.resume is None:
                    break
        else:
            while True:  # main: a sweep takes at most 500 per clock; sweep until none left
                t = time.perf_counter()
                report = escalation.sweep()
                calls.append(time.perf_counter() - t)
                steps += report.steps
                if spec["repeat"] > 1:
                    break
                if report.steps == 0:  # the sweep that found nothing left is not counted
                    calls.pop()
                    break
        runs.append({"seconds": sum(calls) if not batched else time.perf_counter() - began,
                     "longest": max(calls),
                     "calls": len(calls), "steps": steps})
    plans = candidate_plans(deps.engine, at) if batched else []
    deps.engine.dispose()
    return {"batched": batched, "runs": runs, "plans": plans}


def candidate_plans(engine, at: datetime) -> list[str]:
    """How the database answers the candidate queries at this size (its own statistics, no
    planner settings changed): the petition scans of each, e.g. SQLite's SEARCH lines."""
    from reception.deps import Settings
    from storage import ladder_queries
    from storage.db import transaction
    from tests.reception.test_sweep_plans import _nodes, captured, is_candidate_query

    with captured(engine) as seen, transaction(engine) as session:
        for clock in ladder_queries.CLOCKS:
            ladder_queries.candidates(session, clock=clock, now=at, limit=100,
                                      second_delay=Settings().second_escalation)
    plans = []
    with engine.connect() as connection:
        for statement, parameters in seen.items():
            if not is_candidate_query(statement):
                continue
            if engine.dialect.name == "sqlite":
                steps = [row[3] for row in connection.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {statement}", parameters) if "petition" in row[3]]
            else:
                raw = connection.exec_driver_sql(
                    f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar_one()
                plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
                steps = [f"{n['Node Type']} {n.get('Index Name', n.get('Relation Name', ''))}"
                         for n in _nodes(plan) if "Scan" in n["Node Type"]]
            plans.append("; ".join(steps))
    return plans


def timed(tree: Path, url: str, at: datetime, repeat: int) -> dict:
    spec = json.dumps({"url": url, "at": at.isoformat(), "repeat": repeat})
    env = {**os.environ, "PYTHONPATH": str(tree), "MINYUAN_LOG_LEVEL": "WARNING"}
    result = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", spec],
                            env=env, cwd=tree, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"sweep in {tree} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- copies of one built database, one per timed run --------------------------------------
class Databases:
    def __init__(self, stack: ExitStack, database: str) -> None:
        self.stack, self.database = stack, database
        self.tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        self.server = _server(stack) if database == "postgresql" else None

    def fresh(self, name: str) -> str:
        if self.server is None:
            return f"sqlite:///{self.tmp / name}.db"
        return self._pg_url(name, create=True)

    def copy(self, source: str, name: str) -> str:
        if self.server is None:
            path = Path(source.removeprefix("sqlite:///"))
            shutil.copy(path, self.tmp / f"{name}.db")
            for suffix in ("-wal", "-shm"):
                if Path(f"{path}{suffix}").exists():
                    shutil.copy(f"{path}{suffix}", self.tmp / f"{name}.db{suffix}")
            return f"sqlite:///{self.tmp / name}.db"
        template = source.rsplit("/", 1)[1]
        with self.server._admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        url = self._pg_url(name, create=False)
        from sqlalchemy import text

        from storage.db import make_engine
        engine = make_engine(url)  # a template copy carries no statistics: gather them
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
        engine.dispose()
        return url

    def _pg_url(self, name: str, *, create: bool) -> str:
        from sqlalchemy.engine import make_url

        if create:
            with self.server._admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{name}"')
        return make_url(self.server.url).set(database=name).render_as_string(hide_password=False)


_SERVER = None


def _server(stack: ExitStack):
    global _SERVER
    if _SERVER is None:
        from tests.reception.pg_server import postgres_server

        _SERVER = stack.enter_context(postgres_server(durable=True))
    return _SERVER


# --- the table -----------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1200)
    parser.add_argument("--idle-open", type=int, default=10_000)
    parser.add_argument("--closed", default="0,100000,300000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--trees", default="new=.",
                        help="name=path,... : code to time, e.g. new=.,main=/work/main")
    parser.add_argument("--days", type=float, default=40,
                        help="(a): the open petitions arrived over this many days before T0")
    parser.add_argument("--cases", default="drain,idle")
    parser.add_argument("--repeat", type=int, default=5, help="idle sweeps timed per case")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return
    trees = [(name, Path(path).resolve()) for name, path in
             (item.split("=", 1) for item in args.trees.split(","))]
    closed_sizes = [int(n) for n in args.closed.split(",")]
    rows = []
    with ExitStack() as stack:
        for database in args.databases.split(","):
            dbs = Databases(stack, database)
            if "drain" in args.cases:
                drain(dbs, database, args, trees, rows)
            if "idle" in args.cases:
                idle(dbs, database, args, trees, rows, closed_sizes)
    print()
    print(f"{'database':10} {'case':34} {'code':6} {'time':>10} {'longest call':>13} "
          f"{'calls':>6} {'steps':>6}")
    for row in rows:
        print_row(row)


def drain(dbs: Databases, database: str, args, trees, rows: list) -> None:
    began = time.perf_counter()
    source = dbs.fresh("drain_source")
    build(source, open_count=args.open, closed_count=0, days=args.days)
    at, due = due_instant(source, args.due)
    print(f"{database}: built {args.open} open in {time.perf_counter() - began:.0f} s;"
          f" {due} steps due at T0+{(at - T0).total_seconds() / 60:.0f} min", flush=True)
    for name, tree in trees:
        result = timed(tree, dbs.copy(source, f"drain_{name}"), at, repeat=1)
        run = result["runs"][0]
        rows.append((database, f"drain {args.open // 1000}k open, {due} due", name,
                     run["seconds"], run["longest"], run["calls"], run["steps"]))
        print_row(rows[-1])
        for plan in result.get("plans", []):
            print(f"{database:10} candidate query plan ({name}): {plan}", flush=True)


def idle(dbs: Databases, database: str, args, trees, rows: list, closed_sizes) -> None:
    for closed in closed_sizes:
        source = dbs.fresh(f"idle_source_{closed}")
        build(source, open_count=args.idle_open, closed_count=closed, days=12)
        for name, tree in trees:
            result = timed(tree, dbs.copy(source, f"idle_{closed}_{name}"), T0,
                           repeat=args.repeat)
            times = [r["seconds"] for r in result["runs"]]
            steps = sum(r["steps"] for r in result["runs"])
            rows.append((database, f"idle {args.idle_open // 1000}k open + "
                         f"{closed // 1000}k closed", name, statistics.median(times),
                         max(r["longest"] for r in result["runs"]),
                         result["runs"][0]["calls"], steps))
            print_row(rows[-1])


def print_row(row: tuple) -> None:
    database, case, name, seconds, longest, calls, steps = row
    print(f"{database:10} {case:34} {name:6} {seconds * 1000:8.1f} ms {longest * 1000:10.1f} ms "
          f"{calls:6d} {steps:6d}", flush=True)


if __name__ == "__main__":
    main()
