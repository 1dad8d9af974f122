"""每月一题: the monthly report of problems that recur, and the one the street picks to solve.

A problem is one place (a building, or a grid when no building is known) and one category in
one community. It *recurs* when it has at least ``RECUR_MINIMUM`` petitions over the report's
month and the two before it, at least one of them in the report's month (merged duplicates and
withdrawals left out, as in the digest). The report lists them biggest first with the count
per month, the trend (this month against the last) and the petition numbers behind them. The
street's supervisors pick one with ``/topic pick N``; it is tracked (linked petitions, how many
are still open, how many came in since it was picked) in every later monthly report until
``/topic done`` records how it was solved. ``/monthly [YYYY-MM]`` shows a report on demand;
the scheduler sends last month's to every street group on the first of the month.
"""

from __future__ import annotations

import html
import logging
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from reception.errors import InvalidInput, NotAllowed, NotFound
from reception.petition import outbox
from reception.petition.events import Actor, Note, record
from reception.petition.states import OPEN_STATUSES
from reception.reports import texts as t
from reception.reports.metrics import EXCLUDED_STATUSES
from storage import queries, topic_queries
from storage import reports as report_queries
from storage.db import transaction
from storage.enums import ActorKind, PlaceKind, Role, ScopeKind, TopicState
from storage.models import MonthlyTopic, Staff, StaffGroup

if TYPE_CHECKING:
    from reception.deps import Deps
    from reception.handling.access import Access

log = logging.getLogger(__name__)

RECUR_MINIMUM = 3
MONTHS = 3  # the report's month and the two before it
LIST_LIMIT = 10
NUMBERS_SHOWN = 8
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")


@dataclass(frozen=True)
class Problem:
    community_code: str
    category: str
    place_kind: PlaceKind
    place: str
    counts: tuple[int, ...]  # per month, oldest first; the last is the report's month
    numbers: tuple[str, ...]  # every petition behind it, oldest first

    @property
    def trend(self) -> str:
        now, before = self.counts[-1], self.counts[-2]
        if not any(self.counts[:-1]):
            return "new"
        return "up" if now > before else "down" if now < before else "flat"


@dataclass(frozen=True)
class MonthlyReport:
    scope_kind: ScopeKind
    scope_code: str
    month: date  # the first of the report's month
    title: str
    text: str
    problems: tuple[Problem, ...]


