"""Staff tools beyond the card buttons: /show, /ask (the clock pauses), /open, /overdue,
/digest, /export, and the deadline ladder driven by the injected clock."""

from __future__ import annotations

import re
from datetime import time, timedelta

from sqlmodel import Session, select

from bot.config import ScheduleConfig
from storage.models import Petition

NUMBER = re.compile(r"MY-\d{8}-\d{4}")


async def submit(office, resident, text: str) -> str:
    await office.say(resident, resident.id, text)
    return NUMBER.search(office.last_text(resident.id)).group(0)


def petition(harness, number: str) -> Petition:
    with Session(harness.services.deps.engine) as session:
        return session.exec(select(Petition).where(Petition.number == number)).one()


async def test_show_gives_card_and_timeline(office, resident):
    number = await submit(office, resident, "社区活动室能不能周末开放")
    await office.say(office.staff, office.main_group.id, f"/show {number}")
    text = office.last_text(office.main_group.id)
    assert number in text and "办理记录" in text and "提交诉求" in text


async def test_ask_pauses_the_clock_until_the_resident_answers(office, resident, harness, clock):
    number = await submit(office, resident, "想咨询一下残疾人两项补贴怎么申请")
    due_before = petition(harness, number).resolve_due
    await office.say(office.staff, office.main_group.id, f"/ask {number} 请问老人今年多大年纪？户籍在本社区吗？")
    assert "需要您补充信息" in office.last_text(resident.id)
    assert petition(harness, number).status == "waiting"
    clock.advance(days=1)
    await office.say(resident, resident.id, "老人82岁，户籍在本社区")
    assert "办理时限继续计算" in office.last_text(resident.id)
    after = petition(harness, number)
    assert after.status == "claimed"
    assert after.resolve_due - due_before == timedelta(days=1), "one working day paused, one added"
    assert "老人82岁" in office.last_text(office.main_group.id)


async def test_a_residents_answer_reaches_the_group_masked(office, resident):
    number = await submit(office, resident, "想咨询一下就业困难人员认定怎么办")
    await office.say(office.staff, office.main_group.id, f"/ask {number} 请留个电话方便联系")
    await office.say(resident, resident.id, "我的电话是13812345678，身份证110101195001011234")
    relay = office.last_text(office.main_group.id)
    assert "居民答复" in relay and "我的电话是" in relay
    assert "13812345678" not in relay and "110101195001011234" not in relay
    assert "5678" in relay  # masked, not dropped: staff see the tail to match it up


async def test_open_lists_this_groups_petitions(office, resident):
    number = await submit(office, resident, "楼道里的消防栓箱门坏了")
    await office.say(office.staff, office.main_group.id, "/open")
    assert number in office.last_text(office.main_group.id)


async def test_unanswered_petition_climbs_the_ladder_once_each_step(office, resident, harness, clock):
    number = await submit(office, resident, "小区北门的路灯一直不亮")
    for _ in range(12):  # three days of sweeps, every six hours
        clock.advance(hours=6)
        await harness.tick()
    def notices(chat) -> list[str]:  # messages other than the (edited) cards
        return [m.text for m in office.emu.bot_messages(chat.id) if not m.text.startswith("📋")]

    main, street = notices(office.main_group), notices(office.street_group)
    assert sum("临期提醒" in t and number in t for t in main) == 1
    assert sum("已超期" in t and number in t for t in main) == 1
    assert sum("超期督办" in t and number in t for t in street) == 1
    assert office.card(office.street_group.id, number), "supervisors see the card"
    await office.say(office.staff, office.main_group.id, "/overdue")
    assert number in office.last_text(office.main_group.id)


async def test_digest_and_export_on_demand(office, resident):
    await submit(office, resident, "小区垃圾分类桶不够用")
    await office.say(office.staff, office.main_group.id, "/digest")
    kinds = [m.kind for m in office.emu.bot_messages(office.main_group.id)]
    assert "photo" in kinds, "the digest chart"
    assert "周报" in office.last_text(office.main_group.id)
    await office.say(office.staff, office.main_group.id, "/export")
    document = office.emu.last_bot_message(office.main_group.id)
    assert document.kind == "document" and document.file_name.endswith(".xlsx")
    assert document.file_bytes[:2] == b"PK"


async def test_outsider_cannot_digest_or_export(office):
    for command in ("/digest", "/export", "/overdue"):
        await office.say(office.outsider, office.main_group.id, command)
        assert "只有已登记的社区工作人员" in office.last_text(office.main_group.id)


async def test_long_text_is_kept_whole_and_the_card_says_so(office, resident, harness):
    text = "楼上漏水，" + "天花板一直滴水，墙面发霉。" * 200
    number = await submit(office, resident, text)
    assert "已完整登记" in office.last_text(resident.id)
    _, card = office.find_card(number)
    assert f"全文共 {len(text)} 字" in card.text
    assert petition(harness, number).text == text


