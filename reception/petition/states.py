"""The petition lifecycle as an explicit state machine.

Each status has a machine label, a kind (open / closed) and the name residents and staff see,
in the manner of FixMyStreet's states. ``TRANSITIONS`` is the whole map of the flow: an action
is allowed only from the statuses listed for it, and moves the petition to the status named.
``None`` as a target means "stays where it is".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from reception.errors import InvalidTransition


class Status(StrEnum):
    SUBMITTED = "submitted"
    CLAIMED = "claimed"
    WAITING = "waiting"  # staff asked the resident a question; the clock is paused
    REOPENED = "reopened"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REJECTED = "rejected"
    MERGED = "merged"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES

    @property
    def label(self) -> str:
        return LABELS[self]


OPEN_STATUSES = frozenset({Status.SUBMITTED, Status.CLAIMED, Status.WAITING, Status.REOPENED})

LABELS = {
    Status.SUBMITTED: "待受理",
    Status.CLAIMED: "办理中",
    Status.WAITING: "待居民补充",
    Status.REOPENED: "重新办理",
    Status.RESOLVED: "已办结（待评价）",
    Status.CLOSED: "已办结",
    Status.REJECTED: "已驳回",
    Status.MERGED: "已合并",
    Status.CANCELLED: "已撤回",
}


class Action(StrEnum):
    SUBMIT = "submit"
    APPEND = "append"  # the resident adds to the petition
    CLAIM = "claim"
    REPLY = "reply"
    ASK = "ask"  # staff need more from the resident
    ANSWER = "answer"  # the resident answers a question
    REASSIGN = "reassign"
    RESOLVE = "resolve"
    REJECT = "reject"
    MERGE = "merge"
    CANCEL = "cancel"
    RATE = "rate"
    REOPEN = "reopen"
    MARK_COMPLEX = "mark_complex"


_OPEN = tuple(OPEN_STATUSES)


@dataclass(frozen=True)
class Transition:
    sources: tuple[Status, ...]
    target: Status | None


TRANSITIONS: dict[Action, Transition] = {
    Action.APPEND: Transition((Status.SUBMITTED, Status.CLAIMED, Status.REOPENED), None),
    Action.CLAIM: Transition((Status.SUBMITTED, Status.REOPENED), Status.CLAIMED),
    Action.REPLY: Transition(_OPEN, None),
    Action.ASK: Transition((Status.SUBMITTED, Status.CLAIMED, Status.REOPENED), Status.WAITING),
    Action.ANSWER: Transition((Status.WAITING,), Status.CLAIMED),
    Action.REASSIGN: Transition(_OPEN, Status.SUBMITTED),
    Action.RESOLVE: Transition(_OPEN, Status.RESOLVED),
    Action.REJECT: Transition(_OPEN, Status.REJECTED),
    Action.MERGE: Transition(_OPEN, Status.MERGED),
    Action.CANCEL: Transition((Status.SUBMITTED,), Status.CANCELLED),
    Action.RATE: Transition((Status.RESOLVED,), Status.CLOSED),
    Action.REOPEN: Transition((Status.RESOLVED, Status.CLOSED), Status.REOPENED),
    Action.MARK_COMPLEX: Transition(_OPEN, None),
}

# Why an action is refused, in words a resident or staff member understands.
_REFUSALS = {
    Action.CLAIM: "该诉求当前状态为「{label}」，无法认领。",
    Action.CANCEL: "该诉求已有工作人员处理（{label}），无法撤回；如有疑问请直接留言。",
    Action.RATE: "该诉求当前状态为「{label}」，暂不能评价。",
    Action.REOPEN: "该诉求当前状态为「{label}」，无法重新办理。",
}
_DEFAULT_REFUSAL = "该诉求当前状态为「{label}」，不能进行此操作。"


def next_status(action: Action, current: Status | str) -> Status:
    """Return the status after ``action``; raise InvalidTransition when it is not allowed."""
    status = Status(current)
    transition = TRANSITIONS[action]
    if status not in transition.sources:
        template = _REFUSALS.get(action, _DEFAULT_REFUSAL)
        raise InvalidTransition(template.format(label=status.label))
    return transition.target or status


def allowed(action: Action, current: Status | str) -> bool:
    return Status(current) in TRANSITIONS[action].sources
