"""The petition lifecycle as an explicit state machine.

Each status (``storage.enums.Status``, re-exported here) has a machine label, a kind (open /
closed) and the name residents and staff see (``status_label``), in the manner of
FixMyStreet's states. ``TRANSITIONS`` is the whole map of the flow: an action
is allowed only from the statuses listed for it, and moves the petition to the status named
(``None``: stays where it is). Its other columns say what else the action changes: timestamps,
the handler, the deadlines, the version, which cards are shown afresh.
``reception.handling.lifecycle.apply`` carries a row out.

An action with no row (``WALKIN``) only records an event; so do the ``Note`` kinds in
``reception.petition.events`` (the deadline ladder's steps, a look at contact data).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from reception import texts
from reception.errors import InvalidTransition
from storage.enums import OPEN_STATUSES, Status

__all__ = ["OPEN_STATUSES", "TRANSITIONS", "Action", "Status", "Transition", "allowed",
           "next_status", "status_label"]


def status_label(status: Status) -> str:
    """The name residents and staff see for ``status``."""
    return texts.STATUS_LABELS[status]


class Action(StrEnum):
    SUBMIT = "submit"  # a new petition: a resident's message, or a visit registered at the desk
    APPEND = "append"  # the resident adds to the petition
    CLAIM = "claim"
    REPLY = "reply"
    ASK = "ask"  # staff need more from the resident
    ANSWER = "answer"  # the resident answers a question
    REASSIGN = "reassign"
    RESOLVE = "resolve"
    REJECT = "reject"
    MERGE = "merge"  # recorded on the duplicate (it moves) and on the original (it does not)
    CANCEL = "cancel"
    RATE = "rate"
    REOPEN = "reopen"
    MARK_COMPLEX = "mark_complex"
    WALKIN = "walkin"  # who registered a desk visit or a phone call; moves nothing
    CALL_BACK = "call_back"  # someone other than the handler called the resident back (回访)
    MARK_URGENT = "mark_urgent"  # a follow-up's danger words, or staff: urgent from now
    MARK_ROUTINE = "mark_routine"  # staff: not urgent after all (the reason is recorded)
    RETURN = "return"  # 退单: the handling group says it is not theirs; a dispatcher rules
    UPHOLD = "uphold"  # the dispatcher keeps the dispatch: back to the group that returned it
    OVERTURN = "overturn"  # the dispatcher routes it elsewhere (group, category, community)
    REFER = "refer"  # referred to a department (org.toml); tracked until it reports done
    REFERRAL_DONE = "referral_done"  # the department reported it done
    EXTEND = "extend"  # 延期申请: the handler asks for more working days
    EXTEND_APPROVE = "extend_approve"  # the approver grants them: the resolve deadline moves
    EXTEND_REFUSE = "extend_refuse"


class Handler(StrEnum):
    """What a transition does to ``Petition.handler_staff_id`` (the acting staff member)."""

    TAKE = "take"  # the actor becomes the handler
    TAKE_IF_NONE = "take_if_none"  # the actor becomes the handler unless one is set
    RELEASE = "release"  # nobody handles it until someone claims it again


class Cards(StrEnum):
    """Which of the petition's cards a transition asks to be shown afresh."""

    GROUP = "group"  # the responsible group's (the resident's own actions)
    SHOWN = "shown"  # every chat a card has been sent to
    EVERYWHERE = "everywhere"  # both: every card sent, and the responsible group's


class Clocks(StrEnum):
    """What a transition does to the deadlines (see reception.handling.lifecycle)."""

    RESUME = "resume"  # a paused clock runs again; deadlines and reminders move by the pause
    RESTART_RESOLVE = "restart_resolve"  # a fresh resolve deadline from now; the ladder resets
    COMPLEX = "complex"  # the resolve limit becomes the complex one, from the same start
    URGENT = "urgent"  # urgent limits from now, where they fall before the current deadlines
    ROUTINE = "routine"  # the routine limits, from the petition's own starts
    EXTEND = "extend"  # the resolve deadline moves out by approved working days; ladder resets


_OPEN = tuple(OPEN_STATUSES)
_BEFORE_ANSWER = (Status.SUBMITTED, Status.CLAIMED, Status.REOPENED)


@dataclass(frozen=True)
class Transition:
    """One action: where it may start, where it leads, and everything else it changes.

    ``reception.handling.lifecycle.apply`` carries the columns out; nothing else sets the
    fields named here.
    """

    sources: tuple[Status, ...]
    target: Status | None  # None: stays where it is
    stamps: tuple[str, ...] = ()  # Petition fields set to now
    clears: tuple[str, ...] = ()  # Petition fields emptied
    counts: tuple[str, ...] = ()  # Petition counters incremented
    first_response: bool = False  # is the first response when none was recorded yet
    handler: Handler | None = None
    clocks: Clocks | None = None
    version: bool = True  # bumps Petition.version
    statuses: bool = True  # the timeline event records the status before and after
    cards: Cards = Cards.EVERYWHERE
    into_original: bool = False  # links it to the original, whose timeline notes it (merge)


