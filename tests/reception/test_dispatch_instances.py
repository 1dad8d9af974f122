"""Two application instances over one outbox: a send is taken by one worker at a time.

A petition's sends are claimed for its own process in its own transaction (the hand-off);
the other instance must leave them alone until that claim expires, and concurrent claims of
pending sends never hand one row to both. PostgreSQL is the deployment this is for; SQLite
runs the same checks as a baseline.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator

import pytest

from reception.handling.dispatch import CLAIM_FOR, Dispatch, Sent
from reception.handling.intake import Inbound
from tests.domain import NORMAL_TEXT, RESIDENT_TG
from tests.reception.pg_server import PgServer, postgres_server
from tests.reception.test_escalation_concurrency import two_instances

ROUNDS = 8


@pytest.fixture(scope="module")
def pg() -> Iterator[PgServer]:
    with postgres_server() as server:
        yield server


def check_handed_sends_stay_with_their_instance(url: str) -> None:
    with two_instances(url) as (first, second):
        dispatches = Dispatch(first.deps), Dispatch(second.deps)
        first.intake.choose_community(tg_user_id=RESIDENT_TG, name="王阿姨", username="",
                                      code="hongqi")
        dispatches[0].record([Sent(item, 1) for item in dispatches[0].claim()])  # the welcome
        result = first.intake.submit(Inbound(
            tg_user_id=RESIDENT_TG, name="王阿姨", username="", chat_id=RESIDENT_TG,
            message_id=1, kind="text", text=NORMAL_TEXT))
        assert result.outcome == "created"
        assert [item.kind for item in result.sends] == ["card", "message"]

        assert dispatches[1].claim() == [], "claimed by the first instance"
        for office in (first, second):
            office.clock.advance(seconds=CLAIM_FOR.total_seconds() + 1)
        retaken = dispatches[1].claim()  # the first instance died before sending
        assert [item.id for item in retaken] == [item.id for item in result.sends]
        assert dispatches[0].claim() == []


def check_concurrent_claims_never_share_a_send(url: str) -> None:
    with two_instances(url) as offices:
        for n in range(ROUNDS * 6):  # welcome messages: queued pending, left to the claim
            offices[0].intake.choose_community(tg_user_id=RESIDENT_TG + n, name="王阿姨",
                                               username="", code="hongqi")
        dispatches = [Dispatch(office.deps) for office in offices]
        barrier = threading.Barrier(len(dispatches))
        taken: list[list[int]] = [[] for _ in dispatches]

        def work(index: int) -> None:
            for _ in range(ROUNDS):
                barrier.wait()
                taken[index] += [item.id for item in dispatches[index].claim(limit=3)]

        threads = [threading.Thread(target=work, args=(i,)) for i in range(len(dispatches))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        ids = Counter(taken[0] + taken[1])
        assert ids and max(ids.values()) == 1


CHECKS = {"hand-off": check_handed_sends_stay_with_their_instance,
          "claims": check_concurrent_claims_never_share_a_send}


@pytest.mark.parametrize("check", CHECKS.values(), ids=CHECKS.keys())
def test_over_postgresql(pg, check):
    with pg.database() as url:
        check(url)


@pytest.mark.parametrize("check", CHECKS.values(), ids=CHECKS.keys())
def test_over_sqlite(tmp_path, check):
    check(f"sqlite:///{tmp_path / 'minyuan.db'}")
