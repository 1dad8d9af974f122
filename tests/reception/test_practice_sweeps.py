"""The practice's clocks on the sweep, through the real services on a real database: a
referral's reminder and breach, and a late ruling's reminder, each taken once, also when two
application instances sweep the same database."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from reception.clock import ManualClock
from reception.deps import Settings
from reception.handling.referrals import Referrals
from reception.handling.returns import Returns
from storage.db import transaction
from storage.models import Outbox, PetitionEvent, PetitionReturn, Referral
from tests.clocks import MONDAY_MORNING, bj
from tests.domain import HANDLER_TG, HONGQI_GROUP, NORMAL_TEXT, STREET_GROUP, DomainOffice, make_deps, seed_office


@pytest.fixture
def offices(tmp_path):
    """Two instances over one SQLite file, as two bot processes, on one clock."""
    clock = ManualClock(MONDAY_MORNING)
    url = f"sqlite:///{tmp_path / 'minyuan.db'}"
    settings = Settings(reports_dir=Path(tmp_path / "reports"))
    first = DomainOffice(make_deps(url, clock, settings))
    seed_office(first.deps)
    second = DomainOffice(make_deps(url, clock, settings))
    yield first, second
    for office in (first, second):
        office.deps.engine.dispose()


def messages(office, *, since: int) -> Counter[int]:
    with transaction(office.deps.engine) as session:
        rows = session.exec(select(Outbox).where(Outbox.id > since, Outbox.kind == "message"))
        return Counter(row.chat_id for row in rows)


def last_outbox_id(office) -> int:
    with transaction(office.deps.engine) as session:
        ids = [row.id for row in session.exec(select(Outbox))]
        return max(ids, default=0)


def test_a_referrals_reminder_and_breach_are_taken_once_by_two_instances(offices):
    first, second = offices
    petition = first.submit(NORMAL_TEXT)
    first.desk.claim(tg_user_id=HANDLER_TG, petition_id=petition.id)
    answer = Referrals(first.desk).refer(tg_user_id=HANDLER_TG, number=petition.number,
                                         department="城管", note="违章搭建")
    assert "城管执法中队" in answer and "转办单" in answer
    sweeps = [Referrals(first.desk).sweep, Referrals(second.desk).sweep]
    with transaction(first.deps.engine) as session:
        referral = session.exec(select(Referral)).one()
    # Ten working days from Monday 23 November: due Monday 7 December 09:00; reminded at 3/4.
    assert referral.due_at == bj(2026, 12, 7, 9)
    assert bj(2026, 12, 2, 9) < referral.remind_at < referral.due_at

    before = last_outbox_id(first)
    first.clock.set(referral.remind_at + timedelta(minutes=1))
    assert [sweep() for sweep in sweeps] == [1, 0]
    assert messages(first, since=before) == Counter({HONGQI_GROUP: 1})
    before = last_outbox_id(first)
    first.clock.set(referral.due_at + timedelta(minutes=1))
    assert [sweep() for sweep in sweeps[::-1]] == [1, 0]
    assert messages(first, since=before) == Counter({HONGQI_GROUP: 1, STREET_GROUP: 1})
    first.clock.set(referral.due_at + timedelta(days=5))
    assert [sweep() for sweep in sweeps] == [0, 0], "the ladder of a referral has two steps"
    with transaction(first.deps.engine) as session:
        actions = [e.action for e in session.exec(select(PetitionEvent).where(
            PetitionEvent.petition_id == petition.id))]
    assert actions.count("referral_remind") == 1 and actions.count("referral_overdue") == 1


def test_a_late_ruling_is_reminded_once_and_not_after_the_ruling(offices):
    first, second = offices
    petition = first.submit(NORMAL_TEXT)
    answer = Returns(first.desk).give_back(tg_user_id=HANDLER_TG, number=petition.number,
                                           reason="不属于本社区", chat_id=HONGQI_GROUP)
    assert "已退单" in answer
    with transaction(first.deps.engine) as session:
        returned = session.exec(select(PetitionReturn)).one()
    assert returned.due_at == bj(2026, 11, 23, 14, 30)  # four working hours, lunch excluded
    reminders = [Returns(first.desk).remind_late_rulings, Returns(second.desk).remind_late_rulings]
    first.clock.set(returned.due_at - timedelta(minutes=1))
    assert [remind() for remind in reminders] == [0, 0]
    first.clock.set(returned.due_at + timedelta(minutes=1))
    assert [remind() for remind in reminders] == [1, 0]
    first.clock.set(returned.due_at + timedelta(days=1))
    assert [remind() for remind in reminders] == [0, 0]
