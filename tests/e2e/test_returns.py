"""退单 / 派单异议 end to end: a group returns a petition, a dispatcher rules, the sweep
reminds a late ruling; and who may and may not do each."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from storage.models import Petition, PetitionReturn

NUMBER = re.compile(r"MY-\d{8}-\d{4}")
PARKING = "小区东门有车乱停，占了好几个车位，晚上停车很困难"


async def submit(office, resident, text: str) -> str:
    await office.say(resident, resident.id, text)
    return NUMBER.search(office.last_text(resident.id)).group(0)


def petition(harness, number: str) -> Petition:
    with Session(harness.services.deps.engine) as session:
        return session.exec(select(Petition).where(Petition.number == number)).one()


def returns_of(harness, number: str) -> list[PetitionReturn]:
    with Session(harness.services.deps.engine) as session:
        found = session.exec(select(Petition).where(Petition.number == number)).one()
        return list(session.exec(select(PetitionReturn).where(
            PetitionReturn.petition_id == found.id)))


def ruling_message(office, chat_id: int, number: str):
    for message in reversed(office.emu.bot_messages(chat_id)):
        if "退单待裁定" in message.text and number in message.text and message.buttons:
            return message
    raise AssertionError(f"no ruling request for {number} in {chat_id}")


async def parking_petition(office, resident) -> str:
    number = await submit(office, resident, PARKING)
    chat_id, _ = office.find_card(number)
    assert chat_id == office.parking_group.id
    return number


async def test_a_return_overturned_by_the_street_goes_to_the_other_group(office, resident, harness):
    number = await parking_petition(office, resident)
    due_before = petition(harness, number).resolve_due
    await office.say(office.staff, office.parking_group.id,
                     f"/return {number} 派错了，这是消防通道被占，不是停车分类")
    answer = office.last_text(office.parking_group.id)
    assert "已退单" in answer and "分类有误" in answer and "街道督办" in answer
    request = ruling_message(office, office.street_group.id, number)
    assert "张网格员" in request.text and "红旗社区停车协调组" in request.text
    assert office.card(office.street_group.id, number), "the supervisors see the card too"
    await office.press(office.supervisor, office.street_group.id, request.message_id,
                       office.button(request, "改派→红旗社区民愿工作群"))
    after = petition(harness, number)
    assert after.group_chat_id == office.main_group.id and after.status == "submitted"
    assert after.resolve_due == due_before, "the resident's clock keeps running"
    assert "改派到" in office.last_text(office.parking_group.id)
    assert "已转交" in office.last_text(resident.id)
    assert office.card(office.main_group.id, number).buttons, "the new group can act on it"
    (returned,) = returns_of(harness, number)
    assert (returned.ruling, returned.reason_kind) == ("overturned", "category")
    await office.say(office.staff, office.main_group.id, f"/show {number}")
    timeline = office.last_text(office.main_group.id)
    assert "退单（派单异议）" in timeline and "退单裁定：改派" in timeline


async def test_an_upheld_return_goes_back_to_the_group(office, resident, harness):
    number = await parking_petition(office, resident)
    await office.say(office.staff, office.parking_group.id,
                     f"/return {number} 这辆车的问题属于城管部门职责")
    assert "属部门职责" in office.last_text(office.parking_group.id)
    _, card = office.find_card(number)
    assert "退单待裁定" in card.text
    request = ruling_message(office, office.street_group.id, number)
    await office.press(office.supervisor, office.street_group.id, request.message_id,
                       office.button(request, "✅ 维持原派"))
    assert "维持原派" in office.last_text(office.parking_group.id)
    assert petition(harness, number).group_chat_id == office.parking_group.id
    (returned,) = returns_of(harness, number)
    assert returned.ruling == "upheld"
    _, card = office.find_card(number)
    assert "退单待裁定" not in card.text


async def test_who_may_return_and_who_may_rule(office, resident, harness):
    number = await parking_petition(office, resident)
    await office.say(office.outsider, office.parking_group.id, f"/return {number} 不归我们")
    assert "只有已登记的社区工作人员" in office.last_text(office.parking_group.id)
    await office.say(office.staff, office.main_group.id, f"/return {number} 不归我们")
    assert "只有承办该诉求的工作群" in office.last_text(office.main_group.id)
    await office.say(office.staff, office.parking_group.id, f"/return {number}")
    assert "用法：/return" in office.last_text(office.parking_group.id)
    assert returns_of(harness, number) == []

    await office.say(office.staff, office.parking_group.id, f"/return {number} 不是我们的分类")
    await office.say(office.staff2, office.parking_group.id, f"/return {number} 再退一次")
    assert "已有退单等待裁定" in office.last_text(office.parking_group.id)
    request = ruling_message(office, office.street_group.id, number)
    uphold = office.button(request, "✅ 维持原派")
    # Community staff are no dispatchers, in their group or anywhere; nor is an outsider.
    card = office.emu.last_bot_message(office.main_group.id)
    answer = await office.press_forged(office.staff2, office.main_group.id, card.message_id, uphold)
    assert "只有分诊群或街道督办人员" in answer.get("text", "")
    answer = await office.press(office.outsider, office.street_group.id, request.message_id, uphold)
    assert "只有已登记的社区工作人员" in answer.get("text", "")
    assert returns_of(harness, number)[0].ruling is None
    await office.press(office.supervisor, office.street_group.id, request.message_id, uphold)
    assert returns_of(harness, number)[0].ruling == "upheld"


async def test_a_late_ruling_is_reminded_once(office, resident, harness, clock):
    number = await parking_petition(office, resident)
    await office.say(office.staff, office.parking_group.id, f"/return {number} 不属于本社区")
    assert "非本社区" in office.last_text(office.parking_group.id)
    for _ in range(4):  # a day of sweeps: the four working hours run out at noon
        clock.advance(hours=3)
        await harness.tick()
    late = [m.text for m in office.emu.bot_messages(office.street_group.id) if "退单裁定已超时" in m.text]
    assert len(late) == 1 and number in late[0]


@pytest.fixture
async def triage_group(office):
    group = office.emu.add_group("红旗社区分诊组", members=[office.admin, office.staff2])
    await office.say(office.admin, group.id, "/bind hongqi 分诊")
    return group


async def test_the_triage_group_rules_when_there_is_one(office, resident, harness, triage_group):
    number = await parking_petition(office, resident)
    await office.say(office.staff, office.parking_group.id, f"/return {number} 不是停车分类")
    assert "分诊群" in office.last_text(office.parking_group.id)
    request = ruling_message(office, triage_group.id, number)
    assert not [m for m in office.emu.bot_messages(office.street_group.id) if "退单待裁定" in m.text]
    await office.press(office.staff2, triage_group.id, request.message_id,
                       office.button(request, "城市管理"))
    after = petition(harness, number)
    assert after.category == "城市管理" and after.group_chat_id == office.main_group.id
    assert returns_of(harness, number)[0].ruling == "overturned"


async def test_the_street_moves_a_petition_to_another_community(office, resident, harness):
    number = await parking_petition(office, resident)
    await office.say(office.staff, office.parking_group.id, f"/return {number} 这是青年社区的小区")
    request = ruling_message(office, office.street_group.id, number)
    await office.press(office.supervisor, office.street_group.id, request.message_id,
                       office.button(request, "改派→青年社区"))
    after = petition(harness, number)
    # 青年社区 has no group bound yet: the street's group holds it meanwhile (routing's rule).
    assert after.community_code == "qingnian" and after.group_chat_id == office.street_group.id
    assert "青年社区" in office.last_text(resident.id)


async def test_the_cards_return_button_asks_for_the_reason(office, resident, harness):
    number = await parking_petition(office, resident)
    card = office.card(office.parking_group.id, number)
    answer = await office.press(office.staff, office.parking_group.id, card.message_id,
                                office.button(card, "退单"))
    assert "退回" in answer.get("text", "") and "理由" in office.last_text(office.parking_group.id)
    assert returns_of(harness, number) == []
    await office.say(office.staff, office.parking_group.id, "这是青年社区的小区，不属于本社区")
    assert "已退单" in office.last_text(office.parking_group.id)
    (returned,) = returns_of(harness, number)
    assert returned.reason_kind == "community" and "青年社区" in returned.reason
    assert ruling_message(office, office.street_group.id, number)
    # Another group's staff cannot use the button on a card that is not theirs to return.
    answer = await office.press_forged(office.staff, office.main_group.id,
                                       office.emu.last_bot_message(office.main_group.id).message_id,
                                       office.button(card, "退单"))
    assert "只有承办该诉求的工作群" in answer.get("text", "")
