"""Nothing accepted is lost or duplicated; nobody but staff changes a petition."""

from __future__ import annotations

import re

from sqlmodel import Session, func, select

from bot.harness import Harness
from reception.handling.dispatch import CLAIM_FOR
from reception.handling.intake import Inbound
from storage.models import Outbox, Petition, PetitionEvent
from tests.office import open_office

NUMBER = re.compile(r"MY-\d{8}-\d{4}")


def count(harness, model, *where) -> int:
    with Session(harness.services.deps.engine) as session:
        query = select(func.count()).select_from(model)
        for condition in where:
            query = query.where(condition)
        return session.exec(query).one()


async def test_redelivered_update_makes_no_second_petition(office, resident, harness):
    office.emu.send_text(resident, resident.id, "小区健身器材坏了，孩子玩的时候很危险")
    await harness.settle()
    office.emu.redeliver_last_update()
    await harness.settle()
    assert count(harness, Petition) == 1
    confirmations = [m for m in office.emu.bot_messages(resident.id) if "已受理" in m.text]
    assert len(confirmations) == 1


async def test_non_staff_cannot_change_any_petition(office, resident, harness):
    office.emu.send_text(resident, resident.id, "邻居家狗整夜叫，休息不好")
    await harness.settle()
    number = NUMBER.search(office.last_text(resident.id)).group(0)
    group = office.main_group.id
    card = office.card(group, number)
    before_events = count(harness, PetitionEvent)
    for label in ("认领", "办结", "驳回", "转派"):
        answer = await office.press(office.outsider, group, card.message_id, office.button(card, label))
        assert answer.get("show_alert") and "工作人员" in answer["text"], answer
    for command in (f"/resolve {number} 已处理", f"/reject {number} 不管", f"/merge {number} {number}",
                    f"/ask {number} 你好", "/open", f"/show {number}", "/walkin 测试"):
        await office.say(office.outsider, group, command)
        assert "只有已登记的社区工作人员" in office.last_text(group), command
    await office.say(office.outsider, group, "我来回复一下", reply_to=card.message_id)
    assert "只有已登记的社区工作人员" in office.last_text(group)
    await office.say(office.outsider, group, "/bind hongqi")
    # The resident's own rating buttons are theirs alone.
    assert count(harness, PetitionEvent) == before_events
    with Session(harness.services.deps.engine) as session:
        petition = session.exec(select(Petition).where(Petition.number == number)).one()
        assert petition.status == "submitted" and petition.handler_staff_id is None


async def test_staff_of_another_community_cannot_act(office, resident, harness):
    code = harness.services.access.create_invite(role="staff", scope_code="qingnian")
    stranger = office.emu.add_user(first_name="青年社区小吴")
    office.emu.add_member(office.main_group.id, stranger)
    await office.say(stranger, stranger.id, f"/join {code}")
    office.emu.send_text(resident, resident.id, "楼道里有人乱贴小广告")
    await harness.settle()
    number = NUMBER.search(office.last_text(resident.id)).group(0)
    await office.say(stranger, office.main_group.id, f"/resolve {number} 好了")
    assert "本群不属于您负责的社区" in office.last_text(office.main_group.id)
    for command in ("/digest", "/export", "/open", f"/walkin {number}"):
        await office.say(stranger, office.main_group.id, command)
        assert "本群不属于您负责的社区" in office.last_text(office.main_group.id), command


async def test_staff_commands_in_a_group_the_office_never_bound_post_no_petition(office, resident, harness):
    office.emu.send_text(resident, resident.id, "3号楼2单元楼道灯坏了，我电话13812345678")
    await harness.settle()
    number = NUMBER.search(office.last_text(resident.id)).group(0)
    owners = office.emu.add_group(title="业主群", members=[office.admin, resident])
    for command in ("/open", f"/show {number}", "/digest", "/export"):
        await office.say(office.admin, owners.id, command)
        answer = office.last_text(owners.id)
        assert "尚未绑定社区" in answer, command
        assert number not in answer and "楼道灯" not in answer and "138" not in answer


async def test_failed_sends_are_retried_and_survive_a_restart(config, clock, tmp_path):
    first = Harness(config=config, clock=clock)
    await first.start()
    office = await open_office(first)
    emu = first.emulator
    resident = emu.add_user(first_name="吴阿姨")
    await office.say(resident, resident.id, "/start hongqi")
    emu.fail_next("sendMessage", error="network", times=50)
    emu.send_text(resident, resident.id, "2号楼门禁坏了，陌生人随便进出")
    await first.settle()
    assert count(first, Petition) == 1, "the petition is stored although Telegram failed"
    assert count(first, Outbox, Outbox.status == "pending") >= 2
    await first.stop(keep_emulator=True)  # the process dies with messages unsent

    emu.fail_next("sendMessage", error="network", times=0)
    clock.advance(seconds=5)
    second = Harness(config=config, clock=clock)
    await second.start(emulator=emu)
    try:
        await second.settle()
        assert any("已受理" in m.text for m in emu.bot_messages(resident.id))
        confirmation = next(m.text for m in emu.bot_messages(resident.id) if "已受理" in m.text)
        number = NUMBER.search(confirmation).group(0)
        assert office.card(office.main_group.id, number)
        assert count(second, Outbox, Outbox.status == "pending") == 0
    finally:
        await second.stop()
        await emu.stop()


def typed(user, message_id: int, text: str) -> Inbound:
    """A resident's text message as the handler hands it to the domain."""
    return Inbound(tg_user_id=user.id, name=user.first_name, username="", chat_id=user.id,
                   message_id=message_id, kind="text", text=text)


