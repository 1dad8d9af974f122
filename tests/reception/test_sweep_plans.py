"""The deadline sweep reads what is due through an index, never the whole petition table.

A real sweep runs over an office whose table also holds a closed history and open petitions
with nothing due; every statement it sends that reads or updates ``petition`` is captured
with its parameters and explained on the same database: SQLite's EXPLAIN QUERY PLAN must
only SEARCH petition, PostgreSQL's plan (statistics gathered, ``enable_seqscan`` off so a
tiny table does not make a scan the cheaper choice) must hold no Seq Scan on it, and each
branch of a candidate query must be a range of one of the ladder's partial indexes (not a
walk of the primary key filtered row by row).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, select, text
from sqlalchemy.engine import Engine

from reception.clock import ManualClock
from reception.deadlines.ladder import RUNNING_STATUSES
from storage import ladder_queries
from storage.db import transaction
from storage.models import CLOCK_RUNNING_STATUSES, Petition
from tests.clocks import bj
from tests.domain import NORMAL_TEXT, RESIDENT_TG, URGENT_TEXT, make_deps, seed_office
from tests.domain import DomainOffice as Office
from tests.reception.pg_server import PgServer, postgres_server

LADDER_INDEX = "ix_petition_ladder_"
INDEX_SCANS = ("Index Scan", "Index Only Scan", "Bitmap Index Scan")
PETITION_INDEXES = {"petition_pkey", *(index.name for index in Petition.__table__.indexes)}
HISTORY = 3000  # closed petitions
QUIET = 300  # open petitions with nothing due yet


@pytest.fixture(scope="module")
def pg() -> Iterator[PgServer]:
    with postgres_server() as server:
        yield server


@contextmanager
def captured(engine: Engine) -> Iterator[dict[str, Any]]:
    """Statements sent to the database that touch ``petition`` (first parameters of each)."""
    seen: dict[str, Any] = {}

    def hook(_conn, _cursor, statement, parameters, _context, executemany) -> None:
        touches = "FROM petition" in statement or statement.startswith("UPDATE petition")
        if touches and not executemany:
            seen.setdefault(statement, parameters)

    event.listen(engine, "before_cursor_execute", hook)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", hook)


def is_candidate_query(statement: str) -> bool:
    """The sweep's search for due steps: a SELECT of a clock's step by its instants."""
    return (statement.startswith("SELECT") and " <= " in statement
            and ("respond_step" in statement or "resolve_step" in statement))


def add_history(office: Office) -> None:
    """Closed petitions and open ones far from their deadlines, copied from a real row."""
    engine = office.deps.engine
    template = office.submit(NORMAL_TEXT, resident_tg=RESIDENT_TG + 999)
    row = {c.name: getattr(template, c.name) for c in Petition.__table__.columns if c.name != "id"}
    far = template.created_at + timedelta(days=400)
    rows = []
    for n in range(HISTORY + QUIET):
        closed = n < HISTORY
        rows.append({
            **row, "number": f"MY-HIST-{n:06d}", "status": "closed" if closed else "claimed",
            "respond_due": template.respond_due if closed else far,
            "resolve_due": template.resolve_due if closed else far,
            "respond_remind_at": template.respond_remind_at if closed else far,
            "resolve_remind_at": template.resolve_remind_at if closed else far,
        })
    with engine.begin() as connection:
        connection.execute(insert(Petition.__table__), rows)
        connection.execute(text("ANALYZE"))


def sweep_statements(url: str) -> tuple[Office, dict[str, Any]]:
    """An office with due steps of every kind among a history; the statements its sweeps send."""
    office = Office(make_deps(url, ManualClock(bj(2026, 9, 30, 10))))
    seed_office(office.deps)
    add_history(office)
    petitions = [office.submit(NORMAL_TEXT, resident_tg=RESIDENT_TG + n) for n in range(3)]
    office.clock.set(bj(2026, 10, 3, 23, 15))
    petitions.append(office.submit(URGENT_TEXT, resident_tg=RESIDENT_TG + 50))
    with captured(office.deps.engine) as seen:
        for p in petitions:  # reminders, breaches, escalations on both clocks
            for when in (p.respond_remind_at, p.respond_due + timedelta(days=2),
                         p.resolve_remind_at, p.resolve_due + timedelta(days=2)):
                office.sweep_at(when, times=1)
    return office, seen


def test_running_statuses_match_the_ladder_indexes():
    assert sorted(str(s) for s in RUNNING_STATUSES) == sorted(CLOCK_RUNNING_STATUSES)


def test_sqlite_sweep_searches_petition_by_index(tmp_path):
    office, seen = sweep_statements(f"sqlite:///{tmp_path / 'minyuan.db'}")
    try:
        assert any(is_candidate_query(s) for s in seen)
        with office.deps.engine.connect() as connection:
            for statement, parameters in seen.items():
                plan = [row[3] for row in connection.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {statement}", parameters)]
                on_petition = [step for step in plan if " petition" in f" {step} "]
                scans = [step for step in on_petition if step.startswith("SCAN petition")]
                assert not scans, (statement, plan)
                if is_candidate_query(statement):
                    ladder = [step for step in on_petition if LADDER_INDEX in step]
                    assert len(ladder) == 3 == len(on_petition), (statement, plan)
    finally:
        office.deps.engine.dispose()


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def test_postgresql_sweep_scans_petition_by_index(pg):
    with pg.database() as url:
        office, seen = sweep_statements(url)
        try:
            assert any(is_candidate_query(s) for s in seen)
            with office.deps.engine.connect() as connection:
                connection.exec_driver_sql("SET enable_seqscan = off")
                for statement, parameters in seen.items():
                    raw = connection.exec_driver_sql(
                        f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar_one()
                    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
                    shown = (statement, json.dumps(plan, indent=1))
                    nodes = list(_nodes(plan))
                    seq = [n for n in nodes if n["Node Type"] == "Seq Scan"
                           and n.get("Relation Name") == "petition"]
                    assert not seq, shown
                    indexed = [n for n in nodes if n["Node Type"] in INDEX_SCANS
                               and n["Index Name"] in PETITION_INDEXES]
                    # An index walked whole (no condition on it) is a full scan in disguise.
                    assert all("Index Cond" in n for n in indexed), shown
                    if is_candidate_query(statement):
                        used = [n["Index Name"] for n in indexed]
                        assert len(used) == 3, shown
                        assert all(name.startswith(LADDER_INDEX) for name in used), shown
        finally:
            office.deps.engine.dispose()


def test_candidates_find_each_due_step_once(tmp_path):
    """The three branches of a candidate query are disjoint: a clock past both its reminder
    and its deadline is one candidate, not two."""
    office = Office(make_deps(f"sqlite:///{tmp_path / 'minyuan.db'}",
                              ManualClock(bj(2026, 9, 30, 10))))
    try:
        seed_office(office.deps)
        petition = office.submit(NORMAL_TEXT)
        office.clock.set(petition.resolve_due + timedelta(days=3))
        with transaction(office.deps.engine) as session:
            found = [
                (c.clock, c.petition_id, c.step)
                for clock in ladder_queries.CLOCKS
                for c in ladder_queries.candidates(
                    session, clock=clock, now=office.clock.now(),
                    second_delay=office.deps.settings.second_escalation, limit=10)
            ]
            assert session.execute(select(Petition.id)).scalars().all() == [petition.id]
        assert found == [("respond", petition.id, 0), ("resolve", petition.id, 0)]
    finally:
        office.deps.engine.dispose()
