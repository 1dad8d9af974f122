"""Queries for the escalation ladder: candidates by indexed columns, atomic step claims.

Each petition runs two deadline clocks, ``respond`` and ``resolve``; their columns are named
``<clock>_due``, ``<clock>_remind_at`` and ``<clock>_step``. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, update
from sqlmodel import Session, col, select

from storage.models import Petition

CLOCKS = ("respond", "resolve")


@dataclass(frozen=True)
class Candidate:
    """What the sweep needs to decide a petition's next step on one clock."""

    petition_id: int
    clock: str
    step: int
    due: datetime
    remind_at: datetime | None


def _columns(clock: str) -> tuple[Any, Any, Any]:
    if clock not in CLOCKS:
        raise ValueError(f"unknown deadline clock {clock!r}; expected one of {CLOCKS}")
    return (
        getattr(Petition, f"{clock}_due"),
        getattr(Petition, f"{clock}_remind_at"),
        getattr(Petition, f"{clock}_step"),
    )


def _running(clock: str, running: Sequence[str]) -> list[Any]:
    """The clock is counting: an open, unpaused petition (respond: not yet answered)."""
    conditions = [col(Petition.status).in_(list(running)), col(Petition.paused_at).is_(None)]
    if clock == "respond":
        conditions.append(col(Petition.first_response_at).is_(None))
    return conditions


def candidates(
    session: Session,
    *,
    clock: str,
    running: Sequence[str],
    now: datetime,
    second_delay: timedelta,
    limit: int,
) -> list[Candidate]:
    """Petitions whose ``clock`` has a step due at ``now``, oldest id first.

    A missing reminder instant (a row written before it existed) just skips the reminder.
    """
    due, remind_at, step = _columns(clock)
    step_due = or_(
        and_(step == 0, or_(remind_at <= now, due <= now)),
        and_(step == 1, due <= now),
        and_(step == 2, due <= now - second_delay),
    )
    query = (
        select(Petition.id, step, due, remind_at)
        .where(*_running(clock, running), col(due).is_not(None), step_due)
        .order_by(col(Petition.id))
        .limit(limit)
    )
    return [
        Candidate(petition_id=row[0], clock=clock, step=row[1], due=row[2], remind_at=row[3])
        for row in session.exec(query)
    ]


def claim_step(
    session: Session,
    *,
    clock: str,
    petition_id: int,
    from_step: int,
    to_step: int,
    due: datetime,
    running: Sequence[str],
    overdue: bool,
) -> bool:
    """Move ``clock`` from ``from_step`` to ``to_step`` if nobody else has; True if we did.

    One conditional UPDATE: the row must still be at ``from_step`` with the deadline the
    caller decided on, open and unpaused. PostgreSQL re-checks the condition after waiting
    for a concurrent writer's lock, and SQLite runs one writer at a time, so exactly one of
    several processes sees a row count of 1.
    """
    due_column, _, step = _columns(clock)
    values: dict[str, Any] = {step.key: to_step, "version": Petition.version + 1}
    if overdue:
        values["overdue"] = True
    statement = (
        update(Petition)
        .where(
            col(Petition.id) == petition_id,
            step == from_step,
            due_column == due,
            *_running(clock, running),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).rowcount == 1


def late(
    session: Session,
    *,
    communities: Iterable[str],
    open_statuses: Sequence[str],
    running: Sequence[str],
    now: datetime,
    group_chat_id: int | None = None,
    limit: int = 50,
) -> list[Petition]:
    """Open petitions marked overdue, or running past a deadline the sweep has not reached."""
    past_running_deadline = and_(
        col(Petition.status).in_(list(running)),
        or_(
            and_(col(Petition.first_response_at).is_(None), col(Petition.respond_due) <= now),
            col(Petition.resolve_due) <= now,
        ),
    )
    query = select(Petition).where(
        col(Petition.community_code).in_(list(communities)),
        col(Petition.status).in_(list(open_statuses)),
        or_(col(Petition.overdue), past_running_deadline),
    )
    if group_chat_id is not None:
        query = query.where(Petition.group_chat_id == group_chat_id)
    query = query.order_by(col(Petition.resolve_due), col(Petition.id)).limit(limit)
    return list(session.exec(query))


def due_within(
    session: Session,
    *,
    communities: Iterable[str],
    running: Sequence[str],
    start: datetime,
    end: datetime,
    group_chat_id: int | None = None,
    limit: int = 50,
) -> list[Petition]:
    """Running petitions with a deadline in ``[start, end)`` (respond only if unanswered)."""
    query = select(Petition).where(
        col(Petition.community_code).in_(list(communities)),
        col(Petition.status).in_(list(running)),
        col(Petition.paused_at).is_(None),
        or_(
            and_(
                col(Petition.first_response_at).is_(None),
                col(Petition.respond_due) >= start,
                col(Petition.respond_due) < end,
            ),
            and_(col(Petition.resolve_due) >= start, col(Petition.resolve_due) < end),
        ),
    )
    if group_chat_id is not None:
        query = query.where(Petition.group_chat_id == group_chat_id)
    query = query.order_by(col(Petition.resolve_due), col(Petition.id)).limit(limit)
    return list(session.exec(query))
