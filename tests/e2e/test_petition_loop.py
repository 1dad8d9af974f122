"""The whole loop: resident -> card -> claim -> reply -> resolve -> rating -> reopen."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from bot.cli import main
from bot.config import load_config
from nlp import Analyzer
from storage.models import Petition, PetitionEvent

NUMBER = re.compile(r"MY-\d{8}-\d{4}")


def petitions(harness) -> list[Petition]:
    with Session(harness.services.deps.engine) as session:
        return list(session.exec(select(Petition)))


def events(harness, number: str) -> list[str]:
    with Session(harness.services.deps.engine) as session:
        petition = session.exec(select(Petition).where(Petition.number == number)).one()
        rows = session.exec(select(PetitionEvent).where(PetitionEvent.petition_id == petition.id)
                            .order_by(PetitionEvent.id))
        return [row.action for row in rows]


async def submit(office, resident, text: str) -> str:
    await office.say(resident, resident.id, text)
    confirmation = office.last_text(resident.id)
    assert "已受理" in confirmation, confirmation
    return NUMBER.search(confirmation).group(0)


async def test_welcome_from_qr_deep_link_names_the_community(office, resident):
    texts = [m.text for m in office.emu.bot_messages(resident.id)]
    assert any("红旗社区" in t and "欢迎" in t for t in texts)


async def test_start_without_code_offers_communities_and_keeps_early_message(office):
    newcomer = office.emu.add_user(first_name="陈先生")
    await office.say(newcomer, newcomer.id, "小区门口垃圾没人清理，已经三天了")
    prompt = office.emu.last_bot_message(newcomer.id)
    assert "暂存" in prompt.text
    await office.press(newcomer, newcomer.id, prompt.message_id, office.button(prompt, "红旗社区"))
    confirmations = [m.text for m in office.emu.bot_messages(newcomer.id) if "已受理" in m.text]
    assert len(confirmations) == 1
    number = NUMBER.search(confirmations[0]).group(0)
    assert "垃圾" in office.card(office.main_group.id, number).text


async def test_full_loop_with_reopen(office, resident, harness):
    emu, group = office.emu, office.main_group.id
    number = await submit(office, resident, "3号楼2单元501 楼上漏水严重，天花板一直滴水")
    confirmation = office.last_text(resident.id)
    assert "承诺响应时间" in confirmation and "承诺办结时间" in confirmation

    card = office.card(group, number)
    assert "3号楼2单元501" in card.text and "关键词" in card.text and "王*" in card.text
    assert "待受理" in card.text

    answer = await office.press(office.staff, group, card.message_id, office.button(card, "认领"))
    assert number in answer["text"]
    card = office.card(group, number)
    assert "办理中" in card.text and "张网格员" in card.text
    assert any(number in m.text for m in emu.bot_messages(office.staff.id)), "contact details sent privately"

    await office.say(office.staff, group, "您好，明天上午9点维修师傅上门查看。", reply_to=card.message_id)
    reply = office.last_text(resident.id)
    assert "红旗社区民愿接待室" in reply and "明天上午9点" in reply

    await office.press(office.staff, group, card.message_id, office.button(card, "办结"))
    assert "办理结果" in office.last_text(group)
    await office.say(office.staff, group, "已更换楼上渗漏的水管，天花板不再滴水。")
    rating_prompt = emu.last_bot_message(resident.id)
    assert "已办结" in rating_prompt.text and "更换" in rating_prompt.text
    assert "已办结" in office.card(group, number).text

    await office.press(resident, resident.id, rating_prompt.message_id,
                       office.button(rating_prompt, "不满意"))
    assert "重新交办" in office.last_text(resident.id)
    card = office.card(group, number)
    assert "重新办理" in card.text

    await office.say(office.staff, group, f"/resolve {number} 已请物业彻底检修，复查无渗漏。")
    rating_prompt = emu.last_bot_message(resident.id)
    await office.press(resident, resident.id, rating_prompt.message_id,
                       office.button(rating_prompt, "满意"))
    assert "感谢您的评价" in office.last_text(resident.id)
    assert "居民评价：满意" in office.card(group, number).text
    assert events(harness, number) == [
        "submit", "claim", "reply", "resolve", "rate", "reopen", "resolve", "rate"]


async def test_messages_within_the_window_make_one_petition(office, resident, clock):
    number = await submit(office, resident, "小区东门路灯坏了")
    clock.advance(seconds=30)
    await office.say(resident, resident.id, "晚上很黑，老人走路不安全")
    assert "已补充到诉求" in office.last_text(resident.id)
    clock.advance(minutes=5)
    second = await submit(office, resident, "另外小区南门的井盖松动了，踩上去会晃")
    assert second != number
    assert len(petitions(office.harness)) == 2
    assert "老人走路不安全" in office.card(office.main_group.id, number).text


async def test_photo_location_and_voice_become_petition_attachments(office, resident):
    emu = office.emu
    emu.send_photo(resident, resident.id, caption="楼道堆满杂物，堵住消防通道")
    await office.harness.settle()
    number = NUMBER.search(office.last_text(resident.id)).group(0)
    emu.send_location(resident, resident.id, 39.91, 116.40)
    emu.send_voice(resident, resident.id)
    await office.harness.settle()
    group, card = office.find_card(number)
    assert "图片 1" in card.text and "位置 1" in card.text and "语音 1" in card.text
    kinds = [m.kind for m in emu.bot_messages(group)]
    assert {"photo", "location", "voice"} <= set(kinds)


async def test_parking_goes_to_the_parking_group(office, resident):
    number = await submit(office, resident, "小区车位被外来车辆长期占用，晚上回来没地方停车")
    assert office.card(office.parking_group.id, number)
    assert not any(m.text.startswith(f"📋 {number}")
                   for m in office.emu.bot_messages(office.main_group.id))


async def test_reassign_to_another_category_moves_the_card_and_records_a_correction(office, resident):
    group = office.main_group.id
    number = await submit(office, resident, "楼下饭店油烟太大，窗户都不敢开")
    card = office.card(group, number)
    await office.press(office.staff, group, card.message_id, office.button(card, "转派"))
    choices = office.emu.last_bot_message(group)
    await office.press(office.staff, group, choices.message_id, office.button(choices, "停车交通"))
    assert office.card(office.parking_group.id, number)
    assert "转派" in office.card(group, number).text or "仅供" in office.card(group, number).text
    assert "转交" in office.last_text(resident.id)
    from storage.corrections import list_corrections

    with Session(office.harness.services.deps.engine) as session:
        assert list_corrections(session)[-1][1] == "停车交通"


async def test_the_office_corrections_feed_the_next_learned_rules(office, resident, tmp_path):
    """Staff reassign; `minyuan nlp learn --with-corrections` reads it from the bot's database."""
    group = office.main_group.id
    text = "楼下饭店油烟太大，窗户都不敢开"
    number = await submit(office, resident, text)
    card = office.card(group, number)
    await office.press(office.staff, group, card.message_id, office.button(card, "转派"))
    choices = office.emu.last_bot_message(group)
    await office.press(office.staff, group, choices.message_id, office.button(choices, "停车交通"))

    data = tmp_path / "labelled.csv"
    rows = [f"垃圾桶满了没人清理，第{i}次反映" for i in range(4)]
    rows += [f"楼上装修噪音太吵，第{i}次反映" for i in range(4)]
    labels = ["环境卫生"] * 4 + ["噪音扰民"] * 4
    data.write_text("text,label\n" + "".join(f"{t},{label}\n" for t, label in zip(rows, labels, strict=True)),
                    encoding="utf-8")
    shipped = load_config()
    config = tmp_path / "cli.toml"
    config.write_text(
        shipped.path.read_text(encoding="utf-8")
        .replace('url = "sqlite:///minyuan.db"', f'url = "{office.harness.config.database.url}"')
        .replace('organisation = "org.toml"', f'organisation = "{shipped.reception.organisation}"'),
        encoding="utf-8")
    out = tmp_path / "learned.toml"
    argv = ["--config", str(config), "nlp", "learn", "--data", str(data), "--out", str(out),
            "--with-corrections", "--min-df", "1"]
    assert main(argv) == 0
    learned = Analyzer.load(out)
    assert "停车交通" in learned.categories  # a category only the correction taught
    assert learned.classify(text).category == "停车交通"
    assert learned.classify("垃圾桶满了").category == "环境卫生"


