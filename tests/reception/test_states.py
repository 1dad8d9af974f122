"""The petition state machine: every allowed and every forbidden transition, as a table."""

from __future__ import annotations

import pytest

from reception.errors import InvalidTransition
from reception.petition.states import OPEN_STATUSES, TRANSITIONS, Action, Status, allowed, next_status

S = Status
ALLOWED = [
    (Action.CLAIM, S.SUBMITTED, S.CLAIMED),
    (Action.CLAIM, S.REOPENED, S.CLAIMED),
    (Action.APPEND, S.SUBMITTED, S.SUBMITTED),
    (Action.APPEND, S.CLAIMED, S.CLAIMED),
    (Action.ASK, S.CLAIMED, S.WAITING),
    (Action.ANSWER, S.WAITING, S.CLAIMED),
    (Action.REPLY, S.WAITING, S.WAITING),
    (Action.REASSIGN, S.CLAIMED, S.SUBMITTED),
    (Action.RESOLVE, S.SUBMITTED, S.RESOLVED),
    (Action.RESOLVE, S.WAITING, S.RESOLVED),
    (Action.REJECT, S.CLAIMED, S.REJECTED),
    (Action.MERGE, S.SUBMITTED, S.MERGED),
    (Action.CANCEL, S.SUBMITTED, S.CANCELLED),
    (Action.RATE, S.RESOLVED, S.CLOSED),
    (Action.REOPEN, S.RESOLVED, S.REOPENED),
    (Action.REOPEN, S.CLOSED, S.REOPENED),
    (Action.MARK_COMPLEX, S.CLAIMED, S.CLAIMED),
]


@pytest.mark.parametrize(("action", "source", "target"), ALLOWED)
def test_allowed_transitions(action, source, target):
    assert next_status(action, source) is target


FORBIDDEN = [
    (action, status)
    for action, transition in TRANSITIONS.items()
    for status in Status
    if status not in transition.sources
]


@pytest.mark.parametrize(("action", "status"), FORBIDDEN)
def test_forbidden_transitions_explain_themselves(action, status):
    assert not allowed(action, status)
    with pytest.raises(InvalidTransition, match=status.label):
        next_status(action, status)


@pytest.mark.parametrize("status", sorted(set(Status) - OPEN_STATUSES))
def test_closed_petitions_take_no_staff_action(status):
    for action in (Action.CLAIM, Action.REPLY, Action.RESOLVE, Action.REJECT, Action.MERGE,
                   Action.REASSIGN, Action.CANCEL):
        assert not allowed(action, status)


def test_cancel_only_before_anyone_handles_it():
    assert [s for s in Status if allowed(Action.CANCEL, s)] == [S.SUBMITTED]


def test_every_status_has_a_label():
    assert all(status.label for status in Status)
