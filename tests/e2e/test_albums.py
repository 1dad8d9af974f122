"""An album (photos sharing a media_group_id) is one submission."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.models import Petition, PetitionMessage


def stored(harness) -> tuple[list[Petition], list[PetitionMessage]]:
    with Session(harness.services.deps.engine) as session:
        petitions = list(session.exec(select(Petition)))
        photos = list(session.exec(select(PetitionMessage).where(
            PetitionMessage.direction == "in", PetitionMessage.kind == "photo")))
        return petitions, photos


async def test_an_album_with_a_caption_is_one_petition_with_all_photos(office, resident, harness):
    before = len(office.emu.bot_messages(resident.id))
    office.emu.send_album(resident, resident.id, 3, caption="楼道里堆满了杂物，堵住了消防通道")
    await harness.settle()
    [petition], photos = stored(harness)
    assert len(photos) == 3 and {p.petition_id for p in photos} == {petition.id}
    replies = office.emu.bot_messages(resident.id)[before:]
    assert len(replies) == 1 and "已受理" in replies[0].text  # one confirmation, not three
    group, card = office.find_card(petition.number)
    assert "图片 3" in card.text
    assert len([m for m in office.emu.bot_messages(group) if m.kind == "photo"]) == 3


async def test_an_album_without_words_is_asked_about_once(office, resident, harness):
    before = len(office.emu.bot_messages(resident.id))
    office.emu.send_album(resident, resident.id, 3)
    await harness.settle()
    petitions, _ = stored(harness)
    assert petitions == []
    replies = office.emu.bot_messages(resident.id)[before:]
    assert len(replies) == 1 and "请用一句话说明" in replies[0].text
    await office.say(resident, resident.id, "5号楼楼顶的防水层破了，下雨就漏")
    [petition], photos = stored(harness)
    assert len(photos) == 3 and {p.petition_id for p in photos} == {petition.id}
    _, card = office.find_card(petition.number)
    assert "图片 3" in card.text
