"""每月一题: the monthly report of recurring problems, the street's pick, and its tracking."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.models import MonthlyTopic
from tests.clocks import bj
from tests.e2e.test_petition_loop import events, submit

LEAKS = ("3号楼2单元301 卫生间顶上漏水，楼上渗下来的", "3号楼1单元202 厨房天花板漏水",
         "3号楼2单元501 楼上漏水把墙泡坏了", "3号楼1单元101 阳台顶漏水", "3号楼2单元401 卧室漏水")


async def leaks(office, resident, clock, texts) -> list[str]:
    numbers = []
    for text in texts:
        numbers.append(await submit(office, resident, text))
        clock.advance(minutes=5)  # each a petition of its own
    return numbers


async def test_monthly_report_pick_and_track(office, resident, clock, harness):
    street, group = office.street_group.id, office.main_group.id
    clock.set(bj(2026, 10, 20, 9))
    october = await leaks(office, resident, clock, LEAKS[:1])
    clock.set(bj(2026, 11, 23, 9))
    november = await leaks(office, resident, clock, LEAKS[1:4])
    await submit(office, resident, "8号楼门口的路灯不亮")  # once: not a recurring problem
    clock.set(bj(2026, 12, 1, 9, 5))

    await office.say(office.supervisor, street, "/monthly")
    report = office.last_text(street)
    assert "新华街道 · 每月一题 · 2026年11月" in report
    assert "1. 红旗社区3号楼 · 房屋维修：本月 3 件（9月 0、10月 1），↑ 上升" in report
    assert all(number in report for number in october + november)
    assert "8号楼" not in report and "/topic pick" in report

    # A community's staff see their community's report, and cannot pick for the street.
    await office.say(office.staff, group, "/monthly 2026-11")
    assert "红旗社区 · 每月一题" in office.last_text(group)
    await office.say(office.staff, group, "/topic pick 1")
    assert "只有街道的督办人员" in office.last_text(group)
    await office.say(office.outsider, street, "/monthly")
    assert "每月一题" not in office.last_text(street)  # not staff: a refusal, no report
    await office.say(office.supervisor, street, "/monthly 2027-13")
    assert "用法" in office.last_text(street)

    await office.say(office.supervisor, street, "/topic pick 2")
    assert "没有第 2 项" in office.last_text(street)
    await office.say(office.supervisor, street, "/topic pick 1")
    assert "已选定每月一题 #1" in office.last_text(street)
    await office.say(office.supervisor, street, "/topic pick 1")
    assert "已选定为每月一题 #1（跟踪中）" in office.last_text(street)
    assert events(harness, november[0])[-1] == "topic"

    # It recurs in December once more; the January report (for December) tracks it.
    clock.set(bj(2026, 12, 10, 9))
    await leaks(office, resident, clock, LEAKS[4:])
    clock.set(bj(2027, 1, 4, 9))
    await office.say(office.supervisor, street, "/monthly 2026-12")
    report = office.last_text(street)
    assert "每月一题跟踪" in report
    assert ("#1 红旗社区3号楼 · 房屋维修（2026年11月选定）：跟踪中；关联诉求 5 件，未办结 5 件，"
            "选定后新发 1 件") in report

    await office.say(office.supervisor, street, "/topic done 1 更换3号楼屋面防水层，全楼复查无渗漏")
    assert "已标记为已解决" in office.last_text(street)
    await office.say(office.supervisor, street, "/topic")
    assert "已解决；" in office.last_text(street) and "防水层" in office.last_text(street)
    with Session(harness.services.deps.engine) as session:
        topic = session.exec(select(MonthlyTopic)).one()
        assert (topic.state, topic.month, topic.place) == ("solved", "2026-11", "3")


async def test_the_first_of_the_month_sends_last_months_report_to_street_groups(
        office, resident, clock, harness):
    await leaks(office, resident, clock, LEAKS[:3])
    clock.set(bj(2026, 12, 1, 9))
    queued = await harness.runtime.call(harness.services.monthly.queue_monthly)
    await harness.settle()
    assert queued == 1
    assert "红旗社区3号楼 · 房屋维修：本月 3 件（9月 0、10月 0），🆕 本月新出现" in office.last_text(
        office.street_group.id)
