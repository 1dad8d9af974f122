"""Queries the domain needs. Functions take a session and never commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, func, or_, update
from sqlalchemy import select as core_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.enums import Direction, DraftKind, Role, ScopeKind, Status
from storage.models import (
    CardMessage,
    DailyCounter,
    Draft,
    Petition,
    PetitionEvent,
    PetitionMessage,
    Resident,
    Staff,
    StaffGroup,
)
from storage.tables import table_of

# The statements run for every petition are built once, with bound parameters: building a
# SQLAlchemy expression and its cache key costs more than running it on SQLite. Where only
# a few columns are needed they are read as plain rows (Core), without ORM objects.
_resident = table_of(Resident).c
_petition = table_of(Petition).c
_message = table_of(PetitionMessage).c
_card = table_of(CardMessage).c
_group = table_of(StaffGroup).c
_event = table_of(PetitionEvent).c

_RESIDENT_BY_TG = select(Resident).where(Resident.tg_user_id == bindparam("tg_user_id"))
_GROUP_BY_CHAT = select(StaffGroup).where(StaffGroup.chat_id == bindparam("chat_id"))
_GROUP_IS_FORUM = core_select(_group.is_forum).where(_group.chat_id == bindparam("chat_id"))
_ACTIVE_GROUPS = (
    select(StaffGroup)
    .where(
        StaffGroup.scope_kind == bindparam("scope_kind"),
        StaffGroup.scope_code == bindparam("scope_code"),
        StaffGroup.active == True,  # noqa: E712
    )
    .order_by(col(StaffGroup.id))
)
_INBOUND_SEEN = core_select(_message.id).where(
    _message.chat_id == bindparam("chat_id"),
    _message.message_id == bindparam("message_id"),
    _message.direction == Direction.IN,
).limit(1)
_LATEST_OF_RESIDENT = (
    core_select(_petition.id, _petition.status, _petition.last_message_at)
    .where(_petition.resident_id == bindparam("resident_id"))
    .order_by(_petition.last_message_at.desc(), _petition.id.desc())
    .limit(1)
)
_INBOUND_KINDS = core_select(_message.kind).where(
    _message.petition_id == bindparam("petition_id"), _message.direction == Direction.IN
).order_by(_message.id)
_MERGED_NUMBERS = core_select(_petition.number).where(
    _petition.merged_into_id == bindparam("petition_id")
).order_by(_petition.id)
_CARD = select(CardMessage).where(
    CardMessage.petition_id == bindparam("petition_id"), CardMessage.chat_id == bindparam("chat_id")
)
_CARD_PLACE = core_select(_card.message_id, _card.thread_id).where(
    _card.petition_id == bindparam("petition_id"), _card.chat_id == bindparam("chat_id")
)
_DUPLICATE_CANDIDATES = {
    has_building: core_select(_petition.id, _petition.category)
    .where(
        _petition.community_code == bindparam("community_code"),
        _petition.building == bindparam("building") if has_building else _petition.building.is_(None),
        _petition.status.in_(bindparam("statuses", expanding=True)),
        _petition.created_at >= bindparam("since"),
    )
    .order_by(_petition.id.desc())
    .limit(200)
    for has_building in (True, False)
}
_DUPLICATE_ROWS = core_select(
    _petition.id, _petition.text, _petition.tokens, _petition.building
).where(_petition.id.in_(bindparam("ids", expanding=True)))
_counter = table_of(DailyCounter).c
_NEXT_COUNTER = (
    update(table_of(DailyCounter))
    .where(_counter.key == bindparam("counter_key"))
    .values(last=_counter.last + 1)
    .returning(_counter.last)
)
_EVENTS_OF = core_select(_event.action, _event.detail, _event.at).where(
    _event.petition_id == bindparam("petition_id"), _event.action.in_(bindparam("actions", expanding=True))
).order_by(_event.id)
_NUMBER_AND_STATUS = core_select(_petition.number, _petition.status).where(
    _petition.id == bindparam("petition_id")
)


def resident_by_tg(session: Session, tg_user_id: int) -> Resident | None:
    return session.exec(_RESIDENT_BY_TG, params={"tg_user_id": tg_user_id}).first()


def staff_by_tg(session: Session, tg_user_id: int) -> Staff | None:
    return session.exec(select(Staff).where(Staff.tg_user_id == tg_user_id)).first()


def active_admin_chat_ids(session: Session) -> list[int]:
    """The private chats of every active administrator."""
    return list(session.exec(select(Staff.tg_user_id).where(
        Staff.role == Role.ADMIN, Staff.active == True)).all())  # noqa: E712 (SQL)


def group_by_chat(session: Session, chat_id: int) -> StaffGroup | None:
    return session.exec(_GROUP_BY_CHAT, params={"chat_id": chat_id}).first()


def group_is_forum(session: Session, chat_id: int) -> bool:
    """Whether a bound group is a forum (False for other chats)."""
    return bool(session.execute(_GROUP_IS_FORUM, {"chat_id": chat_id}).scalar())


def active_groups(session: Session, *, scope_kind: ScopeKind, scope_code: str) -> list[StaffGroup]:
    params = {"scope_kind": scope_kind, "scope_code": scope_code}
    return list(session.exec(_ACTIVE_GROUPS, params=params))


def petition_by_number(session: Session, number: str) -> Petition | None:
    return session.exec(select(Petition).where(Petition.number == number.strip().upper())).first()


def inbound_seen(session: Session, *, chat_id: int, message_id: int) -> bool:
    params = {"chat_id": chat_id, "message_id": message_id}
    return session.execute(_INBOUND_SEEN, params).first() is not None


def inbound_seen_staff(session: Session, *, chat_id: int, message_id: int) -> bool:
    query = select(PetitionMessage.id).where(
        PetitionMessage.chat_id == chat_id,
        PetitionMessage.message_id == message_id,
        PetitionMessage.direction == Direction.STAFF,
    )
    return session.exec(query).first() is not None


def latest_petition_of(session: Session, resident_id: int) -> tuple[int, Status, datetime] | None:
    """(id, status, last_message_at) of a resident's most recently active petition."""
    row = session.execute(_LATEST_OF_RESIDENT, {"resident_id": resident_id}).first()
    return (row[0], row[1], row[2]) if row is not None else None


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
    statuses: Sequence[Status],
    group_chat_id: int | None = None,
    limit: int = 30,
) -> list[Petition]:
    query = select(Petition).where(
        col(Petition.community_code).in_(list(communities)), col(Petition.status).in_(statuses)
    )
    if group_chat_id is not None:
        query = query.where(Petition.group_chat_id == group_chat_id)
    return list(session.exec(query.order_by(col(Petition.id)).limit(limit)))


