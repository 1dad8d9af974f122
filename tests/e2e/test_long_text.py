"""The card may shorten a long petition; /show gives all of it."""

from __future__ import annotations

import re

NUMBER = re.compile(r"MY-\d{8}-\d{4}")


async def test_show_gives_the_whole_of_a_5000_character_petition(office, resident, harness):
    words = "".join(f"第{i}段：楼上漏水，天花板一直滴水，墙面发霉，请尽快处理。\n" for i in range(200))
    text = "3号楼2单元501，我电话13812345678。\n" + words
    assert len(text) > 5000
    office.emu.send_text(resident, resident.id, text)
    await harness.settle()
    number = NUMBER.search(office.last_text(resident.id)).group(0)
    assert "全文可随时调阅" in office.last_text(resident.id)
    group = office.main_group.id
    before = len(office.emu.bot_messages(group))
    await office.say(office.staff, group, f"/show {number}")
    shown = [m.text for m in office.emu.bot_messages(group)[before:]]
    assert len(shown) >= 3, "the card, then the full text over several messages"
    assert shown[0].startswith(f"📋 {number}") and "办理记录" in shown[0]
    assert "全文见下方消息" in shown[0]
    full = "".join(shown[1:])
    assert f"{number} 全文（共 {len(text)} 字）" in full
    for i in range(200):
        assert f"第{i}段" in full
    assert "13812345678" not in full  # masked like the card: this is a group


async def test_show_of_a_short_petition_is_one_message(office, resident, harness):
    office.emu.send_text(resident, resident.id, "小区门口路灯不亮")
    await harness.settle()
    number = NUMBER.search(office.last_text(resident.id)).group(0)
    group = office.main_group.id
    before = len(office.emu.bot_messages(group))
    await office.say(office.staff, group, f"/show {number}")
    assert len(office.emu.bot_messages(group)) == before + 1
    assert "全文" not in office.last_text(group)
