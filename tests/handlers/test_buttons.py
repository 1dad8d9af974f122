"""Button presses as the handlers see them: every button the bot sends reaches its own
handler and parses there, within Telegram's 64 bytes; data of no known prefix, too long,
stale or pressed by someone who may not is refused with one alert and changes nothing.

The protocol itself (build and parse, field by field) is tested in
tests/reception/test_callback_data.py; the forged variants of each prefix in
tests/e2e/test_bad_input.py.
"""

from __future__ import annotations

import logging

import pytest
from sqlmodel import Session, select
from telegram.ext import CallbackQueryHandler

from handlers import common
from reception import texts
from reception.petition import callback_data
from reception.petition.states import Action, Status, status_label
from storage.models import Petition
from tests.office import snapshot


@pytest.fixture
def log(caplog):
    caplog.set_level(logging.INFO)
    return caplog


def status_of(harness, number: str) -> Status:
    with Session(harness.services.deps.engine) as session:
        return session.exec(select(Petition.status).where(Petition.number == number)).one()


def refused(answer: dict, log, text: str = texts.BUTTON_INVALID) -> str:
    """The press got one alert with ``text``; returns the reason the log line gives."""
    assert answer.get("show_alert") is True and answer.get("text") == text, answer
    assert not [r for r in log.records if r.exc_info or r.levelno >= logging.ERROR]
    lines = [r.getMessage() for r in log.records if r.name == "handlers.common"]
    log.clear()
    return lines[0] if lines else ""


def callback_buttons(emu, chat_ids) -> list[str]:
    """The callback data of every inline button the bot sent to these chats."""
    found = []
    for chat_id in chat_ids:
        for message in emu.bot_messages(chat_id):
            for row in (message.reply_markup or {}).get("inline_keyboard", []):
                found += [button["callback_data"] for button in row if "callback_data" in button]
    return found


async def test_every_button_the_bot_sends_fits_and_reaches_its_own_handler(office, resident, harness):
    emu = office.emu
    newcomer = emu.add_user(first_name="陈先生")
    await office.say(newcomer, newcomer.id, "/start")  # the community buttons
    speaker = emu.add_user(first_name="赵奶奶")
    await office.say(speaker, speaker.id, "/start hongqi")
    emu.send_voice(speaker, speaker.id)  # a voice note on its own: 就这样提交
    await harness.settle()
    neighbour = emu.add_user(first_name="刘大爷")
    await office.say(neighbour, neighbour.id, "/start hongqi")
    original = await office.submit(resident, "5号楼电梯坏了三天没人修")
    await office.submit(neighbour, "5号楼的电梯坏了好几天了，没人来修")  # 合并到 …
    group = office.main_group.id
    card = office.card(group, original)
    await office.press(office.staff, group, card.message_id, office.button(card, "转派"))
    await office.say(office.staff, group, f"/resolve {original} 电梯已修复")  # the ratings

    data = callback_buttons(emu, [group, office.parking_group.id, resident.id, neighbour.id,
                                  newcomer.id, speaker.id])
    prefixes = {d.split(":", 1)[0] + ":" for d in data}
    assert prefixes == {callback_data.CARD_PREFIX, callback_data.RATING_PREFIX,
                        callback_data.COMMUNITY_PREFIX, callback_data.DRAFT_PREFIX}
    A = callback_data.CardAction
    assert {callback_data.parse_card(d).action for d in data if d.startswith("p:")} >= {
        A.CLAIM, A.REASSIGN, A.RESOLVE, A.REJECT, A.TO_GROUP, A.TO_CATEGORY, A.MERGE}
    routed = [h for h in harness.app.handlers[0] if isinstance(h, CallbackQueryHandler)]
    parsers = {
        callback_data.CARD_PREFIX: callback_data.parse_card,
        callback_data.RATING_PREFIX: callback_data.parse_rating,
        callback_data.COMMUNITY_PREFIX: lambda d: callback_data.parse_community(
            d, known=harness.services.deps.org.communities),
        callback_data.DRAFT_PREFIX: callback_data.parse_submit_held,
    }
    for item in data:
        assert len(item.encode("utf-8")) <= callback_data.LIMIT_BYTES, item
        handler = next(h for h in routed if h.pattern is None or h.pattern.match(item))
        assert handler.callback is not common.unknown_button, f"{item!r} reaches no handler"
        parsers[item.split(":", 1)[0] + ":"](item)  # raises BadCallbackData if it cannot


