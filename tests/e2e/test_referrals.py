"""Referrals to departments end to end: a department with a Telegram group (masked card,
replies, 已办结), one without (a referral sheet, /refdone), the referral's own deadline on the
sweep, the register's 转交部门; and who may and may not."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from storage.models import Petition, Referral

NUMBER = re.compile(r"MY-\d{8}-\d{4}")
OUTAGE = "3号楼整栋停电了，电梯也停了，我的电话13812345678"


async def submit(office, resident, text: str) -> str:
    await office.say(resident, resident.id, text)
    return NUMBER.search(office.last_text(resident.id)).group(0)


def referrals_of(harness, number: str) -> list[Referral]:
    with Session(harness.services.deps.engine) as session:
        found = session.exec(select(Petition).where(Petition.number == number)).one()
        return list(session.exec(select(Referral).where(Referral.petition_id == found.id)))


@pytest.fixture
async def power_group(office, harness, config, tmp_path):
    """供电公司 has a group: org.toml with its chat id, and the bot restarted on it."""
    electrician = office.emu.add_user(first_name="供电刘师傅")
    group = office.emu.add_group("供电公司抢修群", members=[electrician])
    shipped = Path(config.reception.organisation).read_text(encoding="utf-8")
    org = tmp_path / "org.toml"
    org.write_text(shipped.replace('# chat_id = -1001234567890', f"chat_id = {group.id}"),
                   encoding="utf-8")
    await harness.stop(keep_emulator=True)
    harness.config = replace(config, reception=replace(config.reception, organisation=org))
    await harness.start(emulator=office.emu)
    group.electrician = electrician
    return group


def referral_card(office, chat_id: int, number: str):
    for message in reversed(office.emu.bot_messages(chat_id)):
        if "转办" in message.text and number in message.text:
            return message
    raise AssertionError(f"no referral card for {number}")


async def test_a_department_with_a_group_replies_and_reports_done(office, resident, harness,
                                                                  power_group):
    number = await submit(office, resident, OUTAGE)
    group_id, _ = office.find_card(number)
    await office.say(office.staff, group_id, f"/refer {number} 供电公司 整栋停电，请安排抢修")
    assert "已转交" in office.last_text(group_id) and "部门办理时限" in office.last_text(group_id)
    assert "已转交 供电公司，跟踪办理中" in office.last_text(resident.id)
    card = referral_card(office, power_group.id, number)
    assert "整栋停电" in card.text and "13812345678" not in card.text, "masked for the department"
    assert "📨 转交：供电公司" in office.card(group_id, number).text

    office.emu.send_text(power_group.electrician, power_group.id, "已派抢修班组，预计两小时恢复",
                         reply_to=card.message_id)
    await harness.settle()
    assert "已转告社区承办人" in office.last_text(power_group.id)
    relay = office.last_text(group_id)
    assert "供电公司回复" in relay and "预计两小时恢复" in relay

    # 已办结 from anywhere but the department's group is refused.
    done = office.button(card, "✅ 已办结")
    answer = await office.press_forged(office.staff, group_id,
                                       office.emu.last_bot_message(group_id).message_id, done)
    assert "不属于本部门" in answer.get("text", "")
    assert referrals_of(harness, number)[0].done_at is None
    await office.press(power_group.electrician, power_group.id, card.message_id, done)
    assert "供电公司反馈办结" in office.last_text(group_id)
    (referral,) = referrals_of(harness, number)
    assert referral.done_at is not None and "供电刘师傅" in referral.done_by
    await office.say(resident, resident.id, f"/status {number}")
    assert "供电公司已反馈办结" in office.last_text(resident.id)
    await office.say(office.staff, group_id, f"/resolve {number} 供电公司已抢修，恢复供电")
    assert "办结" in office.last_text(resident.id)

    await office.say(office.staff, group_id, "/export")
    document = office.emu.last_bot_message(group_id)
    sheet = load_workbook(io.BytesIO(document.file_bytes)).worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    column = next(i for row in rows for i, v in enumerate(row) if v == "转交部门")
    line = next(row for row in rows if row[0] == number)
    assert line[column] == "供电公司"


async def test_a_department_without_a_group_gets_a_referral_sheet(office, resident, harness):
    number = await submit(office, resident, "楼道里有燃气味，已经关了阀门，请燃气公司来查一下管道")
    group_id, _ = office.find_card(number)
    await office.say(office.staff, group_id, f"/refer {number} 燃气 请上门检查管道")
    assert any("转办单见下方文件" in m.text for m in office.emu.bot_messages(group_id))
    sheet = next(m for m in office.emu.bot_messages(group_id) if m.kind == "document")
    text = sheet.file_bytes.decode("utf-8")
    assert "转办单" in text and number in text and "燃气公司" in text and "请上门检查管道" in text
    await office.say(office.staff, group_id, f"/refer {number} 燃气公司 再转一次")
    assert "已转交" in office.last_text(group_id) and "正在跟踪" in office.last_text(group_id)
    await office.say(office.staff, group_id, f"/refdone {number} 燃气公司已检修，管道无泄漏")
    assert "已记录" in office.last_text(group_id)
    (referral,) = referrals_of(harness, number)
    assert referral.done_note == "燃气公司已检修，管道无泄漏" and referral.done_by == "张网格员"


async def test_who_may_refer(office, resident, harness):
    number = await submit(office, resident, "小区门口的路灯坏了好几天")
    group_id, _ = office.find_card(number)
    await office.say(office.outsider, group_id, f"/refer {number} 供电公司 路灯")
    assert "只有已登记的社区工作人员" in office.last_text(group_id)
    await office.say(office.staff, group_id, f"/refer {number} 电信公司 路灯")
    assert "没有名为「电信公司」的部门" in office.last_text(group_id)
    assert "供电公司" in office.last_text(group_id), "the known departments are listed"
    await office.say(office.staff, group_id, f"/refer {number}")
    assert "用法：/refer" in office.last_text(group_id)
    await office.say(office.staff, group_id, f"/refdone {number} 好了")
    assert "没有正在办理的转交" in office.last_text(group_id)
    assert referrals_of(harness, number) == []


async def test_the_referral_deadline_reminds_then_tells_the_street(office, resident, harness, clock):
    number = await submit(office, resident, "小区里违章搭建的棚子一直没人管")
    group_id, _ = office.find_card(number)
    await office.say(office.staff, group_id, f"/refer {number} 城管执法中队 请依法处理违章搭建")
    for _ in range(16):  # two weeks and more, a day at a time: the ten working days run out
        clock.advance(days=1)
        await harness.tick()
    group = [m.text for m in office.emu.bot_messages(group_id) if number in m.text]
    street = [m.text for m in office.emu.bot_messages(office.street_group.id) if number in m.text]
    assert sum("转交临期提醒" in t for t in group) == 1
    assert sum("转交已超期" in t for t in group) == 1
    assert sum("转交已超期" in t for t in street) == 1
    assert referrals_of(harness, number)[0].step == 2