TRANSITIONS: dict[Action, Transition] = {
    # No source: the petition is new. Its deadlines and reminders are set as it is made
    # (reception.handling.filing), from the same instant.
    Action.SUBMIT: Transition((), Status.SUBMITTED, version=False, cards=Cards.GROUP),
    Action.APPEND: Transition(_BEFORE_ANSWER, None, stamps=("last_message_at",),
                              cards=Cards.GROUP),
    Action.CLAIM: Transition((Status.SUBMITTED, Status.REOPENED), Status.CLAIMED,
                             handler=Handler.TAKE),
    Action.REPLY: Transition(_OPEN, None, first_response=True, version=False, statuses=False),
    Action.ASK: Transition(_BEFORE_ANSWER, Status.WAITING, stamps=("paused_at",),
                           first_response=True, handler=Handler.TAKE_IF_NONE),
    Action.ANSWER: Transition((Status.WAITING,), Status.CLAIMED, stamps=("last_message_at",),
                              clocks=Clocks.RESUME, cards=Cards.GROUP),
    Action.REASSIGN: Transition(_OPEN, Status.SUBMITTED, handler=Handler.RELEASE),
    Action.RESOLVE: Transition(_OPEN, Status.RESOLVED, stamps=("resolved_at",),
                               clears=("paused_at",), first_response=True,
                               handler=Handler.TAKE_IF_NONE),
    Action.REJECT: Transition(_OPEN, Status.REJECTED, stamps=("closed_at",),
                              clears=("paused_at",)),
    Action.MERGE: Transition(_OPEN, Status.MERGED, stamps=("closed_at",), into_original=True),
    Action.CANCEL: Transition((Status.SUBMITTED,), Status.CANCELLED, stamps=("closed_at",),
                              cards=Cards.GROUP),
    Action.RATE: Transition((Status.RESOLVED,), Status.CLOSED, stamps=("closed_at",),
                            cards=Cards.SHOWN),
    Action.REOPEN: Transition((Status.RESOLVED, Status.CLOSED), Status.REOPENED,
                              stamps=("resolve_started_at",), clears=("resolved_at", "closed_at"),
                              counts=("reopen_count",), clocks=Clocks.RESTART_RESOLVE,
                              cards=Cards.SHOWN),
    Action.MARK_COMPLEX: Transition(_OPEN, None, clocks=Clocks.COMPLEX),
    # The outcome is kept on the petition (callback_outcome, reception.handling.callbacks);
    # 不满意 is then a REOPEN, as a rating is.
    Action.CALL_BACK: Transition((Status.RESOLVED, Status.CLOSED), None, stamps=("callback_at",),
                                 statuses=False, cards=Cards.SHOWN),
    Action.MARK_URGENT: Transition(_OPEN, None, clocks=Clocks.URGENT),
    Action.MARK_ROUTINE: Transition(_OPEN, None, clocks=Clocks.ROUTINE),
    # The office's practice (reception.handling.returns, referrals, extensions). The
    # resident's clocks keep running through a return and a referral.
    Action.RETURN: Transition(_BEFORE_ANSWER, Status.SUBMITTED, handler=Handler.RELEASE),
    Action.UPHOLD: Transition(_OPEN, None),
    Action.OVERTURN: Transition(_OPEN, Status.SUBMITTED, handler=Handler.RELEASE),
    Action.REFER: Transition(_OPEN, None, first_response=True, handler=Handler.TAKE_IF_NONE),
    Action.REFERRAL_DONE: Transition(_OPEN, None, statuses=False),
    Action.EXTEND: Transition(_BEFORE_ANSWER, None, statuses=False),
    Action.EXTEND_APPROVE: Transition(_OPEN, None, clocks=Clocks.EXTEND),
    Action.EXTEND_REFUSE: Transition(_OPEN, None, statuses=False),
}


def next_status(action: Action, current: Status) -> Status:
    """Return the status after ``action``; raise InvalidTransition when it is not allowed."""
    transition = TRANSITIONS[action]
    if current not in transition.sources:
        template = texts.REFUSALS.get(action, texts.REFUSAL_DEFAULT)
        raise InvalidTransition(template.format(label=status_label(current)))
    return transition.target or current


def allowed(action: Action, current: Status) -> bool:
    transition = TRANSITIONS.get(action)
    return transition is not None and current in transition.sources
