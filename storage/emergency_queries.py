"""Queries for urgent petitions: who is on duty (the roster), which are still unclaimed, their alerts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, col, select

from storage.enums import ScopeKind, Status
from storage.models import DutyShift, Petition, PetitionEvent, Staff

ALERT_ACTION = "alert"


def community_staff(session: Session, community_code: str) -> list[Staff]:
    """Active staff whose scope is exactly this community, in joining order."""
    statement = (
        select(Staff)
        .where(Staff.active, Staff.scope_kind == ScopeKind.COMMUNITY, Staff.scope_code == community_code)
        .order_by(col(Staff.id))
    )
    return list(session.exec(statement))


def unclaimed_urgent(
    session: Session, *, status: Status, since: datetime, limit: int
) -> list[tuple[int, int]]:
    """(id, version) of urgent petitions received since ``since`` still at ``status``."""
    statement = (
        select(Petition.id, Petition.version)
        .where(Petition.urgent, Petition.status == status, col(Petition.created_at) >= since,
               col(Petition.first_response_at).is_(None))
        # By arrival: the range on created_at's index reads a day's petitions, where the
        # status index would read every unclaimed one (measured in benchmarks/bench_urgent.py).
        .order_by(col(Petition.created_at), col(Petition.id))
        .limit(limit)
    )
    return [(int(pid), int(version)) for pid, version in session.exec(statement) if pid is not None]


def alerts_of(session: Session, ids: Sequence[int]) -> dict[int, tuple[int, datetime]]:
    """Per petition: how many alerts went out, and when the last one did."""
    if not ids:
        return {}
    statement = (
        select(PetitionEvent.petition_id, func.count(), func.max(PetitionEvent.at))
        .where(col(PetitionEvent.petition_id).in_(ids), PetitionEvent.action == ALERT_ACTION)
        .group_by(col(PetitionEvent.petition_id))
    )
    return {int(pid): (int(n), last) for pid, n, last in session.exec(statement)}


def claim_alert(session: Session, *, petition_id: int, version: int, status: Status) -> bool:
    """Claim the next alert of a petition: one conditional UPDATE, so of several processes
    (or a staff member claiming it meanwhile) exactly one wins."""
    statement = (
        update(Petition)
        .where(col(Petition.id) == petition_id, col(Petition.version) == version,
               col(Petition.status) == status)
        .values(version=Petition.version + 1)
        .execution_options(synchronize_session=False)
    )
    result: CursorResult[Any] = session.execute(statement)  # type: ignore[assignment]  # an UPDATE's result
    return bool(result.rowcount == 1)


# --- the duty roster ----------------------------------------------------------------------
def shifts(session: Session, *, community_code: str, first: date, last: date) -> list[tuple[date, Staff]]:
    """(day, staff) on duty for a community from ``first`` to ``last``, by day then joining."""
    statement = (
        select(col(DutyShift.day), Staff)
        .join(Staff, col(Staff.id) == DutyShift.staff_id)
        .where(DutyShift.community_code == community_code, col(DutyShift.day) >= first,
               col(DutyShift.day) <= last, Staff.active)
        .order_by(col(DutyShift.day), col(Staff.id))
    )
    return [(day, staff) for day, staff in session.exec(statement)]


def shift(session: Session, *, community_code: str, day: date, staff_id: int) -> DutyShift | None:
    statement = select(DutyShift).where(
        DutyShift.community_code == community_code, DutyShift.day == day,
        DutyShift.staff_id == staff_id)
    return session.exec(statement).first()
