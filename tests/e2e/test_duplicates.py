"""Duplicates at intake: the same problem at the same place, however it is worded, gets a
one-tap merge on its card; another building, another problem or an old case does not."""

from __future__ import annotations

import re

NUMBER = re.compile(r"MY-\d{8}-\d{4}")


async def neighbour(office, name: str):
    user = office.emu.add_user(first_name=name)
    await office.say(user, user.id, "/start hongqi")
    return user


async def submit(office, resident, text: str) -> str:
    await office.say(resident, resident.id, text)
    confirmation = office.last_text(resident.id)
    assert "已受理" in confirmation, confirmation
    return NUMBER.search(confirmation).group(0)


def merge_offer(office, number: str) -> str:
    return str(office.card(office.main_group.id, number).buttons)


async def test_two_residents_reporting_the_lift_in_other_words_are_linked(office, resident):
    first = await submit(office, resident, "3号楼的电梯坏了，一直停在一楼不动")
    other = await neighbour(office, "刘大爷")
    again = await submit(office, other, "3号楼电梯又坏了！！我家住18楼")
    assert f"合并到 {first}" in merge_offer(office, again)
    await office.press(office.staff, office.main_group.id,
                       office.card(office.main_group.id, again).message_id,
                       office.button(office.card(office.main_group.id, again), f"合并到 {first}"))
    assert "合并办理" in office.last_text(other.id)


async def test_the_same_words_in_another_building_or_about_another_problem_are_not(office, resident):
    await submit(office, resident, "3号楼的电梯坏了，一直停在一楼不动")
    other = await neighbour(office, "刘大爷")
    elsewhere = await submit(office, other, "5号楼电梯又坏了！！我家住18楼")
    assert "合并到" not in merge_offer(office, elsewhere)
    third = await neighbour(office, "周女士")
    noise = await submit(office, third, "3号楼楼下广场舞太吵了，晚上睡不着")
    assert "合并到" not in merge_offer(office, noise)


async def test_a_gate_is_a_place_too(office, resident):
    first = await submit(office, resident, "东门有人占道经营，摆摊卖菜，车都进不来")
    other = await neighbour(office, "刘大爷")
    again = await submit(office, other, "小区东门口又有小贩摆摊了")
    assert f"合并到 {first}" in merge_offer(office, again)


async def test_only_within_the_configured_days(office, resident):
    days = office.harness.services.deps.settings.duplicate_window.days
    await submit(office, resident, "3号楼的电梯坏了，一直停在一楼不动")
    office.harness.clock.advance(days=days + 1)
    other = await neighbour(office, "刘大爷")
    late = await submit(office, other, "3号楼电梯又坏了！！我家住18楼")
    assert "合并到" not in merge_offer(office, late)
