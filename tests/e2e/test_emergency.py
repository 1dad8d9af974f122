"""Emergencies at night through the running bot: safety advice and numbers first, everyone
alerted at once, repeated until claimed, the street told when the short limit passes; and a
routine 水电气暖 question at night that waits for the office to open instead."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from storage.models import Petition

BJ = ZoneInfo("Asia/Shanghai")
NUMBER = re.compile(r"MY-\d{8}-\d{4}")
PHONE = "13812345678"


def bj(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=BJ)


def petition(harness, number: str) -> Petition:
    with Session(harness.services.deps.engine) as session:
        return session.exec(select(Petition).where(Petition.number == number)).one()


def texts(office, chat) -> list[str]:
    """The bot's messages in a chat other than cards."""
    chat_id = chat if isinstance(chat, int) else chat.id
    return [m.text for m in office.emu.bot_messages(chat_id) if not m.text.startswith("📋")]


def about(office, chat, number: str) -> list[str]:
    """Every bot message in a chat that names the petition, cards included."""
    return [m.text for m in office.emu.bot_messages(chat.id) if number in m.text]


async def report(office, resident, text: str) -> tuple[str, str]:
    await office.say(resident, resident.id, text)
    reply = office.last_text(resident.id)
    return NUMBER.search(reply).group(0), reply


async def test_gas_at_night_gets_advice_and_numbers_before_any_promise(office, resident, clock):
    clock.set(bj(23, 22, 40))
    number, reply = await report(office, resident, f"厨房一股很浓的煤气味，5号楼2单元301，电话{PHONE}")
    advice, call, promise = reply.index("不要开关"), reply.index("119"), reply.index(number)
    assert advice < call < promise, "what to do and whom to call come before what we promise"
    assert "开窗通风" in reply or "门窗通风" in reply
    assert "燃气抢修" in reply or "燃气公司" in reply
    assert "我们会尽快处理" not in reply
    assert "11月23日 23:10" in reply, "urgent: a 30-minute respond limit, round the clock"
    assert "社区值班人员" in reply and "街道" in reply


async def test_gas_at_night_alerts_the_street_and_the_duty_staff_at_once(office, resident, clock):
    clock.set(bj(23, 22, 40))
    before_admin = len(texts(office, office.admin.id))
    number, _ = await report(office, resident, f"厨房一股很浓的煤气味，电话{PHONE}")
    # No sweep has run: the alerts went out with the card.
    main = [t for t in texts(office, office.main_group) if number in t]
    assert any("紧急诉求，请立即认领" in t and "燃气泄漏" in t for t in main)
    assert any("李主任" in t for t in main), "the on-duty administrator is named"
    assert office.card(office.street_group.id, number), "the street's supervisors see the card"
    street = [t for t in texts(office, office.street_group) if number in t]
    assert any("紧急诉求" in t and "红旗社区" in t for t in street)
    duty = texts(office, office.admin.id)[before_admin:]
    assert any(number in t and "请立即在社区工作群认领" in t for t in duty), "told in private"
    for chat in (office.main_group.id, office.street_group.id, office.admin.id):
        for message in office.emu.bot_messages(chat):
            assert PHONE not in message.text, f"unmasked phone in chat {chat}"


async def test_unclaimed_emergency_is_alerted_again_and_reaches_the_street_at_30_minutes(
    office, resident, harness, clock
):
    clock.set(bj(23, 22, 40))
    number, _ = await report(office, resident, "家里燃气味很重，头有点晕")

    def repeats(chat) -> int:
        return sum("仍无人认领" in t and number in t for t in texts(office, chat))

    def breach(chat) -> int:
        return sum("超期督办" in t and number in t for t in texts(office, chat))

    clock.advance(minutes=9)
    await harness.tick()
    assert repeats(office.main_group) == 0
    clock.advance(minutes=2)  # 22:51
    await harness.tick()
    assert repeats(office.main_group) == 1 and repeats(office.street_group) == 1
    await harness.tick()
    assert repeats(office.main_group) == 1, "one repeat per interval, however often it sweeps"
    clock.set(bj(23, 23, 9))
    await harness.tick()
    assert breach(office.street_group) == 0
    clock.set(bj(23, 23, 11))  # the 30-minute respond limit has passed unclaimed
    await harness.tick()
    assert breach(office.street_group) == 1
    assert petition(harness, number).respond_step == 2


