"""Delivery under Telegram faults: 429 waits without counting, real failures by elapsed time."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from bot.text_limits import CAPTION_LIMIT, TEXT_LIMIT, split_html, visible_length
from reception.handling.dispatch import GIVE_UP_AFTER
from storage.models import Outbox

NUMBER = re.compile(r"MY-\d{8}-\d{4}")


def outbox_rows(harness) -> list[Outbox]:
    with Session(harness.services.deps.engine) as session:
        return list(session.exec(select(Outbox).order_by(Outbox.id)))


def confirmations(office, resident) -> int:
    return sum("已受理" in m.text for m in office.emu.bot_messages(resident.id))


async def test_a_429_pauses_and_is_not_an_attempt(office, resident, harness, clock):
    office.emu.fail_next("sendMessage", error="retry_after", retry_after=30, times=3)
    office.emu.send_text(resident, resident.id, "小区绿化带里有很多垃圾")
    await harness.settle()
    waiting = [row for row in outbox_rows(harness) if row.status == "pending"]
    assert waiting and all(row.attempts == 0 for row in waiting), "a 429 is not a failure"
    for _ in range(3):
        clock.advance(seconds=31)
        await harness.tick()
    assert confirmations(office, resident) == 1
    assert all(row.status == "sent" and row.attempts == 0 for row in outbox_rows(harness))


async def test_real_failures_are_retried_by_time_not_count(office, resident, harness, clock):
    office.emu.fail_next("sendMessage", error="network", times=10_000)
    office.emu.send_text(resident, resident.id, "3号楼电梯又坏了，老人下不了楼")
    await harness.settle()
    for _ in range(40):  # far more failures than any fixed count used to allow
        clock.advance(seconds=61)  # backoff is capped at a minute
        await harness.tick()
    rows = [row for row in outbox_rows(harness) if row.status != "sent"]
    assert rows and all(row.status == "pending" and row.attempts >= 30 for row in rows)
    office.emu.fail_next("sendMessage", error="network", times=0)
    clock.advance(seconds=61)
    await harness.tick()
    assert confirmations(office, resident) == 1


async def test_a_send_failing_for_a_day_is_given_up_loudly(office, resident, harness, clock, caplog):
    office.emu.fail_next("sendMessage", error="server_error", times=10_000)
    office.emu.send_text(resident, resident.id, "楼道灯坏了好几天")
    await harness.settle()
    clock.advance(GIVE_UP_AFTER)
    await harness.tick()
    failed = [row for row in outbox_rows(harness) if row.status == "failed"]
    assert failed, "given up after a day of failures"
    assert any("GAVE UP on outbox" in record.getMessage() for record in caplog.records)
    office.emu.fail_next("sendMessage", error="server_error", times=0)
    clock.advance(seconds=61)  # the notices, queued while Telegram still failed, are retried
    await harness.tick()
    notice = office.last_text(office.admin.id)
    assert "未能送达" in notice and "停止重试" in notice


async def test_a_send_telegram_refuses_is_not_retried_and_the_admins_are_told(office, resident, harness, clock):
    office.emu.fail_next("sendMessage", error="bad_request")  # the staff card goes first
    office.emu.send_text(resident, resident.id, "小区门口的路灯坏了")
    await harness.settle()
    failed = [row for row in outbox_rows(harness) if row.status == "failed"]
    assert len(failed) == 1 and failed[0].kind == "card" and failed[0].attempts == 1
    notice = office.last_text(office.admin.id)
    assert "未能送达" in notice and "工作群" in notice and "被 Telegram 拒绝" in notice and "MY-" in notice


async def _asked_for_an_answer(office, resident, harness, clock) -> None:
    """A resident's petition, and a staff /ask five minutes ago that waits for the answer."""
    office.emu.send_text(resident, resident.id, "想咨询一下残疾人两项补贴怎么申请")
    await harness.settle()
    number = NUMBER.search(office.last_text(resident.id)).group(0)
    await office.say(office.staff, office.main_group.id, f"/ask {number} 请问老人今年多大年纪？")
    clock.advance(minutes=5)


async def test_a_full_length_answer_plus_the_relay_prefix_arrives_in_parts(office, resident, harness, clock):
    await _asked_for_an_answer(office, resident, harness, clock)
    answer = "老人八十二岁，户籍在本社区。" * 292 + "谢谢"  # 4,090 characters: the most a resident can send
    await office.say(resident, resident.id, answer)
    relayed = [m.text for m in office.emu.bot_messages(office.main_group.id) if not m.text.startswith("📋")]
    tail = [text for text in relayed if "老人八十二岁" in text]
    assert len(tail) == 2, "split into two parts, none refused"
    assert "".join(tail).replace("\n", "").endswith("谢谢")
    assert "".join(tail).count("老人八十二岁") == 292
    assert not [row for row in outbox_rows(harness) if row.status == "failed"]