async def test_sends_claimed_with_the_petition_survive_a_crash_before_sending(config, clock):
    first = Harness(config=config, clock=clock)
    await first.start()
    office = await open_office(first)
    emu = first.emulator
    resident = emu.add_user(first_name="吴阿姨")
    await office.say(resident, resident.id, "/start hongqi")
    # What the handler does, except that the process dies before its worker sends anything.
    result = await first.runtime.run(first.services.intake.submit,
                                     typed(resident, 9001, "3号楼电梯又坏了，老人下不了楼"))
    assert result.outcome == "created" and len(result.sends) == 2
    await first.stop(keep_emulator=True)

    second = Harness(config=config, clock=clock)
    await second.start(emulator=emu)
    try:
        await second.runtime.delivery.drain()
        await second.settle()
        assert not emu.bot_messages(resident.id)[1:], "a claimed send is left alone until its claim expires"
        clock.advance(seconds=CLAIM_FOR.total_seconds() + 1)
        await second.runtime.delivery.drain()  # what the periodic outbox job does
        await second.settle()
        confirmations = [m for m in emu.bot_messages(resident.id) if result.number in m.text]
        assert len(confirmations) == 1 and "已受理" in confirmations[0].text
        assert office.card(office.main_group.id, result.number)
        assert count(second, Outbox, Outbox.status != "sent") == 0
    finally:
        await second.stop()
        await emu.stop()


async def test_a_card_refresh_never_becomes_a_second_card(office, resident, harness):
    first = await harness.runtime.run(harness.services.intake.submit,
                                      typed(resident, 9001, "5号楼楼道灯坏了"))
    # A follow-up within the merge window while the first card is still on its way.
    second = await harness.runtime.run(harness.services.intake.submit,
                                       typed(resident, 9002, "晚上很黑，老人容易摔倒"))
    assert second.outcome == "appended" and second.number == first.number
    assert second.sends is None, "left to the worker's claim: where the first card lands is not known yet"
    harness.runtime.delivery.take(first.sends)
    await harness.settle()
    harness.runtime.delivery.take(second.sends)
    await harness.settle()
    cards = [m for chat in (office.main_group, office.parking_group, office.street_group)
             for m in office.emu.bot_messages(chat.id) if m.text.startswith(f"📋 {first.number}")]
    assert len(cards) == 1 and "老人容易摔倒" in cards[0].text


async def test_retry_after_waits_the_time_telegram_asks(office, resident, harness, clock):
    def delivered() -> int:
        confirmations = [m for m in office.emu.bot_messages(resident.id) if "已受理" in m.text]
        cards = [m for chat in (office.main_group, office.parking_group)
                 for m in office.emu.bot_messages(chat.id) if m.text.startswith("📋")]
        return len(confirmations) + len(cards)

    office.emu.fail_next("sendMessage", error="retry_after", retry_after=30, times=1)
    office.emu.send_text(resident, resident.id, "小区绿化带里有很多垃圾")
    await harness.settle()
    assert delivered() < 2, "a 429 holds back the bot's sends"
    clock.advance(seconds=31)
    await harness.tick()
    assert delivered() == 2


async def test_html_in_resident_text_is_escaped(office, resident):
    office.emu.send_text(resident, resident.id, "<b>物业</b> & 开发商 <script>alert(1)</script> 漏水")
    await office.harness.settle()
    number = NUMBER.search(office.last_text(resident.id)).group(0)
    assert "<script>" in office.card(office.main_group.id, number).text


async def test_unsupported_message_gets_a_friendly_answer(office, resident, harness):
    office.emu.send_dice(resident, resident.id)
    await harness.settle()
    assert "暂不支持" in office.last_text(resident.id)
    assert count(harness, Petition) == 0


async def test_blocked_bot_loses_nothing(office, resident, harness):
    office.emu.send_text(resident, resident.id, "楼上装修太吵，周末一早就开始")
    await harness.settle()
    number = NUMBER.search(office.last_text(resident.id)).group(0)
    office.emu.block_bot(resident)
    await office.say(office.staff, office.main_group.id, f"/resolve {number} 已协调装修时间")
    assert count(harness, Outbox, Outbox.status == "failed") >= 1
    with Session(harness.services.deps.engine) as session:
        assert session.exec(select(Petition.status).where(Petition.number == number)).one() == "resolved"


async def test_deleted_group_reroutes_its_petitions(office, resident, harness):
    office.emu.delete_chat(office.main_group.id)
    office.emu.send_text(resident, resident.id, "小区健身广场的灯晚上不亮")
    await harness.settle()
    number = NUMBER.search(office.last_text(resident.id)).group(0)
    assert office.card(office.street_group.id, number), "the street's group takes it over"


async def test_forum_group_gets_a_topic_per_petition(office, resident, harness):
    forum = office.emu.add_group("红旗社区噪音专班", forum=True, members=[office.admin, office.staff])
    await office.say(office.admin, forum.id, "/bind hongqi 噪音扰民")
    office.emu.send_text(resident, resident.id, "隔壁工地晚上十一点还在施工，噪音很大，吵得睡不着")
    await harness.settle()
    number = NUMBER.search(office.last_text(resident.id)).group(0)
    card = office.card(forum.id, number)
    topics = office.emu.topics(forum.id)
    assert len(topics) == 1 and number in topics[0]["name"]
    assert card.thread_id == topics[0]["message_thread_id"]