async def test_claiming_stops_the_repeats(office, resident, harness, clock):
    clock.set(bj(23, 22, 40))
    number, _ = await report(office, resident, "电梯困人了！3号楼电梯卡在两层中间")
    group, card = office.find_card(number)
    clock.advance(minutes=5)
    await office.press(office.staff, group, card.message_id, office.button(card, "认领"))
    for _ in range(2):
        clock.advance(minutes=10)
        await harness.tick()
    assert not any("仍无人认领" in t for t in texts(office, office.main_group))
    assert not any("仍无人认领" in t for t in texts(office, office.street_group))
    # Claimed is not contacted: the resident was promised a call within 30 minutes.
    await office.say(office.staff, group, "已联系电梯维保，10分钟内到，请按警铃等待",
                     reply_to=card.message_id)
    clock.advance(minutes=20)
    await harness.tick()
    assert "电梯维保" in office.last_text(resident.id)
    assert not any("超期督办" in t for t in texts(office, office.street_group))


@pytest.mark.parametrize(
    ("text", "advice", "number"),
    [
        ("电梯困人了，3号楼电梯卡住了", "不要扒门", "96333"),
        ("楼下老人摔倒了，起不来", "不要急于扶起", "120"),
        ("楼道里着火了，好多烟", "不要乘电梯", "119"),
        ("家里插座漏电，孩子被电了一下", "拉下电闸", "120"),
        ("楼上水管爆裂，水流到我家了", "关闭进户水阀", "水阀"),
    ],
)
async def test_each_hazard_gets_its_own_advice(office, resident, clock, text, advice, number):
    clock.set(bj(23, 22, 40))
    _, reply = await report(office, resident, text)
    assert advice in reply and number in reply
    assert reply.index(advice) < reply.index("紧急诉求")


async def test_a_routine_utilities_question_at_night_waits_for_the_office(
    office, resident, harness, clock
):
    clock.set(bj(23, 22, 0))
    number, reply = await report(office, resident, "没有漏气，就是灶打不着火，想问问怎么弄")
    stored = petition(harness, number)
    assert not stored.urgent and stored.category == "水电气暖"
    assert "11月24日 14:00" in reply, "4 office hours from Tuesday 08:30, not 02:00"
    assert "请立即拨打" not in reply
    assert not about(office, office.street_group, number)
    clock.set(bj(24, 2, 40))
    await harness.tick()
    assert not about(office, office.street_group, number), "nothing reaches the street overnight"
    assert not any("超期" in t or "临期" in t for t in texts(office, office.main_group))
    clock.set(bj(24, 13, 59))
    await harness.tick()
    assert not about(office, office.street_group, number)
    clock.set(bj(24, 14, 1))
    await harness.tick()
    assert any("超期督办" in t for t in about(office, office.street_group, number))


async def test_a_routine_petition_alerts_nobody(office, resident, harness, clock):
    before_admin = len(texts(office, office.admin.id))
    number, reply = await report(office, resident, "小区北门的路灯一直不亮")
    assert "请立即拨打" not in reply and "我们会尽快处理" in reply
    assert "非工作时间" not in reply, "Monday 09:00 is office time"
    assert not about(office, office.street_group, number)
    assert len(texts(office, office.admin.id)) == before_admin
    assert not any("紧急" in t for t in texts(office, office.main_group))
    clock.advance(minutes=30)
    await harness.tick()
    assert not about(office, office.street_group, number)


@pytest.fixture
def local_config(config, tmp_path):
    """红旗社区 with its own gas number and 张网格员 on duty."""
    org = config.reception.organisation.read_text(encoding="utf-8")
    org = org.replace('address = "新华路18号红旗社区党群服务中心一楼民愿接待室"\n',
                      'address = "新华路18号红旗社区党群服务中心一楼民愿接待室"\n'
                      'on_duty = ["张网格员"]\n'
                      'emergency_numbers = { gas = "96777", property = "6688-1234" }\n', 1)
    path = tmp_path / "org.toml"
    path.write_text(org, encoding="utf-8")
    return replace(config, reception=replace(config.reception, organisation=path))


async def test_a_communitys_numbers_and_duty_roster_come_from_org_toml(local_config, clock):
    from bot.harness import Harness
    from tests.office import open_office

    async with Harness(config=local_config, clock=clock) as harness:
        office = await open_office(harness)
        resident = office.emu.add_user(first_name="王芳", last_name=None)
        await office.say(resident, resident.id, "/start hongqi")
        clock.set(bj(23, 22, 40))
        before = {u.id: len(texts(office, u.id)) for u in (office.admin, office.staff)}
        number, reply = await report(office, resident, "厨房一股很浓的煤气味")
        assert "燃气抢修 96777" in reply and "物业值班 6688-1234" not in reply  # gas: no property
        main = [t for t in texts(office, office.main_group) if number in t]
        assert any("张网格员" in t for t in main)
        assert len(texts(office, office.staff.id)) == before[office.staff.id] + 1
        assert len(texts(office, office.admin.id)) == before[office.admin.id], "not on duty"
        clock.advance(timedelta(minutes=11))
        await harness.tick()
        assert any("仍无人认领" in t for t in texts(office, office.staff.id))
