"""Petitions the classifier is unsure of go to a triage group, and the resident is not told a guess."""

from __future__ import annotations

import pytest

from tests.e2e.test_petition_loop import NUMBER

UNSURE = "另外想问一下，隔壁小区的二手房现在什么价格？"  # one weak hint (隔壁): below the threshold
CLEAR = "3号楼2单元501，楼上漏水严重，天花板一直在滴水"


@pytest.fixture
async def triage_group(office):
    group = office.emu.add_group("红旗社区分诊组", members=[office.admin, office.staff])
    await office.say(office.admin, group.id, "/bind hongqi 分诊")
    assert "分诊" in office.last_text(group.id)
    return group


async def _submit(office, resident, text: str) -> tuple[str, str]:
    await office.say(resident, resident.id, text)
    confirmation = office.last_text(resident.id)
    assert "已受理" in confirmation, confirmation
    return NUMBER.search(confirmation).group(0), confirmation


def _has_card(office, chat_id: int, number: str) -> bool:
    return any(m.text.startswith(f"📋 {number}") for m in office.emu.bot_messages(chat_id))


async def test_an_unsure_petition_goes_to_triage_without_a_guess_for_the_resident(
    office, resident, triage_group
):
    number, confirmation = await _submit(office, resident, UNSURE)
    card = office.card(triage_group.id, number)
    assert "待分诊" in card.text
    assert not _has_card(office, office.main_group.id, number)
    assert "分类：待工作人员确认" in confirmation
    await office.say(resident, resident.id, f"/status {number}")
    assert "待工作人员确认" in office.last_text(resident.id)

    # Staff sort it: the card moves to the group for that category; the resident sees it.
    await office.press(office.staff, triage_group.id, card.message_id, office.button(card, "转派"))
    choices = office.emu.last_bot_message(triage_group.id)
    await office.press(office.staff, triage_group.id, choices.message_id,
                       office.button(choices, "停车交通"))
    moved = office.card(office.parking_group.id, number)
    assert "待分诊" not in moved.text
    await office.say(resident, resident.id, "/my")
    assert "停车交通" in office.last_text(resident.id)
    assert "待工作人员确认" not in office.last_text(resident.id)


async def test_a_clear_petition_skips_triage(office, resident, triage_group):
    number, confirmation = await _submit(office, resident, CLEAR)
    assert _has_card(office, office.main_group.id, number)
    assert not _has_card(office, triage_group.id, number)
    assert "分类：房屋维修" in confirmation
