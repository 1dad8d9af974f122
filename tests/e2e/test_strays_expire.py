"""Stray drafts the resident never explains are closed or filed after a while, never lost;
an edit that changes what a petition is about re-classifies it and, if nobody has taken it
yet, moves it to the group that now fits."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import Session, select

from storage.models import Draft, Petition, PetitionEvent, StrayRecord

NUMBER = re.compile(r"MY-\d{8}-\d{4}")


def rows(harness, model) -> list:
    with Session(harness.services.deps.engine) as session:
        return list(session.exec(select(model)))


def stored(harness, number: str) -> Petition:
    with Session(harness.services.deps.engine) as session:
        return session.exec(select(Petition).where(Petition.number == number)).one()


async def test_an_unexplained_emoji_and_photo_are_closed_kindly_and_kept(
        office, resident, harness, clock):
    office.emu.send_text(resident, resident.id, "😡😡😡")
    office.emu.send_photo(resident, resident.id)
    await harness.settle()
    clock.advance(hours=23)
    await harness.tick()
    assert rows(harness, StrayRecord) == [], "not yet: 24 hours from the last message"
    clock.advance(hours=2)
    await harness.tick()
    reply = office.last_text(resident.id)
    assert "您之前发来的消息、图片我们已经保存" in reply
    assert "先不登记为诉求" in reply
    assert rows(harness, Petition) == [] and rows(harness, Draft) == []
    [record] = rows(harness, StrayRecord)
    assert record.outcome == "closed" and [h["kind"] for h in record.held] == ["text", "photo"]
    await harness.tick()
    assert len(rows(harness, StrayRecord)) == 1, "closed once"
    # A later message starts afresh.
    await office.say(resident, resident.id, "3号楼门口的井盖丢了")
    assert NUMBER.search(office.last_text(resident.id))


async def test_an_unexplained_voice_note_is_filed_as_it_is(office, resident, harness, clock):
    office.emu.send_voice(resident, resident.id)
    await harness.settle()
    clock.advance(hours=25)
    await harness.tick()
    [petition] = rows(harness, Petition)
    texts = [m.text for m in office.emu.bot_messages(resident.id)]
    assert any("已直接登记为诉求" in t for t in texts)
    assert any(petition.number in t for t in texts)
    [record] = rows(harness, StrayRecord)
    assert record.outcome == "filed" and record.petition_id == petition.id
    _, card = office.find_card(petition.number)
    assert card.buttons, "staff can act on the filed voice note"


async def test_an_answered_draft_does_not_expire(office, resident, harness, clock):
    office.emu.send_photo(resident, resident.id)
    await harness.settle()
    clock.advance(minutes=5)
    await office.say(resident, resident.id, "5号楼门口的路灯坏了")
    clock.advance(timedelta(hours=30))
    await harness.tick()
    assert rows(harness, StrayRecord) == [] and len(rows(harness, Petition)) == 1


async def test_an_edit_that_changes_the_category_moves_an_untaken_petition(
        office, resident, harness):
    sent = await office.say(resident, resident.id, "5号楼楼道灯坏了，晚上看不见路")
    number = NUMBER.search(office.last_text(resident.id)).group(0)
    assert stored(harness, number).group_chat_id == office.main_group.id
    office.emu.edit_text(resident, resident.id, sent.message_id,
                         "5号楼楼下有车乱停，占了消防通道，停车费也乱收")
    await harness.settle()
    after = stored(harness, number)
    assert after.category == "停车交通" and after.group_chat_id == office.parking_group.id
    assert office.card(office.parking_group.id, number).buttons, "the new group can act on it"
    assert not office.card(office.main_group.id, number).buttons, "the old card is read-only"
    assert "转至更合适的工作群" in office.last_text(office.main_group.id)
    with Session(harness.services.deps.engine) as session:
        events = session.exec(select(PetitionEvent).where(
            PetitionEvent.petition_id == after.id, PetitionEvent.action == "reclassify")).all()
    assert len(events) == 1 and events[0].detail["from_group"] == office.main_group.id


async def test_an_edit_of_a_claimed_petition_updates_the_category_but_stays_put(
        office, resident, harness):
    sent = await office.say(resident, resident.id, "5号楼楼道灯坏了，晚上看不见路")
    number = NUMBER.search(office.last_text(resident.id)).group(0)
    group, card = office.find_card(number)
    await office.press(office.staff, group, card.message_id, office.button(card, "认领"))
    office.emu.edit_text(resident, resident.id, sent.message_id,
                         "5号楼楼下有车乱停，占了消防通道，停车费也乱收")
    await harness.settle()
    after = stored(harness, number)
    assert after.category == "停车交通" and after.group_chat_id == group
    assert "停车交通" in office.card(group, number).text
