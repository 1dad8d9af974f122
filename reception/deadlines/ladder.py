"""The escalation ladder (督办): the steps a late petition climbs, and when each falls due.

Every petition runs two deadline clocks: *respond* (until ``first_response_at`` is set) and
*resolve* (until it leaves the open statuses). A clock counts only while the petition is open
and not waiting on the resident (``paused_at`` unset). Each clock climbs the same ladder, one
step at a time, recorded in ``Petition.respond_step`` / ``resolve_step``:

====  ==========  =====================================  ==================================
step  action      falls due                              who hears of it
====  ==========  =====================================  ==================================
1     remind      ``reminder_share`` of the limit used   the handling group, naming the handler
2     overdue     at the deadline                        the handling group; the street
                                                         supervisors' group gets the card
3     escalate    ``second_escalation`` after deadline   the district group gets the card
====  ==========  =====================================  ==================================

Choices, and why:

- A clock first seen already past its deadline (the bot was down, or the petition was
  created late in its window) skips the reminder and goes straight to step 2: "due soon"
  after the deadline has passed helps nobody. Steps 2 and 3 are never skipped; a restart
  that missed both takes them one after the other, each once, in order.
- The reminder instant is stored (``<clock>_remind_at``) whenever the deadlines are set, so
  the sweep finds candidates with plain indexed comparisons. ``set_reminders`` computes it
  from a clock's start; a pause moves it out like the deadline (``extend_reminders_for_pause``).
- The second delay is wall-clock time (``Settings.second_escalation``, a timedelta), like
  any supervisor's "escalate after 24 hours", so ``due <= now - delay`` is a plain SQL
  comparison. A breach on Friday afternoon therefore reaches the district on Saturday.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import IntEnum

from reception.deadlines.calculator import DeadlineCalculator, Limit
from reception.deps import Deps
from reception.petition.events import Note
from reception.petition.states import Status
from storage.models import Petition

# Open statuses in which the clocks count; WAITING is open but paused.
RUNNING_STATUSES = (Status.SUBMITTED, Status.CLAIMED, Status.REOPENED)


class Step(IntEnum):
    NONE = 0
    REMINDED = 1
    OVERDUE = 2
    ESCALATED = 3

    @property
    def action(self) -> Note:
        """The timeline action recorded when the step is taken."""
        return _ACTIONS[self]


_ACTIONS = {Step.REMINDED: Note.REMIND, Step.OVERDUE: Note.OVERDUE, Step.ESCALATED: Note.ESCALATE}


def next_step(
    *, step: int, due: datetime, remind_at: datetime | None, now: datetime, delay: timedelta
) -> Step | None:
    """The step a clock at ``step`` should take at ``now``, or None when nothing is due."""
    if step >= Step.ESCALATED:
        return None
    if step == Step.OVERDUE:
        return Step.ESCALATED if now >= due + delay else None
    if now >= due:
        return Step.OVERDUE
    if step == Step.NONE and remind_at is not None and now >= remind_at:
        return Step.REMINDED
    return None


def set_reminders(deps: Deps, petition: Petition) -> None:
    """Recompute both reminder instants from the petition's current deadlines.

    Call it wherever ``respond_due``/``resolve_due`` or ``resolve_started_at`` change. The
    respond clock starts at ``created_at``, the resolve clock at ``resolve_started_at``
    (which a reopening moves); a pause folded into a deadline counts on both sides of the
    share (see ``reception.deadlines.calculator``).
    """
    calc = deps.deadlines
    limits = calc.policy.limits_for(
        urgent=petition.urgent, complex=petition.complex, category=petition.category
    )
    share = deps.settings.reminder_share
    petition.respond_remind_at = _reminder(
        calc, start=petition.created_at, due=petition.respond_due, limit=limits.respond,
        share=share,
    )
    petition.resolve_remind_at = _reminder(
        calc, start=petition.resolve_started_at or petition.created_at,
        due=petition.resolve_due, limit=limits.resolve, share=share,
    )


def extend_reminders_for_pause(
    deps: Deps, petition: Petition, *, paused_from: datetime, paused_to: datetime
) -> None:
    """Move reminders still ahead of a pause out by the pause, as the deadlines moved.

    Recomputing the share over ``[start, extended due]`` would count the pause as time
    used and, after a long pause, remind the moment the resident answers. Call it together
    with ``DeadlineCalculator.extend_for_pause`` on the deadlines.
    """
    calc = deps.deadlines
    limits = calc.policy.limits_for(
        urgent=petition.urgent, complex=petition.complex, category=petition.category
    )
    if petition.respond_remind_at is not None and petition.respond_remind_at > paused_from:
        petition.respond_remind_at = calc.extend_for_pause(
            petition.respond_remind_at, paused_from=paused_from, paused_to=paused_to,
            limit=limits.respond,
        )
    if petition.resolve_remind_at is not None and petition.resolve_remind_at > paused_from:
        petition.resolve_remind_at = calc.extend_for_pause(
            petition.resolve_remind_at, paused_from=paused_from, paused_to=paused_to,
            limit=limits.resolve,
        )


def _reminder(
    calc: DeadlineCalculator, *, start: datetime | None, due: datetime | None, limit: Limit,
    share: float,
) -> datetime | None:
    if start is None or due is None:
        return None
    return calc.reminder_at(start=start, due=due, limit=limit, share=share)
