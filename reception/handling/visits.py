"""民情日记: staff log home visits; what a visit finds enters the register as a petition.

``/visit 3号楼2单元501 走访内容`` logs a visit (one household per address); with
``问题:…`` after the content, or with the button under the confirmation, the problem becomes a
petition with channel 走访, classified, routed and timed as any other. Each staff member's
week (local Monday to Sunday) is measured against the norm (``Settings.visit_half_days``
half-days out, a morning or an afternoon with at least one visit, and
``visit_households`` different households); ``/visits`` shows one's own week and the weekly
digest shows who met it.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from nlp import mask_personal_data, parse_location
from reception import texts
from reception.deps import Deps
from reception.errors import InvalidInput, NotAllowed, NotFound
from reception.handling.access import Access
from reception.handling.filing import Filing
from reception.handling.lifecycle import Lifecycle
from reception.petition import callback_data, outbox
from reception.petition.cards import fmt_time
from reception.petition.events import Actor, Note
from storage import queries
from storage import visit_queries as vq
from storage.db import transaction
from storage.enums import ActorKind, Channel
from storage.models import Petition, Staff, Visit
from storage.tables import saved_id


@dataclass(frozen=True)
class WeekNorm:
    """One staff member's week of visits against the norm."""

    name: str
    half_days: int
    households: int
    met: bool


def week_norm(name: str, visits: Iterable[Visit], *, tz: ZoneInfo, half_days: int,
              households: int) -> WeekNorm:
    """Count half-days out (distinct local mornings/afternoons) and distinct households."""
    visits = list(visits)
    slots = {_half_day(v.visited_at, tz) for v in visits}
    homes = {(v.community_code, v.household) for v in visits}
    return WeekNorm(name, len(slots), len(homes),
                    met=len(slots) >= half_days and len(homes) >= households)


