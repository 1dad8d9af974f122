"""The on-duty roster by command: who is alerted, by name, when an emergency comes in.

org.toml's ``on_duty`` names a community's standing duty staff. Day by day the office
changes it from Telegram:

- ``/duty``: who is on duty today (and the next days already arranged);
- ``/duty on`` / ``/duty off`` [日期]: the staff member themselves;
- ``/duty @名字 [日期]`` / ``/duty off @名字 [日期]``: an administrator for someone else.

A duty day runs from 08:00 to 08:00 the next morning, as a 24-hour 值班 does, so the staff
member on duty on the 23rd is still alerted at 02:00 on the 24th. Emergency alerts
(reception.handling.emergency.duty_staff) name everyone on today's roster and org.toml's
on-duty staff; with neither, the community's administrators.
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime, time, timedelta

from sqlmodel import Session

from reception import texts
from reception.deps import Deps
from reception.errors import InvalidInput, NotAllowed
from reception.handling.access import Access
from storage import emergency_queries
from storage.db import transaction
from storage.enums import Role, ScopeKind
from storage.models import DutyShift, Staff
from storage.tables import saved_id

DUTY_DAY_STARTS = time(8, 0)
SHOWN_DAYS = 7  # /duty lists today and the arranged days of the coming week
_ON, _OFF = ("on", "上班", "值班", "到岗"), ("off", "下班", "取消", "不值班")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})$")
_MONTH_DAY = re.compile(r"(\d{1,2})(?:月|-|/)(\d{1,2})(?:日|号)?$")
_RELATIVE = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2}


def duty_day(deps: Deps, at: datetime) -> date:
    """The roster day ``at`` falls in (before 08:00 it is still the previous day's duty)."""
    local = at.astimezone(deps.settings.tz)
    return local.date() - timedelta(days=1) if local.time() < DUTY_DAY_STARTS else local.date()


def on_duty_ids(session: Session, deps: Deps, community_code: str, at: datetime) -> set[int]:
    """Ids of the staff on today's roster for the community."""
    day = duty_day(deps, at)
    return {saved_id(staff) for _, staff in emergency_queries.shifts(
        session, community_code=community_code, first=day, last=day)}


def parse_day(text: str, today: date) -> date:
    """今天 / 明天 / 后天, 12月5日, 12-05, 2026-12-05 (a month-day before today is next year's).

    Raises InvalidInput."""
    text = text.strip()
    if text in _RELATIVE:
        return today + timedelta(days=_RELATIVE[text])
    try:
        if (m := _ISO.match(text)) is not None:
            return date(int(m[1]), int(m[2]), int(m[3]))
        if (m := _MONTH_DAY.match(text)) is not None:
            day = date(today.year, int(m[1]), int(m[2]))
            return day if day >= today else date(today.year + 1, day.month, day.day)
    except ValueError:
        pass
    raise InvalidInput(texts.DUTY_BAD_DATE.format(text=html.escape(text)))


class Roster:
    def __init__(self, deps: Deps, access: Access) -> None:
        self.deps = deps
        self.access = access

    def duty(self, *, tg_user_id: int, chat_id: int, args: str = "") -> str:
        """``/duty`` and its forms (see the module doc); returns the answer to show."""
        with transaction(self.deps.engine) as session:
            staff = self.access.require_staff(session, tg_user_id)
            communities = self.access.chat_scope(session, staff, chat_id)
            if len(communities) != 1:
                raise InvalidInput(texts.DUTY_ONE_COMMUNITY)
            community = communities[0]
            today = duty_day(self.deps, self.deps.clock.now())
            words = args.split()
            if not words:
                return self._show(session, community, today)
            on = words[0].lower() not in _OFF
            if words[0].lower() in _ON + _OFF:
                words = words[1:]
            target, day = staff, today
            if words and words[0].startswith(("@", "＠")):
                target = self._colleague(session, community, words.pop(0)[1:])
            if words:
                day = parse_day(" ".join(words), today)
            if day < today:
                raise InvalidInput(texts.DUTY_PAST)
            if target.id != staff.id and staff.role != Role.ADMIN:
                raise NotAllowed(texts.DUTY_ADMIN_ONLY)
            if target.scope_kind != ScopeKind.COMMUNITY:  # the street's supervisors are not on its roster
                raise NotAllowed(texts.DUTY_COMMUNITY_STAFF_ONLY)
            return self._set(session, community, target, staff, day, on=on)

    def _set(self, session: Session, community: str, target: Staff, by: Staff, day: date, *,
             on: bool) -> str:
        existing = emergency_queries.shift(session, community_code=community, day=day,
                                           staff_id=saved_id(target))
        when = texts.DUTY_DAY.format(month=day.month, day=day.day)
        name = html.escape(target.name)
        if on and existing is None:
            session.add(DutyShift(community_code=community, day=day, staff_id=saved_id(target),
                                  set_by=saved_id(by), set_at=self.deps.clock.now()))
        elif not on and existing is not None:
            session.delete(existing)
        return (texts.DUTY_ON if on else texts.DUTY_OFF).format(name=name, day=when)

    def _colleague(self, session: Session, community: str, name: str) -> Staff:
        for member in emergency_queries.community_staff(session, community):
            if member.name == name:
                return member
        raise InvalidInput(texts.DUTY_UNKNOWN_STAFF.format(name=html.escape(name)))

    def _show(self, session: Session, community: str, today: date) -> str:
        rows = emergency_queries.shifts(session, community_code=community, first=today,
                                        last=today + timedelta(days=SHOWN_DAYS - 1))
        standing = self.deps.org.community(community).on_duty
        on_today = [html.escape(s.name) for day, s in rows if day == today]
        on_today += [html.escape(n) + texts.DUTY_STANDING for n in standing
                     if html.escape(n) not in on_today]
        lines = [texts.DUTY_HEADER.format(
            community=html.escape(self.deps.org.community(community).name),
            day=texts.DUTY_DAY.format(month=today.month, day=today.day))]
        if on_today:
            lines.append(texts.LIST_SEPARATOR.join(on_today))
        else:
            admins = [html.escape(s.name) for s in emergency_queries.community_staff(
                session, community) if s.role == Role.ADMIN]
            lines.append(texts.DUTY_NOBODY.format(admins=texts.LIST_SEPARATOR.join(admins) or "—"))
        later: dict[date, list[str]] = {}
        for day, member in rows:
            if day != today:
                later.setdefault(day, []).append(html.escape(member.name))
        for day, names in later.items():
            lines.append(texts.DUTY_LATER.format(day=texts.DUTY_DAY.format(
                month=day.month, day=day.day), names=texts.LIST_SEPARATOR.join(names)))
        lines.append(texts.DUTY_HINT)
        return "\n".join(lines)
