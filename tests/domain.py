"""The domain's services on a real database, without Telegram: shared by the domain tests.

Deps on a fresh database (SQLite file or PostgreSQL URL), a ManualClock, the repository's
org.toml and shipped rules, staff and groups inserted as rows, petitions submitted through
the real intake and handled through the real desk and feedback services (``DomainOffice``).
The end-to-end tests' office, over the Bot API emulator, is ``tests.office.Office``.
"""

from __future__ import annotations

import functools
import itertools
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sqlmodel import col, select

from nlp import Analyzer
from reception.clock import ManualClock
from reception.deadlines.calculator import DeadlineCalculator, DeadlinePolicy
from reception.deadlines.workdays import WorkCalendar
from reception.deps import Deps, Settings
from reception.handling.access import Access
from reception.handling.desk import Desk
from reception.handling.feedback import Feedback
from reception.handling.intake import Inbound, Intake
from reception.org import Organisation
from reception.petition.events import Note
from reception.supervision.escalation import Escalation, SweepReport
from storage import queries
from storage.db import create_schema, make_engine, transaction
from storage.models import CardMessage, Outbox, Petition, PetitionEvent, Staff, StaffGroup

ORG_FILE = Path(__file__).resolve().parents[1] / "org.toml"

HANDLER_TG = 7001  # 张网格员, hongqi community staff
SUPERVISOR_TG = 7002  # 孙督办, xinhua street supervisor
DISTRICT_TG = 7003  # 钱主任, heping district
QINGNIAN_TG = 7004  # 周专干, qingnian community staff
RESIDENT_TG = 9001

HONGQI_GROUP = -100_1001
QINGNIAN_GROUP = -100_1002
STREET_GROUP = -100_2001
DISTRICT_GROUP = -100_3001

# Clearly "normal" petitions (1 wd / 7 wd) and an urgent one (2 h / 24 h).
NORMAL_TEXT = "物业不给修楼道门禁，坏了一个月了，晚上谁都能进来"
URGENT_TEXT = "楼道里着火了，浓烟很大，快来人"

LADDER_ACTIONS = (Note.REMIND, Note.OVERDUE, Note.ESCALATE)

# Telegram message ids, unique across every Office sharing a database.
_MESSAGE_IDS = itertools.count(1)



@functools.cache
def load_analyzer() -> Analyzer:
    """The shipped community rules, loaded once per test run (jieba's dictionary takes a
    second to load)."""
    return Analyzer.load("community")


def make_deps(url: str, clock: ManualClock, settings: Settings | None = None) -> Deps:
    engine = make_engine(url)
    create_schema(engine)
    return Deps(
        engine=engine,
        clock=clock,
        org=Organisation.load(ORG_FILE),
        analyzer=load_analyzer(),
        deadlines=DeadlineCalculator(policy=DeadlinePolicy.default(), calendar=WorkCalendar()),
        settings=settings or Settings(),
    )


def seed_office(deps: Deps) -> None:
    """Staff in each scope and one active group per scope (plus an inactive street group)."""
    now = deps.clock.now()
    staff = [
        (HANDLER_TG, "张网格员", "staff", "community", "hongqi"),
        (SUPERVISOR_TG, "孙督办", "supervisor", "street", "xinhua"),
        (DISTRICT_TG, "钱主任", "supervisor", "district", "heping"),
        (QINGNIAN_TG, "周专干", "staff", "community", "qingnian"),
    ]
    groups = [
        (HONGQI_GROUP, "红旗社区民愿工作群", "community", "hongqi", True),
        (QINGNIAN_GROUP, "青年社区工作群", "community", "qingnian", True),
        (STREET_GROUP, "新华街道督办群", "street", "xinhua", True),
        (-100_2999, "新华街道旧群", "street", "xinhua", False),
        (DISTRICT_GROUP, "和平区督办群", "district", "heping", True),
    ]
    with transaction(deps.engine) as session:
        for tg, name, role, kind, code in staff:
            session.add(Staff(tg_user_id=tg, name=name, role=role, scope_kind=kind,
                              scope_code=code, joined_at=now))
        for chat_id, title, kind, code, active in groups:
            session.add(StaffGroup(chat_id=chat_id, title=title, scope_kind=kind,
                                   scope_code=code, active=active, bound_by=HANDLER_TG,
                                   bound_at=now))


