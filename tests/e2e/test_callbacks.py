"""回访: a resolved petition nobody rated is called back by someone other than its handler."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlmodel import Session, select

from bot.config import CallbackConfig
from bot.harness import Harness
from reception.reports.register import REGISTER_COLUMNS, register_rows
from storage.db import transaction
from storage.models import CallBack, Petition
from tests.e2e.test_petition_loop import events, submit
from tests.office import open_office


async def resolved_by_staff(office, resident, text="3号楼2单元501 楼道灯坏了好几天，晚上很黑") -> str:
    number = await submit(office, resident, text)
    await office.say(office.staff, office.main_group.id, f"/resolve {number} 已更换楼道灯泡。")
    return number


def petition(harness, number: str) -> Petition:
    with Session(harness.services.deps.engine) as session:
        return session.exec(select(Petition).where(Petition.number == number)).one()


def entry(office, chat_id: int, number: str):
    for message in office.emu.bot_messages(chat_id):
        if message.text.startswith(f"📞 {number}") and message.buttons:
            return message
    raise AssertionError(f"no call-back entry for {number} in {chat_id}")


async def test_unrated_petition_is_called_back_and_unsatisfied_reopens(office, resident, clock,
                                                                       harness):
    group = office.main_group.id
    number = await resolved_by_staff(office, resident)
    await office.say(office.admin, group, "/callbacks")
    assert "没有待回访" in office.last_text(group)  # not yet: the resident has three days

    clock.advance(days=3, minutes=1)
    await office.say(office.admin, group, "/callbacks")
    item = entry(office, group, number)
    assert "居民未评价" in item.text and "张网格员" in item.text
    assert "王*" in item.text and "王芳" not in item.text  # masked in the group
    contacts = office.last_text(office.admin.id)
    assert number in contacts and "王芳" in contacts  # the caller's own chat has the contact

    # The handler is no caller; neither is an outsider.
    await office.say(office.staff, group, "/callbacks")
    assert "不是回访员" in office.last_text(group)
    refused = await office.press(office.staff, group, item.message_id,
                                 office.button(item, "满意"))
    assert "不是该社区的回访员" in refused["text"]
    await office.say(office.outsider, office.outsider.id, f"/callback {number} 满意")
    assert petition(harness, number).callback_outcome is None

    data = office.button(item, "满意")
    answer = await office.press(office.admin, group, item.message_id, office.button(item, "不满意"))
    assert "重新交办" in answer["text"]
    assert "重新交办" in office.last_text(resident.id)
    assert "重新办理" in office.card(group, number).text
    after = petition(harness, number)
    assert (after.status, after.callback_outcome, after.reopen_count) == ("reopened", "unsatisfied", 1)
    assert events(harness, number)[-3:] == ["callback_due", "call_back", "reopen"]

    # The entry's buttons are gone; an old press (another client) is refused: it was reopened.
    assert item.buttons == []
    again = await office.press_forged(office.admin, group, item.message_id, data)
    assert "不在待回访名单" in again["text"]
    assert petition(harness, number).status == "reopened"


async def test_outcome_by_command_fills_the_register_and_the_satisfaction_rate(
        office, resident, clock, harness):
    group = office.main_group.id
    number = await resolved_by_staff(office, resident)
    await office.say(office.admin, group, f"/callback {number} 满意 居民说灯已修好")
    assert "不在待回访名单" in office.last_text(group)  # not due yet
    clock.advance(days=3, minutes=1)
    await office.say(office.admin, group, f"/callback {number} 很好")
    assert "用法" in office.last_text(group)
    await office.say(office.admin, group, f"/callback {number} 满意 居民说灯已修好")
    assert "已记录" in office.last_text(group) and "满意" in office.last_text(group)
    assert "回访结果：满意" in office.card(group, number).text
    await office.say(office.admin, group, f"/callback {number} 不满意")
    assert "已回访" in office.last_text(group)  # recorded once
    assert petition(harness, number).status == "resolved"

    deps = harness.services.deps
    with transaction(deps.engine) as session:
        rows = register_rows(session, deps, start=date(2026, 11, 1), end=date(2026, 11, 30),
                             community_codes=["hongqi"])
    row = dict(zip(REGISTER_COLUMNS, rows[0], strict=True))
    assert (row["回访结果"], row["评价"]) == ("满意（居民说灯已修好）", "")

    clock.advance(days=4)  # the digest of the week the petition came in
    digest = harness.services.digests.weekly(scope_kind="community", scope_code="hongqi")
    assert (digest.current.rated, digest.current.satisfied) == (1, 1)
    assert "📞 回访 1 件：满意 1" in digest.text


async def test_the_handler_never_calls_back_own_petition(office, resident, clock, harness):
    group = office.main_group.id
    number = await submit(office, resident, "5号楼门口的路灯不亮了")
    await office.say(office.admin, group, f"/resolve {number} 已报修路灯，今晚恢复。")
    clock.advance(days=3, minutes=1)
    await office.say(office.admin, group, f"/callback {number} 满意")
    assert "由您办理" in office.last_text(group)
    # The street's administrator calls back from the street's group.
    await office.say(office.supervisor, office.street_group.id, "/callbacks")
    item = entry(office, office.street_group.id, number)
    await office.press(office.supervisor, office.street_group.id, item.message_id,
                       office.button(item, "联系不上"))
    after = petition(harness, number)
    assert (after.status, after.callback_outcome) == ("resolved", "unreachable")
    # The next line the caller sends in that chat is the call's note.
    assert "如需备注" in office.last_text(office.street_group.id)
    await office.say(office.supervisor, office.street_group.id, "打了三次电话无人接听")
    assert "已保存" in office.last_text(office.street_group.id)
    assert events(harness, number)[-2:] == ["call_back", "callback_note"]
    deps = harness.services.deps
    with transaction(deps.engine) as session:
        rows = register_rows(session, deps, start=date(2026, 11, 1), end=date(2026, 11, 30),
                             community_codes=["hongqi"])
    assert dict(zip(REGISTER_COLUMNS, rows[0], strict=True))["回访结果"] == "联系不上（打了三次电话无人接听）"


@pytest.fixture
async def sampling_office(config, clock, tmp_path):
    """Every resolved petition sampled; 赵专干 is the community's caller (org.toml)."""
    org = tmp_path / "org.toml"
    org.write_text(config.reception.organisation.read_text(encoding="utf-8").replace(
        '# callers = ["赵专干"]', 'callers = ["赵专干"]'), encoding="utf-8")
    sampled = replace(config, callbacks=CallbackConfig(unrated_days=2, sample_percent=100),
                      reception=replace(config.reception, organisation=org))
    async with Harness(config=sampled, clock=clock) as running:
        yield await open_office(running)


