"""The database's rate counts (storage.rates) agree with compute_rates on every kind of petition.

Random petitions cover each field the definitions read (statuses, responses before and after
"now", rejections with and without a closing time, pauses, reopenings, ratings rated later
than "now", the sweep's overdue flag) on SQLite and PostgreSQL; a definition written
differently in SQL than in Python shows up as a count that differs.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import asdict
from datetime import timedelta

import pytest
from sqlalchemy import insert
from sqlmodel import Session, select

from reception.reports.metrics import compute_rates, rates_from_counts
from storage.db import create_schema, make_engine, transaction
from storage.models import Petition
from storage.rates import rate_counts, rate_counts_of_two
from tests.reception.pg_server import postgres_server
from tests.reception.report_fixtures import bj

STATUSES = ("submitted", "claimed", "waiting", "reopened", "resolved", "closed", "rejected",
            "merged", "cancelled")
NOW = bj(2026, 11, 23, 9)
START, END = bj(2026, 11, 9), bj(2026, 11, 30)  # the window reaches past now: not-yet-received is excluded


def _maybe(rng: random.Random, value, share: float = 0.6):
    return value if rng.random() < share else None


def _rows(count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        created = START - timedelta(days=2) + timedelta(minutes=rng.randrange(0, 25 * 24 * 60))
        hours = lambda low, high, created=created: created + timedelta(hours=rng.uniform(low, high))  # noqa: E731
        rows.append(dict(
            number=f"MY-T-{seed}-{i}", channel="telegram", status=rng.choice(STATUSES),
            community_code=rng.choice(("hongqi", "qingnian")), street_code="xinhua",
            category="物业管理", keywords=[], tokens=[], urgent_words=[], text="x",
            created_at=created, last_message_at=created,
            first_response_at=_maybe(rng, hours(0, 200)), respond_due=_maybe(rng, hours(1, 72), 0.9),
            resolved_at=_maybe(rng, hours(1, 400), 0.5), resolve_due=_maybe(rng, hours(24, 300), 0.9),
            closed_at=_maybe(rng, hours(1, 400), 0.5), paused_at=_maybe(rng, hours(1, 300), 0.2),
            overdue=rng.random() < 0.1, reopen_count=rng.choice((0, 0, 0, 1, 2)),
            rating=_maybe(rng, rng.choice(("satisfied", "basic", "unsatisfied")), 0.5),
            rated_at=_maybe(rng, hours(1, 500), 0.7),
        ))
        row = rows[-1]
        if rng.random() < 0.3:  # the boundaries: on time exactly at the due instant, now itself
            row["first_response_at"] = row["respond_due"]
            row["resolved_at"] = row["resolve_due"]
            row[rng.choice(("closed_at", "paused_at", "rated_at", "resolved_at"))] = NOW
        # 回访: an outcome stands for the rating when there is none (联系不上 never does).
        row["callback_outcome"] = _maybe(
            rng, rng.choice(("satisfied", "basic", "unsatisfied", "unreachable")), 0.4)
        row["callback_at"] = _maybe(rng, hours(1, 500), 0.8)
    return rows


@pytest.fixture(scope="module")
def pg() -> Iterator[object]:
    with postgres_server() as server:
        yield server


def _same(rates) -> dict:
    """Counts exactly, rates to 12 places (the weighted sum is added up in another order)."""
    return {k: round(v, 12) if isinstance(v, float) else v for k, v in asdict(rates).items()}


def _check(url: str) -> None:
    engine = make_engine(url)
    create_schema(engine)
    with transaction(engine) as session:
        session.execute(insert(Petition), _rows(600, seed=7))
    with Session(engine) as session:
        petitions = list(session.exec(select(Petition)))
        counted = rate_counts(session, period_start=START, period_end=END, now=NOW,
                              communities=["hongqi", "qingnian"])
        together = rate_counts(session, period_start=START, period_end=END, now=NOW,
                               communities=["hongqi", "qingnian"], by_community=False)
        split = START + (END - START) / 2  # the overview's two weeks, read in one pass
        pair = rate_counts_of_two(session, start=START, split=split, end=END, now=NOW,
                                  communities=["hongqi", "qingnian"])
        apart = tuple(rate_counts(session, period_start=a, period_end=b, now=NOW,
                                  communities=["hongqi", "qingnian"]) for a, b in ((START, split), (split, END)))
    engine.dispose()
    assert pair == apart and all(pair)
    for code in ("hongqi", "qingnian"):
        python = compute_rates([p for p in petitions if p.community_code == code],
                               period_start=START, period_end=END, now=NOW)
        assert python.received > 100
        assert _same(rates_from_counts(counted[code])) == _same(python), code
    assert _same(rates_from_counts(together[""])) == _same(compute_rates(
        petitions, period_start=START, period_end=END, now=NOW))


def test_sqlite_counts_agree_with_compute_rates(tmp_path):
    _check(f"sqlite:///{tmp_path / 'rates.db'}")


def test_postgresql_counts_agree_with_compute_rates(pg):
    with pg.database() as url:
        _check(url)
