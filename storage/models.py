"""The tables. One row per thing the office keeps; the petition timeline is append-only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ColumnElement,
    Index,
    Text,
    UniqueConstraint,
    and_,
    literal_column,
)
from sqlmodel import Field, SQLModel

from storage.enums import (
    ActorKind,
    CallbackOutcome,
    CallbackReason,
    Channel,
    Decision,
    Direction,
    DraftKind,
    InboxStatus,
    MessageKind,
    OutboxKind,
    OutboxStatus,
    PlaceKind,
    QuestionOutcome,
    Rating,
    ReturnReason,
    Role,
    Ruling,
    ScopeKind,
    Status,
    StrayOutcome,
    TopicState,
)
from storage.tables import table_of
from storage.types import EnumString, UTCDateTime


def _at(index: bool = False, nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), index=index, nullable=nullable))


def _chat_id(index: bool = False, unique: bool = False, nullable: bool = True) -> Any:
    return Field(
        default=None, sa_column=Column(BigInteger, index=index, unique=unique, nullable=nullable)
    )


class Resident(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    tg_user_id: int = Field(sa_column=Column(BigInteger, unique=True, nullable=False))
    name: str = ""
    username: str = ""
    community_code: str | None = Field(default=None, index=True)
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    phone: str | None = None
    phone_consent_at: datetime | None = _at()
    blocked_bot: bool = False
    created_at: datetime = _at(nullable=False)


class Staff(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    tg_user_id: int = Field(sa_column=Column(BigInteger, unique=True, nullable=False))
    name: str
    role: Role = Field(sa_type=EnumString(Role))
    scope_kind: ScopeKind = Field(sa_type=EnumString(ScopeKind))
    scope_code: str = Field(index=True)
    active: bool = True
    joined_at: datetime = _at(nullable=False)


class InviteCode(SQLModel, table=True):
    code: str = Field(primary_key=True)
    role: Role = Field(sa_type=EnumString(Role))
    scope_kind: ScopeKind = Field(sa_type=EnumString(ScopeKind))
    scope_code: str
    note: str = ""
    created_at: datetime = _at(nullable=False)
    expires_at: datetime = _at(nullable=False)
    used_by: int | None = Field(default=None, sa_column=Column(BigInteger))
    used_at: datetime | None = _at()


class StaffGroup(SQLModel, table=True):
    """A Telegram group bound to a scope; optionally only some categories or grids."""

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, unique=True, nullable=False))
    title: str = ""
    scope_kind: ScopeKind = Field(sa_type=EnumString(ScopeKind))
    scope_code: str = Field(index=True)
    categories: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    grids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    triage: bool = False
    is_forum: bool = False
    active: bool = True
    bound_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    bound_at: datetime = _at(nullable=False)


class DailyCounter(SQLModel, table=True):
    """The last public number handed out per day and prefix."""

    key: str = Field(primary_key=True)  # "MY-20261123"
    last: int = 0


class Petition(SQLModel, table=True):
    __table_args__ = (
        Index("ix_petition_resident_last", "resident_id", "last_message_at"),
        # Duplicate candidates: the newest open petitions of one building, newest first.
        Index("ix_petition_building", "community_code", "building", "id"),
        # The desk and the reports: one community's petitions of a period, and its open ones.
        Index("ix_petition_community_created", "community_code", "created_at"),
        # With the deadlines: the overview counts a scope's open and late ones from the index alone.
        Index("ix_petition_community_status", "community_code", "status", "resolve_due", "respond_due",
              "first_response_at", "overdue"),
        # The desk's list by category, often of the open ones only.
        Index("ix_petition_category_status", "category", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(unique=True, index=True)
    channel: Channel = Field(default=Channel.TELEGRAM, sa_type=EnumString(Channel))
    status: Status = Field(index=True, sa_type=EnumString(Status))
    community_code: str = Field(index=True)
    street_code: str = Field(index=True)
    grid_code: str | None = Field(default=None, index=True)
    resident_id: int | None = Field(default=None, foreign_key="resident.id", index=True)
    visitor_name: str | None = None  # walk-ins without Telegram
    visitor_phone: str | None = None
    category: str
    confidence: float = 0.0
    runner_up: str | None = None
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    tokens: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    urgent: bool = False
    urgent_words: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    complex: bool = False
    triage: bool = False
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    # What the desk's full-text search reads: the number and the text as everyone in scope sees
    # it (masked), set on every flush by reception.petition.searchable; NULL until then (rows of
    # a release before search, filled at start-up). Indexed per dialect (storage.search).
    search_text: str | None = Field(default=None, sa_column=Column(Text))
    group_chat_id: int | None = _chat_id(index=True)
    handler_staff_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    merged_into_id: int | None = Field(default=None, foreign_key="petition.id", index=True)
    duplicate_of_id: int | None = Field(default=None, foreign_key="petition.id", index=True)
    result: str | None = Field(default=None, sa_column=Column(Text))
    reject_reason: str | None = None
    rating: Rating | None = Field(default=None, sa_type=EnumString(Rating))
    reopen_count: int = 0
    created_at: datetime = _at(index=True, nullable=False)
    last_message_at: datetime = _at(nullable=False)
    first_response_at: datetime | None = _at()
    resolved_at: datetime | None = _at(index=True)
    closed_at: datetime | None = _at()
    rated_at: datetime | None = _at()
    # Deadlines (see reception.deadlines.calculator); resolve_started_at restarts on reopen.
    resolve_started_at: datetime | None = _at()
    respond_due: datetime | None = _at()
    resolve_due: datetime | None = _at()
    paused_at: datetime | None = _at()
    # When the reminder falls due (reminder_share of each limit used); set with the deadlines
    # by reception.deadlines.ladder.set_reminders so the sweep finds candidates by index.
    respond_remind_at: datetime | None = _at()
    resolve_remind_at: datetime | None = _at()
    # The escalation ladder: the last step taken for each clock (0 none, 1 reminded,
    # 2 overdue + street, 3 district), claimed atomically by the sweep.
    respond_step: int = 0
    resolve_step: int = 0
    overdue: bool = Field(default=False, index=True)
    version: int = 0
    # The last call-back's outcome (satisfied | basic | unsatisfied | unreachable) and when
    # it was recorded (reception.handling.callbacks); counts as the rating when none was given.
    callback_outcome: CallbackOutcome | None = Field(default=None, sa_type=EnumString(CallbackOutcome))
    callback_at: datetime | None = _at()



# The statuses in which the deadline clocks count (reception.deadlines.ladder.RUNNING_STATUSES;
# a test keeps the two equal). The ladder indexes hold only rows whose clock is counting.
CLOCK_RUNNING_STATUSES = (Status.CLAIMED, Status.REOPENED, Status.SUBMITTED)
LADDER_CLOCKS = ("respond", "resolve")


def clock_running(clock: str) -> ColumnElement[bool]:
    """The SQL condition "``clock`` is counting": a running status, not paused, and for the
    respond clock not yet answered.

    The statuses are inline literals, not bound parameters: SQLite uses a partial index only
    when each term of its WHERE appears in the query's, and PostgreSQL must prove the index's
    predicate from the query's, which a generic plan's parameters do not allow. The ladder
    indexes and the sweep's queries both take this one expression, so they always agree.
    """
    c = table_of(Petition).c
    conditions = [
        c.status.in_([literal_column(f"'{status}'") for status in CLOCK_RUNNING_STATUSES]),
        c.paused_at.is_(None),
    ]
    if clock == "respond":
        conditions.append(c.first_response_at.is_(None))
    return and_(*conditions)


def reminder_pending(clock: str) -> ColumnElement[bool]:
    """The SQL condition "``clock`` has not reminded yet" (step 0, inline like the statuses)."""
    return table_of(Petition).c[f"{clock}_step"] == literal_column("0")


def _ladder_indexes() -> None:
    """Per clock, two partial indexes over the rows whose clock is counting: by (step,
    deadline), and, while the clock has not reminded, by reminder instant. Each branch of the
    sweep's candidate query is one range of one of them (storage.ladder_queries), so a sweep
    reads what is due, not the open or the closed history."""
    c = table_of(Petition).c
    for clock in LADDER_CLOCKS:
        running = clock_running(clock)
        Index(f"ix_petition_ladder_{clock}_due", c[f"{clock}_step"], c[f"{clock}_due"],
              sqlite_where=running, postgresql_where=running)
        unreminded = and_(running, reminder_pending(clock))
        Index(f"ix_petition_ladder_{clock}_remind", c[f"{clock}_remind_at"],
              sqlite_where=unreminded, postgresql_where=unreminded)


_ladder_indexes()


class PetitionMessage(SQLModel, table=True):
    """Every message that belongs to a petition, in and out; inbound ones are unique."""

    __table_args__ = (UniqueConstraint("chat_id", "message_id", "direction"),)

    id: int | None = Field(default=None, primary_key=True)
    petition_id: int = Field(foreign_key="petition.id", index=True)
    direction: Direction = Field(sa_type=EnumString(Direction))
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    message_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    kind: MessageKind = Field(sa_type=EnumString(MessageKind))
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    file_id: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = _at(nullable=False)
    # Telegram's album id: the later photos of an album join the petition of the first.
    media_group_id: str | None = Field(default=None, index=True)


class PetitionEvent(SQLModel, table=True):
    """The append-only timeline: who did what, when, and the state it moved to."""

    id: int | None = Field(default=None, primary_key=True)
    petition_id: int = Field(foreign_key="petition.id", index=True)
    at: datetime = _at(index=True, nullable=False)
    actor_kind: ActorKind = Field(sa_type=EnumString(ActorKind))
    actor_id: int | None = None
    action: str  # a reception.petition.states.Action or a reception.petition.events.Note
    from_status: Status | None = Field(default=None, sa_type=EnumString(Status))
    to_status: Status | None = Field(default=None, sa_type=EnumString(Status))
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class CardMessage(SQLModel, table=True):
    """Where a petition's card stands in a staff chat (edited in place)."""

    __table_args__ = (UniqueConstraint("petition_id", "chat_id"),)

    id: int | None = Field(default=None, primary_key=True)
    petition_id: int = Field(foreign_key="petition.id", index=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    thread_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    created_at: datetime = _at(nullable=False)


class Outbox(SQLModel, table=True):
    """Everything the bot must send, written in the same transaction as the change.

    A delivery worker sends, retries (network errors, 429, 5xx) and survives restarts.
    """

    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: OutboxKind = Field(sa_type=EnumString(OutboxKind))
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    petition_id: int | None = Field(default=None, foreign_key="petition.id")
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: OutboxStatus = Field(default=OutboxStatus.PENDING, sa_type=EnumString(OutboxStatus))
    attempts: int = 0
    created_at: datetime = _at(nullable=False)
    next_attempt_at: datetime = _at(nullable=False)
    claimed_until: datetime | None = _at()
    sent_at: datetime | None = _at()
    last_error: str | None = None


class InboxUpdate(SQLModel, table=True):
    """Every update Telegram delivered, stored before Telegram is told it arrived.

    Polling asks for the next offset, and a webhook answers 200, only after the row is
    committed; handlers then work from here. ``status``: pending (not handled yet, due at
    ``next_attempt_at``), handled, or dead (parked after repeated failures or because it
    could not be parsed; an administrator replays it with `minyuan inbox replay`).
    """

    __table_args__ = (Index("ix_inbox_due", "status", "next_attempt_at"),)

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    chat_id: int | None = _chat_id()
    # The update's field that holds its content: message, callback_query, edited_message, …
    # (whatever Telegram adds next; "" when unreadable), so a string, not an enum.
    kind: str = ""
    payload: str = Field(sa_column=Column(Text, nullable=False))  # the update's JSON, as received
    status: InboxStatus = Field(default=InboxStatus.PENDING, sa_type=EnumString(InboxStatus))
    attempts: int = 0
    received_at: datetime = _at(nullable=False)
    next_attempt_at: datetime = _at(nullable=False)
    claimed_until: datetime | None = _at()
    handled_at: datetime | None = _at(index=True)
    last_error: str | None = None


class Correction(SQLModel, table=True):
    """A staff member moved a petition to another category: training data for the rules."""

    id: int | None = Field(default=None, primary_key=True)
    petition_id: int = Field(foreign_key="petition.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    from_category: str
    to_category: str
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    at: datetime = _at(nullable=False)


class Draft(SQLModel, table=True):
    """A pending multi-step input: a resident's held messages, a staff member's awaited result."""

    tg_user_id: int = Field(sa_column=Column(BigInteger, primary_key=True))
    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True))
    kind: DraftKind = Field(sa_type=EnumString(DraftKind))
    petition_id: int | None = None
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _at(nullable=False)


