"""延期申请 end to end: the handler asks, the street's supervisor (or, by configuration, the
community's head) approves or refuses with one tap, the deadline moves in working days, the
resident is told, lateness counts against the approved date; and who may and may not."""

from __future__ import annotations

import re
from dataclasses import replace

from sqlmodel import Session, select

from reception.reports.metrics import is_overdue
from storage.models import Extension, Petition
from tests.clocks import bj

NUMBER = re.compile(r"MY-\d{8}-\d{4}")
TEXT = "5号楼屋顶防水层破了，顶楼一下雨就漏，需要维修"


async def claimed_petition(office, resident) -> tuple[str, int]:
    await office.say(resident, resident.id, TEXT)
    number = NUMBER.search(office.last_text(resident.id)).group(0)
    group_id, card = office.find_card(number)
    await office.press(office.staff, group_id, card.message_id, office.button(card, "认领"))
    await office.say(office.staff, group_id, "您好，我们已联系物业查看", reply_to=card.message_id)
    assert "我们已联系物业查看" in office.last_text(resident.id)
    return number, group_id


def petition(harness, number: str) -> Petition:
    with Session(harness.services.deps.engine) as session:
        return session.exec(select(Petition).where(Petition.number == number)).one()


def extensions_of(harness, number: str) -> list[Extension]:
    with Session(harness.services.deps.engine) as session:
        found = session.exec(select(Petition).where(Petition.number == number)).one()
        return list(session.exec(select(Extension).where(Extension.petition_id == found.id)))


def request(office, chat_id: int, number: str):
    for message in reversed(office.emu.bot_messages(chat_id)):
        if "延期申请" in message.text and number in message.text and message.buttons:
            return message
    raise AssertionError(f"no extension request for {number} in {chat_id}")


async def test_an_approved_extension_moves_the_deadline_in_working_days(office, resident, harness, clock):
    number, group_id = await claimed_petition(office, resident)
    assert petition(harness, number).resolve_due == bj(2026, 12, 2, 9, 0)  # seven working days
    await office.say(office.staff, group_id, f"/extend {number} 5 需等待物业维修基金审批")
    assert "等待街道督办审批" in office.last_text(group_id)
    asked = request(office, office.street_group.id, number)
    assert "5 个工作日" in asked.text and "12月9日" in asked.text
    await office.press(office.supervisor, office.street_group.id, asked.message_id,
                       office.button(asked, "✅ 批准延期"))
    after = petition(harness, number)
    assert after.resolve_due == bj(2026, 12, 9, 9, 0), "five working days after 2 December"
    told = office.last_text(resident.id)
    assert "延长办理 5 个工作日" in told and "12月9日" in told
    assert "延期获批" in office.last_text(group_id)
    assert "已延期 5 个工作日" in office.card(group_id, number).text
    (extension,) = extensions_of(harness, number)
    assert extension.decision == "approved" and extension.new_due == after.resolve_due

    # Resolved after the old date but before the approved one: not late.
    clock.advance(days=12)  # Saturday 5 December
    await harness.tick()
    assert not [m for m in office.emu.bot_messages(group_id)
                if "已超期" in m.text and number in m.text and not m.text.startswith("📋")]
    assert "已超期" not in office.card(group_id, number).text
    await office.say(office.staff, group_id, f"/resolve {number} 防水层已重做")
    assert not is_overdue(petition(harness, number), clock.now())
    await office.say(office.staff, group_id, f"/show {number}")
    assert "申请延期" in office.last_text(group_id) and "延期获批" in office.last_text(group_id)


async def test_a_refused_extension_keeps_the_deadline(office, resident, harness):
    number, group_id = await claimed_petition(office, resident)
    due = petition(harness, number).resolve_due
    await office.say(office.staff, group_id, f"/extend {number} 3 材料未到")
    asked = request(office, office.street_group.id, number)
    approve = office.button(asked, "✅ 批准延期")
    await office.press(office.supervisor, office.street_group.id, asked.message_id,
                       office.button(asked, "❌ 不批准"))
    assert "延期未获批准" in office.last_text(group_id)
    assert petition(harness, number).resolve_due == due
    assert extensions_of(harness, number)[0].decision == "refused"
    again = await office.press_forged(office.supervisor, office.street_group.id, asked.message_id,
                                      approve)
    assert "已经审批过了" in again.get("text", "")
    assert petition(harness, number).resolve_due == due


async def test_who_may_ask_and_who_may_approve(office, resident, harness, clock):
    number, group_id = await claimed_petition(office, resident)
    await office.say(office.staff2, group_id, f"/extend {number} 5 想多要几天")
    assert "只有该诉求的处理人可以申请延期" in office.last_text(group_id)
    await office.say(office.outsider, group_id, f"/extend {number} 5 想多要几天")
    assert "只有已登记的社区工作人员" in office.last_text(group_id)
    for days in ("0", "16", "五"):
        await office.say(office.staff, group_id, f"/extend {number} {days} 理由")
        assert "延期天数须是 1 到 15" in office.last_text(group_id)
    await office.say(office.staff, group_id, f"/extend {number} 5")
    assert "用法：/extend" in office.last_text(group_id)
    assert extensions_of(harness, number) == []

    await office.say(office.staff, group_id, f"/extend {number} 5 需等待维修基金")
    await office.say(office.staff, group_id, f"/extend {number} 2 再申请")
    assert "已有延期申请等待审批" in office.last_text(group_id)
    approve = office.button(request(office, office.street_group.id, number), "✅ 批准延期")
    card = office.card(group_id, number)
    assert "延期申请待审批" in card.text
    # Neither the handler nor the community's administrator approves when the street does.
    for person in (office.staff, office.admin):
        answer = await office.press_forged(person, group_id, card.message_id, approve)
        assert "只有街道督办可以审批延期" in answer.get("text", "")
    assert extensions_of(harness, number)[0].decision is None

    clock.advance(days=10)  # Thursday 3 December, past the deadline: too late to ask
    await office.say(office.staff, group_id, f"/extend {number} 5 来不及了")
    assert "已过，不能再申请延期" in office.last_text(group_id)


async def test_the_community_head_approves_when_configured(office, resident, harness, config):
    await harness.stop(keep_emulator=True)
    harness.config = replace(config, practice=replace(config.practice,
                                                      extension_approver="community"))
    await harness.start(emulator=office.emu)
    number, group_id = await claimed_petition(office, resident)
    await office.say(office.staff, group_id, f"/extend {number} 2 等待业主委员会表决")
    assert any("等待社区负责人审批" in m.text for m in office.emu.bot_messages(group_id))
    asked = request(office, group_id, number)
    answer = await office.press(office.staff2, group_id, asked.message_id,
                                office.button(asked, "✅ 批准延期"))
    assert "只有社区负责人可以审批延期" in answer.get("text", "")
    await office.press(office.admin, group_id, asked.message_id, office.button(asked, "✅ 批准延期"))
    assert extensions_of(harness, number)[0].decision == "approved"
    assert petition(harness, number).resolve_due == bj(2026, 12, 4, 9, 0)
