"""A resident's edit changes the petition; the timeline keeps both versions."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from storage.models import Petition, PetitionEvent

NUMBER = re.compile(r"MY-\d{8}-\d{4}")


def petition(harness, number: str) -> Petition:
    with Session(harness.services.deps.engine) as session:
        return session.exec(select(Petition).where(Petition.number == number)).one()


def edits(harness, number: str) -> list[PetitionEvent]:
    with Session(harness.services.deps.engine) as session:
        pid = session.exec(select(Petition.id).where(Petition.number == number)).one()
        return list(session.exec(select(PetitionEvent).where(
            PetitionEvent.petition_id == pid, PetitionEvent.action == "edit")))


async def test_an_edit_updates_the_petition_and_its_card_in_place(office, resident, harness):
    sent = await office.say(resident, resident.id, "5号楼2单元楼道灯坏了，晚上看不见路")
    number = NUMBER.search(office.last_text(resident.id)).group(0)
    card = office.card(office.main_group.id, number)
    assert petition(harness, number).building == "5"
    office.emu.edit_text(resident, resident.id, sent.message_id, "6号楼2单元楼道灯坏了，晚上看不见路")
    await harness.settle()
    stored = petition(harness, number)
    assert stored.text == "6号楼2单元楼道灯坏了，晚上看不见路" and stored.building == "6"
    [event] = edits(harness, number)
    assert event.detail["before"].startswith("5号楼") and event.detail["after"].startswith("6号楼")
    edited_card = office.card(office.main_group.id, number)
    assert edited_card.message_id == card.message_id and edited_card.edited  # in place
    assert "6号楼" in edited_card.text and "居民已修改" in edited_card.text
    assert "居民修改了" in office.last_text(office.main_group.id)
    assert "已按您的修改更新诉求" in office.last_text(resident.id)
    await office.say(office.staff, office.main_group.id, f"/show {number}")
    shown = office.last_text(office.main_group.id)
    assert "居民修改：5号楼" in shown and "→ 6号楼" in shown  # both versions on the timeline


async def test_an_edit_after_closing_is_recorded_and_does_not_reopen(office, resident, harness):
    sent = await office.say(resident, resident.id, "3号楼门口垃圾桶满了没人清")
    number = NUMBER.search(office.last_text(resident.id)).group(0)
    await office.say(office.staff, office.main_group.id, f"/resolve {number} 已清运")
    office.emu.edit_text(resident, resident.id, sent.message_id, "3号楼门口垃圾桶又满了")
    await harness.settle()
    stored = petition(harness, number)
    assert stored.status == "resolved" and stored.text == "3号楼门口垃圾桶满了没人清"
    [event] = edits(harness, number)
    assert event.detail["after_close"] is True
    assert "不会重新办理" in office.last_text(resident.id)
    assert "已已" not in office.last_text(resident.id)


async def test_an_edit_that_gives_a_stray_words_makes_the_petition(office, resident, harness):
    sent = office.emu.send_photo(resident, resident.id)
    await harness.settle()
    assert "请用一句话说明" in office.last_text(resident.id)
    office.emu.edit_text(resident, resident.id, sent.message_id, "小区东门的栏杆被撞坏了")
    await harness.settle()
    with Session(harness.services.deps.engine) as session:
        [stored] = session.exec(select(Petition)).all()
    assert stored.text == "小区东门的栏杆被撞坏了"
    _, card = office.find_card(stored.number)
    assert "图片 1" in card.text
