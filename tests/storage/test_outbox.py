"""The outbox rows (storage/outbox.py): which sends may be claimed, by whom, and what each
outcome leaves in the row. Two sessions stand for two delivery workers (processes)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from storage import outbox
from storage.db import create_schema, make_engine, transaction
from storage.enums import OutboxKind, OutboxStatus
from storage.models import Outbox
from tests.clocks import MONDAY_MORNING
from tests.domain import HONGQI_GROUP, NORMAL_TEXT, QINGNIAN_GROUP, seeded
from tests.reception.pg_server import postgres_server

NOW = MONDAY_MORNING
CLAIM = timedelta(seconds=60)


@pytest.fixture
def engine(tmp_path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'outbox.db'}")
    create_schema(engine)
    yield engine
    engine.dispose()


def queue(engine: Engine, count: int, *, kind: OutboxKind = OutboxKind.MESSAGE) -> list[int]:
    with transaction(engine) as session:
        return [outbox.insert_one(session, kind=kind, chat_id=100 + i, petition_id=None,
                                  payload={"text": f"第{i}条"}, now=NOW) for i in range(count)]


def row(engine: Engine, outbox_id: int) -> Outbox:
    with Session(engine) as session:
        found = session.get(Outbox, outbox_id)
        assert found is not None
        return found


def test_of_two_workers_that_read_the_same_due_sends_only_the_first_claims_them(engine):
    ids = queue(engine, 3)
    with Session(engine) as first, Session(engine) as second:
        seen_first = [r.id for r in outbox.due(first, now=NOW, limit=10)]
        seen_second = [r.id for r in outbox.due(second, now=NOW, limit=10)]
        assert seen_first == seen_second == ids  # SQLite reads outside the write lock
        assert outbox.claim(first, seen_first, now=NOW, until=NOW + CLAIM) == set(ids)
        first.commit()
        assert outbox.claim(second, seen_second, now=NOW, until=NOW + CLAIM) == set()
        second.commit()
    assert {row(engine, i).status for i in ids} == {OutboxStatus.SENDING}
    assert {row(engine, i).claimed_until for i in ids} == {NOW + CLAIM}


def test_a_claim_that_expired_is_taken_over_and_a_live_one_is_not(engine):
    [live, expired] = queue(engine, 2)
    with transaction(engine) as session:
        outbox.claim(session, [live], now=NOW, until=NOW + CLAIM)
        outbox.claim(session, [expired], now=NOW, until=NOW + timedelta(seconds=5))
    later = NOW + timedelta(seconds=10)
    with transaction(engine) as session:
        assert [r.id for r in outbox.due(session, now=later, limit=10)] == [expired]
        assert outbox.claim(session, [live, expired], now=later, until=later + CLAIM) == {expired}
    assert row(engine, live).claimed_until == NOW + CLAIM


def test_sent_and_failed_sends_are_never_claimed_again(engine):
    [sent, failed, waiting] = queue(engine, 3)
    with transaction(engine) as session:
        outbox.take(session, [sent, failed], until=NOW + CLAIM)
        outbox.sent(session, [sent], at=NOW)
        outbox.failed(session, failed, error="Bad Request: chat not found")
        outbox.defer(session, [waiting], at=NOW + timedelta(minutes=5))
    much_later = NOW + timedelta(days=2)
    with transaction(engine) as session:
        assert [r.id for r in outbox.due(session, now=much_later, limit=10)] == [waiting]
        assert outbox.claim(session, [sent, failed], now=much_later, until=much_later) == set()
    assert row(engine, sent).sent_at == NOW and row(engine, sent).status is OutboxStatus.SENT
    gave_up = row(engine, failed)
    assert (gave_up.status, gave_up.attempts, gave_up.claimed_until) == (OutboxStatus.FAILED, 1, None)
    assert gave_up.last_error == "Bad Request: chat not found"


def test_a_retry_counts_an_attempt_and_a_deferral_does_not(engine):
    [retried, deferred] = queue(engine, 2)
    with transaction(engine) as session:
        outbox.take(session, [retried, deferred], until=NOW + CLAIM)
        outbox.retry(session, retried, error="timed out", at=NOW + timedelta(seconds=2))
        outbox.defer(session, [deferred], at=NOW + timedelta(seconds=30), error="Flood control")
    with transaction(engine) as session:
        assert outbox.attempts_and_age(session, retried) == (1, NOW)
        assert outbox.attempts_and_age(session, deferred) == (0, NOW)
        assert [r.id for r in outbox.due(session, now=NOW + timedelta(seconds=2), limit=10)] == [retried]
        assert not outbox.has_due(session, now=NOW + timedelta(seconds=1))
    assert row(engine, deferred).last_error == "Flood control"
    assert row(engine, deferred).status is OutboxStatus.PENDING


def test_a_send_that_is_gone_is_a_lookup_error_not_a_silent_no_op(engine):
    [kept] = queue(engine, 1)
    with transaction(engine) as session:
        for change in (lambda: outbox.failed(session, kept + 1, error="x"),
                       lambda: outbox.retry(session, kept + 1, error="x", at=NOW),
                       lambda: outbox.defer(session, [kept, kept + 1], at=NOW),
                       lambda: outbox.attempts_and_age(session, kept + 1)):
            with pytest.raises(LookupError):
                change()


def test_an_unsent_card_before_a_row_is_found_only_while_it_is_unsent(tmp_path):
    with seeded(tmp_path, NOW) as office:
        petition = office.submit(NORMAL_TEXT)
        engine = office.deps.engine
        [card] = [r.id for r in office.outbox(petition_id=petition.id, chat_id=HONGQI_GROUP,
                                              kind=OutboxKind.CARD)]
        with transaction(engine) as session:
            later = outbox.insert_one(session, kind=OutboxKind.MESSAGE, chat_id=HONGQI_GROUP,
                                      petition_id=petition.id, payload={"text": "补充"}, now=NOW)

        def unsent(**where: int) -> bool:
            with transaction(engine) as session:
                return outbox.unsent_card_before(session, **{
                    "petition_id": petition.id, "chat_id": HONGQI_GROUP, "before": later, **where})

        assert unsent()
        assert not unsent(before=card)  # only cards queued before the row count
        assert not unsent(chat_id=QINGNIAN_GROUP)
        with transaction(engine) as session:
            outbox.take(session, [card], until=NOW + CLAIM)
        assert unsent()  # claimed, on its way: still not out
        with transaction(engine) as session:
            outbox.sent(session, [card], at=NOW)
        assert not unsent()


def test_postgresql_workers_skip_what_another_has_locked_and_cannot_claim_it_after(tmp_path):
    with postgres_server() as server, server.database() as url:
        engine = make_engine(url)
        try:
            create_schema(engine)
            ids = queue(engine, 2)
            with Session(engine) as first, Session(engine) as second:
                mine = [r.id for r in outbox.due(first, now=NOW, limit=10)]
                assert mine == ids
                assert list(outbox.due(second, now=NOW, limit=10)) == []  # SKIP LOCKED
                assert outbox.claim(first, mine, now=NOW, until=NOW + CLAIM) == set(ids)
                first.commit()
                # A worker holding the ids from an earlier read still cannot take them.
                assert outbox.claim(second, ids, now=NOW, until=NOW + CLAIM) == set()
                second.commit()
        finally:
            engine.dispose()