@pytest.mark.parametrize("data", ["z:1", "P:claim:1", "pclaim1", " p:claim:1", "claim", ":", "谢谢"])
async def test_a_press_of_no_known_prefix_is_refused_in_a_group_and_in_private(
        office, resident, harness, log, data):
    number = await office.submit(resident, "小区东门的路灯坏了一个星期")
    card = office.card(office.main_group.id, number)
    welcome = next(m for m in office.emu.bot_messages(resident.id) if m.buttons)
    before = snapshot(harness)
    log.clear()
    answer = await office.press_forged(office.staff, office.main_group.id, card.message_id, data)
    assert "no handler" in refused(answer, log)
    answer = await office.press_forged(resident, resident.id, welcome.message_id, data)
    assert "no handler" in refused(answer, log)
    assert snapshot(harness) == before


async def test_data_over_64_bytes_is_refused_for_its_size_counted_in_bytes(office, resident, harness, log):
    number = await office.submit(resident, "小区东门的路灯坏了一个星期")
    card = office.card(office.main_group.id, number)
    before = snapshot(harness)
    log.clear()
    # 65 bytes each; the last is 23 characters only, so counting characters would let it by.
    for data in ("p:claim:" + "1" * 57, "r:1:" + "x" * 61, "c:" + "红" * 21):
        assert len(data.encode("utf-8")) == callback_data.LIMIT_BYTES + 1
        answer = await office.press_forged(office.staff, office.main_group.id, card.message_id, data)
        assert "65 bytes, over Telegram's 64" in refused(answer, log), data
    # At exactly 64 bytes the size is fine: it is refused for what it says.
    answer = await office.press_forged(office.staff, office.main_group.id, card.message_id,
                                       "c:" + "x" * 62)
    assert "unknown community" in refused(answer, log)
    assert snapshot(harness) == before


async def test_a_card_button_pressed_after_the_petition_moved_on_says_why(office, resident, harness, log):
    number = await office.submit(resident, "小区东门的路灯坏了一个星期")
    group = office.main_group.id
    card = office.card(group, number)
    claim, reject = office.button(card, "认领"), office.button(card, "驳回")  # the card changes
    await office.press(office.staff, group, card.message_id, claim)
    # Another member's copy of the card still shows 认领 (a slow client): told who has it.
    before = snapshot(harness)
    answer = await office.press_forged(office.staff2, group, card.message_id, claim)
    assert answer["text"] == texts.ALREADY_CLAIMED.format(name="张网格员") and not answer["show_alert"]
    assert snapshot(harness) == before
    await office.say(office.staff, group, f"/resolve {number} 已更换灯泡")
    assert status_of(harness, number) is Status.RESOLVED
    before = snapshot(harness)
    log.clear()
    for data, action in ((claim, Action.CLAIM), (reject, Action.REJECT)):
        answer = await office.press_forged(office.staff2, group, card.message_id, data)
        template = texts.REFUSALS.get(action, texts.REFUSAL_DEFAULT)
        refused(answer, log, template.format(label=status_label(Status.RESOLVED)))
    assert snapshot(harness) == before


async def test_someone_who_is_not_staff_cannot_act_on_a_card_in_the_group(office, resident, harness, log):
    number = await office.submit(resident, "小区东门的路灯坏了一个星期")
    group = office.main_group.id
    card = office.card(group, number)
    before = snapshot(harness)
    log.clear()
    for label in ("认领", "转派", "办结", "驳回"):
        answer = await office.press(office.outsider, group, card.message_id, office.button(card, label))
        refused(answer, log, common._plain(texts.NOT_STAFF))
    assert snapshot(harness) == before
    assert status_of(harness, number) is Status.SUBMITTED
