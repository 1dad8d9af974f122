"""The morning brief: what is due today and what is overdue, one message per group.

Each active community group gets its own petitions; each active street group gets a
count per community and the street's overdue petitions. The brief is queued once per local
day however many bot processes run the daily job, and running it again after a restart the
same day queues nothing: the first caller claims the day's ``morning-brief:YYYYMMDD``
counter (the atomic per-day counter that hands out petition numbers) in the transaction
that queues the messages.
"""

from __future__ import annotations

import html
from datetime import datetime, time, timedelta

from sqlmodel import Session

from reception import texts
from reception.deadlines.ladder import RUNNING_STATUSES
from reception.deps import Deps
from reception.petition import outbox
from reception.petition.cards import fmt_time
from reception.petition.states import OPEN_STATUSES
from reception.supervision.lateness import lateness
from storage import ladder_queries as ladder_queries
from storage import queries
from storage.db import transaction
from storage.enums import ScopeKind
from storage.models import Petition, StaffGroup

BRIEF_LIST_LIMIT = 15
# Enough to count a street's petitions; the lines listed are capped by BRIEF_LIST_LIMIT.
_COUNT_LIMIT = 1000

_RUNNING = sorted(RUNNING_STATUSES)
_OPEN = sorted(OPEN_STATUSES)


class MorningBrief:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def queue(self) -> int:
        """Queue today's brief for every active community and street group; return how many
        messages were queued (0 when today's brief was already queued)."""
        now = self.deps.clock.now()
        today = now.astimezone(self.deps.settings.tz).date()
        with transaction(self.deps.engine) as session:
            if queries.next_counter(session, f"morning-brief:{today:%Y%m%d}") != 1:
                return 0
            queued = 0
            for code in self.deps.org.communities:
                for group in queries.active_groups(session, scope_kind=ScopeKind.COMMUNITY,
                                                   scope_code=code):
                    self._community_brief(session, group, now)
                    queued += 1
            for code in self.deps.org.streets:
                for group in queries.active_groups(session, scope_kind=ScopeKind.STREET,
                                                   scope_code=code):
                    self._street_brief(session, group, now)
                    queued += 1
            return queued

    def _community_brief(self, session: Session, group: StaffGroup, now: datetime) -> None:
        late, due = self._lists(session, [group.scope_code], now, group_chat_id=group.chat_id,
                                limit=BRIEF_LIST_LIMIT + 1)
        names = queries.staff_names(session, [p.handler_staff_id for p in late + due])
        community = self.deps.org.community(group.scope_code).name
        lines = [self._header(community, now)]
        if due:
            lines.append(texts.BRIEF_DUE_TODAY.format(count=_count(due)))
            lines += [self._due_line(p, names, now) for p in due[:BRIEF_LIST_LIMIT]]
        if late:
            lines.append(texts.BRIEF_LATE.format(count=_count(late)))
            lines += [self._late_line(p, names, now) for p in late[:BRIEF_LIST_LIMIT]]
        if not due and not late:
            lines.append(texts.BRIEF_ALL_CLEAR)
        if len(due) > BRIEF_LIST_LIMIT or len(late) > BRIEF_LIST_LIMIT:
            lines.append(texts.BRIEF_MORE)
        outbox.message(session, chat_id=group.chat_id, text="\n".join(lines), now=now)

    def _street_brief(self, session: Session, group: StaffGroup, now: datetime) -> None:
        street = self.deps.org.streets[group.scope_code]
        lines = [self._header(street.name, now)]
        street_late: list[Petition] = []
        for community in self.deps.org.communities_of_street(street.code):
            late, due = self._lists(session, [community.code], now, limit=_COUNT_LIMIT)
            lines.append(texts.BRIEF_COMMUNITY_LINE.format(
                community=html.escape(community.name), due=len(due), late=len(late)))
            street_late += late
        if street_late:
            names = queries.staff_names(session, [p.handler_staff_id for p in street_late])
            lines.append(texts.BRIEF_LATE.format(count=len(street_late)))
            lines += [self._late_line(p, names, now) for p in street_late[:BRIEF_LIST_LIMIT]]
            if len(street_late) > BRIEF_LIST_LIMIT:
                lines.append(texts.BRIEF_MORE)
        outbox.message(session, chat_id=group.chat_id, text="\n".join(lines), now=now)

    def _lists(
        self, session: Session, communities: list[str], now: datetime, *,
        group_chat_id: int | None = None, limit: int,
    ) -> tuple[list[Petition], list[Petition]]:
        """Late petitions, and those due before local midnight that are not late yet."""
        late = ladder_queries.late(
            session, communities=communities, open_statuses=_OPEN, running=_RUNNING, now=now,
            group_chat_id=group_chat_id, limit=limit,
        )
        due = ladder_queries.due_within(
            session, communities=communities, running=_RUNNING, start=now,
            end=self._midnight_after(now), group_chat_id=group_chat_id, limit=limit,
        )
        late_ids = {p.id for p in late}
        return late, [p for p in due if p.id not in late_ids]

    def _midnight_after(self, now: datetime) -> datetime:
        tz = self.deps.settings.tz
        tomorrow = now.astimezone(tz).date() + timedelta(days=1)
        return datetime.combine(tomorrow, time(0), tzinfo=tz)

    def _header(self, scope: str, now: datetime) -> str:
        local = now.astimezone(self.deps.settings.tz)
        day = texts.BRIEF_DATE.format(month=local.month, day=local.day,
                                      weekday=texts.WEEKDAYS[local.weekday()])
        return texts.BRIEF_HEADER.format(scope=html.escape(scope), date=day)

    def _due_line(self, petition: Petition, names: dict[int, str], now: datetime) -> str:
        tz = self.deps.settings.tz
        respond = petition.first_response_at is None and petition.respond_due is not None and (
            now <= petition.respond_due < self._midnight_after(now))
        clock, due = ("respond", petition.respond_due) if respond else (
            "resolve", petition.resolve_due)
        return texts.BRIEF_DUE_LINE.format(
            number=petition.number, category=html.escape(petition.category),
            clock=texts.DEADLINE_CLOCKS[clock], time=fmt_time(due, tz),
            handler=_handler(petition, names))

    def _late_line(self, petition: Petition, names: dict[int, str], now: datetime) -> str:
        return texts.BRIEF_LATE_LINE.format(
            number=petition.number, category=html.escape(petition.category),
            lateness=lateness(petition, now=now, tz=self.deps.settings.tz),
            handler=_handler(petition, names))


def _handler(petition: Petition, names: dict[int, str]) -> str:
    name = names.get(petition.handler_staff_id or 0)
    return html.escape(name) if name else texts.LADDER_NO_HANDLER


def _count(petitions: list[Petition]) -> str:
    return f"{BRIEF_LIST_LIMIT}+" if len(petitions) > BRIEF_LIST_LIMIT else str(len(petitions))