async def test_staff_photo_reply_reaches_the_resident(office, resident):
    number = await submit(office, resident, "小区健身器材螺丝松了")
    group, card = office.find_card(number)
    office.emu.send_photo(office.staff, group, caption="已经紧固好了，请看照片", reply_to=card.message_id)
    await office.harness.settle()
    photo = office.emu.last_bot_message(resident.id)
    assert photo.kind == "photo" and "已经紧固好了" in photo.text


async def test_a_restart_after_the_brief_was_due_sends_it_once(office, resident, harness, clock):
    """The bot was down at 08:30: started at 10:00 with its real jobs on, it sends the brief."""
    await submit(office, resident, "3号楼楼道灯坏了，晚上看不见")
    await harness.stop(keep_emulator=True)
    harness.schedule = ScheduleConfig(sweep_seconds=3600, outbox_seconds=3600,
                                      weekly_digest_cron="0 9 * * 1", morning_brief=time(8, 30))
    clock.advance(timedelta(hours=1))  # Monday 10:00
    await harness.start(emulator=office.emu)
    await office.emu.wait_for(
        lambda: any("早报" in m.text for m in office.emu.bot_messages(office.main_group.id)),
        timeout=10, what="the morning brief in the community group")
    await harness.stop(keep_emulator=True)
    await harness.start(emulator=office.emu)  # restarted again the same morning
    await harness.settle()
    briefs = [m for m in office.emu.bot_messages(office.main_group.id) if "早报" in m.text]
    assert len(briefs) == 1


async def test_a_deadline_in_an_unannounced_year_is_marked_provisional(office, resident, clock):
    first = await submit(office, resident, "小区南门的垃圾桶满了没人清运")
    assert "推算的节假日" not in office.last_text(resident.id)  # 2026 is announced
    clock.advance(days=36)  # Monday 28 December: seven working days reach into 2027
    number = await submit(office, resident, "3号楼前的健身器材坏了，螺丝松动")
    assert number != first
    assert "推算的节假日" in office.last_text(resident.id)
    assert "推算的节假日" in office.card(office.main_group.id, number).text


async def test_administrators_are_reminded_in_december_while_next_year_is_provisional(
        office, harness, clock):
    escalation = harness.services.escalation
    assert await harness.runtime.call(escalation.calendar_reminder) == 0  # November: not yet
    clock.advance(days=14)  # Monday 7 December
    assert await harness.runtime.call(escalation.calendar_reminder) == 2  # both administrators
    await harness.settle()
    reminder = office.last_text(office.admin.id)
    assert "2027年的法定节假日安排尚未录入" in reminder and "minyuan calendar 2027" in reminder
    assert "2027年" not in office.last_text(office.staff.id)  # staff are not administrators


NOTICE_2027_LONG_NEW_YEAR = """国务院办公厅关于2027年部分节假日安排的通知
一、元旦：1月1日（周五）至5日（周二）放假调休，共5天。1月9日（周六）上班。
二、春节：2月5日至11日放假调休，共7天。
"""


async def test_an_imported_notice_moves_open_deadlines_and_says_so(office, resident, harness, clock):
    from reception.supervision.calendar_watch import import_notice

    clock.advance(days=36)  # Tuesday 29 December 2026: seven working days reach into 2027
    number = await submit(office, resident, "3号楼前的健身器材坏了，螺丝松动")
    assert "推算的节假日" in office.card(office.main_group.id, number).text
    with Session(harness.services.deps.engine) as session:
        before = session.exec(select(Petition).where(Petition.number == number)).one()
    done = await harness.runtime.call(import_notice, harness.services.deps, NOTICE_2027_LONG_NEW_YEAR)
    assert done.moved == [number]
    await harness.settle()
    with Session(harness.services.deps.engine) as session:
        after = session.exec(select(Petition).where(Petition.number == number)).one()
    # Received Tuesday 29 December: due Friday 8 January. With 4 and 5 January off and
    # Saturday 9 January worked, the seventh working day is Monday 11 January.
    assert (before.resolve_due.date().isoformat(), after.resolve_due.date().isoformat()) == (
        "2027-01-08", "2027-01-11")
    assert after.resolve_remind_at > before.resolve_remind_at
    assert after.respond_due == before.respond_due  # due on Tuesday 29 December, untouched
    card = office.card(office.main_group.id, number).text
    assert "推算的节假日" not in card, "2027 is official now"
    await office.say(office.staff, office.main_group.id, f"/show {number}")
    assert "节假日安排更新" in office.last_text(office.main_group.id)
    again = await harness.runtime.call(import_notice, harness.services.deps, NOTICE_2027_LONG_NEW_YEAR)
    assert again.moved == [], "importing the same notice twice moves nothing"