class WebLogin(SQLModel, table=True):
    """A one-time sign-in link for the supervisors' desk; only the token's hash is kept."""

    token_hash: str = Field(primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    created_at: datetime = _at(nullable=False)
    expires_at: datetime = _at(nullable=False)
    used_at: datetime | None = _at()


class WebSession(SQLModel, table=True):
    """A signed-in desk session (the cookie holds the token, the table its hash)."""

    token_hash: str = Field(primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    csrf: str
    created_at: datetime = _at(nullable=False)
    expires_at: datetime = _at(nullable=False)


class CalendarDay(SQLModel, table=True):
    """A day of an official holiday arrangement imported from the State Council's notice
    (`minyuan calendar import`): off (a festival's day) or a make-up working day."""

    __tablename__ = "calendar_day"

    day: date = Field(primary_key=True)
    workday: bool
    name: str  # the festival, as the notice names it
    imported_at: datetime = _at(nullable=False)


class CallBack(SQLModel, table=True):
    """A resolved petition on the call-back list (回访): why it is there and how the call went.

    One row per resolution: a petition reopened and resolved again is called back again.
    """

    __tablename__ = "callback"
    __table_args__ = (UniqueConstraint("petition_id", "resolved_at"),
                      Index("ix_callback_pending", "community_code", "done_at"))

    id: int | None = Field(default=None, primary_key=True)
    petition_id: int = Field(foreign_key="petition.id", index=True)
    community_code: str
    resolved_at: datetime = _at(nullable=False)  # the resolution this call is about
    reason: CallbackReason = Field(sa_type=EnumString(CallbackReason))
    created_at: datetime = _at(nullable=False)
    outcome: CallbackOutcome | None = Field(default=None, sa_type=EnumString(CallbackOutcome))
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    caller_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    done_at: datetime | None = _at()


class KnowledgeQuestion(SQLModel, table=True):
    """A resident's question the knowledge base answered at once (reception.handling.knowledge).

    Kept whatever the resident does next: 仍需人工处理 files a petition from it (``petition_id``),
    已解决 closes it, no press leaves it ``pending``; the digest counts all three.
    """

    __tablename__ = "knowledge_question"
    __table_args__ = (UniqueConstraint("chat_id", "message_id"),
                      Index("ix_knowledge_question_community_asked", "community_code", "asked_at"))

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(foreign_key="resident.id", index=True)
    community_code: str
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    message_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    answer_code: str
    asked_at: datetime = _at(nullable=False)
    outcome: QuestionOutcome = Field(default=QuestionOutcome.PENDING, sa_type=EnumString(QuestionOutcome))
    decided_at: datetime | None = _at()
    petition_id: int | None = Field(default=None, foreign_key="petition.id")


class Visit(SQLModel, table=True):
    """A home visit logged by a staff member (民情日记, reception.handling.visits)."""

    __table_args__ = (Index("ix_visit_staff_at", "staff_id", "visited_at"),
                      Index("ix_visit_community_at", "community_code", "visited_at"))

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id")
    community_code: str
    grid_code: str | None = None
    household: str  # the address as visited ("3号楼2单元501室"): one household per address
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    content: str = Field(default="", sa_column=Column(Text, nullable=False))
    problem: str | None = Field(default=None, sa_column=Column(Text))
    petition_id: int | None = Field(default=None, foreign_key="petition.id")
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    message_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    visited_at: datetime = _at(nullable=False)


class MonthlyTopic(SQLModel, table=True):
    """每月一题: a recurring problem a street picked from a monthly report, tracked to the end
    (reception.reports.monthly). The problem is a place and a category in one community."""

    __tablename__ = "monthly_topic"
    __table_args__ = (UniqueConstraint("street_code", "month", "community_code", "category",
                                       "place_kind", "place"),)

    id: int | None = Field(default=None, primary_key=True)
    street_code: str = Field(index=True)
    month: str  # the report it was picked from, "2026-11"
    community_code: str
    category: str
    place_kind: PlaceKind = Field(sa_type=EnumString(PlaceKind))
    place: str  # the building number or the grid code
    numbers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    state: TopicState = Field(default=TopicState.TRACKING, sa_type=EnumString(TopicState))
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    picked_by: int = Field(foreign_key="staff.id")
    picked_at: datetime = _at(nullable=False)
    solved_by: int | None = Field(default=None, foreign_key="staff.id")
    solved_at: datetime | None = _at()
    result: str = Field(default="", sa_column=Column(Text, nullable=False))
class DutyShift(SQLModel, table=True):
    """A staff member on duty for a community on one day (`/duty on`, `/duty @name 日期`);
    emergency alerts name them together with org.toml's ``on_duty``."""

    __tablename__ = "duty_shift"
    __table_args__ = (UniqueConstraint("community_code", "day", "staff_id"),)

    id: int | None = Field(default=None, primary_key=True)
    community_code: str = Field(index=True)
    day: date = Field(index=True)  # the local (Beijing) date of the shift
    staff_id: int = Field(foreign_key="staff.id", index=True)
    set_by: int = Field(foreign_key="staff.id")
    set_at: datetime = _at(nullable=False)


class StrayRecord(SQLModel, table=True):
    """Stray messages (an emoji, a lone photo or location) a resident never explained, kept
    after their draft expired: closed with a friendly message, never silently dropped."""

    __tablename__ = "stray_record"

    id: int | None = Field(default=None, primary_key=True)
    tg_user_id: int = Field(sa_column=Column(BigInteger, index=True, nullable=False))
    held: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    outcome: StrayOutcome = Field(sa_type=EnumString(StrayOutcome))
    petition_id: int | None = Field(default=None, foreign_key="petition.id")
    received_at: datetime = _at(nullable=False)
    closed_at: datetime = _at(nullable=False)
class PetitionReturn(SQLModel, table=True):
    """退单: a handling group said "this is not ours"; a dispatcher rules on it.

    ``ruling`` stays empty while the dispute waits (one at a time per petition): ``upheld``
    sends it back to the group that returned it, ``overturned`` routed it elsewhere.
    """

    __tablename__ = "petition_return"

    id: int | None = Field(default=None, primary_key=True)
    petition_id: int = Field(foreign_key="petition.id", index=True)
    from_chat_id: int | None = _chat_id(index=True)  # the group that returned it
    staff_id: int = Field(foreign_key="staff.id")
    reason_kind: ReturnReason = Field(sa_type=EnumString(ReturnReason))
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime = _at(index=True, nullable=False)
    due_at: datetime = _at(nullable=False)  # the dispatcher's ruling is due
    reminded: bool = False  # the dispatcher was reminded once the ruling was late
    ruled_at: datetime | None = _at()
    ruling: Ruling | None = Field(default=None, sa_type=EnumString(Ruling))
    ruled_by: int | None = Field(default=None, foreign_key="staff.id")
    target: str = ""  # where an overturned petition went, as the timeline says it


class Referral(SQLModel, table=True):
    """A petition referred to a department from org.toml, tracked until it reports done."""

    id: int | None = Field(default=None, primary_key=True)
    petition_id: int = Field(foreign_key="petition.id", index=True)
    department: str = Field(index=True)  # the department's code in org.toml
    staff_id: int = Field(foreign_key="staff.id")
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime = _at(index=True, nullable=False)
    due_at: datetime = _at(nullable=False)
    remind_at: datetime = _at(nullable=False)
    step: int = 0  # 0 none, 1 reminded, 2 overdue (claimed atomically by the sweep)
    done_at: datetime | None = _at()
    done_note: str | None = Field(default=None, sa_column=Column(Text))
    done_by: str | None = None  # who reported it done: the department's member or staff


class Extension(SQLModel, table=True):
    """延期申请: the handler asks for more working days; an approver decides."""

    id: int | None = Field(default=None, primary_key=True)
    petition_id: int = Field(foreign_key="petition.id", index=True)
    staff_id: int = Field(foreign_key="staff.id")
    days: int
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime = _at(index=True, nullable=False)
    old_due: datetime | None = _at()
    new_due: datetime | None = _at()  # set on approval
    decided_at: datetime | None = _at()
    decision: Decision | None = Field(default=None, sa_type=EnumString(Decision))
    decided_by: int | None = Field(default=None, foreign_key="staff.id")