def open_petitions_of_group(session: Session, *, chat_id: int, statuses: Sequence[Status]) -> list[Petition]:
    """The petitions in ``statuses`` whose responsible group is chat ``chat_id``, by id."""
    return list(session.exec(select(Petition).where(
        Petition.group_chat_id == chat_id, col(Petition.status).in_(list(statuses)),
    ).order_by(col(Petition.id))))


def open_petitions_due_after(session: Session, *, statuses: Sequence[Status], after: datetime) -> list[Petition]:
    """Open petitions with a deadline still ahead (a new holiday arrangement may move it)."""
    return list(session.exec(select(Petition).where(
        col(Petition.status).in_(list(statuses)),
        or_(col(Petition.respond_due) > after, col(Petition.resolve_due) > after),
    ).order_by(col(Petition.id))))


def merged_into(session: Session, petition_id: int) -> list[Petition]:
    return list(session.exec(select(Petition).where(Petition.merged_into_id == petition_id)))


def number_and_status(session: Session, petition_id: int) -> tuple[str, Status] | None:
    row = session.execute(_NUMBER_AND_STATUS, {"petition_id": petition_id}).first()
    return (row[0], row[1]) if row is not None else None


def merged_numbers(session: Session, petition_id: int) -> list[str]:
    """The numbers of the duplicates merged into a petition."""
    return list(session.execute(_MERGED_NUMBERS, {"petition_id": petition_id}).scalars())


def inbound_kinds(session: Session, petition_id: int) -> list[str]:
    """The kinds (text, photo, …) of a petition's inbound messages, oldest first."""
    return list(session.execute(_INBOUND_KINDS, {"petition_id": petition_id}).scalars())


