"""The digest's numbers, counted by the database, equal the Python definitions on a crowded office.

`Digests.weekly` takes the rates and every breakdown (grid, category, staff, community; this
week and last) from one GROUP BY query (storage.rates.week_breakdown). Here the same digest
is recomputed the way it was before, with reception.reports.metrics over every petition
object of the window, on SQLite and PostgreSQL: the random rows of test_rates_sql (every
status, boundaries at the due instants and at "now", ratings rated after "now") spread over
both communities, their grids and no grid, several categories, five handlers (two of them
sharing a name) and none.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import asdict
from datetime import timedelta

import pytest
from sqlalchemy import insert
from sqlmodel import Session, select

from reception.clock import ManualClock
from reception.deps import Settings
from reception.handling.access import Access
from reception.reports import texts as t
from reception.reports.digest import Digests
from reception.reports.metrics import compute_rates, rates_by, week_bounds
from storage.db import create_schema, transaction
from storage.models import Petition, Staff
from tests import domain
from tests.reception.pg_server import postgres_server
from tests.reception.report_fixtures import DIGEST_MORNING, staff
from tests.reception.test_rates_sql import _rows

CATEGORIES = ("物业管理", "噪音扰民", "邻里纠纷", "市政设施", "社会保障")
GRIDS = {"hongqi": ("g1", "g2", None, "gone"), "qingnian": ("g1", None)}  # "gone": not in org.toml
STAFF = (("王芳", "hongqi"), ("李强", "hongqi"), ("王芳", "qingnian"), ("赵敏", "qingnian"),
         ("钱多", "xinhua"))


@pytest.fixture(scope="module")
def pg() -> Iterator[object]:
    with postgres_server() as server:
        yield server


def _crowded(engine) -> None:
    rng = random.Random(13)
    with transaction(engine) as session:
        people = [staff(600 + i, name, scope_code=scope) for i, (name, scope) in enumerate(STAFF)]
        session.add_all(people)
        session.flush()
        handlers = [p.id for p in people] + [None, None]
        rows = []
        for seed in (1, 2, 3):
            for row in _rows(500, seed=seed):
                # _rows spreads petitions from 7 November to 2 December 2026; shift them so both
                # digest weeks (9–15 and 16–22 November) and the window before are crowded.
                row["created_at"] += timedelta(days=rng.choice((0, 0, 3, 7)))
                row["grid_code"] = rng.choice(GRIDS[row["community_code"]])
                row["category"] = rng.choice(CATEGORIES)
                row["handler_staff_id"] = rng.choice(handlers)
                rows.append(row)
        session.execute(insert(Petition), rows)


def _python_digest(deps, scope_kind: str, communities: tuple[str, ...]) -> dict[str, object]:
    """The numbers as the digest computed them before: metrics over every petition object."""
    now = deps.clock.now()
    start, end = week_bounds(now, deps.settings.tz)
    weeks = {"this": dict(period_start=start, period_end=end, now=now),
             "last": dict(period_start=start - timedelta(days=7), period_end=start, now=now)}
    with Session(deps.engine) as session:
        petitions = [p for p in session.exec(select(Petition)) if p.community_code in communities]
        names = {s.id: s.name for s in session.exec(select(Staff))}
    org, multi = deps.org, scope_kind != "community"

    def grid(p: Petition) -> str:
        found = org.grid(p.community_code, p.grid_code)
        name = found.name if found else t.NO_GRID
        return f"{org.community(p.community_code).name}·{name}" if multi else name

    keys: dict[str, Callable[[Petition], str]] = {
        "grid": grid, "category": lambda p: p.category,
        "staff": lambda p: names.get(p.handler_staff_id or 0, t.NO_HANDLER),
    }
    if multi:
        keys["community"] = lambda p: org.community(p.community_code).name
    numbers: dict[str, object] = {}
    for week, bounds in weeks.items():
        numbers[f"{week} all"] = _same(compute_rates(petitions, **bounds))
        for name, key in keys.items():
            numbers[f"{week} by {name}"] = {k: _same(v) for k, v in rates_by(petitions, key, **bounds).items()}
    return numbers


def _sql_digest(digests: Digests, scope_kind: str, scope_code: str) -> dict[str, object]:
    d = digests.weekly(scope_kind=scope_kind, scope_code=scope_code)
    numbers: dict[str, object] = {"this all": _same(d.current), "last all": _same(d.previous)}
    pairs = {"grid": (d.by_grid, d.previous_by_grid), "category": (d.by_category, d.previous_by_category),
             "staff": (d.by_staff, d.previous_by_staff)}
    if scope_kind != "community":
        pairs["community"] = (d.by_community, d.previous_by_community)
    for name, (this, last) in pairs.items():
        numbers[f"this by {name}"] = {k: _same(v) for k, v in this.items()}
        numbers[f"last by {name}"] = {k: _same(v) for k, v in last.items()}
    return numbers


def _same(rates) -> dict:
    """Counts exactly, rates to 12 places (the weighted sum is added up in another order)."""
    return {k: round(v, 12) if isinstance(v, float) else v for k, v in asdict(rates).items()}


def _check(url: str, tmp_path) -> None:
    deps = domain.make_deps(url, ManualClock(DIGEST_MORNING), Settings(reports_dir=tmp_path / "reports"))
    create_schema(deps.engine)
    _crowded(deps.engine)
    digests = Digests(deps, Access(deps))
    for scope_kind, scope_code, communities in (("community", "hongqi", ("hongqi",)),
                                                ("street", "xinhua", ("hongqi", "qingnian"))):
        expected = _python_digest(deps, scope_kind, communities)
        got = _sql_digest(digests, scope_kind, scope_code)
        assert got == expected, scope_kind
        # Crowded: every breakdown has several groups, each week a few hundred petitions.
        assert expected["this all"]["received"] > 100 and expected["last all"]["received"] > 100
        assert min(len(expected[f"{w} by {n}"]) for w in ("this", "last")
                   for n in ("grid", "category", "staff")) >= 3
    assert "王芳" in expected["this by staff"] and t.NO_HANDLER in expected["this by staff"]
    deps.engine.dispose()


def test_sqlite_digest_numbers_equal_the_python_definitions(tmp_path):
    _check(f"sqlite:///{tmp_path / 'digest.db'}", tmp_path)


def test_postgresql_digest_numbers_equal_the_python_definitions(pg, tmp_path):
    with pg.database() as url:
        _check(url, tmp_path)
