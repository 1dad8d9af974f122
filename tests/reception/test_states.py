"""The petition state machine: every allowed and every forbidden transition, as a table."""

from __future__ import annotations

import pytest

from reception.errors import InvalidTransition
from reception.petition.states import (
    OPEN_STATUSES,
    TRANSITIONS,
    Action,
    Status,
    allowed,
    next_status,
    status_label,
)

S = Status

# The policy, written out by hand: row = action, column = the status it starts from, cell =
# the status it leads to ("-": refused). Not derived from TRANSITIONS, so a transition the
# code allows by mistake (or refuses by mistake) fails here. SUBMIT makes a new petition and
# WALKIN records who registered a visit: neither acts on an existing petition.
POLICY = """
action        submitted  claimed    waiting    reopened   resolved   closed     rejected   merged     cancelled
submit        -          -          -          -          -          -          -          -          -
append        submitted  claimed    -          reopened   -          -          -          -          -
claim         claimed    -          -          claimed    -          -          -          -          -
reply         submitted  claimed    waiting    reopened   -          -          -          -          -
ask           waiting    waiting    -          waiting    -          -          -          -          -
answer        -          -          claimed    -          -          -          -          -          -
reassign      submitted  submitted  submitted  submitted  -          -          -          -          -
resolve       resolved   resolved   resolved   resolved   -          -          -          -          -
reject        rejected   rejected   rejected   rejected   -          -          -          -          -
merge         merged     merged     merged     merged     -          -          -          -          -
cancel        cancelled  -          -          -          -          -          -          -          -
rate          -          -          -          -          closed     -          -          -          -
reopen        -          -          -          -          reopened   reopened   -          -          -
mark_complex  submitted  claimed    waiting    reopened   -          -          -          -          -
walkin        -          -          -          -          -          -          -          -          -
call_back     -          -          -          -          resolved   closed     -          -          -
mark_urgent   submitted  claimed    waiting    reopened   -          -          -          -          -
mark_routine  submitted  claimed    waiting    reopened   -          -          -          -          -
return        submitted  submitted  -          submitted  -          -          -          -          -
uphold        submitted  claimed    waiting    reopened   -          -          -          -          -
overturn      submitted  submitted  submitted  submitted  -          -          -          -          -
refer         submitted  claimed    waiting    reopened   -          -          -          -          -
referral_done submitted  claimed    waiting    reopened   -          -          -          -          -
extend        submitted  claimed    -          reopened   -          -          -          -          -
extend_approve submitted claimed    waiting    reopened   -          -          -          -          -
extend_refuse submitted  claimed    waiting    reopened   -          -          -          -          -
"""


def _policy() -> dict[tuple[Action, Status], Status | None]:
    header, *rows = [line.split() for line in POLICY.strip().splitlines()]
    sources = [Status(name) for name in header[1:]]
    return {(Action(row[0]), source): (None if cell == "-" else Status(cell))
            for row in rows for source, cell in zip(sources, row[1:], strict=True)}


TABLE = _policy()
ALLOWED = [(action, source, target) for (action, source), target in TABLE.items() if target]
FORBIDDEN = [(action, source) for (action, source), target in TABLE.items() if target is None]


def test_the_policy_covers_every_action_and_status():
    assert set(TABLE) == {(action, status) for action in Action for status in Status}


@pytest.mark.parametrize(("action", "source", "target"), ALLOWED)
def test_allowed_transitions(action, source, target):
    assert allowed(action, source)
    assert next_status(action, source) is target


@pytest.mark.parametrize(("action", "status"), FORBIDDEN)
def test_forbidden_transitions_explain_themselves(action, status):
    assert not allowed(action, status)
    if action in TRANSITIONS:  # an action with no row is never a transition
        with pytest.raises(InvalidTransition, match=status_label(status)):
            next_status(action, status)


@pytest.mark.parametrize("status", sorted(set(Status) - OPEN_STATUSES))
def test_closed_petitions_take_no_staff_action(status):
    for action in (Action.CLAIM, Action.REPLY, Action.RESOLVE, Action.REJECT, Action.MERGE,
                   Action.REASSIGN, Action.CANCEL):
        assert not allowed(action, status)


def test_cancel_only_before_anyone_handles_it():
    assert [s for s in Status if allowed(Action.CANCEL, s)] == [S.SUBMITTED]


def test_every_status_has_a_label():
    assert all(status_label(status) for status in Status)


def test_refusals_name_the_action_when_it_has_its_own_words():
    with pytest.raises(InvalidTransition, match="无法撤回"):
        next_status(Action.CANCEL, S.CLAIMED)
    with pytest.raises(InvalidTransition, match="不能进行此操作"):
        next_status(Action.RESOLVE, S.CLOSED)
