"""The on-duty roster by command: /duty shows it, staff put themselves on and off, an
administrator arranges others; emergency alerts name whoever is on today's roster."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from storage.models import DutyShift

BJ = ZoneInfo("Asia/Shanghai")
NUMBER = re.compile(r"MY-\d{8}-\d{4}")


def bj(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=BJ)


def shifts(harness) -> list[DutyShift]:
    with Session(harness.services.deps.engine) as session:
        return list(session.exec(select(DutyShift)))


def private(office, user) -> list[str]:
    return [m.text for m in office.emu.bot_messages(user.id)]


async def test_duty_shows_the_administrators_until_someone_is_on_duty(office):
    group = office.main_group.id
    await office.say(office.staff, group, "/duty")
    shown = office.last_text(group)
    assert "11月23日" in shown and "还没有登记值班" in shown and "李主任" in shown
    await office.say(office.staff, group, "/duty on")
    assert "已登记 张网格员 11月23日 值班" in office.last_text(group)
    await office.say(office.staff, group, "/duty")
    assert "张网格员" in office.last_text(group) and "还没有登记" not in office.last_text(group)
    await office.say(office.staff, group, "/duty off")
    assert shifts(office.harness) == []


async def test_an_emergency_alerts_the_staff_on_todays_roster_by_name(office, resident, clock):
    group = office.main_group.id
    await office.say(office.staff2, group, "/duty on")
    clock.set(bj(23, 22, 40))
    before_admin, before_duty = len(private(office, office.admin)), len(private(office, office.staff2))
    await office.say(resident, resident.id, "厨房一股很浓的煤气味")
    number = NUMBER.search(office.last_text(resident.id)).group(0)
    alert = next(m.text for m in office.emu.bot_messages(group)
                 if "紧急诉求，请立即认领" in m.text and number in m.text)
    assert "赵专干" in alert and "李主任" not in alert
    assert len(private(office, office.staff2)) == before_duty + 1
    assert len(private(office, office.admin)) == before_admin, "the roster replaces the fallback"
    # 02:00 the next morning is still the 23rd's duty.
    clock.set(bj(24, 2, 0))
    await office.say(resident, resident.id, "/start hongqi")
    await office.say(office.staff2, group, "/duty")
    assert "赵专干" in office.last_text(group) and "11月23日" in office.last_text(group)


async def test_an_administrator_arranges_someone_else_staff_cannot(office, harness):
    group = office.main_group.id
    await office.say(office.staff, group, "/duty @赵专干 明天")
    assert "只有社区管理员" in office.last_text(group)
    assert shifts(harness) == []
    await office.say(office.admin, group, "/duty @赵专干 明天")
    assert "已登记 赵专干 11月24日 值班" in office.last_text(group)
    await office.say(office.admin, group, "/duty @张网格员 11月28日")
    await office.say(office.admin, group, "/duty @王某某 明天")
    assert "没有名为" in office.last_text(group)
    await office.say(office.admin, group, "/duty on 昨天")
    assert "看不懂日期" in office.last_text(group)
    await office.say(office.staff, group, "/duty")
    shown = office.last_text(group)
    assert "11月24日：赵专干" in shown and "11月28日：张网格员" in shown
    assert len(shifts(harness)) == 2
    await office.say(office.admin, group, "/duty off @赵专干 明天")
    assert len(shifts(harness)) == 1


async def test_duty_is_refused_outside_the_communitys_groups(office):
    unbound = office.emu.add_group("红旗小区5号楼业主群", members=[office.admin, office.outsider])
    await office.say(office.admin, unbound.id, "/duty on")
    await office.say(office.outsider, office.main_group.id, "/duty on")
    await office.say(office.supervisor, office.street_group.id, "/duty on")
    assert shifts(office.harness) == []
    assert "李主任" not in office.last_text(unbound.id)
    await office.say(office.admin, office.admin.id, "/duty on")
    assert "已登记 李主任" in office.last_text(office.admin.id), "a private chat: their community"
