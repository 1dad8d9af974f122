"""Bad input through the real bot: forged or stale buttons get a polite refusal and change
nothing."""

from __future__ import annotations

import logging
import re

import pytest
from sqlmodel import Session, select

from reception import texts
from storage.models import Draft, Outbox, Petition, PetitionEvent, Resident

NUMBER = re.compile(r"MY-\d{8}-\d{4}")


async def submit(office, resident, text: str) -> str:
    await office.say(resident, resident.id, text)
    confirmation = office.last_text(resident.id)
    assert "已受理" in confirmation, confirmation
    return NUMBER.search(confirmation).group(0)


def petition(harness, number: str) -> Petition:
    with Session(harness.services.deps.engine) as session:
        return session.exec(select(Petition).where(Petition.number == number)).one()


def snapshot(harness) -> dict:
    """Everything a press could change: petitions, their timeline, queued sends, drafts."""
    with Session(harness.services.deps.engine) as session:
        return {
            "petitions": [p.model_dump() for p in session.exec(select(Petition).order_by(Petition.id))],
            "events": len(session.exec(select(PetitionEvent)).all()),
            "outbox": len(session.exec(select(Outbox)).all()),
            "drafts": [d.model_dump() for d in session.exec(select(Draft))],
            "residents": [r.model_dump() for r in session.exec(select(Resident).order_by(Resident.id))],
        }


@pytest.fixture
def log(caplog):
    caplog.set_level(logging.INFO)
    return caplog


def assert_quiet_refusal(answer: dict, log, data: str, text: str = texts.BUTTON_INVALID) -> None:
    """An alert with the refusal; at most one log line about it, and no traceback anywhere."""
    assert answer.get("show_alert") is True and answer.get("text") == text, (data, answer)
    assert not [r for r in log.records if r.exc_info or r.levelno >= logging.ERROR], data
    assert len([r for r in log.records if r.name == "handlers.common"]) <= 1, data
    log.clear()


async def test_forged_or_stale_card_buttons_are_refused_and_change_nothing(office, resident, harness, log):
    number = await submit(office, resident, "小区东门的路灯坏了一个星期")
    group = office.main_group.id
    card = office.card(group, number)
    pid = petition(harness, number).id
    before = snapshot(harness)
    log.clear()
    forged = [
        "p:claim:abc", "p:claim", "p:", "p:claim:", f"p:claim:{pid}:7", f"p:fly:{pid}",
        f"p:CLAIM:{pid}", "p:claim:999999", "p:claim:0", "p:claim:99999999999999999999",
        f"p:claim: {pid}", f"p:to:{pid}", f"p:to:{pid}:-42", f"p:to:{pid}:{office.street_group.id}",
        f"p:cat:{pid}:99", f"p:cat:{pid}:x", f"p:merge:{pid}", f"p:merge:{pid}:999999",
        "p:resolve:" + "9" * 70, "x:anything", "r:abc:satisfied", "c:atlantis",
    ]
    for data in forged:
        answer = await office.press_forged(office.staff, group, card.message_id, data)
        assert_quiet_refusal(answer, log, data)
    answer = await office.press_forged(office.staff, group, card.message_id, f"p:merge:{pid}:{pid}")
    assert_quiet_refusal(answer, log, "merge into itself", texts.MERGE_SELF)
    assert snapshot(harness) == before
    # The card's real buttons still work afterwards.
    answer = await office.press(office.staff, group, card.message_id, office.button(card, "认领"))
    assert number in answer["text"] and petition(harness, number).status == "claimed"


async def test_a_rating_only_counts_from_the_petitions_own_resident(office, resident, harness, log):
    number = await submit(office, resident, "楼下餐馆油烟很大，窗户都不敢开")
    await office.say(office.staff, office.main_group.id, f"/resolve {number} 已督促餐馆加装油烟净化器")
    prompt = office.emu.last_bot_message(resident.id)
    assert "请您对本次办理进行评价" in prompt.text
    pid = petition(harness, number).id
    neighbour = office.emu.add_user(first_name="李阿姨")
    await office.say(neighbour, neighbour.id, "/start hongqi")
    welcome = office.emu.last_bot_message(neighbour.id)
    before = snapshot(harness)
    log.clear()

    answer = await office.press_forged(neighbour, neighbour.id, welcome.message_id, f"r:{pid}:unsatisfied")
    assert_quiet_refusal(answer, log, "someone else's petition", texts.RATE_NOT_YOURS)
    for data in (f"r:{pid}:excellent", "r:999999:satisfied", f"r:{pid}", "r:", f"r:{pid}:satisfied:1"):
        answer = await office.press_forged(resident, resident.id, prompt.message_id, data)
        assert_quiet_refusal(answer, log, data)
    assert snapshot(harness) == before

    await office.press(resident, resident.id, prompt.message_id, office.button(prompt, "满意"))
    assert petition(harness, number).rating == "satisfied"


async def test_an_unknown_community_button_is_refused_and_the_message_stays_held(office, harness, log):
    newcomer = office.emu.add_user(first_name="陈先生")
    await office.say(newcomer, newcomer.id, "小区门口垃圾没人清理，已经三天了")
    prompt = office.emu.last_bot_message(newcomer.id)
    assert "暂存" in prompt.text
    before = snapshot(harness)
    log.clear()
    for data in ("c:atlantis", "c:", "c:hongqi:x", "c:HONGQI", "c:" + "x" * 70):
        answer = await office.press_forged(newcomer, newcomer.id, prompt.message_id, data)
        assert_quiet_refusal(answer, log, data)
    assert snapshot(harness) == before
    await office.press(newcomer, newcomer.id, prompt.message_id, office.button(prompt, "红旗社区"))
    assert any("已受理" in m.text for m in office.emu.bot_messages(newcomer.id))
