"""The petition timeline: append-only records of who did what, when.

An event's ``action`` is an ``Action`` (reception.petition.states) or a ``Note``: something
worth recording that is nobody's action on the petition and moves nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Session

from reception import texts
from reception.petition.states import Action
from storage import writes
from storage.enums import ActorKind, Status
from storage.models import Petition
from storage.tables import saved_id


class Note(StrEnum):
    """Timeline events that are not actions on the petition (see ``Action`` for those)."""

    REMIND = "remind"  # the deadline ladder: a reminder before a limit
    OVERDUE = "overdue"  # ... the limit passed, the street's supervisors told
    ESCALATE = "escalate"  # ... a day later, the district's
    VIEW_CONTACT = "view_contact"  # the handler unmasked the resident's contact on the web desk
    CALENDAR = "calendar"  # the year's holidays were published: the deadlines were recounted
    EDIT = "edit"  # the resident edited a message: detail keeps before and after (handling.edits)
    ALERT = "alert"  # an urgent petition: everyone who must act alerted (again, until claimed)
    CALLBACK_DUE = "callback_due"  # put on the call-back list (回访): not rated, or sampled
    CALLBACK_NOTE = "callback_note"  # the caller's note, sent after an outcome button
    KNOWLEDGE = "knowledge"  # the resident had a knowledge-base answer first, and still asked
    VISIT = "visit"  # found on a home visit (民情日记): who visited which household
    TOPIC = "topic"  # behind the problem a street picked as its 每月一题 (reports.monthly)
    RECLASSIFY = "reclassify"  # a resident's edit changed the category or the group (handling.edits)
    DEPARTMENT_REPLY = "department_reply"  # a department answered a referral in its group
    REFERRAL_REMIND = "referral_remind"  # a referral's deadline is near (the sweep)
    REFERRAL_OVERDUE = "referral_overdue"  # ... and passed
    RETURN_LATE = "return_late"  # the dispatcher's ruling on a return is late (the sweep)


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: int | None = None  # Resident.id / Staff.id
    name: str = ""

    @classmethod
    def system(cls) -> Actor:
        return cls(ActorKind.SYSTEM, None, texts.SYSTEM_ACTOR)


def record(
    session: Session,
    petition: Petition,
    *,
    action: Action | Note,
    actor: Actor,
    at: datetime,
    from_status: Status | None = None,
    to_status: Status | None = None,
    **detail: Any,
) -> None:
    """Append one event; ``detail`` holds what the event needs to be read later."""
    if actor.name:
        detail.setdefault("actor_name", actor.name)
    writes.insert_event(
        session,
        petition_id=saved_id(petition),
        at=at,
        actor_kind=actor.kind,
        actor_id=actor.id,
        action=action,
        from_status=from_status,
        to_status=to_status,
        detail=detail,
    )


def event_row(
    petition_id: int,
    *,
    action: str,
    actor: Actor,
    at: datetime,
    from_status: Status | None = None,
    to_status: Status | None = None,
    **detail: Any,
) -> dict[str, Any]:
    """One event as a row, for ``record_all``: what ``record`` would append."""
    if actor.name:
        detail.setdefault("actor_name", actor.name)
    return {
        "petition_id": petition_id, "at": at, "actor_kind": actor.kind, "actor_id": actor.id,
        "action": action, "from_status": from_status, "to_status": to_status, "detail": detail,
    }


def record_all(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Append many events (``event_row``) with one statement."""
    writes.insert_events(session, rows)