def card(session: Session, *, petition_id: int, chat_id: int) -> CardMessage | None:
    return session.exec(_CARD, params={"petition_id": petition_id, "chat_id": chat_id}).first()


def card_place(session: Session, *, petition_id: int, chat_id: int) -> tuple[int | None, int | None] | None:
    """(message_id, thread_id) of a petition's card in a chat; None when it has none."""
    row = session.execute(_CARD_PLACE, {"petition_id": petition_id, "chat_id": chat_id}).first()
    return (row[0], row[1]) if row is not None else None


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


def timeline(session: Session, petition_id: int) -> list[PetitionEvent]:
    query = (
        select(PetitionEvent)
        .where(PetitionEvent.petition_id == petition_id)
        .order_by(col(PetitionEvent.at), col(PetitionEvent.id))
    )
    return list(session.exec(query))


def duplicate_candidates(
    session: Session, *, community_code: str, building: str | None, statuses: Sequence[Status],
    since: datetime,
) -> list[tuple[int, str]]:
    """(id, category) of recent open petitions of the same community and building (both
    without one when ``building`` is None), newest first, at most 200."""
    params = {"community_code": community_code, "building": building,
              "statuses": list(statuses), "since": since}
    rows = session.execute(_DUPLICATE_CANDIDATES[bool(building)], params).all()
    return [(row[0], row[1]) for row in rows]


def duplicate_rows(session: Session, ids: Sequence[int]) -> Sequence[Row[Any]]:
    """(id, text, tokens, building) of petitions: what duplicate detection reads besides the
    category (set when a petition is created and never changed)."""
    return session.execute(_DUPLICATE_ROWS, {"ids": list(ids)}).all() if ids else []


def status_counts(session: Session) -> dict[Status, int]:
    """How many petitions stand in each status (statuses with none are left out)."""
    rows = session.execute(core_select(_petition.status, func.count()).group_by(_petition.status))
    return {status: count for status, count in rows}  # the column type hands back Status


def next_counter(session: Session, key: str) -> int:
    """Atomically take the next number for ``key`` (safe with several processes)."""
    for _ in range(3):
        value = session.execute(_NEXT_COUNTER, {"counter_key": key}).scalar_one_or_none()
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


def staff_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = [i for i in set(ids) if i is not None]
    if not wanted:
        return {}
    rows = session.exec(select(Staff).where(col(Staff.id).in_(wanted)))
    return {s.id: s.name for s in rows if s.id is not None}


def petition_of_media_group(session: Session, *, chat_id: int, media_group_id: str) -> int | None:
    """The petition an album's earlier message (same chat, same media_group_id) went into."""
    query = select(PetitionMessage.petition_id).where(
        PetitionMessage.chat_id == chat_id,
        PetitionMessage.media_group_id == media_group_id,
        PetitionMessage.direction == Direction.IN,
    )
    return session.exec(query.limit(1)).first()


def inbound_message(session: Session, *, chat_id: int, message_id: int) -> PetitionMessage | None:
    """A resident's message stored with a petition."""
    query = select(PetitionMessage).where(
        PetitionMessage.chat_id == chat_id,
        PetitionMessage.message_id == message_id,
        PetitionMessage.direction == Direction.IN,
    )
    return session.exec(query).first()


def events_of(session: Session, petition_id: int, actions: Iterable[str]) -> Sequence[Row[Any]]:
    """A petition's events of some actions, oldest first, as rows of (action, detail, at).

    Every card render reads these (provenance_lines), so it is a prepared Core statement.
    """
    return session.execute(_EVENTS_OF, {"petition_id": petition_id, "actions": list(actions)}).all()


def stale_drafts(session: Session, *, kind: DraftKind, before: datetime, limit: int) -> list[tuple[int, int]]:
    """(user, chat) of drafts of ``kind`` started before ``before``, oldest first."""
    query = (select(Draft.tg_user_id, Draft.chat_id)
             .where(Draft.kind == kind, col(Draft.created_at) < before)
             .order_by(col(Draft.created_at)).limit(limit))
    return [(int(user), int(chat)) for user, chat in session.exec(query)]
