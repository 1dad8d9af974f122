"""Queries for the escalation ladder: candidates from the ladder indexes, atomic step claims.

Each petition runs two deadline clocks, ``respond`` and ``resolve``; their columns are named
``<clock>_due``, ``<clock>_remind_at`` and ``<clock>_step``. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, union, update
from sqlmodel import Session, col
from sqlmodel import select as orm_select

from storage.enums import Status
from storage.models import (
    LADDER_CLOCKS,
    CardMessage,
    Petition,
    Staff,
    clock_running,
    reminder_pending,
)
from storage.tables import table_of

_petition = table_of(Petition).c
_staff = table_of(Staff).c
_card = table_of(CardMessage).c

CLOCKS = LADDER_CLOCKS


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
    return _petition[f"{clock}_due"], _petition[f"{clock}_remind_at"], _petition[f"{clock}_step"]


def _candidate_query(clock: str) -> Any:
    """Three ranges of the clock's two ladder indexes, one per way a step falls due.

    - steps 0 and 1 at the deadline (overdue; a step-0 clock skips its reminder),
    - step 2 ``second_delay`` after it (escalate),
    - step 0 at the reminder instant (remind; a missing instant, a row written before it
      existed, just skips the reminder).

    Each branch carries the index's condition whole (``clock_running``, and
    ``reminder_pending`` for the reminder), so both databases answer it from the partial
    index: the open and the closed history are never read. A clock past both its reminder
    and its deadline is found by two branches; UNION (not UNION ALL) keeps it once. No branch
    asks for "deadline still ahead": on PostgreSQL, whose statistics are those of the whole
    table, a condition that history makes look selective would draw the plan away from the
    range of what is due.
    """
    due, remind_at, step = _columns(clock)
    running = clock_running(clock)
    columns = (_petition.id, step, due, remind_at)
    # "id + 0": resuming after an id must not tempt SQLite into a primary-key range (every row
    # after it) instead of the ladder index's range of what is due.
    after = _petition.id + 0 > bindparam("after")
    branches = (
        select(*columns).where(running, step.in_([0, 1]), due <= bindparam("now"), after),
        select(*columns).where(running, step == 2, due <= bindparam("escalate_before"), after),
        select(*columns).where(running, reminder_pending(clock), remind_at <= bindparam("now"),
                               after),
    )
    due_steps = union(*branches).subquery("due_step")
    return select(due_steps).order_by(due_steps.c.id).limit(bindparam("limit"))


_CANDIDATES = {clock: _candidate_query(clock) for clock in CLOCKS}


def candidates(
    session: Session,
    *,
    clock: str,
    now: datetime,
    second_delay: timedelta,
    limit: int,
    after: int = 0,
) -> list[Candidate]:
    """Petitions with an id above ``after`` whose ``clock`` has a step due at ``now``, oldest
    id first, at most ``limit``."""
    _columns(clock)  # validates the clock
    params = {"now": now, "escalate_before": now - second_delay, "after": after, "limit": limit}
    return [
        Candidate(petition_id=row[0], clock=clock, step=row[1], due=row[2], remind_at=row[3])
        for row in session.execute(_CANDIDATES[clock], params)
    ]


_LOCK = {
    clock: (
        select(_petition.id, _columns(clock)[2], _columns(clock)[0], _columns(clock)[1])
        .where(_petition.id.in_(bindparam("ids", expanding=True)))
        .order_by(_petition.id)
        .with_for_update()
    )
    for clock in CLOCKS
}


def lock(session: Session, *, clock: str, petition_ids: Sequence[int]) -> list[Candidate]:
    """Lock a batch's rows in id order and read their ``clock`` again.

    PostgreSQL: ``FOR UPDATE`` in one order for every sweeper, so two never deadlock over a
    batch, and a row another transaction is changing is read once that one is done. SQLite
    has no row locks (SQLAlchemy leaves the clause out); its one writer at a time, and the
    conditions of ``claim``, keep sweepers apart there.
    """
    if not petition_ids:
        return []
    rows = session.execute(_LOCK[clock], {"ids": list(petition_ids)})
    return [Candidate(petition_id=row[0], clock=clock, step=row[1], due=row[2], remind_at=row[3])
            for row in rows]


def _claim_statement(clock: str, to_step: int) -> Any:
    """Move the listed rows of ``clock`` from ``from_step`` to ``to_step`` where that step is
    still due on the row as it is now."""
    due, remind_at, step = _columns(clock)
    still_due = {
        1: and_(remind_at <= bindparam("now"), due > bindparam("now")),
        2: due <= bindparam("now"),
        3: due <= bindparam("escalate_before"),
    }[to_step]
    values: dict[str, Any] = {step.key: to_step, "version": _petition.version + 1}
    if to_step >= 2:
        values["overdue"] = True
    return (
        update(table_of(Petition))
        .where(_petition.id.in_(bindparam("ids", expanding=True)),
               step == bindparam("from_step"), clock_running(clock), still_due)
        .values(**values)
        .returning(_petition.id)
    )


# Built once: a claim executes a prepared statement, it does not build one per step.
_CLAIMS = {(clock, to_step): _claim_statement(clock, to_step)
           for clock in CLOCKS for to_step in (1, 2, 3)}


def claim(
    session: Session,
    *,
    clock: str,
    petition_ids: Sequence[int],
    from_step: int,
    to_step: int,
    now: datetime,
    second_delay: timedelta,
) -> set[int]:
    """Move ``clock`` of these petitions from ``from_step`` to ``to_step`` (1 remind, 2 overdue,
    3 escalate) where nobody else has and the step is still due; the ids this call moved.

    One conditional UPDATE: a row must still be at ``from_step``, its clock counting, the step
    due by its current deadline and reminder instant. PostgreSQL re-checks the condition
    after waiting for a concurrent writer's lock, and SQLite runs one writer at a time, so of
    several processes exactly one gets each row back.
    """
    if not petition_ids:
        return set()
    params = {"ids": list(petition_ids), "from_step": from_step, "now": now,
              "escalate_before": now - second_delay}
    return set(session.execute(_CLAIMS[clock, to_step], params).scalars())


@dataclass(frozen=True)
class Announced:
    """What announcing a ladder step needs to know about its petition."""

    id: int
    number: str
    category: str
    community_code: str
    street_code: str
    group_chat_id: int | None
    respond_due: datetime | None
    resolve_due: datetime | None
    handler_tg_user_id: int | None
    handler_name: str | None
    card_chats: tuple[int, ...]


_ANNOUNCED = (
    select(_petition.id, _petition.number, _petition.category, _petition.community_code,
           _petition.street_code, _petition.group_chat_id, _petition.respond_due, _petition.resolve_due,
           _staff.tg_user_id, _staff.name)
    .select_from(table_of(Petition).outerjoin(
        table_of(Staff), _staff.id == _petition.handler_staff_id))
    .where(_petition.id.in_(bindparam("ids", expanding=True)))
)
_CARDS = (
    select(_card.petition_id, _card.chat_id)
    .where(_card.petition_id.in_(bindparam("ids", expanding=True)))
    .order_by(_card.petition_id, _card.chat_id)
)


def announced(session: Session, petition_ids: Iterable[int]) -> dict[int, Announced]:
    """The petitions of a batch of steps with their handler and card chats: two queries."""
    ids = sorted(set(petition_ids))
    if not ids:
        return {}
    cards: dict[int, list[int]] = {}
    for petition_id, chat_id in session.execute(_CARDS, {"ids": ids}):
        cards.setdefault(petition_id, []).append(chat_id)
    return {
        # mypy cannot tell that the row's ten columns stop before card_chats
        row[0]: Announced(*row, card_chats=tuple(cards.get(row[0], ())))  # type: ignore[misc]
        for row in session.execute(_ANNOUNCED, {"ids": ids})
    }


def late(
    session: Session,
    *,
    communities: Iterable[str],
    open_statuses: Sequence[Status],
    running: Sequence[Status],
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
    query = orm_select(Petition).where(
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
    running: Sequence[Status],
    start: datetime,
    end: datetime,
    group_chat_id: int | None = None,
    limit: int = 50,
) -> list[Petition]:
    """Running petitions with a deadline in ``[start, end)`` (respond only if unanswered)."""
    query = orm_select(Petition).where(
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
