"""Small things a real resident or staff member runs into."""

from __future__ import annotations

import logging
import re

NUMBER = re.compile(r"MY-\d{8}-\d{4}")


async def submit(office, resident, text: str) -> str:
    await office.say(resident, resident.id, text)
    return NUMBER.search(office.last_text(resident.id)).group(0)


async def test_cancel_twice_says_it_is_already_withdrawn(office, resident):
    number = await submit(office, resident, "小区广场舞音响太吵")
    await office.say(resident, resident.id, f"/cancel {number}")
    assert "已撤回" in office.last_text(resident.id)
    await office.say(resident, resident.id, f"/cancel {number}")
    again = office.last_text(resident.id)
    assert "已经撤回" in again and "工作人员处理" not in again


async def rated(office, resident) -> tuple[object, str]:
    number = await submit(office, resident, "楼道灯坏了好几天了")
    await office.say(office.staff, office.main_group.id, f"/resolve {number} 已更换灯泡")
    prompt = office.emu.last_bot_message(resident.id)
    data = office.button(prompt, "满意")
    answer = await office.press(resident, resident.id, prompt.message_id, data)
    assert "感谢您的评价" in answer["text"]
    return prompt, data


async def test_pressing_a_rating_twice_is_answered_politely(office, resident, harness, caplog):
    prompt, data = await rated(office, resident)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        answer = await office.press_forged(resident, resident.id, prompt.message_id, data)
    assert "您已评价过" in answer["text"] and not answer.get("show_alert")
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert "not modified" in caplog.text  # noted, not a traceback


async def test_a_press_delivered_again_is_not_a_traceback(office, resident, harness, caplog):
    await rated(office, resident)
    query_id = next(reversed(office.emu.callback_answers))
    caplog.clear()
    with caplog.at_level(logging.INFO):
        office.emu.press_again(query_id)
        await harness.settle()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert "query is too old" in caplog.text.lower()


async def test_a_reply_to_a_resolved_card_names_the_status_once(office, resident):
    number = await submit(office, resident, "单元门禁坏了")
    group = office.main_group.id
    await office.say(office.staff, group, f"/resolve {number} 已修好")
    card = office.card(group, number)
    await office.say(office.staff, group, "好的", reply_to=card.message_id)
    text = office.last_text(group)
    assert "回复未发送给居民" in text and "已已" not in text
