"""民情日记: staff log home visits from their phone; problems found become petitions (走访);
the weekly norm is tracked in /visits and in the digest."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.models import Petition, Visit
from tests.e2e.test_petition_loop import NUMBER, events


def stored(harness, model):
    with Session(harness.services.deps.engine) as session:
        return list(session.exec(select(model)))


async def test_a_visit_with_a_problem_files_a_petition_with_channel_visit(office, harness):
    group = office.main_group.id
    await office.say(office.staff, group,
                     "/visit 5号楼1单元302 看望独居老人 问题:楼道灯不亮，老人夜里不敢出门")
    reply = office.last_text(group)
    assert "已记录走访：5号楼1单元302室" in reply and "1/4 个半天，1/10 户" in reply
    number = NUMBER.search(reply).group(0)
    [petition] = stored(harness, Petition)
    assert (petition.number, petition.channel, petition.building) == (number, "visit", "5")
    assert "走访发现" in office.card(group, number).text
    assert events(harness, number) == ["submit", "visit"]
    [visit] = stored(harness, Visit)
    assert (visit.household, visit.petition_id) == ("5号楼1单元302室", petition.id)


async def test_the_button_files_a_visit_and_only_its_visitor_may(office, harness):
    group = office.main_group.id
    await office.say(office.staff, group, "/visit 3号楼2单元501 李奶奶反映家里水管老化渗水")
    reply = office.emu.last_bot_message(group)
    assert stored(harness, Petition) == []
    refused = await office.press(office.staff2, group, reply.message_id,
                                 office.button(reply, "将走访内容登记为诉求"))
    assert "只有登记这次走访的工作人员" in refused["text"]
    answer = await office.press(office.staff, group, reply.message_id,
                                office.button(reply, "将走访内容登记为诉求"))
    [petition] = stored(harness, Petition)
    assert petition.number in answer["text"] and petition.channel == "visit"
    assert "水管" in petition.text


async def test_who_may_log_a_visit(office, harness):
    await office.say(office.outsider, office.outsider.id, "/visit 3号楼2单元501 走访")
    assert "工作人员" in office.last_text(office.outsider.id)
    await office.say(office.staff, office.main_group.id, "/visit 走访了几户")
    assert "用法" in office.last_text(office.main_group.id)
    # The street's administrator covers two communities: a visit belongs to one of them.
    await office.say(office.supervisor, office.supervisor.id, "/visit 3号楼2单元501 走访")
    assert "社区工作群" in office.last_text(office.supervisor.id)
    assert stored(harness, Visit) == []


async def test_the_weekly_norm_in_visits_and_the_digest(office, harness, clock):
    group = office.main_group.id
    # Monday 23 November 09:00: two mornings and two afternoons, ten households.
    flats = [f"{b}号楼{u}单元{r}" for b in (1, 2) for u in (1, 2) for r in (101, 102, 201)][:10]
    for index, flat in enumerate(flats):
        if index in (3, 6, 8):
            clock.advance(hours=5 if index != 6 else 19)  # afternoon, next morning, afternoon
        await office.say(office.staff, group, f"/visit {flat} 入户走访，了解需求")
    await office.say(office.staff2, group, "/visit 6号楼1单元101 走访")
    await office.say(office.staff, office.staff.id, "/visits")
    week = office.last_text(office.staff.id)
    assert "张网格员 本周民情日记" in week and "4/4 个半天，10/10 户，已达标" in week
    await office.say(office.staff2, office.staff2.id, "/visits")
    assert "1/4 个半天，1/10 户" in office.last_text(office.staff2.id)

    clock.advance(days=7)
    digest = harness.services.digests.weekly(scope_kind="community", scope_code="hongqi")
    assert "民情日记（每周 4 个半天、10 户）：1/" in digest.text
    assert "张网格员：4 个半天 · 10 户 ✅" in digest.text
    assert "赵专干：1 个半天 · 1 户" in digest.text
