"""An independent authorization and privacy sweep.

Every staff command the Application registers — every command it answers in a group,
whatever handlers/ adds later: the list is read from the running Application, not written
here — with a spread of arguments, and every
card button kind of reception/petition/callback_data.py (and the resident's rating and draft
buttons), is tried by

- a resident, in their private chat, in the community's bound group and in an unbound group;
- a plain member of a group, in the bound group, the unbound group and a private chat;
- staff of this community, in the unbound group and in another community's bound group;
- staff of another community, in this community's bound group, the unbound group and their
  private chat (where their own community is theirs to act on: only this community's
  petitions are compared).

It asserts that nothing of the database changed (every table but the inbox of raw updates),
that no petition data reached a chat it does not belong to, and — as every e2e test does
(tests/e2e/conftest.py) — that no group message carries an unmasked phone or ID number. A
control at the end shows the comparison sees an authorised change.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, SQLModel, select
from telegram import Chat, Message, Update, User
from telegram.ext import CommandHandler

from reception.petition import callback_data
from reception.petition.callback_data import CardAction
from storage.models import InboxUpdate, Petition
from tests.e2e.conftest import ID_NUMBER, PHONE

NUMBER = re.compile(r"MY-\d{8}-\d{4}")
# Raw updates are stored as they come: they are the inbox, not the office's state.
NOT_STATE = {"inboxupdate"}
ARGUMENTS = ("", "{a}", "{a} {c}", "{a} 已核实处理", "on", "hongqi", "@张网格员 明天")
A_TEXT = "5号楼2单元厨房下水道堵了，我的电话13812345678，身份证110101195001011234"
B_TEXT = "7号楼门口的井盖松动了，踩上去会晃"
# What a petition's card, list line or timeline would carry. Its number is not here: a
# refusal may repeat what the sender typed ("未找到代码「MY-…」"), which discloses nothing.
SECRETS = ("下水道", "井盖", "北门路灯", "5号楼2单元", "13812345678", "110101195001011234",
           "地点：红旗社区")
# Any card, list or timeline at all: none belongs in a chat bound to no community. (青年社区's
# own chats do get 青年社区's cards: its staff member's walk-ins are theirs to register.)
DESK_MARKS = ("尾号", "📋", "状态：", "办理记录：", "待办诉求（")


# Staff commands registered for private chats only: the desk's login link and joining with
# an invite code. (A resident's own commands — /start, /my, /cancel… — act for themselves.)
PRIVATE_STAFF_COMMANDS = frozenset({"web", "join"})


def staff_commands(application) -> list[str]:
    """Every command the Application answers in a group (a resident's own commands are
    registered for private chats only), and the private staff commands."""
    in_group = Update(1, message=Message(
        1, datetime.now(UTC), Chat(-100, "supergroup"), from_user=User(1, "x", False), text="/x"))
    names = set()
    for group in application.handlers.values():
        for handler in group:
            if isinstance(handler, CommandHandler) and (
                    handler.filters.check_update(in_group) or handler.commands & PRIVATE_STAFF_COMMANDS):
                names |= set(handler.commands)
    return sorted(names)


def button_data(petitions: dict[str, Petition], office) -> list[str]:
    """One press of every card action (the targets real ones would carry), the resident's
    rating of a petition that is not theirs, and the held-voice button."""
    a, b, c = petitions["a"].id, petitions["b"].id, petitions["c"].id
    targets: dict[str, int] = {CardAction.TO_GROUP: office.parking_group.id,
                               CardAction.TO_CATEGORY: 0, CardAction.MERGE: c}
    data = []
    for action in CardAction:
        try:
            data.append(callback_data.card(action, a))
        except ValueError:  # the action carries a target
            data.append(callback_data.card(action, a, targets.get(action, 1)))
    data += [callback_data.rating(b, code) for code in callback_data.RATINGS]
    data.append(callback_data.SUBMIT_HELD)
    return data


def snapshot(harness, *, community: str | None = None) -> dict[str, list[str]]:
    """Every row of every table (or, with ``community``, that community's petitions and
    what hangs off them), each row as its repr."""
    engine = harness.services.deps.engine
    with Session(engine) as session:
        petition_ids = {p.id for p in session.exec(select(Petition))
                        if community is None or p.community_code == community}
        out = {}
        for table in SQLModel.metadata.sorted_tables:
            if table.name in NOT_STATE:
                continue
            rows: list[tuple] = [tuple(row) for row in session.execute(table.select())]
            if community is not None:
                columns = [c.name for c in table.columns]
                if table.name == "petition":
                    rows = [r for r in rows if r[columns.index("id")] in petition_ids]
                elif "petition_id" in columns:
                    rows = [r for r in rows if r[columns.index("petition_id")] in petition_ids]
                elif "community_code" in columns:
                    rows = [r for r in rows if r[columns.index("community_code")] == community]
                else:
                    continue
            out[table.name] = sorted(repr(row) for row in rows)
        return out


def changes(before: dict, after: dict) -> list[str]:
    out = []
    for name in sorted(set(before) | set(after)):
        old, new = set(before.get(name, [])), set(after.get(name, []))
        out += [f"{name}: - {row}" for row in sorted(old - new)]
        out += [f"{name}: + {row}" for row in sorted(new - old)]
    return out


def said(office, chat_id: int, since: int) -> list[str]:
    return [" ".join(filter(None, (m.text, m.html))) for m in office.emu.bot_messages(chat_id)[since:]]


@pytest.fixture
async def scene(office, resident):
    """Petitions A (the resident's, open), B (a neighbour's, resolved), C (a walk-in, open);
    an unbound 业主群; 青年社区 with its own staff member and group."""
    emu, harness = office.emu, office.harness
    neighbour = emu.add_user(first_name="陈伯")
    await office.say(neighbour, neighbour.id, "/start hongqi")
    await office.say(resident, resident.id, A_TEXT)
    await office.say(neighbour, neighbour.id, B_TEXT)
    await office.say(office.staff, office.main_group.id, "/walkin 来访：小区北门路灯不亮")
    with Session(harness.services.deps.engine) as session:
        rows = list(session.exec(select(Petition).order_by(Petition.id)))
    petitions = dict(zip("abc", rows, strict=True))
    await office.say(office.staff, office.main_group.id, f"/resolve {petitions['b'].number} 已加固")
    qingnian_staff = emu.add_user(first_name="周青年")
    code = harness.services.access.create_invite(role="admin", scope_code="qingnian")
    await office.say(qingnian_staff, qingnian_staff.id, f"/join {code}")
    emu.add_member(office.main_group.id, qingnian_staff)
    emu.add_member(office.main_group.id, resident)
    qingnian_group = emu.add_group("青年社区民愿工作群",
                                   members=[qingnian_staff, office.staff, office.supervisor])
    await office.say(office.supervisor, qingnian_group.id, "/bind qingnian")
    unbound = emu.add_group("红旗小区5号楼业主群",
                            members=[resident, office.staff, office.outsider, qingnian_staff])
    await office.say(office.outsider, unbound.id, "大家好")  # the bot is in the group
    return {"petitions": petitions, "qingnian_staff": qingnian_staff,
            "qingnian_group": qingnian_group, "unbound": unbound, "neighbour": neighbour}


async def attempt_everything(office, user, chat_id: int, scene) -> None:
    petitions = scene["petitions"]
    numbers = {key: p.number for key, p in petitions.items()}
    for command in staff_commands(office.harness.application):
        for arguments in ARGUMENTS:
            await office.say(user, chat_id, f"/{command} {arguments.format(**numbers)}".strip())
    # A bot message in this chat to press buttons under (a card in the bound group).
    message = office.emu.last_bot_message(chat_id)
    if message is None:
        await office.say(user, chat_id, "/open")
        message = office.emu.last_bot_message(chat_id)
    for data in button_data(petitions, office):
        await office.press_forged(user, chat_id, message.message_id, data)


async def test_nobody_acts_or_sees_outside_their_scope(office, resident, scene, clock):
    harness, petitions = office.harness, scene["petitions"]
    qingnian_staff, qingnian_group, unbound = (
        scene["qingnian_staff"], scene["qingnian_group"], scene["unbound"])
    commands = staff_commands(harness.application)
    assert {"open", "show", "resolve", "urgent", "noturgent", "duty", "bind", "web"} <= set(commands)
    main = office.main_group.id
    attempts = [
        ("resident, private", resident, resident.id, None),
        ("resident, bound group", resident, main, None),
        ("resident, unbound group", resident, unbound.id, None),
        ("member, bound group", office.outsider, main, None),
        ("member, unbound group", office.outsider, unbound.id, None),
        ("member, private", office.outsider, office.outsider.id, None),
        ("staff, unbound group", office.staff, unbound.id, None),
        ("staff, other community's group", office.staff, qingnian_group.id, None),
        ("other staff, bound group", qingnian_staff, main, None),
        ("other staff, unbound group", qingnian_staff, unbound.id, None),
        ("other staff, private", qingnian_staff, qingnian_staff.id, "hongqi"),
    ]
    watched = {chat: len(office.emu.bot_messages(chat)) for chat in
               (resident.id, office.outsider.id, unbound.id, qingnian_group.id, qingnian_staff.id)}
    tried = 0
    for label, user, chat_id, only in attempts:
        before = snapshot(harness, community=only)
        await attempt_everything(office, user, chat_id, scene)
        tried += len(commands) * len(ARGUMENTS) + len(button_data(petitions, office))
        assert changes(before, snapshot(harness, community=only)) == [], label
    assert tried > 1000
    # Every attempt was handled (a refusal is an answer): none failed and was parked.
    with Session(harness.services.deps.engine) as session:
        parked = session.exec(select(InboxUpdate).where(InboxUpdate.status != "handled")).all()
    assert [(u.kind, u.last_error) for u in parked] == []

    # No petition data in a chat it does not belong to.
    for chat, marks in ((office.outsider.id, SECRETS + DESK_MARKS),
                        (unbound.id, SECRETS + DESK_MARKS),
                        (qingnian_group.id, SECRETS), (qingnian_staff.id, SECRETS)):
        for text in said(office, chat, watched[chat]):
            for secret in marks:
                assert secret not in text, (chat, text[:200])
    for text in said(office, resident.id, watched[resident.id]):
        for secret in ("井盖", "北门", "待办诉求（", "办理记录："):  # the neighbour's, the desk's
            assert secret not in text, text[:200]
    # Refusals there are short and reveal nothing; no chart, no register.
    for chat in (unbound.id, qingnian_group.id):
        sent = office.emu.bot_messages(chat)[watched[chat]:]
        assert sent and all(m.kind == "text" for m in sent)
    for group in (unbound.id, qingnian_group.id, main, office.parking_group.id,
                  office.street_group.id):
        for message in office.emu.bot_messages(group):
            assert not PHONE.search(message.text) and not ID_NUMBER.search(message.text)

    # The control: the same comparison sees what an authorised staff member does. (A minute
    # later: the refusals used up the group's share of Telegram's 20 messages a minute.)
    clock.advance(minutes=2)
    before = snapshot(harness)
    await office.say(office.staff, main, f"/urgent {petitions['a'].number}")
    assert any(line.startswith("petition:") for line in changes(before, snapshot(harness)))


def test_the_scan_finds_what_it_looks_for():
    assert PHONE.search("电话13812345678") and not PHONE.search("电话138****5678")
    assert ID_NUMBER.search("110101195001011234") and not ID_NUMBER.search("110101********1234")
    assert not PHONE.search("MY-20261123-0001") and not PHONE.search("-1001381234567890")
