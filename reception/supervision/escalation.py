"""The reminder and escalation sweep (督办), the /overdue list and the morning brief.

One periodic job calls ``Escalation.sweep()``; there is no job per petition. The sweep finds
the petitions with a ladder step due (``reception.deadlines.ladder``) by indexed columns, then takes
each step in its own short transaction: a conditional UPDATE claims the step (its row count
decides who acts, so two bot processes over one PostgreSQL database never both act), and
the same transaction records the timeline event and queues the messages and cards. A sweep
that runs late, after a restart, simply finds more due; it takes the missed steps in order.
"""

from __future__ import annotations

import html
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time

from sqlmodel import Session

from reception import texts
from reception.deadlines.ladder import RUNNING_STATUSES, Step, next_step
from reception.deps import Deps
from reception.handling.access import Access
from reception.handling.emergency import repeat_alerts
from reception.petition import outbox
from reception.petition.cards import fmt_time, list_line
from reception.petition.events import Actor, record
from reception.petition.states import OPEN_STATUSES
from reception.supervision.brief import MorningBrief
from reception.supervision.calendar_watch import refresh_official_days, remind_if_next_year_provisional
from reception.supervision.lateness import describe_duration, lateness
from storage import ladder_queries as ladder_queries
from storage import queries
from storage.db import transaction
from storage.ladder_queries import CLOCKS, Candidate
from storage.models import Petition, Staff, StaffGroup

log = logging.getLogger(__name__)

# Petitions per clock per sweep; the next sweep takes the rest.
SWEEP_BATCH = 500
OVERDUE_LIST_LIMIT = 30

_RUNNING = [str(s) for s in RUNNING_STATUSES]
_OPEN = sorted(str(s) for s in OPEN_STATUSES)


@dataclass(frozen=True)
class SweepReport:
    """What one sweep did. ``lost``: steps another process claimed first; ``failed``: steps
    that raised (logged, rolled back, tried again by the next sweep)."""

    at: datetime
    reminded: int = 0
    overdue: int = 0
    escalated: int = 0
    lost: int = 0
    failed: int = 0
    alerted: int = 0  # urgent petitions still unclaimed, alerted again

    @property
    def steps(self) -> int:
        return self.reminded + self.overdue + self.escalated