class Monthly:
    def __init__(self, deps: Deps, access: Access) -> None:
        self.deps = deps
        self.access = access

    # --- the report --------------------------------------------------------------------------
    def report(self, *, scope_kind: ScopeKind, scope_code: str, month: date) -> MonthlyReport:
        """The report of ``month`` (its first day) for a community, street or district."""
        communities = self._communities(scope_kind, scope_code)
        starts = [_add_months(month, -k) for k in range(MONTHS - 1, -1, -1)]
        tz = self.deps.settings.tz
        since = datetime.combine(starts[0], time(0), tzinfo=tz)
        until = datetime.combine(_add_months(month, 1), time(0), tzinfo=tz)
        with transaction(self.deps.engine) as session:
            rows = topic_queries.petitions_for_report(session, communities=communities,
                                                      since=since, until=until)
            problems = _recurring(rows, starts, tz)
            tracked = self._tracked_lines(session, communities, since=datetime.combine(
                month, time(0), tzinfo=tz))
        title = t.MONTHLY_TITLE.format(scope=self._scope_name(scope_kind, scope_code),
                                       year=month.year, month=month.month)
        lines = [f"<b>{html.escape(title)}</b>", "<i>" + html.escape(t.MONTHLY_SUBTITLE.format(
            first=starts[0].month, last=month.month, minimum=RECUR_MINIMUM)) + "</i>", ""]
        if not problems:
            lines.append(t.MONTHLY_NONE)
        for index, problem in enumerate(problems, start=1):
            lines.append(self._item(index, problem, starts))
        if problems and scope_kind != ScopeKind.COMMUNITY:
            lines += ["", t.MONTHLY_PICK_HINT]
        if tracked:
            lines += ["", t.MONTHLY_TRACKED_HEADER, *tracked]
        return MonthlyReport(scope_kind, scope_code, month, title, "\n".join(lines)[:4096],
                             tuple(problems))

    def on_demand(self, *, tg_user_id: int, chat_id: int, month: str = "") -> str:
        """/monthly [YYYY-MM]: the report for this chat's scope (last month by default)."""
        owner = self._owner(tg_user_id, chat_id)
        return self.report(scope_kind=owner.scope_kind, scope_code=owner.scope_code,
                           month=self._month(month)).text

    def queue_monthly(self) -> int:
        """The scheduled job: last month's report to every street group. Returns the count."""
        month = self._month("")
        with transaction(self.deps.engine) as session:
            groups = report_queries.active_groups_of_kinds(session, (ScopeKind.STREET,))
        reports: dict[str, MonthlyReport] = {}
        for group in groups:
            if group.scope_code not in reports and group.scope_code in self.deps.org.streets:
                reports[group.scope_code] = self.report(scope_kind=ScopeKind.STREET,
                                                        scope_code=group.scope_code, month=month)
        now = self.deps.clock.now()
        queued = 0
        with transaction(self.deps.engine) as session:
            for group in groups:
                if (found := reports.get(group.scope_code)) is not None:
                    outbox.message(session, chat_id=group.chat_id, text=found.text, now=now)
                    queued += 1
        log.info("monthly report: %d messages queued", queued)
        return queued

    # --- picking and closing -----------------------------------------------------------------
    def pick(self, *, tg_user_id: int, chat_id: int, index: int, month: str = "") -> str:
        """/topic pick N [YYYY-MM]: the street's supervisors choose a problem from the report."""
        staff, owner = self._supervisor(tg_user_id, chat_id)
        report_month = self._month(month)
        report = self.report(scope_kind=ScopeKind.STREET, scope_code=owner.scope_code, month=report_month)
        if not 1 <= index <= len(report.problems):
            raise InvalidInput(t.TOPIC_NO_SUCH_ITEM.format(
                month=f"{report_month.year}年{report_month.month}", index=index,
                count=len(report.problems)))
        problem = report.problems[index - 1]
        now = self.deps.clock.now()
        topic = MonthlyTopic(
            street_code=owner.scope_code, month=f"{report_month:%Y-%m}",
            community_code=problem.community_code, category=problem.category,
            place_kind=problem.place_kind, place=problem.place, numbers=list(problem.numbers),
            picked_by=staff.id or 0, picked_at=now)
        try:
            with transaction(self.deps.engine) as session:
                session.add(topic)
                session.flush()
                actor = Actor(ActorKind.STAFF, staff.id, staff.name)
                for number in problem.numbers:  # each petition's timeline notes the topic
                    petition = queries.petition_by_number(session, number)
                    if petition is not None:
                        record(session, petition, action=Note.TOPIC, actor=actor, at=now,
                               text=t.TOPIC_NOTE.format(id=topic.id, month=topic.month))
                return t.TOPIC_PICKED.format(
                    id=topic.id, community=html.escape(self._community_name(problem.community_code)),
                    place=html.escape(self._place(problem.community_code, problem.place_kind,
                                                  problem.place)),
                    category=html.escape(problem.category), linked=len(problem.numbers))
        except IntegrityError:
            with transaction(self.deps.engine) as session:
                same = next(x for x in topic_queries.topics_of_street(session, owner.scope_code, limit=500)
                            if (x.month, x.community_code, x.category, x.place_kind, x.place)
                            == (topic.month, topic.community_code, topic.category,
                                topic.place_kind, topic.place))
                return t.TOPIC_ALREADY.format(id=same.id, status=t.TOPIC_STATUS[same.state])

    def done(self, *, tg_user_id: int, chat_id: int, topic_id: int, result: str) -> str:
        """/topic done ID 结果: the problem is solved at the root."""
        if not result.strip():
            raise InvalidInput(t.TOPIC_USAGE)
        staff, owner = self._supervisor(tg_user_id, chat_id)
        with transaction(self.deps.engine) as session:
            topic = session.get(MonthlyTopic, topic_id)
            if topic is None or topic.street_code != owner.scope_code:
                raise NotFound(t.TOPIC_NOT_FOUND.format(id=topic_id))
            if topic.state == TopicState.SOLVED:
                return t.TOPIC_ALREADY_DONE.format(id=topic_id)
            topic.state, topic.result = TopicState.SOLVED, result.strip()
            topic.solved_by, topic.solved_at = staff.id, self.deps.clock.now()
            return t.TOPIC_DONE.format(id=topic_id, result=html.escape(topic.result))

    def topics(self, *, tg_user_id: int, chat_id: int) -> str:
        """/topic: the topics of this chat's street (or community), still tracked first."""
        owner = self._owner(tg_user_id, chat_id)
        communities = self._communities(owner.scope_kind, owner.scope_code)
        with transaction(self.deps.engine) as session:
            lines = self._tracked_lines(session, communities, since=None)
        return "\n".join([t.MONTHLY_TRACKED_HEADER, *lines]) if lines else t.TOPIC_NONE

    # --- helpers -----------------------------------------------------------------------------
    def _tracked_lines(self, session: Session, communities: Sequence[str],
                       since: datetime | None) -> list[str]:
        """Topics of these communities: every tracked one, and those solved since ``since``."""
        streets = sorted({self.deps.org.street_of(code).code for code in communities})
        lines = []
        for street in streets:
            for topic in topic_queries.topics_of_street(session, street):
                if topic.community_code not in communities:
                    continue
                if topic.state == TopicState.SOLVED and since is not None and (
                        topic.solved_at is None or topic.solved_at < since):
                    continue
                lines.append(self._tracked(session, topic))
        return lines

    def _tracked(self, session: Session, topic: MonthlyTopic) -> str:
        year, month = (int(part) for part in topic.month.split("-"))
        window = datetime.combine(_add_months(date(year, month, 1), 1 - MONTHS), time(0),
                                  tzinfo=self.deps.settings.tz)
        linked = [p for p in topic_queries.petitions_of_topic(session, topic, since=window)
                  if p.status not in EXCLUDED_STATUSES]
        return t.MONTHLY_TRACKED.format(
            id=topic.id, community=html.escape(self._community_name(topic.community_code)),
            place=html.escape(self._place(topic.community_code, topic.place_kind, topic.place)),
            category=html.escape(topic.category), month=f"{year}年{month}月",
            status=t.TOPIC_STATUS.get(topic.state, topic.state), linked=len(linked),
            open=sum(p.status in OPEN_STATUSES for p in linked),
            since=sum(p.created_at > topic.picked_at for p in linked),
            result=t.MONTHLY_TRACKED_RESULT.format(result=html.escape(topic.result))
            if topic.result else "")

    def _item(self, index: int, problem: Problem, starts: list[date]) -> str:
        history = "、".join(t.MONTHLY_HISTORY.format(month=start.month, count=count)
                           for start, count in zip(starts[:-1], problem.counts[:-1], strict=True))
        shown = problem.numbers[-NUMBERS_SHOWN:]
        numbers = ("…、" if len(problem.numbers) > len(shown) else "") + "、".join(shown)
        return (t.MONTHLY_ITEM.format(
            index=index, community=html.escape(self._community_name(problem.community_code)),
            place=html.escape(self._place(problem.community_code, problem.place_kind, problem.place)),
            category=html.escape(problem.category), count=problem.counts[-1], history=history,
            trend=t.MONTHLY_TRENDS[problem.trend])
            + "\n" + t.MONTHLY_NUMBERS.format(numbers=numbers))

    def _owner(self, tg_user_id: int, chat_id: int) -> Staff | StaffGroup:
        with transaction(self.deps.engine) as session:
            staff = self.access.require_staff(session, tg_user_id)
            owner = self.access.report_owner(session, staff, chat_id)
            session.expunge(owner)
            return owner

    def _supervisor(self, tg_user_id: int, chat_id: int) -> tuple[Staff, Staff | StaffGroup]:
        """The acting street supervisor (or administrator) and the street they act for here."""
        with transaction(self.deps.engine) as session:
            staff = self.access.require_staff(session, tg_user_id)
            owner = self.access.report_owner(session, staff, chat_id)
            if staff.role not in (Role.ADMIN, Role.SUPERVISOR) or staff.scope_kind == ScopeKind.COMMUNITY \
                    or owner.scope_kind != ScopeKind.STREET:
                raise NotAllowed(t.TOPIC_NOT_SUPERVISOR)
            session.expunge(staff)
            if owner is not staff:
                session.expunge(owner)
            return staff, owner

    def _month(self, text: str) -> date:
        local = self.deps.clock.now().astimezone(self.deps.settings.tz).date()
        this_month = local.replace(day=1)
        if not text.strip():
            return _add_months(this_month, -1)
        match = _MONTH.fullmatch(text.strip())
        if match is None or not 1 <= int(match.group(2)) <= 12:
            raise InvalidInput(t.MONTHLY_USAGE)
        month = date(int(match.group(1)), int(match.group(2)), 1)
        if month > this_month:
            raise InvalidInput(t.MONTHLY_USAGE)
        return month

    def _communities(self, scope_kind: ScopeKind, scope_code: str) -> list[str]:
        return self.deps.org.communities_in(scope_kind, scope_code)

    def _scope_name(self, scope_kind: ScopeKind, scope_code: str) -> str:
        return self.deps.org.scope_name(scope_kind, scope_code)

    def _community_name(self, code: str) -> str:
        community = self.deps.org.communities.get(code)
        return community.name if community else code

    def _place(self, community_code: str, kind: PlaceKind, place: str) -> str:
        if kind == PlaceKind.BUILDING:
            return t.PLACE_BUILDING.format(building=place)
        grid = self.deps.org.grid(community_code, place)
        return t.PLACE_GRID.format(grid=grid.name if grid else place)


def _recurring(rows: Sequence[Any], starts: list[date], tz: Any) -> list[Problem]:
    groups: dict[tuple[str, str, PlaceKind, str], list[Any]] = defaultdict(list)
    for row in rows:
        if row.status in EXCLUDED_STATUSES:
            continue
        if row.building:
            key = (row.community_code, row.category, PlaceKind.BUILDING, row.building)
        elif row.grid_code:
            key = (row.community_code, row.category, PlaceKind.GRID, row.grid_code)
        else:
            continue
        groups[key].append(row)
    problems = []
    for (community, category, kind, place), members in groups.items():
        counts = [0] * len(starts)
        for row in members:
            local = row.created_at.astimezone(tz).date()
            counts[max(i for i, start in enumerate(starts) if local >= start)] += 1
        if len(members) >= RECUR_MINIMUM and counts[-1] > 0:
            ordered = sorted(members, key=lambda r: (r.created_at, r.id))
            problems.append(Problem(community, category, kind, place, tuple(counts),
                                    tuple(r.number for r in ordered)))
    problems.sort(key=lambda p: (-sum(p.counts), -p.counts[-1], p.community_code, p.place,
                                 p.category))
    return problems[:LIST_LIMIT]


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)