async def test_reject_tells_the_resident_the_reason(office, resident):
    number = await submit(office, resident, "请帮我查一下隔壁小区的房价")
    await office.say(office.staff, office.main_group.id, f"/reject {number} 不属于社区受理范围，请咨询房产中介")
    assert "房产中介" in office.last_text(resident.id)
    assert "已驳回" in office.card(office.main_group.id, number).text


async def test_merge_tells_the_duplicate_resident_and_they_follow_the_original(office, resident):
    neighbour = office.emu.add_user(first_name="刘大爷")
    await office.say(neighbour, neighbour.id, "/start hongqi")
    original = await submit(office, resident, "5号楼电梯坏了三天没人修")
    duplicate = await submit(office, neighbour, "5号楼的电梯坏了好几天了，没人来修")
    dup_card = office.card(office.main_group.id, duplicate)
    assert f"合并到 {original}" in str(dup_card.buttons)
    await office.say(office.staff, office.main_group.id, f"/merge {duplicate} {original}")
    assert "合并办理" in office.last_text(neighbour.id)
    await office.say(office.staff, office.main_group.id, f"/resolve {original} 电梯已修复并通过检测")
    assert "电梯已修复" in office.last_text(neighbour.id)
    assert "电梯已修复" in office.last_text(resident.id)


async def test_cancel_only_before_anyone_handles_it(office, resident):
    first = await submit(office, resident, "楼道灯不亮")
    await office.say(resident, resident.id, f"/cancel {first}")
    assert "已撤回" in office.last_text(resident.id)
    office.harness.clock.advance(minutes=5)
    second = await submit(office, resident, "垃圾桶满了没人清")
    card = office.card(office.main_group.id, second)
    await office.press(office.staff, office.main_group.id, card.message_id, office.button(card, "认领"))
    await office.say(resident, resident.id, f"/cancel {second}")
    assert "无法撤回" in office.last_text(resident.id)


async def test_my_and_status_show_only_own_petitions(office, resident):
    number = await submit(office, resident, "社区能不能组织老年人体检")
    other = office.emu.add_user(first_name="周女士")
    await office.say(other, other.id, "/start hongqi")
    await office.say(other, other.id, f"/status {number}")
    assert "没有找到" in office.last_text(other.id)
    await office.say(resident, resident.id, "/my")
    assert number in office.last_text(resident.id)
    await office.say(resident, resident.id, f"/status {number}")
    status = office.last_text(resident.id)
    assert "办理记录" in status and "提交诉求" in status


async def test_walkin_registers_into_the_same_register(office):
    await office.say(office.staff, office.main_group.id,
                     "/walkin 张大爷来访，8号楼3单元楼道灯坏了一个月，电话13800001111")
    answer = office.last_text(office.main_group.id)
    number = NUMBER.search(answer).group(0)
    card = office.card(office.main_group.id, number)
    assert "来访登记" in card.text and "13800001111" not in card.text