class DomainOffice:
    """One application instance: its own Deps (engine, clock) and services."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.clock: ManualClock = deps.clock  # type: ignore[assignment]
        self.access = Access(deps)
        self.escalation = Escalation(deps, self.access)
        self.intake = Intake(deps)
        self.desk = Desk(deps, self.access)
        self.feedback = Feedback(deps)

    # --- moving time and sweeping ------------------------------------------------------
    def sweep_at(self, when: datetime, times: int = 2) -> list[SweepReport]:
        """Set the clock and sweep ``times`` times (later sweeps must find nothing new)."""
        self.clock.set(when)
        return [self.escalation.sweep() for _ in range(times)]

    # --- the resident and the staff ----------------------------------------------------
    def submit(self, text: str, *, resident_tg: int = RESIDENT_TG,
               community: str = "hongqi") -> Petition:
        self.intake.choose_community(tg_user_id=resident_tg, name="王阿姨", username="",
                                     code=community)
        result = self.intake.submit(Inbound(
            tg_user_id=resident_tg, name="王阿姨", username="", chat_id=resident_tg,
            message_id=next(_MESSAGE_IDS), kind="text", text=text))
        assert result.outcome == "created", result
        with transaction(self.deps.engine) as session:
            petition = queries.petition_by_number(session, result.number or "")
            assert petition is not None
            return petition

    def say(self, text: str, *, resident_tg: int = RESIDENT_TG) -> str:
        """Another message from a resident; return the intake's outcome."""
        return self.intake.submit(Inbound(
            tg_user_id=resident_tg, name="王阿姨", username="", chat_id=resident_tg,
            message_id=next(_MESSAGE_IDS), kind="text", text=text)).outcome

    def respond(self, petition_id: int, *, staff_tg: int = HANDLER_TG) -> None:
        """A staff member replies to the card in the group (the first response)."""
        card_message_id = 50_000 + petition_id
        with transaction(self.deps.engine) as session:
            if queries.card(session, petition_id=petition_id, chat_id=HONGQI_GROUP) is None:
                session.add(CardMessage(petition_id=petition_id, chat_id=HONGQI_GROUP,
                                        message_id=card_message_id,
                                        created_at=self.clock.now()))
        answer = self.desk.reply(
            tg_user_id=staff_tg, chat_id=HONGQI_GROUP, reply_to_message_id=card_message_id,
            thread_id=None, message_id=60_000 + next(_MESSAGE_IDS), kind="text",
            text="您好，我们已经安排人手处理。", file_id=None)
        assert answer is not None

    def petition(self, petition_id: int) -> Petition:
        with transaction(self.deps.engine) as session:
            petition = session.get(Petition, petition_id)
            assert petition is not None
            return petition

    # --- what the sweep left behind ----------------------------------------------------
    def ladder(self, petition_id: int) -> list[tuple[str, str]]:
        """The ladder events on the timeline, in order, as (clock, action)."""
        return [(e.detail["clock"], e.action) for e in self.ladder_events(petition_id)]

    def ladder_events(self, petition_id: int) -> list[PetitionEvent]:
        with transaction(self.deps.engine) as session:
            return [e for e in queries.timeline(session, petition_id)
                    if e.action in LADDER_ACTIONS]

    def outbox(self, *, petition_id: int | None = None, chat_id: int | None = None,
               kind: str | None = None, since_id: int = 0) -> list[Outbox]:
        query = select(Outbox).where(col(Outbox.id) > since_id)
        if petition_id is not None:
            query = query.where(Outbox.petition_id == petition_id)
        if chat_id is not None:
            query = query.where(Outbox.chat_id == chat_id)
        if kind is not None:
            query = query.where(Outbox.kind == kind)
        with transaction(self.deps.engine) as session:
            return list(session.exec(query.order_by(col(Outbox.id))))

    def last_outbox_id(self) -> int:
        rows = self.outbox()
        return rows[-1].id if rows and rows[-1].id is not None else 0

    def outbox_counts(self, *, since_id: int, petition_id: int | None = None) -> Counter:
        """(chat, kind) -> rows queued after ``since_id``."""
        rows = self.outbox(petition_id=petition_id, since_id=since_id)
        return Counter((row.chat_id, row.kind) for row in rows)


@contextmanager
def seeded(tmp_path: Path, start: datetime) -> Iterator[DomainOffice]:
    """A seeded office on a fresh SQLite file in ``tmp_path``, its clock at ``start``."""
    deps = make_deps(f"sqlite:///{tmp_path / 'minyuan.db'}", ManualClock(start))
    seed_office(deps)
    try:
        yield DomainOffice(deps)
    finally:
        deps.engine.dispose()
