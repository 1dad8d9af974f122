"""Rating, called directly: thanks and close, reopen within the window, refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest

from reception import texts
from reception.errors import InvalidInput, NotAllowed
from reception.petition.states import Status
from storage import queries
from storage.db import transaction
from tests.domain import HANDLER_TG, NORMAL_TEXT, RESIDENT_TG


@pytest.fixture
def resolved(office):
    petition = office.submit(NORMAL_TEXT)
    office.desk.resolve(tg_user_id=HANDLER_TG, number=petition.number, result="已更换门禁")
    return office.petition(petition.id)


def rate(office, petition, rating, *, tg_user_id=RESIDENT_TG):
    return office.feedback.rate(tg_user_id=tg_user_id, petition_id=petition.id, rating=rating)


def test_satisfied_closes_with_thanks(office, resolved):
    answer = rate(office, resolved, "satisfied")
    assert answer == texts.RATED_THANKS.format(rating="满意", number=resolved.number)
    after = office.petition(resolved.id)
    assert (after.status, after.rating, after.rated_at) == (
        Status.CLOSED, "satisfied", office.clock.now())
    assert after.version == resolved.version + 1


def test_unsatisfied_within_the_window_reopens_with_a_new_clock(office, resolved):
    office.clock.advance(timedelta(days=3))
    answer = rate(office, resolved, "unsatisfied")
    assert answer == texts.RATED_REOPENED.format(number=resolved.number)
    after = office.petition(resolved.id)
    assert (after.status, after.reopen_count, after.resolved_at) == (Status.REOPENED, 1, None)
    assert after.resolve_started_at == office.clock.now()
    assert after.version == resolved.version + 1
    with transaction(office.deps.engine) as session:
        last_two = [(e.action, e.to_status) for e in queries.timeline(session, resolved.id)][-2:]
    assert last_two == [("rate", None), ("reopen", "reopened")]


def test_unsatisfied_too_late_closes_and_says_so(office, resolved):
    office.clock.advance(timedelta(days=8))
    answer = rate(office, resolved, "unsatisfied")
    assert answer == texts.RATED_TOO_LATE.format(rating="不满意", days=7)
    assert office.petition(resolved.id).status == Status.CLOSED


def test_a_second_rating_changes_nothing(office, resolved):
    rate(office, resolved, "basic")
    assert rate(office, resolved, "unsatisfied") == texts.ALREADY_RATED
    assert office.petition(resolved.id).rating == "basic"


def test_only_the_petitions_resident_rates_it(office, resolved):
    office.intake.choose_community(tg_user_id=9002, name="李", username="", code="hongqi")
    with pytest.raises(NotAllowed, match=texts.RATE_NOT_YOURS):
        rate(office, resolved, "satisfied", tg_user_id=9002)
    assert office.petition(resolved.id).status == Status.RESOLVED


def test_a_forged_rating_is_refused(office, resolved):
    with pytest.raises(InvalidInput):
        rate(office, resolved, "excellent")
