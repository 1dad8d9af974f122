"""Queries behind the visit diary (民情日记, reception.handling.visits). Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from storage.enums import ScopeKind
from storage.models import Staff, Visit


def visit_of_message(session: Session, *, chat_id: int, message_id: int) -> Visit | None:
    return session.exec(select(Visit).where(Visit.chat_id == chat_id,
                                            Visit.message_id == message_id)).first()


def visits_of(session: Session, *, staff_id: int, since: datetime, until: datetime) -> list[Visit]:
    """One staff member's visits in ``[since, until)``, oldest first."""
    return list(session.exec(select(Visit).where(
        Visit.staff_id == staff_id, col(Visit.visited_at) >= since, col(Visit.visited_at) < until)
        .order_by(col(Visit.visited_at), col(Visit.id))))


def visits_in(session: Session, *, communities: Sequence[str], since: datetime,
              until: datetime) -> list[Visit]:
    return list(session.exec(select(Visit).where(
        col(Visit.community_code).in_(list(communities)), col(Visit.visited_at) >= since,
        col(Visit.visited_at) < until).order_by(col(Visit.visited_at), col(Visit.id))))


def community_staff(session: Session, communities: Sequence[str]) -> list[Staff]:
    """Active staff whose scope is one of ``communities`` (those who visit homes)."""
    return list(session.exec(select(Staff).where(
        Staff.scope_kind == ScopeKind.COMMUNITY, col(Staff.scope_code).in_(list(communities)),
        col(Staff.active).is_(True)).order_by(col(Staff.id))))