def this_week(now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The local Monday 00:00 of ``now``'s week and the next Monday 00:00."""
    day = now.astimezone(tz).date()
    monday = datetime.combine(day - timedelta(days=day.weekday()), datetime.min.time(), tzinfo=tz)
    return monday, monday + timedelta(days=7)


class Visits:
    def __init__(self, deps: Deps, access: Access, filing: Filing) -> None:
        self.deps = deps
        self.access = access
        self.filing = filing
        self.lifecycle = Lifecycle(deps)

    def log(self, *, tg_user_id: int, chat_id: int, message_id: int, text: str) -> str:
        """/visit 户号 内容 [问题:…]: the confirmation (with the week so far) is queued."""
        address, _, rest = text.strip().partition(" ")
        content, problem = _split_problem(rest.strip())
        location = parse_location(address)
        if not location.building or not (content or problem):
            raise InvalidInput(texts.VISIT_USAGE)
        with transaction(self.deps.engine) as session:
            staff = self.access.require_staff(session, tg_user_id)
            communities = self.access.chat_scope(session, staff, chat_id)
            if len(communities) != 1:
                raise InvalidInput(texts.VISIT_NEEDS_COMMUNITY)
            if vq.visit_of_message(session, chat_id=chat_id, message_id=message_id):
                return texts.VISIT_ALREADY  # a redelivered command
            community, now = communities[0], self.deps.clock.now()
            grid = self.deps.org.grid_for(community, location.building)
            visit = Visit(staff_id=saved_id(staff), community_code=community,
                          grid_code=grid.code if grid else None, household=location.label(),
                          building=location.building, unit=location.unit, room=location.room,
                          content=content, problem=problem or None, chat_id=chat_id,
                          message_id=message_id, visited_at=now)
            session.add(visit)
            session.flush()
            reply = self._week_line(session, staff, visit)
            buttons = None
            if problem:
                petition = self._file(session, staff, visit, problem)
                reply += texts.VISIT_PETITION.format(number=petition.number)
            else:
                buttons = [[(texts.VISIT_FILE_BUTTON, callback_data.visit(saved_id(visit)))]]
            outbox.message(session, chat_id=chat_id, text=reply, now=now, buttons=buttons)
            return ""

    def file(self, *, tg_user_id: int, chat_id: int, visit_id: int) -> str:
        """The button under a logged visit: what it found becomes a petition."""
        with transaction(self.deps.engine) as session:
            staff = self.access.require_staff(session, tg_user_id)
            self.access.chat_scope(session, staff, chat_id)
            visit = session.get(Visit, visit_id)
            if visit is None:
                raise NotFound(texts.BUTTON_INVALID)
            if visit.staff_id != staff.id:
                raise NotAllowed(texts.VISIT_NOT_YOURS)
            if visit.petition_id is not None:
                filed = session.get(Petition, visit.petition_id)
                return texts.VISIT_ALREADY_FILED.format(number=filed.number if filed else "—")
            petition = self._file(session, staff, visit, visit.content)
            return texts.VISIT_FILED.format(number=petition.number)

    def week(self, *, tg_user_id: int, chat_id: int) -> str:
        """/visits: the staff member's own visits this week, against the norm."""
        tz = self.deps.settings.tz
        with transaction(self.deps.engine) as session:
            staff = self.access.require_staff(session, tg_user_id)
            self.access.chat_scope(session, staff, chat_id)
            start, end = this_week(self.deps.clock.now(), tz)
            visits = vq.visits_of(session, staff_id=saved_id(staff), since=start, until=end)
            norm = self._norm(staff.name, visits)
            numbers = {v.petition_id: queries.number_and_status(session, v.petition_id)
                       for v in visits if v.petition_id is not None}
            head = texts.VISIT_WEEK_HEADER.format(
                name=html.escape(staff.name), start=f"{start.month}月{start.day}日",
                end=f"{(end - timedelta(days=1)).month}月{(end - timedelta(days=1)).day}日",
                half_days=norm.half_days, norm_half_days=self.deps.settings.visit_half_days,
                households=norm.households, norm_households=self.deps.settings.visit_households,
                met=texts.VISIT_MET if norm.met else "")
            if not visits:
                return head + "\n" + texts.VISIT_WEEK_EMPTY
            lines = [head]
            for v in visits:
                found = numbers.get(v.petition_id) if v.petition_id is not None else None
                lines.append(texts.VISIT_WEEK_LINE.format(
                    at=fmt_time(v.visited_at, tz), household=html.escape(v.household),
                    content=html.escape(mask_personal_data(_cut(v.content or v.problem or ""))),
                    petition=texts.VISIT_WEEK_PETITION.format(number=found[0]) if found else ""))
            return "\n".join(lines)

    # --- helpers -----------------------------------------------------------------------------
    def _file(self, session: Session, staff: Staff, visit: Visit, problem: str) -> Petition:
        actor = Actor(ActorKind.STAFF, staff.id, staff.name)
        petition = self.filing.new_petition(
            session, community=visit.community_code, text=f"{visit.household} {problem}",
            actor=actor, channel=Channel.VISIT)
        visit.petition_id = petition.id
        self.lifecycle.note(session, petition, Note.VISIT, actor=actor, text=texts.VISIT_NOTE.format(
            name=staff.name, household=visit.household))
        return petition

    def _week_line(self, session: Session, staff: Staff, visit: Visit) -> str:
        tz, settings = self.deps.settings.tz, self.deps.settings
        start, end = this_week(visit.visited_at, tz)
        norm = self._norm(staff.name, vq.visits_of(session, staff_id=saved_id(staff),
                                                   since=start, until=end))
        local = visit.visited_at.astimezone(tz)
        return texts.VISIT_LOGGED.format(
            household=html.escape(visit.household), day=f"{local.month}月{local.day}日",
            half=texts.VISIT_HALF_DAYS[_half_day(visit.visited_at, tz)[1]],
            half_days=norm.half_days, norm_half_days=settings.visit_half_days,
            households=norm.households, norm_households=settings.visit_households,
            met=texts.VISIT_MET if norm.met else "")

    def _norm(self, name: str, visits: Iterable[Visit]) -> WeekNorm:
        settings = self.deps.settings
        return week_norm(name, visits, tz=settings.tz, half_days=settings.visit_half_days,
                         households=settings.visit_households)


def _half_day(moment: datetime, tz: ZoneInfo) -> tuple[str, str]:
    local = moment.astimezone(tz)
    return local.date().isoformat(), "am" if local.hour < 12 else "pm"


def _split_problem(text: str) -> tuple[str, str]:
    for marker in texts.VISIT_PROBLEM_MARKERS:
        if marker in text:
            content, _, problem = text.partition(marker)
            return content.strip(), problem.strip()
    return text, ""


def _cut(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
