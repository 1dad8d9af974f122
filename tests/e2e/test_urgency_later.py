"""Urgency judged again after the first message: a follow-up reporting a danger makes the
petition an emergency at once; staff mark a petition urgent (command or card button) or not
urgent with a reason; the timeline records it and the deadlines are counted again."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from storage.models import Petition, PetitionEvent

BJ = ZoneInfo("Asia/Shanghai")
NUMBER = re.compile(r"MY-\d{8}-\d{4}")


def bj(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=BJ)


def stored(harness, number: str) -> Petition:
    with Session(harness.services.deps.engine) as session:
        return session.exec(select(Petition).where(Petition.number == number)).one()


def events(harness, number: str) -> list[PetitionEvent]:
    petition = stored(harness, number)
    with Session(harness.services.deps.engine) as session:
        return list(session.exec(select(PetitionEvent).where(
            PetitionEvent.petition_id == petition.id).order_by(PetitionEvent.id)))


def texts(office, chat_id: int) -> list[str]:
    return [m.text for m in office.emu.bot_messages(chat_id) if not m.text.startswith("📋")]


async def report(office, resident, text: str) -> str:
    await office.say(resident, resident.id, text)
    return NUMBER.search(office.last_text(resident.id)).group(0)


async def test_a_follow_up_naming_a_danger_makes_the_petition_urgent_at_once(
        office, resident, harness, clock):
    clock.set(bj(23, 21, 0))
    number = await report(office, resident, "5号楼2单元301卫生间漏水，楼上渗下来的")
    before = stored(harness, number)
    assert not before.urgent
    clock.advance(minutes=1)
    await office.say(resident, resident.id, "刚才说的漏水，现在水已经漫到客厅了，电线那里在冒火花")
    reply = office.last_text(resident.id)
    assert "拉下电闸" in reply or "切断电源" in reply or "断电" in reply, reply
    assert reply.index("请立即拨打") < reply.index("已按紧急诉求处理")
    assert "11月23日 21:31" in reply, "30 minutes from the follow-up, round the clock"
    after = stored(harness, number)
    assert after.urgent and "冒火花" in after.urgent_words
    assert after.respond_due < before.respond_due
    assert any("紧急诉求，请立即认领" in t and number in t for t in texts(office, office.main_group.id))
    assert any("紧急诉求" in t and number in t for t in texts(office, office.street_group.id))
    assert any(e.action == "mark_urgent" for e in events(harness, number))
    assert "🔴" in office.card(office.main_group.id, number).text
    # Unclaimed, it is alerted again like any emergency.
    clock.advance(minutes=11)
    await harness.tick()
    assert any("仍无人认领" in t and number in t for t in texts(office, office.main_group.id))


async def test_a_routine_follow_up_stays_routine(office, resident, harness):
    number = await report(office, resident, "5号楼楼道灯坏了")
    await office.say(resident, resident.id, "补充一下，是三楼到四楼之间那盏")
    assert "已补充到诉求" in office.last_text(resident.id)
    assert not stored(harness, number).urgent


async def test_staff_mark_urgent_by_button_and_not_urgent_by_command(office, resident, harness):
    number = await report(office, resident, "小区北门的路灯一直不亮，晚上很黑")
    group, card = office.find_card(number)
    routine_due = stored(harness, number).respond_due
    answer = await office.press(office.staff, group, card.message_id,
                                office.button(card, "🔴 标为紧急"))
    assert "已将" in answer.get("text", "") and number in answer.get("text", "")
    marked = stored(harness, number)
    assert marked.urgent and marked.respond_due < routine_due
    assert any("紧急诉求" in t and number in t for t in texts(office, office.street_group.id))
    assert "列为紧急" in office.last_text(resident.id)
    card = office.card(group, number)
    assert not any("标为紧急" in label for row in card.buttons for label, _ in row)

    await office.say(office.staff, group, f"/noturgent {number}")
    assert "用法" in office.last_text(group)
    await office.say(office.staff, group, f"/noturgent {number} 已电话核实，只是路灯不亮")
    assert "改为非紧急" in office.last_text(group)
    back = stored(harness, number)
    assert not back.urgent and back.respond_due == routine_due, "the routine limit from the start"
    await office.say(office.staff, group, f"/show {number}")
    timeline = office.last_text(group)
    assert "标为紧急" in timeline and "改为非紧急" in timeline and "已电话核实" in timeline


async def test_urgent_by_command_refuses_outsiders_and_closed_petitions(office, resident, harness):
    number = await report(office, resident, "小区健身器材坏了一个")
    group, _ = office.find_card(number)
    await office.say(office.outsider, group, f"/urgent {number}")
    assert not stored(harness, number).urgent
    await office.say(office.staff, group, f"/resolve {number} 已修好")
    await office.say(office.staff, group, f"/urgent {number}")
    assert "不能调整紧急程度" in office.last_text(group)
    assert not stored(harness, number).urgent


async def test_the_cards_not_urgent_button_asks_for_the_reason(office, resident, harness, clock):
    clock.set(bj(23, 22, 40))
    number = await report(office, resident, "厨房一股很浓的煤气味")
    group, card = office.find_card(number)
    await office.press(office.outsider, group, card.message_id, office.button(card, "取消紧急"))
    assert stored(harness, number).urgent, "not staff: refused"
    await office.press(office.staff, group, card.message_id, office.button(card, "取消紧急"))
    assert "改为非紧急的理由" in office.last_text(group)
    await office.say(office.staff, group, "已电话核实，是邻居家在炖肉，没有燃气泄漏")
    assert "改为非紧急" in office.last_text(group)
    after = stored(harness, number)
    assert not after.urgent
    assert after.respond_due.astimezone(BJ) > bj(24, 8, 30), "routine: counted from office hours"
    assert any(e.action == "mark_routine" and "炖肉" in e.detail["reason"]
               for e in events(harness, number))
    card = office.card(group, number)
    assert office.button(card, "🔴 标为紧急"), "it can be marked urgent again"