def test_split_keeps_html_balanced_and_counts_utf16():
    text = "<b>" + "😀" * 3000 + "</b>" + " &amp; " + "<i>" + "好" * 2000 + "</i>"
    parts = split_html(text, TEXT_LIMIT)
    assert all(visible_length(part) <= TEXT_LIMIT for part in parts)
    assert parts[0].startswith("<b>") and parts[0].endswith("</b>") and parts[1].startswith("<b>")
    for part in parts:
        assert part.count("<b>") == part.count("</b>") and part.count("<i>") == part.count("</i>")
    assert sum(part.count("😀") for part in parts) == 3000 and sum(part.count("好") for part in parts) == 2000
    assert split_html("短信息", CAPTION_LIMIT) == ["短信息"]


async def test_a_burst_of_thirty_petitions_to_one_group_meets_no_429(office, harness, clock):
    office.emu.flood_limits = True
    people = [office.emu.add_user(first_name=f"居民{i}") for i in range(30)]
    for person in people:
        await office.say(person, person.id, "/start hongqi")
    clock.advance(minutes=2)
    for i, person in enumerate(people):
        office.emu.send_text(person, person.id, f"{i % 9 + 1}号楼楼道灯坏了，晚上很黑，标记{i:03d}")
    await harness.settle()
    for _ in range(10):
        clock.advance(seconds=61)
        await harness.tick()
    cards = {m.text.split("标记")[1][:3] for m in office.emu.bot_messages(office.main_group.id)
             if m.text.startswith("📋") and "标记" in m.text}
    assert len(cards) == 30, "every card arrived"
    assert all(confirmations(office, person) == 1 for person in people)
    assert office.emu.flood_refusals == 0, "paced below Telegram's limits, never refused"


async def test_the_emulator_answers_429_over_the_group_limit(office, harness, clock):
    office.emu.flood_limits = True
    async def send(i: int):
        return await harness.application.bot.send_message(chat_id=office.main_group.id, text=f"测试{i}")
    for i in range(20):
        await send(i)
    from telegram.error import RetryAfter
    with pytest.raises(RetryAfter):
        await send(20)
    assert office.emu.flood_refusals == 1
    clock.advance(seconds=61)
    await send(21)


async def test_everything_arrives_through_random_faults(office, harness, clock):
    office.emu.random_faults(0.3, seed=7)
    people = [office.emu.add_user(first_name=f"居民{i}") for i in range(10)]
    for person in people:
        office.emu.send_text(person, person.id, "/start hongqi")
    await harness.settle()
    clock.advance(minutes=2)
    for i, person in enumerate(people):
        office.emu.send_text(person, person.id, f"{i % 9 + 1}号楼垃圾没人清理，标记{i:03d}")
    await harness.settle()
    for _ in range(20):
        clock.advance(seconds=61)
        await harness.tick()
    outcomes = [record.outcome for record in office.emu._core.call_log]
    assert any("injected fault" in outcome for outcome in outcomes), "faults were injected"
    cards = {m.text.split("标记")[1][:3] for m in office.emu.bot_messages(office.main_group.id)
             if m.text.startswith("📋") and "标记" in m.text}
    assert len(cards) == 10
    assert all(confirmations(office, person) >= 1 for person in people)


async def test_a_split_send_failing_halfway_goes_on_from_the_part_that_failed(office, resident, harness, clock):
    await _asked_for_an_answer(office, resident, harness, clock)
    # The resident's acknowledgement and the relay's first part go out; the second part meets
    # a network error.
    office.emu.fail_next("sendMessage", error="network", after=2)
    answer = "老人八十二岁，户籍在本社区。" * 292 + "谢谢"
    await office.say(resident, resident.id, answer)
    parts = lambda: [m.text for m in office.emu.bot_messages(office.main_group.id)  # noqa: E731
                     if "老人八十二岁" in m.text and not m.text.startswith("📋")]
    assert len(parts()) == 1, "the second part failed"
    clock.advance(seconds=5)
    await harness.tick()
    assert len(parts()) == 2, "the retry sent the second part only, not the first again"
    assert "".join(parts()).count("老人八十二岁") == 292
