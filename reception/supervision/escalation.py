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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from sqlmodel import Session

from reception import texts
from reception.deadlines.ladder import RUNNING_STATUSES, Step, next_step
from reception.deps import Deps
from reception.handling.access import Access
from reception.handling.emergency import repeat_alerts
from reception.petition import outbox
from reception.petition.cards import fmt_time, list_line
from reception.petition.events import Actor, event_row, record_all
from reception.petition.states import OPEN_STATUSES
from reception.supervision.brief import MorningBrief
from reception.supervision.calendar_watch import refresh_official_days, remind_if_next_year_provisional
from reception.supervision.lateness import describe_duration, lateness
from storage import ladder_queries as ladder_queries
from storage import queries
from storage.db import transaction
from storage.enums import ScopeKind
from storage.ladder_queries import CLOCKS, Announced, Candidate
from storage.models import Staff, StaffGroup

log = logging.getLogger(__name__)

# Candidates per batch: one transaction claims and announces their steps, then commits, so a
# sweep never holds the (SQLite: only) database thread for long.
SWEEP_BATCH = 100
OVERDUE_LIST_LIMIT = 30

_RUNNING = sorted(RUNNING_STATUSES)
_OPEN = sorted(OPEN_STATUSES)


@dataclass(frozen=True)
class SweepResume:
    """Where a sweep left off: its instant, the clock, and the last petition id it looked at."""

    at: datetime
    clock: int
    after: int


@dataclass(frozen=True)
class SweepReport:
    """What one sweep (or one batch of it) did. ``lost``: steps another process claimed first;
    ``failed``: steps that raised (logged, rolled back, tried again by the next sweep);
    ``resume``: where the next batch of the same sweep starts, None when it is complete."""

    at: datetime
    reminded: int = 0
    overdue: int = 0
    escalated: int = 0
    lost: int = 0
    failed: int = 0
    resume: SweepResume | None = None
    alerted: int = 0  # urgent petitions still unclaimed, alerted again
    practice: int = 0  # late return rulings reminded, referral reminders and breaches

    @property
    def steps(self) -> int:
        return self.reminded + self.overdue + self.escalated

    def then(self, later: SweepReport) -> SweepReport:
        """This report followed by the next batch's."""
        return SweepReport(
            at=self.at, reminded=self.reminded + later.reminded,
            overdue=self.overdue + later.overdue, escalated=self.escalated + later.escalated,
            lost=self.lost + later.lost, failed=self.failed + later.failed, resume=later.resume,
            alerted=self.alerted + later.alerted, practice=self.practice + later.practice,
        )


@dataclass(frozen=True)
class _Claimed:
    clock: str
    petition_id: int
    step: Step


