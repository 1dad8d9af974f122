"""Queries for returns (退单), referrals to departments and extensions (延期申请).

Functions take a session and never commit. The sweep's claims are conditional UPDATEs: the
row count says who acts, so two bot processes over one database never both remind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, update
from sqlmodel import Session, col, select

from storage.models import Extension, Petition, PetitionReturn, Referral
from storage.tables import table_of


def pending_return(session: Session, petition_id: int) -> PetitionReturn | None:
    """The return of a petition still waiting for a ruling (at most one)."""
    return session.exec(select(PetitionReturn).where(
        PetitionReturn.petition_id == petition_id, col(PetitionReturn.ruling).is_(None),
    ).order_by(col(PetitionReturn.id).desc())).first()


def late_returns(session: Session, *, now: datetime, statuses: Sequence[str],
                 limit: int = 100) -> list[tuple[PetitionReturn, Petition]]:
    """Returns whose ruling is overdue and whose dispatcher was not reminded yet."""
    rows = session.exec(
        select(PetitionReturn, Petition)
        .join(Petition, col(Petition.id) == col(PetitionReturn.petition_id))
        .where(col(PetitionReturn.ruling).is_(None), PetitionReturn.reminded == False,  # noqa: E712
               col(PetitionReturn.due_at) <= now, col(Petition.status).in_(list(statuses)))
        .order_by(col(PetitionReturn.id)).limit(limit))
    return [(r, p) for r, p in rows]


def claim_return_reminder(session: Session, return_id: int) -> bool:
    """Mark a late return reminded; False when another process did first."""
    table = table_of(PetitionReturn)
    result: CursorResult[Any] = session.execute(update(table).where(  # type: ignore[assignment]
        table.c.id == return_id, table.c.reminded == False,  # noqa: E712
    ).values(reminded=True))
    return bool(result.rowcount == 1)


def open_referrals(session: Session, petition_id: int) -> list[Referral]:
    return list(session.exec(select(Referral).where(
        Referral.petition_id == petition_id, col(Referral.done_at).is_(None),
    ).order_by(col(Referral.id))))


def referrals_of(session: Session, petition_ids: Iterable[int]) -> dict[int, list[Referral]]:
    """Every referral of the petitions, oldest first, by petition id."""
    ids = list(set(petition_ids))
    found: dict[int, list[Referral]] = {}
    for start in range(0, len(ids), 500):
        for referral in session.exec(select(Referral).where(
                col(Referral.petition_id).in_(ids[start:start + 500])).order_by(col(Referral.id))):
            found.setdefault(referral.petition_id, []).append(referral)
    return found


def referral_steps_due(session: Session, *, now: datetime, statuses: Sequence[str],
                       limit: int = 100) -> list[tuple[Referral, Petition]]:
    """Open referrals of open petitions with a reminder (step 0) or the deadline (step < 2) due."""
    rows = session.exec(
        select(Referral, Petition)
        .join(Petition, col(Petition.id) == col(Referral.petition_id))
        .where(col(Referral.done_at).is_(None), col(Referral.step) < 2,
               col(Petition.status).in_(list(statuses)),
               ((col(Referral.step) == 0) & (col(Referral.remind_at) <= now))
               | (col(Referral.due_at) <= now))
        .order_by(col(Referral.id)).limit(limit))
    return [(r, p) for r, p in rows]


def claim_referral_step(session: Session, referral_id: int, *, from_step: int, to_step: int) -> bool:
    """Move a referral's ladder from one step to the next; False when another process did."""
    table = table_of(Referral)
    result: CursorResult[Any] = session.execute(update(table).where(  # type: ignore[assignment]
        table.c.id == referral_id, table.c.step == from_step,
    ).values(step=to_step))
    return bool(result.rowcount == 1)


def pending_extension(session: Session, petition_id: int) -> Extension | None:
    return session.exec(select(Extension).where(
        Extension.petition_id == petition_id, col(Extension.decision).is_(None),
    ).order_by(col(Extension.id).desc())).first()


def extensions_of(session: Session, petition_id: int) -> list[Extension]:
    return list(session.exec(select(Extension).where(Extension.petition_id == petition_id)
                             .order_by(col(Extension.id))))


def returns_between(session: Session, *, since: datetime, until: datetime,
                    communities: Sequence[str]) -> list[PetitionReturn]:
    """Returns made in ``[since, until)`` on the communities' petitions (the digest)."""
    return list(session.exec(
        select(PetitionReturn).join(Petition, col(Petition.id) == col(PetitionReturn.petition_id))
        .where(col(PetitionReturn.created_at) >= since, col(PetitionReturn.created_at) < until,
               col(Petition.community_code).in_(list(communities)))
        .order_by(col(PetitionReturn.id))))


def extensions_between(session: Session, *, since: datetime, until: datetime,
                       communities: Sequence[str]) -> list[Extension]:
    return list(session.exec(
        select(Extension).join(Petition, col(Petition.id) == col(Extension.petition_id))
        .where(col(Extension.created_at) >= since, col(Extension.created_at) < until,
               col(Petition.community_code).in_(list(communities)))
        .order_by(col(Extension.id))))


def referrals_between(session: Session, *, since: datetime, until: datetime,
                      communities: Sequence[str]) -> list[Referral]:
    return list(session.exec(
        select(Referral).join(Petition, col(Petition.id) == col(Referral.petition_id))
        .where(col(Referral.created_at) >= since, col(Referral.created_at) < until,
               col(Petition.community_code).in_(list(communities)))
        .order_by(col(Referral.id))))
