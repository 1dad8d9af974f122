"""Two application instances over one database: every ladder step still happens once.

Each instance has its own Deps (engine, connection pool, clock), as two bot processes
would. They sweep at the same instants from two threads, released together by a barrier,
many times over; the conditional UPDATE that claims a step must let exactly one of them
act. PostgreSQL is the deployment this is for; SQLite (one writer at a time) runs the same
test as a baseline.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest

from reception.clock import ManualClock
from reception.supervision import escalation
from tests.clocks import bj
from tests.domain import (
    DISTRICT_GROUP,
    HONGQI_GROUP,
    NORMAL_TEXT,
    RESIDENT_TG,
    STREET_GROUP,
    URGENT_TEXT,
    DomainOffice,
    make_deps,
    seed_office,
)
from tests.reception.pg_server import PgServer, postgres_server

SWEEPS_PER_INSTANT = 6
DELAY = timedelta(hours=24)
LADDER = Counter({
    ("respond", "remind"): 1, ("respond", "overdue"): 1, ("respond", "escalate"): 1,
    ("resolve", "remind"): 1, ("resolve", "overdue"): 1, ("resolve", "escalate"): 1,
})
# Per petition, both clocks: every step refreshes the card and tells the handling group;
# the breach shows the card to the street, the escalation to the district.
OUTBOX = Counter({
    (HONGQI_GROUP, "message"): 6, (HONGQI_GROUP, "card"): 6,
    (STREET_GROUP, "card"): 2, (STREET_GROUP, "message"): 2,
    (DISTRICT_GROUP, "card"): 2, (DISTRICT_GROUP, "message"): 2,
})

# An urgent petition nobody claims is also alerted again (reception.handling.emergency) at
# each of the four sweep instants within its first 24 hours (the reminder and the deadline
# of each clock), in the handling group and the street's: once each, however many sweep.
URGENT_REPEATS = 4
URGENT_OUTBOX = OUTBOX + Counter({
    (HONGQI_GROUP, "message"): URGENT_REPEATS, (STREET_GROUP, "message"): URGENT_REPEATS,
})


@pytest.fixture(scope="module")
def pg() -> Iterator[PgServer]:
    with postgres_server() as server:
        yield server


@contextmanager
def two_instances(url: str) -> Iterator[tuple[DomainOffice, DomainOffice]]:
    first = DomainOffice(make_deps(url, ManualClock(bj(2026, 9, 1, 9))))
    seed_office(first.deps)
    second = DomainOffice(make_deps(url, ManualClock(bj(2026, 9, 1, 9))))
    try:
        yield first, second
    finally:
        first.deps.engine.dispose()
        second.deps.engine.dispose()


def race(offices: tuple[DomainOffice, ...], work: Callable[[DomainOffice], object]) -> list[list[object]]:
    """Run ``work`` on every office at once, SWEEPS_PER_INSTANT times; return the results."""
    barrier = threading.Barrier(len(offices))
    results: list[list[object]] = [[] for _ in offices]
    errors: list[BaseException] = []

    def run(index: int, office: DomainOffice) -> None:
        try:
            barrier.wait()
            for _ in range(SWEEPS_PER_INSTANT):
                results[index].append(work(office))
        except BaseException as exc:  # re-raised in the test's thread below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(offices)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def sweep_race(offices: tuple[DomainOffice, DomainOffice], when) -> int:
    """Both instances sweep at ``when`` concurrently; return the steps taken in total."""
    for office in offices:
        office.clock.set(when)
    results = race(offices, lambda office: office.escalation.sweep())
    return sum(report.steps for reports in results for report in reports)  # type: ignore[attr-defined]


def run_ladder_race(url: str) -> None:
    with two_instances(url) as offices:
        first = offices[0]
        petitions = []
        for n in range(12):
            first.clock.set(bj(2026, 9, 30, 10) + timedelta(minutes=n))
            petitions.append(first.submit(NORMAL_TEXT, resident_tg=RESIDENT_TG + n))
        for n in range(4):
            first.clock.set(bj(2026, 10, 3, 23, 15))
            petitions.append(first.submit(URGENT_TEXT, resident_tg=RESIDENT_TG + 100 + n))
        mark = first.last_outbox_id()
        instants = sorted({
            when for p in petitions
            for when in (p.respond_remind_at, p.respond_due, p.respond_due + DELAY,
                         p.resolve_remind_at, p.resolve_due, p.resolve_due + DELAY)
        })

        taken = sum(sweep_race(offices, when) for when in instants)
        taken += sweep_race(offices, instants[-1] + timedelta(days=30))

        assert taken == len(petitions) * sum(LADDER.values())
        for petition in petitions:
            assert Counter(first.ladder(petition.id)) == LADDER, petition.number
            expected = URGENT_OUTBOX if petition.urgent else OUTBOX
            assert first.outbox_counts(since_id=mark, petition_id=petition.id) == expected


def run_catch_up_race(url: str) -> None:
    """Both instances restart long after every deadline and catch up at the same moment."""
    with two_instances(url) as offices:
        first = offices[0]
        petitions = []
        for n in range(20):
            first.clock.set(bj(2026, 9, 30, 10) + timedelta(minutes=n))
            petitions.append(first.submit(NORMAL_TEXT, resident_tg=RESIDENT_TG + n))

        taken = sweep_race(offices, bj(2026, 11, 30, 10))

        assert taken == len(petitions) * 4  # overdue and escalate on each clock
        for petition in petitions:
            # Two instances may interleave the two clocks; within a clock the order holds.
            steps = first.ladder(petition.id)
            per_clock = {clock: [step for c, step in steps if c == clock]
                         for clock in ("respond", "resolve")}
            assert per_clock == {"respond": ["overdue", "escalate"],
                                 "resolve": ["overdue", "escalate"]}, petition.number


def run_brief_race(url: str) -> None:
    with two_instances(url) as offices:
        for office in offices:
            office.clock.set(bj(2026, 10, 15, 8, 30))
        mark = offices[0].last_outbox_id()
        results = race(offices, lambda office: office.escalation.morning_brief())
        assert sorted(n for counts in results for n in counts) == [0] * 11 + [3]  # type: ignore[type-var]
        assert len(offices[0].outbox(since_id=mark)) == 3


SCENARIOS = {"ladder": run_ladder_race, "catch-up": run_catch_up_race, "brief": run_brief_race}


@pytest.mark.parametrize("scenario", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_two_instances_over_postgresql(pg, scenario):
    with pg.database() as url:
        scenario(url)


@pytest.mark.parametrize("scenario", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_two_instances_over_sqlite(tmp_path, scenario):
    scenario(f"sqlite:///{tmp_path / 'minyuan.db'}")


@pytest.mark.parametrize("scenario", [run_ladder_race, run_catch_up_race],
                         ids=["ladder", "catch-up"])
def test_two_instances_over_postgresql_in_small_batches(pg, scenario, monkeypatch):
    """Batches of three: each sweep resumes batch after batch while the other sweeps too."""
    monkeypatch.setattr(escalation, "SWEEP_BATCH", 3)
    with pg.database() as url:
        scenario(url)
