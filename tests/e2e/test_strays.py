"""Messages with nothing to act on yet are held and asked about, not made petitions."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from storage.models import Draft, Petition, PetitionMessage

NUMBER = re.compile(r"MY-\d{8}-\d{4}")


def petitions(harness) -> list[Petition]:
    with Session(harness.services.deps.engine) as session:
        return list(session.exec(select(Petition)))


def held(harness, user) -> list[dict]:
    with Session(harness.services.deps.engine) as session:
        draft = session.get(Draft, (user.id, user.id))
        return list(draft.payload["held"]) if draft else []


@pytest.mark.parametrize("send", [
    lambda emu, user: emu.send_text(user, user.id, "😡😡😡"),
    lambda emu, user: emu.send_text(user, user.id, "？？？！！"),
    lambda emu, user: emu.send_photo(user, user.id),
    lambda emu, user: emu.send_location(user, user.id, 39.91, 116.40),
    lambda emu, user: emu.send_voice(user, user.id),
    lambda emu, user: emu.send_sticker(user, user.id),
], ids=["emoji", "punctuation", "photo", "location", "voice", "sticker"])
async def test_nothing_to_act_on_is_held_and_asked_about(office, resident, harness, send):
    send(office.emu, resident)
    await harness.settle()
    reply = office.last_text(resident.id)
    assert "需要我们帮什么忙" in reply
    assert "承诺" not in reply and not NUMBER.search(reply)
    assert petitions(harness) == []  # no deadlines, nothing in the rates
    assert not any(m.text.startswith("📋") for m in office.emu.bot_messages(office.main_group.id))
    assert len(held(harness, resident)) == 1  # kept in the database


async def test_the_answer_becomes_the_petition_with_the_held_media(office, resident, harness):
    emu = office.emu
    emu.send_photo(resident, resident.id)
    emu.send_location(resident, resident.id, 39.91, 116.40)
    await harness.settle()
    assert petitions(harness) == []
    await office.say(resident, resident.id, "3号楼门口的井盖丢了，晚上很危险")
    [petition] = petitions(harness)
    assert petition.text == "3号楼门口的井盖丢了，晚上很危险" and petition.building == "3"
    assert petition.respond_due is not None
    texts = [m.text for m in emu.bot_messages(resident.id)]
    assert any(petition.number in t and "已受理" in t for t in texts)
    assert any("已附上您之前发送的 2 项内容" in t for t in texts)
    with Session(harness.services.deps.engine) as session:
        rows = session.exec(select(PetitionMessage).where(
            PetitionMessage.petition_id == petition.id, PetitionMessage.direction == "in")).all()
    kinds = {row.kind: row for row in rows}
    assert set(kinds) == {"text", "photo", "location"}
    assert (kinds["location"].latitude, kinds["location"].longitude) == (39.91, 116.40)
    assert kinds["photo"].file_id
    group, card = office.find_card(petition.number)
    assert "图片 1" in card.text and "位置 1" in card.text
    assert {"photo", "location"} <= {m.kind for m in emu.bot_messages(group)}
    assert held(harness, resident) == []


async def test_a_second_stray_is_asked_about_again_briefly(office, resident, harness):
    await office.say(resident, resident.id, "😡😡😡")
    await office.say(resident, resident.id, "👍")
    assert "已收到" in office.last_text(resident.id)
    assert petitions(harness) == [] and len(held(harness, resident)) == 2


async def test_a_stray_sent_before_choosing_a_community_waits_for_words(office, harness):
    resident = office.emu.add_user(first_name="新居民")
    office.emu.send_photo(resident, resident.id)
    await harness.settle()
    assert "请先选择您所在的社区" in office.last_text(resident.id)
    await office.say(resident, resident.id, "/start hongqi")
    assert "请用一句话说明" in office.last_text(resident.id)
    assert petitions(harness) == []
    await office.say(resident, resident.id, "小区门口路灯不亮")
    [petition] = petitions(harness)
    _, card = office.find_card(petition.number)
    assert "图片 1" in card.text


async def test_words_after_a_petition_still_follow_up_normally(office, resident, harness):
    await office.say(resident, resident.id, "楼道灯坏了好几天了")
    office.emu.send_photo(resident, resident.id)
    await harness.settle()
    assert "已补充到诉求" in office.last_text(resident.id)
    assert len(petitions(harness)) == 1


async def test_a_location_near_a_known_building_fills_the_address(office, resident, harness):
    office.emu.send_location(resident, resident.id, 39.91002, 116.40003)  # by 3号楼 in org.toml
    await harness.settle()
    await office.say(resident, resident.id, "楼道里的灯坏了，晚上很黑")
    [petition] = petitions(harness)
    assert (petition.building, petition.grid_code) == ("3", "g1")
    _, card = office.find_card(petition.number)
    assert "第一网格 3号楼" in card.text


async def test_a_location_far_from_any_building_leaves_the_address_open(office, resident, harness):
    await office.say(resident, resident.id, "小区外面的马路上有个大坑")
    office.emu.send_location(resident, resident.id, 39.95, 116.45)
    await harness.settle()
    [petition] = petitions(harness)
    assert petition.building is None


async def test_a_voice_note_can_be_submitted_as_it_is(office, resident, harness):
    office.emu.send_voice(resident, resident.id)
    await harness.settle()
    assert petitions(harness) == []
    prompt = office.emu.last_bot_message(resident.id)
    answer = await office.press(resident, resident.id, prompt.message_id,
                                office.button(prompt, "就这样提交"))
    [petition] = petitions(harness)
    assert petition.number in answer["text"]
    assert "已受理" in office.last_text(resident.id)
    assert office.emu.last_bot_message(resident.id).message_id != prompt.message_id
    group, card = office.find_card(petition.number)
    assert "语音 1" in card.text and "（无文字）" in card.text
    assert "voice" in {m.kind for m in office.emu.bot_messages(group)}
    assert held(harness, resident) == []
    again = await office.press_forged(resident, resident.id, prompt.message_id, "d:send")
    assert "没有待提交的内容" in again["text"] and len(petitions(harness)) == 1