async def test_a_rated_petition_in_the_sample_goes_to_the_named_caller(sampling_office, clock):
    office = sampling_office
    group, emu = office.main_group.id, office.emu
    resident = emu.add_user(first_name="刘强")
    await office.say(resident, resident.id, "/start hongqi")
    number = await resolved_by_staff(office, resident, "6号楼电梯按钮失灵")
    prompt = emu.last_bot_message(resident.id)
    await office.press(resident, resident.id, prompt.message_id, office.button(prompt, "满意"))
    clock.advance(days=2, minutes=1)
    queued = await office.harness.runtime.call(office.harness.services.callbacks.queue_due)
    assert queued == 1
    assert await office.harness.runtime.call(office.harness.services.callbacks.queue_due) == 0
    await office.harness.settle()
    assert "1 件已办结诉求待回访" in office.last_text(office.staff2.id)
    await office.say(office.admin, group, "/callbacks")
    assert "不是回访员" in office.last_text(group)  # an admin, but the callers are named
    await office.say(office.staff2, group, "/callbacks")
    assert "抽样回访" in entry(office, group, number).text
    await office.say(office.staff2, group, f"/callback {number} 基本满意")
    assert "已记录" in office.last_text(group)
    with Session(office.harness.services.deps.engine) as session:
        row = session.exec(select(CallBack)).one()
        assert (row.reason, row.outcome, row.caller_staff_id is not None) == ("sample", "basic", True)