class Escalation:
    def __init__(self, deps: Deps, access: Access) -> None:
        self.deps = deps
        self.access = access

    # --- the sweep -----------------------------------------------------------------------
    def sweep(self) -> SweepReport:
        """Take every ladder step due at ``deps.clock.now()``, each exactly once."""
        now = self.deps.clock.now()
        counts: Counter[str] = Counter()
        for clock in CLOCKS:
            for candidate in self._candidates(clock, now):
                self._climb(candidate, now, counts)
        alerted = repeat_alerts(self.deps)
        return SweepReport(
            at=now,
            reminded=counts[Step.REMINDED.action],
            overdue=counts[Step.OVERDUE.action],
            escalated=counts[Step.ESCALATED.action],
            lost=counts["lost"],
            failed=counts["failed"],
            alerted=alerted,
        )

    def _candidates(self, clock: str, now: datetime) -> list[Candidate]:
        with transaction(self.deps.engine) as session:
            return ladder_queries.candidates(
                session, clock=clock, running=_RUNNING, now=now,
                second_delay=self.deps.settings.second_escalation, limit=SWEEP_BATCH,
            )

    def _climb(self, candidate: Candidate, now: datetime, counts: Counter[str]) -> None:
        """Take the steps now due on one clock of one petition, in order, one per transaction."""
        step = candidate.step
        while True:
            target = next_step(
                step=step, due=candidate.due, remind_at=candidate.remind_at, now=now,
                delay=self.deps.settings.second_escalation,
            )
            if target is None:
                return
            try:
                taken = self._take(candidate, from_step=step, to_step=target, now=now)
            except Exception:
                # One broken petition must not stop the others; nothing was claimed.
                log.exception("ladder step %s on %s clock of petition %s failed",
                              target.action, candidate.clock, candidate.petition_id)
                counts["failed"] += 1
                return
            if not taken:
                counts["lost"] += 1  # another process took it (or the petition moved on)
                return
            counts[target.action] += 1
            step = target

    def _take(self, candidate: Candidate, *, from_step: int, to_step: Step, now: datetime) -> bool:
        with transaction(self.deps.engine) as session:
            claimed = ladder_queries.claim_step(
                session, clock=candidate.clock, petition_id=candidate.petition_id,
                from_step=from_step, to_step=to_step, due=candidate.due, running=_RUNNING,
                overdue=to_step >= Step.OVERDUE,
            )
            if not claimed:
                return False
            petition = session.get(Petition, candidate.petition_id)
            assert petition is not None  # the UPDATE just matched it
            self._announce(session, petition, clock=candidate.clock, step=to_step, now=now)
            return True

    def _announce(
        self, session: Session, petition: Petition, *, clock: str, step: Step, now: datetime
    ) -> None:
        """Record the step on the timeline and queue what each group must see."""
        tz = self.deps.settings.tz
        due = petition.respond_due if clock == "respond" else petition.resolve_due
        fields = {
            "number": petition.number,
            "category": html.escape(petition.category),
            "clock": texts.DEADLINE_CLOCKS[clock],
            "due": fmt_time(due, tz),
            "handler": self._mention(session, petition),
            "delay": describe_duration(self.deps.settings.second_escalation),
        }
        supervisors: list[int] = []
        supervisor_text = ""
        if step is Step.REMINDED:
            percent = round(self.deps.settings.reminder_share * 100)
            group_text = texts.LADDER_REMIND.format(percent=percent, **fields)
        elif step is Step.OVERDUE:
            group_text = texts.LADDER_OVERDUE.format(**fields)
            supervisors = self._supervisor_chats(session, petition, "street",
                                                 petition.street_code)
            supervisor_text = texts.LADDER_OVERDUE_SUPERVISORS.format(
                community=self._community_name(petition), **fields)
        else:
            group_text = texts.LADDER_ESCALATE.format(**fields)
            district = self.deps.org.district_of(petition.community_code).code
            supervisors = self._supervisor_chats(session, petition, "district", district)
            street = html.escape(self.deps.org.street_of(petition.community_code).name)
            supervisor_text = texts.LADDER_ESCALATE_SUPERVISORS.format(
                street=street, community=self._community_name(petition), **fields)
        record(
            session, petition, action=step.action, actor=Actor.system(), at=now,
            clock=clock, step=int(step), due=due.isoformat() if due else None,
            escalated_to=supervisors,
            text=texts.LADDER_EVENT_NOTE.format(clock=fields["clock"], due=fields["due"]),
        )
        if petition.group_chat_id is not None:
            outbox.message(session, chat_id=petition.group_chat_id, text=group_text, now=now,
                           petition_id=petition.id, in_thread_of=petition.id,
                           reply_to_card=True)
        for chat_id in self._card_chats(session, petition, exclude=supervisors):
            outbox.card(session, chat_id=chat_id, petition_id=petition.id, now=now)
        for chat_id in supervisors:
            outbox.card(session, chat_id=chat_id, petition_id=petition.id, now=now)
            outbox.message(session, chat_id=chat_id, text=supervisor_text, now=now,
                           petition_id=petition.id, in_thread_of=petition.id,
                           reply_to_card=True)

    def _supervisor_chats(
        self, session: Session, petition: Petition, scope_kind: str, scope_code: str
    ) -> list[int]:
        """Active supervisors' groups of the scope, except the handling group itself (a
        street group handles petitions of communities without a group of their own)."""
        groups = queries.active_groups(session, scope_kind=scope_kind, scope_code=scope_code)
        return [g.chat_id for g in groups if g.chat_id != petition.group_chat_id]

    def _card_chats(self, session: Session, petition: Petition, *, exclude: list[int]) -> list[int]:
        """Where the card must be refreshed: the responsible group and wherever it stands."""
        chats = {card.chat_id for card in queries.cards_of(session, petition.id)}
        if petition.group_chat_id is not None:
            chats.add(petition.group_chat_id)
        return sorted(chats - set(exclude))

    def _mention(self, session: Session, petition: Petition) -> str:
        """The handler as a Telegram mention (tg://user links notify them), or "unclaimed"."""
        handler_id = petition.handler_staff_id
        handler = session.get(Staff, handler_id) if handler_id is not None else None
        if handler is None:
            return texts.LADDER_NO_HANDLER
        return f'<a href="tg://user?id={handler.tg_user_id}">{html.escape(handler.name)}</a>'

    def _community_name(self, petition: Petition) -> str:
        return html.escape(self.deps.org.community(petition.community_code).name)

    # --- what staff read -----------------------------------------------------------------
    def overdue_list(self, *, tg_user_id: int, chat_id: int) -> str:
        """/overdue: late open petitions in the caller's scope, as HTML.

        In a bound community group, only that group's petitions. Raises ``NotAllowed`` for
        anyone who is not active staff.
        """
        now = self.deps.clock.now()
        tz = self.deps.settings.tz
        with transaction(self.deps.engine) as session:
            staff = self.access.require_staff(session, tg_user_id)
            communities, only_here = self._scope(session, staff, chat_id)
            petitions = ladder_queries.late(
                session, communities=communities, open_statuses=_OPEN, running=_RUNNING,
                now=now, group_chat_id=only_here, limit=OVERDUE_LIST_LIMIT + 1,
            )
            if not petitions:
                return texts.OVERDUE_EMPTY
            shown = petitions[:OVERDUE_LIST_LIMIT]
            names = queries.staff_names(session, [p.handler_staff_id for p in shown])
            lines = [texts.OVERDUE_HEADER.format(count=len(shown))]
            for petition in shown:
                handler = names.get(petition.handler_staff_id or 0, texts.LADDER_NO_HANDLER)
                lines.append(list_line(petition, tz))
                lines.append(texts.OVERDUE_DETAIL.format(
                    lateness=lateness(petition, now=now, tz=tz), handler=html.escape(handler)))
            if len(petitions) > len(shown):
                lines.append(texts.OVERDUE_TRUNCATED.format(count=len(shown)))
            return "\n".join(lines)

    def _scope(self, session: Session, staff: Staff, chat_id: int) -> tuple[list[str], int | None]:
        """The communities to list, and the group to narrow to when asked in a community group."""
        shared = self.access.chat_scope(session, staff, chat_id)
        group: StaffGroup | None = queries.group_by_chat(session, chat_id)
        if group is None or chat_id == staff.tg_user_id:
            return shared, None
        return shared, group.chat_id if group.scope_kind == "community" else None

    def morning_brief(self) -> int:
        """Queue today's brief, once per day however many processes call it; return the
        number of messages queued (0 when it was already queued today)."""
        return MorningBrief(self.deps).queue()

    def calendar_reminder(self) -> int:
        """December: remind administrators when next year's holidays are still provisional."""
        return remind_if_next_year_provisional(self.deps)

    def refresh_calendar(self) -> bool:
        """Take up holiday notices imported since start-up (by `minyuan calendar import`)."""
        return refresh_official_days(self.deps)

    def late_morning_brief(self, brief_at: time) -> int:
        """At start-up: queue today's brief if the bot was down when it was due (after
        ``brief_at`` and before the office closes); 0 otherwise or when it went out already."""
        local = self.deps.clock.now().astimezone(self.deps.settings.tz).time().replace(tzinfo=None)
        closes = self.deps.deadlines.calendar.closing_time
        if not brief_at <= local < closes:
            return 0
        return self.morning_brief()
