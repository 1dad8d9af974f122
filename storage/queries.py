"""Queries the domain needs. Functions take a session and never commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import (
    CardMessage,
    DailyCounter,
    Petition,
    PetitionEvent,
    PetitionMessage,
    Resident,
    Staff,
    StaffGroup,
)


def resident_by_tg(session: Session, tg_user_id: int) -> Resident | None:
    return session.exec(select(Resident).where(Resident.tg_user_id == tg_user_id)).first()


def staff_by_tg(session: Session, tg_user_id: int) -> Staff | None:
    return session.exec(select(Staff).where(Staff.tg_user_id == tg_user_id)).first()


def group_by_chat(session: Session, chat_id: int) -> StaffGroup | None:
    return session.exec(select(StaffGroup).where(StaffGroup.chat_id == chat_id)).first()


def active_groups(session: Session, *, scope_kind: str, scope_code: str) -> list[StaffGroup]:
    query = select(StaffGroup).where(
        StaffGroup.scope_kind == scope_kind,
        StaffGroup.scope_code == scope_code,
        StaffGroup.active == True,  # noqa: E712
    )
    return list(session.exec(query.order_by(col(StaffGroup.id))))


def petition_by_number(session: Session, number: str) -> Petition | None:
    return session.exec(select(Petition).where(Petition.number == number.strip().upper())).first()


def inbound_seen(session: Session, *, chat_id: int, message_id: int) -> bool:
    query = select(PetitionMessage.id).where(
        PetitionMessage.chat_id == chat_id,
        PetitionMessage.message_id == message_id,
        PetitionMessage.direction == "in",
    )
    return session.exec(query).first() is not None


def inbound_seen_staff(session: Session, *, chat_id: int, message_id: int) -> bool:
    query = select(PetitionMessage.id).where(
        PetitionMessage.chat_id == chat_id,
        PetitionMessage.message_id == message_id,
        PetitionMessage.direction == "staff",
    )
    return session.exec(query).first() is not None


def latest_petition_of(session: Session, resident_id: int) -> Petition | None:
    query = (
        select(Petition)
        .where(Petition.resident_id == resident_id)
        .order_by(col(Petition.last_message_at).desc(), col(Petition.id).desc())
    )
    return session.exec(query).first()


def petitions_of(session: Session, resident_id: int, *, limit: int = 20) -> list[Petition]:
    query = (
        select(Petition)
        .where(Petition.resident_id == resident_id)
        .order_by(col(Petition.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))


def open_petitions(
    session: Session,
    *,
    communities: Iterable[str],
    statuses: Sequence[str],
    group_chat_id: int | None = None,
    limit: int = 30,
) -> list[Petition]:
    query = select(Petition).where(
        col(Petition.community_code).in_(list(communities)), col(Petition.status).in_(statuses)
    )
    if group_chat_id is not None:
        query = query.where(Petition.group_chat_id == group_chat_id)
    return list(session.exec(query.order_by(col(Petition.id)).limit(limit)))


def merged_into(session: Session, petition_id: int) -> list[Petition]:
    return list(session.exec(select(Petition).where(Petition.merged_into_id == petition_id)))


def card(session: Session, *, petition_id: int, chat_id: int) -> CardMessage | None:
    query = select(CardMessage).where(
        CardMessage.petition_id == petition_id, CardMessage.chat_id == chat_id
    )
    return session.exec(query).first()


def cards_of(session: Session, petition_id: int) -> list[CardMessage]:
    return list(session.exec(select(CardMessage).where(CardMessage.petition_id == petition_id)))


def petition_by_message(session: Session, *, chat_id: int, message_id: int) -> Petition | None:
    """The petition a message in a chat belongs to: its card, or a message sent for it."""
    card_query = select(CardMessage.petition_id).where(
        CardMessage.chat_id == chat_id, CardMessage.message_id == message_id
    )
    petition_id = session.exec(card_query).first()
    if petition_id is None:
        message_query = select(PetitionMessage.petition_id).where(
            PetitionMessage.chat_id == chat_id, PetitionMessage.message_id == message_id
        )
        petition_id = session.exec(message_query).first()
    return session.get(Petition, petition_id) if petition_id is not None else None


def petition_by_thread(session: Session, *, chat_id: int, thread_id: int) -> Petition | None:
    query = select(CardMessage.petition_id).where(
        CardMessage.chat_id == chat_id, CardMessage.thread_id == thread_id
    )
    petition_id = session.exec(query).first()
    return session.get(Petition, petition_id) if petition_id is not None else None


def timeline(session: Session, petition_id: int) -> list[PetitionEvent]:
    query = (
        select(PetitionEvent)
        .where(PetitionEvent.petition_id == petition_id)
        .order_by(col(PetitionEvent.at), col(PetitionEvent.id))
    )
    return list(session.exec(query))


def messages_of(session: Session, petition_id: int) -> list[PetitionMessage]:
    query = (
        select(PetitionMessage)
        .where(PetitionMessage.petition_id == petition_id)
        .order_by(col(PetitionMessage.id))
    )
    return list(session.exec(query))


def duplicate_candidates(
    session: Session, *, community_code: str, building: str | None, statuses: Sequence[str],
    since: datetime,
) -> list[tuple[int, list[str]]]:
    """(id, tokens) of recent open petitions of the same community and building."""
    query = select(Petition.id, Petition.tokens).where(
        Petition.community_code == community_code,
        Petition.building == building if building else col(Petition.building).is_(None),
        col(Petition.status).in_(statuses),
        col(Petition.created_at) >= since,
    )
    return [(row[0], row[1]) for row in session.exec(query.order_by(col(Petition.id).desc()).limit(200))]


def next_counter(session: Session, key: str) -> int:
    """Atomically take the next number for ``key`` (safe with several processes)."""
    for _ in range(3):
        statement = (
            update(DailyCounter)
            .where(col(DailyCounter.key) == key)
            .values(last=DailyCounter.last + 1)
            .returning(DailyCounter.last)
        )
        value = session.execute(statement).scalar_one_or_none()
        if value is not None:
            return int(value)
        try:
            with session.begin_nested():
                session.add(DailyCounter(key=key, last=1))
            return 1
        except IntegrityError:
            continue  # another process created the row first; increment it
    raise RuntimeError(f"could not allocate a number for {key}")


def count(session: Session, model: type, *conditions: object) -> int:
    query = select(func.count()).select_from(model)
    for condition in conditions:
        query = query.where(condition)  # type: ignore[arg-type]
    return int(session.exec(query).one())


def staff_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = [i for i in set(ids) if i is not None]
    if not wanted:
        return {}
    rows = session.exec(select(Staff).where(col(Staff.id).in_(wanted)))
    return {s.id: s.name for s in rows if s.id is not None}
