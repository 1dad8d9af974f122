"""A forwarded message keeps where it came from."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlmodel import Session, select

from storage.models import PetitionEvent
from tgemu.actors import origin_channel, origin_user

NUMBER = re.compile(r"MY-\d{8}-\d{4}")
SENT = int(datetime(2026, 11, 20, 2, 30, tzinfo=UTC).timestamp())  # 11-20 10:30 in Beijing


async def test_a_forwarded_message_keeps_its_origin_on_card_and_timeline(office, resident, harness):
    neighbour = office.emu.add_user(first_name="李", last_name="建国")
    office.emu.send_text(resident, resident.id, "3号楼电梯又坏了，老人下不了楼",
                         forward_origin=origin_user(neighbour, SENT))
    await harness.settle()
    number = NUMBER.search(office.last_text(resident.id)).group(0)
    card = office.card(office.main_group.id, number)
    assert "转发自：" in card.text and "11月20日 10:30" in card.text
    assert "李建国" not in card.text  # a person's name is masked in the group
    with Session(harness.services.deps.engine) as session:
        submit = session.exec(select(PetitionEvent).where(PetitionEvent.action == "submit")).one()
    assert submit.detail["forwarded_from"] == "李 建国" and submit.detail["forwarded_kind"] == "user"
    await office.say(office.staff, office.main_group.id, f"/show {number}")
    assert "（转发自 " in office.last_text(office.main_group.id)


async def test_a_forwarded_channel_post_follow_up_names_the_channel(office, resident, harness):
    await office.say(resident, resident.id, "小区停水了，什么时候恢复？")
    number = NUMBER.search(office.last_text(resident.id)).group(0)
    office.emu.send_text(resident, resident.id, "自来水公司通知：今天下午检修",
                         forward_origin=origin_channel(-100777, "市自来水公司", SENT))
    await harness.settle()
    _, card = office.find_card(number)
    assert "转发自：频道 市自来水公司（原消息 11月20日 10:30）" in card.text
