"""Privacy and scope in groups: staff commands act only in a bound group of the staff
member's scope, or in a private chat for their own scope; a group never sees a petition it
is not bound to; what residents say reaches a group masked."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from storage.models import Petition

NUMBER = re.compile(r"MY-\d{8}-\d{4}")
STAFF_COMMANDS = ("/open", "/show {number}", "/resolve {number} 已处理", "/reject {number} 不受理",
                  "/ask {number} 几号楼？", "/complex {number}", "/walkin 来访：路灯坏了",
                  "/overdue", "/digest", "/export", "/merge {number} {number}")


async def submit(office, resident, text: str) -> str:
    await office.say(resident, resident.id, text)
    return NUMBER.search(office.last_text(resident.id)).group(0)


def petitions(harness) -> list[Petition]:
    with Session(harness.services.deps.engine) as session:
        return list(session.exec(select(Petition)))


@pytest.fixture
async def qingnian(office):
    """青年社区: its own staff member and its own group (bound by the street's admin)."""
    emu, access = office.emu, office.harness.services.access
    member = emu.add_user(first_name="周青年")
    code = access.create_invite(role="admin", scope_code="qingnian")
    await office.say(member, member.id, f"/join {code}")
    for group in (office.main_group, office.parking_group):
        emu.add_member(group.id, member)
    group = emu.add_group("青年社区民愿工作群", members=[member, office.supervisor, office.outsider])
    await office.say(office.supervisor, group.id, "/bind qingnian")
    return member, group


@pytest.fixture
async def unbound(office):
    """A 业主群 the bot is in but that nobody bound."""
    return office.emu.add_group("红旗小区5号楼业主群",
                                members=[office.admin, office.staff, office.outsider])


def group_texts(office, chat_id: int) -> list[str]:
    return [m.text or m.caption or "" for m in office.emu.bot_messages(chat_id)]


async def test_unbound_group_gets_a_refusal_and_no_petition_data(office, resident, unbound):
    number = await submit(office, resident, "5号楼2单元楼道灯坏了，我电话13812345678")
    before = {p.number: (p.status, p.version) for p in petitions(office.harness)}
    for user in (office.admin, office.staff, office.outsider):
        for command in STAFF_COMMANDS:
            await office.say(user, unbound.id, command.format(number=number))
    after = {p.number: (p.status, p.version) for p in petitions(office.harness)}
    assert after == before, "nothing changed, nothing created"
    sent = office.emu.bot_messages(unbound.id)
    assert sent, "a short refusal, not silence"
    assert all(m.kind == "text" for m in sent), "no digest chart, no register"
    for text in group_texts(office, unbound.id):
        assert number not in text and "楼道灯" not in text and "5号楼" not in text
        assert len(text) < 80


async def test_help_in_a_group_shows_staff_commands_only_to_staff_who_may_use_them(
        office, unbound):
    await office.say(office.outsider, office.main_group.id, "/help")
    assert "/resolve" not in office.last_text(office.main_group.id)
    assert "私聊" in office.last_text(office.main_group.id)
    await office.say(office.staff, office.main_group.id, "/help")
    assert "/resolve" in office.last_text(office.main_group.id)
    await office.say(office.admin, unbound.id, "/help")
    assert "/resolve" not in office.last_text(unbound.id)


async def test_other_communitys_staff_is_refused_in_this_group(office, resident, qingnian):
    member, _ = qingnian
    number = await submit(office, resident, "小区北门的路灯一直不亮")
    count = len(petitions(office.harness))
    main = office.main_group.id
    await office.say(member, main, "/walkin 来访：青年路的井盖松了")
    assert "不属于您负责的" in office.last_text(main)
    assert len(petitions(office.harness)) == count, "no 红旗 petition from a 青年 member"
    sent_before = len(office.emu.bot_messages(main))
    await office.say(member, main, "/digest")
    await office.say(member, main, "/export")
    await office.say(member, main, f"/show {number}")
    await office.say(member, main, "/open")
    new = office.emu.bot_messages(main)[sent_before:]
    assert [m.kind for m in new] == ["text"] * 4, "refusals only: no chart, no register"
    assert all("不属于您负责的" in m.text for m in new)
    _, message = office.find_card(number)
    answer = await office.press(member, main, message.message_id, office.button(message, "认领"))
    assert "不属于" in answer.get("text", "")


async def test_street_supervisor_cannot_show_one_communitys_petition_in_anothers_group(
        office, resident, qingnian):
    _, qingnian_group = qingnian
    number = await submit(office, resident, "5号楼电梯按钮失灵")
    await office.say(office.supervisor, qingnian_group.id, f"/show {number}")
    text = office.last_text(qingnian_group.id)
    assert "电梯" not in text and "不属于本群" in text
    await office.say(office.supervisor, qingnian_group.id, "/open")
    assert number not in office.last_text(qingnian_group.id)
    await office.say(office.supervisor, office.street_group.id, f"/show {number}")
    assert "电梯" in office.last_text(office.street_group.id), "the street's own group may"


async def test_staff_use_commands_in_a_private_chat_for_their_own_scope(office, resident, qingnian):
    member, _ = qingnian
    number = await submit(office, resident, "小区健身器材坏了一个")
    await office.say(office.staff, office.staff.id, "/open")
    assert number in office.last_text(office.staff.id)
    await office.say(office.staff, office.staff.id, f"/show {number}")
    assert "健身器材" in office.last_text(office.staff.id)
    await office.say(member, member.id, f"/show {number}")
    assert "健身器材" not in office.last_text(member.id)
    await office.say(office.staff, office.staff.id, "/help")
    assert "/resolve" in office.last_text(office.staff.id)
    await office.say(resident, resident.id, "/open")
    assert number not in office.last_text(resident.id)


async def test_residents_answer_to_ask_reaches_the_group_masked(office, resident):
    number = await submit(office, resident, "想咨询一下残疾人两项补贴怎么申请")
    await office.say(office.staff, office.main_group.id, f"/ask {number} 请留一个联系电话")
    await office.say(resident, resident.id, "我的电话是13812345678，身份证110101195001011234，我叫王芳芳")
    relayed = office.last_text(office.main_group.id)
    assert "居民答复" in relayed
    assert "13812345678" not in relayed and "138****5678" in relayed
    assert "110101195001011234" not in relayed
    assert "王芳芳" not in relayed


async def test_no_group_message_carries_an_unmasked_phone(office, resident, qingnian):
    """A sweep over every group message of a busy session."""
    number = await submit(office, resident, "我家漏水了，联系电话13912345678，5号楼1单元")
    await office.say(resident, resident.id, "补充：楼下电话13698765432")
    await office.say(office.staff, office.main_group.id, "/walkin 来访：张大爷电话13587654321反映路灯不亮")
    await office.say(office.staff, office.main_group.id, f"/show {number}")
    await office.say(office.staff, office.main_group.id, f"/ask {number} 几楼？")
    await office.say(resident, resident.id, "三楼，电话13912345678")
    await office.say(office.staff, office.main_group.id, "/open")
    phones = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
    groups = [office.main_group, office.parking_group, office.street_group, qingnian[1]]
    for group in groups:
        for text in group_texts(office, group.id):
            assert not phones.search(text), text


async def test_the_residents_contact_reaches_the_handler_protected(office, resident):
    await office.say(resident, resident.id, "/start hongqi")
    office.emu.send_contact(resident, resident.id, "13812345678")
    await office.harness.settle()
    number = await submit(office, resident, "小区北门的路灯一直不亮")
    _, card = office.find_card(number)
    await office.press(office.staff, office.main_group.id, card.message_id,
                       office.button(card, "认领"))
    contact = next(m for m in office.emu.bot_messages(office.staff.id) if "13812345678" in m.text)
    assert contact.options.get("protect_content") is True, "not to be forwarded or saved"
    assert not office.emu.bot_messages(office.main_group.id)[-1].options.get("protect_content")