class Escalation:
    def __init__(self, deps: Deps, access: Access,
                 practice_sweeps: Sequence[Callable[[], int]] = ()) -> None:
        self.deps = deps
        self.access = access
        # The practice's own clocks (late return rulings, referral deadlines), swept with the
        # ladder: each returns how many steps it took, claimed by conditional UPDATEs.
        self.practice_sweeps = tuple(practice_sweeps)

    # --- the sweep -----------------------------------------------------------------------
    def sweep(self) -> SweepReport:
        """Take every ladder step due at ``deps.clock.now()``, each exactly once, batch after
        batch (the scheduler calls ``sweep_batch`` itself, so other work runs in between)."""
        report = self.sweep_batch()
        while report.resume is not None:
            report = report.then(self.sweep_batch(report.resume))
        report = report.then(SweepReport(at=report.at, alerted=self.repeat_alerts()))
        return report.then(SweepReport(at=report.at, practice=self.practice_steps()))

    def practice_steps(self) -> int:
        """Late return rulings and referral deadlines (reception.handling.returns, referrals)."""
        taken = 0
        for sweep in self.practice_sweeps:
            try:
                taken += sweep()
            except Exception:  # one broken clock must not stop the ladder; tried next sweep
                log.exception("practice sweep %s failed", getattr(sweep, "__qualname__", sweep))
        return taken

    def repeat_alerts(self) -> int:
        """Alert again about urgent petitions still unclaimed (reception.handling.emergency)."""
        return repeat_alerts(self.deps)

    def sweep_batch(self, resume: SweepResume | None = None) -> SweepReport:
        """One short transaction: up to ``SWEEP_BATCH`` petitions with a step due on one clock,
        every step now due on them claimed and announced; ``resume`` says where to go on.

        Without ``resume`` a sweep starts at ``deps.clock.now()``. Clocks are taken in order
        and petitions by id, so a sweep that resumes never looks at a petition twice.
        """
        if resume is None:
            resume = SweepResume(at=self.deps.clock.now(), clock=0, after=0)
        now, clock = resume.at, CLOCKS[resume.clock]
        counts: Counter[str] = Counter()
        try:
            with transaction(self.deps.engine) as session:
                batch = self._candidates(session, clock, now, after=resume.after)
                claimed = self._climb(session, batch, now, counts)
                self._announce_all(session, claimed, now=now)
        except Exception:
            # One broken petition must not stop the others: take this batch again, each
            # petition in its own transaction, so only the broken one is left for next time.
            log.warning("ladder batch on %s clock after petition %s failed; one by one",
                        clock, resume.after, exc_info=True)
            with transaction(self.deps.engine) as session:
                batch = self._candidates(session, clock, now, after=resume.after)
            counts = Counter()
            for candidate in batch:
                self._take_alone(candidate, now, counts)
        if len(batch) == SWEEP_BATCH:
            following: SweepResume | None = SweepResume(now, resume.clock, batch[-1].petition_id)
        elif resume.clock + 1 < len(CLOCKS):
            following = SweepResume(now, resume.clock + 1, 0)
        else:
            following = None
        return SweepReport(
            at=now,
            reminded=counts[Step.REMINDED.action],
            overdue=counts[Step.OVERDUE.action],
            escalated=counts[Step.ESCALATED.action],
            lost=counts["lost"],
            failed=counts["failed"],
            resume=following,
        )

    def _candidates(
        self, session: Session, clock: str, now: datetime, *, after: int
    ) -> list[Candidate]:
        return ladder_queries.candidates(
            session, clock=clock, now=now, second_delay=self.deps.settings.second_escalation,
            limit=SWEEP_BATCH, after=after,
        )

    def _climb(
        self, session: Session, batch: list[Candidate], now: datetime, counts: Counter[str]
    ) -> list[_Claimed]:
        """Claim every step now due on the batch's clock, each clock climbing in order.

        The rows are locked and read again first; then each round takes one step per clock
        with one UPDATE per kind of step (remind, overdue from 0 or 1, escalate). Returned in
        id order, each petition's steps in the order taken, as one at a time would take them.
        """
        if not batch:
            return []
        clock, delay = batch[0].clock, self.deps.settings.second_escalation
        fresh = ladder_queries.lock(session, clock=clock,
                                    petition_ids=[c.petition_id for c in batch])
        counts["lost"] += len(batch) - len(fresh)  # gone since the candidates were read
        climbing = {c.petition_id: c for c in fresh}
        at = {c.petition_id: c.step for c in fresh}
        taken: dict[int, list[Step]] = {c.petition_id: [] for c in fresh}
        while climbing:
            moves: dict[tuple[int, Step], list[int]] = {}
            for petition_id, candidate in climbing.items():
                target = next_step(step=at[petition_id], due=candidate.due,
                                   remind_at=candidate.remind_at, now=now, delay=delay)
                if target is not None:
                    moves.setdefault((at[petition_id], target), []).append(petition_id)
                elif not taken[petition_id]:
                    counts["lost"] += 1  # another process took it (or the petition moved on)
            still: dict[int, Candidate] = {}
            for (from_step, target), ids in sorted(moves.items()):
                moved = ladder_queries.claim(
                    session, clock=clock, petition_ids=ids, from_step=from_step,
                    to_step=target, now=now, second_delay=delay)
                for petition_id in ids:
                    if petition_id not in moved:
                        counts["lost"] += 1
                        continue
                    counts[target.action] += 1
                    taken[petition_id].append(target)
                    at[petition_id] = target
                    still[petition_id] = climbing[petition_id]
            climbing = still
        return [_Claimed(clock, petition_id, step)
                for petition_id in sorted(taken) for step in taken[petition_id]]

    def _take_alone(self, candidate: Candidate, now: datetime, counts: Counter[str]) -> None:
        """A candidate's steps in a transaction of its own (after its batch failed)."""
        mine: Counter[str] = Counter()
        try:
            with transaction(self.deps.engine) as session:
                claimed = self._climb(session, [candidate], now, mine)
                self._announce_all(session, claimed, now=now)
        except Exception:
            log.exception("ladder steps on %s clock of petition %s failed",
                          candidate.clock, candidate.petition_id)
            counts["failed"] += 1
            return
        counts.update(mine)

    def _announce_all(self, session: Session, claimed: list[_Claimed], *, now: datetime) -> None:
        """Announce claimed steps in the order they were claimed, from one read of their
        petitions, handlers and cards (and of each scope's supervisors' groups); the events
        and the sends are then written with one statement each."""
        if not claimed:
            return
        petitions = ladder_queries.announced(session, (c.petition_id for c in claimed))
        supervisors: dict[tuple[ScopeKind, str], list[int]] = {}
        events: list[dict[str, Any]] = []
        sends: list[outbox.Send] = []
        for item in claimed:
            self._announce(session, petitions[item.petition_id], clock=item.clock,
                           step=item.step, now=now, supervisors=supervisors,
                           events=events, sends=sends)
        record_all(session, events)
        outbox.queue_all(session, sends, now=now)

    def _announce(
        self, session: Session, petition: Announced, *, clock: str, step: Step, now: datetime,
        supervisors: dict[tuple[ScopeKind, str], list[int]], events: list[dict[str, Any]],
        sends: list[outbox.Send],
    ) -> None:
        """The step's timeline event and what each group must see, added to the lists."""
        tz = self.deps.settings.tz
        due = petition.respond_due if clock == "respond" else petition.resolve_due
        fields = {
            "number": petition.number,
            "category": html.escape(petition.category),
            "clock": texts.DEADLINE_CLOCKS[clock],
            "due": fmt_time(due, tz),
            "handler": _mention(petition),
            "delay": describe_duration(self.deps.settings.second_escalation),
        }
        chats: list[int] = []
        supervisor_text = ""
        if step is Step.REMINDED:
            percent = round(self.deps.settings.reminder_share * 100)
            group_text = texts.LADDER_REMIND.format(percent=percent, **fields)
        elif step is Step.OVERDUE:
            group_text = texts.LADDER_OVERDUE.format(**fields)
            chats = self._supervisor_chats(session, petition, ScopeKind.STREET, petition.street_code,
                                           supervisors)
            supervisor_text = texts.LADDER_OVERDUE_SUPERVISORS.format(
                community=self._community_name(petition), **fields)
        else:
            group_text = texts.LADDER_ESCALATE.format(**fields)
            district = self.deps.org.district_of(petition.community_code).code
            chats = self._supervisor_chats(session, petition, ScopeKind.DISTRICT, district, supervisors)
            street_name = html.escape(self.deps.org.street_of(petition.community_code).name)
            supervisor_text = texts.LADDER_ESCALATE_SUPERVISORS.format(
                street=street_name, community=self._community_name(petition), **fields)
        events.append(event_row(
            petition.id, action=step.action, actor=Actor.system(), at=now,
            clock=clock, step=int(step), due=due.isoformat() if due else None,
            escalated_to=chats,
            text=texts.LADDER_EVENT_NOTE.format(clock=fields["clock"], due=fields["due"]),
        ))
        if petition.group_chat_id is not None:
            sends.append(outbox.Send.message_in_thread(
                chat_id=petition.group_chat_id, text=group_text, petition_id=petition.id))
        for chat_id in _card_chats(petition, exclude=chats):
            sends.append(outbox.Send.card(chat_id=chat_id, petition_id=petition.id))
        for chat_id in chats:
            sends.append(outbox.Send.card(chat_id=chat_id, petition_id=petition.id))
            sends.append(outbox.Send.message_in_thread(
                chat_id=chat_id, text=supervisor_text, petition_id=petition.id))

    def _supervisor_chats(
        self, session: Session, petition: Announced, scope_kind: ScopeKind, scope_code: str,
        known: dict[tuple[ScopeKind, str], list[int]],
    ) -> list[int]:
        """Active supervisors' groups of the scope, except the handling group itself (a
        street group handles petitions of communities without a group of their own)."""
        if (scope_kind, scope_code) not in known:
            groups = queries.active_groups(session, scope_kind=scope_kind, scope_code=scope_code)
            known[scope_kind, scope_code] = [g.chat_id for g in groups]
        return [chat for chat in known[scope_kind, scope_code] if chat != petition.group_chat_id]

    def _community_name(self, petition: Announced) -> str:
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
        return shared, group.chat_id if group.scope_kind == ScopeKind.COMMUNITY else None

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


def _card_chats(petition: Announced, *, exclude: list[int]) -> list[int]:
    """Where the card must be refreshed: the responsible group and wherever it stands."""
    chats = set(petition.card_chats)
    if petition.group_chat_id is not None:
        chats.add(petition.group_chat_id)
    return sorted(chats - set(exclude))


def _mention(petition: Announced) -> str:
    """The handler as a Telegram mention (tg://user links notify them), or "unclaimed"."""
    if petition.handler_tg_user_id is None or petition.handler_name is None:
        return texts.LADDER_NO_HANDLER
    name = html.escape(petition.handler_name)
    return f'<a href="tg://user?id={petition.handler_tg_user_id}">{name}</a>'
