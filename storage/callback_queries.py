"""Queries behind the call-back list (回访, reception.handling.callbacks). Never commits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import and_, exists, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.enums import CallbackReason, Role, Status
from storage.models import CallBack, Petition, Staff

_CALLED_BACK_STATUSES = (Status.RESOLVED, Status.CLOSED)


def resolved_without_callback(session: Session, *, resolved_since: datetime,
                              resolved_before: datetime, limit: int = 500) -> list[Petition]:
    """Resolved (or rated and closed) petitions whose resolution in ``[resolved_since,
    resolved_before]`` has no call-back row yet, oldest resolution first."""
    queued = exists().where(and_(col(CallBack.petition_id) == col(Petition.id),
                                 col(CallBack.resolved_at) == col(Petition.resolved_at)))
    query = (select(Petition)
             .where(col(Petition.status).in_(_CALLED_BACK_STATUSES),
                    col(Petition.resolved_at) >= resolved_since,
                    col(Petition.resolved_at) <= resolved_before, ~queued)
             .order_by(col(Petition.resolved_at), col(Petition.id)).limit(limit))
    return list(session.exec(query))


def add_callback(session: Session, row: CallBack) -> bool:
    """Insert ``row`` unless that resolution is already on the list (another process was
    first); returns whether it was inserted."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return False
    return True


def pending_callbacks(session: Session, *, communities: Sequence[str],
                      limit: int = 30) -> list[tuple[CallBack, Petition]]:
    """Call-backs not done yet in ``communities`` whose petition still stands as it was
    resolved (not reopened since), oldest first. An unrated one the resident has rated in the
    meantime is left out: the resident answered."""
    query = (select(CallBack, Petition)
             .join(Petition, col(Petition.id) == col(CallBack.petition_id))
             .where(col(CallBack.community_code).in_(list(communities)),
                    col(CallBack.done_at).is_(None),
                    col(Petition.status).in_(_CALLED_BACK_STATUSES),
                    col(Petition.resolved_at) == col(CallBack.resolved_at))
             .order_by(col(CallBack.created_at), col(CallBack.id)))
    rows = [(callback, petition) for callback, petition in session.exec(query)
            if callback.reason == CallbackReason.SAMPLE or petition.rating is None]
    return rows[:limit]


def pending_callback_of(session: Session, petition: Petition) -> CallBack | None:
    """The call-back row of the petition's current resolution, done or not."""
    return session.exec(select(CallBack).where(
        CallBack.petition_id == petition.id, CallBack.resolved_at == petition.resolved_at)).first()


def callback_notes(session: Session, petition_ids: Iterable[int]) -> dict[int, str]:
    """The note of each petition's latest recorded call-back (for the register)."""
    ids = sorted(set(petition_ids))
    if not ids:
        return {}
    rows = session.exec(select(CallBack.petition_id, CallBack.note)
                        .where(col(CallBack.petition_id).in_(ids), col(CallBack.done_at).is_not(None))
                        .order_by(col(CallBack.done_at), col(CallBack.id)))
    return {petition_id: note for petition_id, note in rows}


def active_staff_named(session: Session, names: Iterable[str]) -> list[Staff]:
    wanted = list(names)
    if not wanted:
        return []
    return list(session.exec(select(Staff).where(col(Staff.name).in_(wanted),
                                                 col(Staff.active).is_(True))))


def active_admins(session: Session) -> list[Staff]:
    return list(session.exec(select(Staff).where(Staff.role == Role.ADMIN,
                                                 col(Staff.active).is_(True))))


def done_counts(session: Session, *, communities: Sequence[str], since: datetime,
                until: datetime) -> dict[str, int]:
    """Call-backs recorded in ``[since, until)`` per outcome (for the digest)."""
    rows = session.exec(
        select(CallBack.outcome, func.count())
        .where(col(CallBack.community_code).in_(list(communities)),
               col(CallBack.done_at) >= since, col(CallBack.done_at) < until)
        .group_by(col(CallBack.outcome)))
    return {str(outcome): int(count) for outcome, count in rows}


def latest_done_callback(session: Session, petition_id: int, *,
                         caller_staff_id: int | None) -> CallBack | None:
    """The petition's last recorded call-back by this caller."""
    return session.exec(select(CallBack).where(
        CallBack.petition_id == petition_id, CallBack.caller_staff_id == caller_staff_id,
        col(CallBack.done_at).is_not(None)).order_by(col(CallBack.done_at).desc(),
                                                     col(CallBack.id).desc())).first()
