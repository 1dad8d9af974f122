"""The knowledge base answers common questions at once; only 仍需人工处理 files a petition.
Staff reply to a card with a saved template (/tpl)."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.models import KnowledgeQuestion, Petition
from tests.e2e.test_petition_loop import NUMBER, events, submit


def stored(harness, model):
    with Session(harness.services.deps.engine) as session:
        return list(session.exec(select(model)))


async def test_a_matching_question_is_answered_at_once_and_kept(office, resident, harness, clock):
    await office.say(resident, resident.id, "请问开居住证明需要什么材料？")
    answer = office.emu.last_bot_message(resident.id)
    assert "居民身份证原件" in answer.text and "已受理" not in answer.text
    assert stored(harness, Petition) == []
    [question] = stored(harness, KnowledgeQuestion)
    assert (question.answer_code, question.outcome) == ("residence_certificate", "pending")

    # Another resident cannot press it (with the button's data forged in their own chat).
    other = office.emu.add_user(first_name="陈先生")
    await office.say(other, other.id, "/start hongqi")
    welcome = office.emu.last_bot_message(other.id)
    refused = await office.press_forged(other, other.id, welcome.message_id,
                                        office.button(answer, "已解决"))
    assert "其他居民" in refused["text"]
    assert stored(harness, KnowledgeQuestion)[0].outcome == "pending"
    # The resident's 已解决 closes it.
    await office.press(resident, resident.id, answer.message_id, office.button(answer, "已解决"))
    assert "很高兴帮到您" in office.last_text(resident.id)
    assert stored(harness, KnowledgeQuestion)[0].outcome == "solved"
    assert stored(harness, Petition) == []

    clock.advance(days=7)
    digest = harness.services.digests.weekly(scope_kind="community", scope_code="hongqi")
    assert "知识库即时答复 1 条咨询：已解决 1 · 转人工 0 · 未确认 0" in digest.text


async def test_still_needs_a_person_files_the_kept_question(office, resident, harness):
    await office.say(resident, resident.id, "低保申请条件是什么")
    answer = office.emu.last_bot_message(resident.id)
    assert "最低生活保障" in answer.text
    await office.press(resident, resident.id, answer.message_id, office.button(answer, "仍需人工处理"))
    confirmation = office.last_text(resident.id)
    assert "已受理" in confirmation
    number = NUMBER.search(confirmation).group(0)
    assert "低保申请条件" in office.card(office.main_group.id, number).text
    assert events(harness, number) == ["submit", "knowledge"]
    question = stored(harness, KnowledgeQuestion)[0]
    assert question.outcome == "filed" and question.petition_id is not None
    # The old buttons are gone; a press from another client is answered, nothing filed twice.
    assert answer.buttons == []
    again = await office.press_forged(resident, resident.id, answer.message_id,
                                      f"k:{question.id}:file")
    assert "已经处理过" in again["text"]
    assert len(stored(harness, Petition)) == 1


async def test_complaints_and_urgent_messages_are_never_answered_from_the_book(office, resident):
    await submit(office, resident, "我要投诉，低保申请被拒绝了，也不说明理由")
    office.harness.clock.advance(minutes=5)  # past the merge window: a message of its own
    await submit(office, resident, "社区几点上班？楼道里有很大的燃气味")
    long_story = "请问居住证明需要什么材料？" + "我去年搬来，房东一直不配合，" * 10
    office.harness.clock.advance(minutes=5)
    await submit(office, resident, long_story)  # a story, not a short question


async def test_staff_reply_with_a_template(office, resident):
    group = office.main_group.id
    number = await submit(office, resident, "3号楼门口垃圾桶满了好几天没人清")
    await office.say(office.staff, group, "/tpl")
    listing = office.last_text(group)
    assert "received" in listing and "visit" in listing
    card = office.card(group, number)
    await office.say(office.staff, group, "/tpl visit", reply_to=card.message_id)
    assert "已安排工作人员上门查看" in office.last_text(resident.id)
    assert "办理中" in office.card(group, number).text  # a reply claims it, as any reply does

    await office.say(office.staff, group, "/tpl nosuch", reply_to=card.message_id)
    assert "没有名为「nosuch」" in office.last_text(group)
    await office.say(office.staff, group, "/tpl received")
    assert "请回复（引用）一张诉求卡片" in office.last_text(group)
    before = len(office.emu.bot_messages(resident.id))
    await office.say(office.outsider, group, "/tpl received", reply_to=card.message_id)
    assert len(office.emu.bot_messages(resident.id)) == before  # not staff: nothing sent


async def test_an_edited_question_is_filed_with_its_new_words(office, resident, harness):
    message = office.emu.send_text(resident, resident.id, "低保申请条件是什么")
    await office.harness.settle()
    answer = office.emu.last_bot_message(resident.id)
    office.emu.edit_text(resident, resident.id, message.message_id,
                         "低保申请条件是什么？我家去年收入下降了，能不能申请")
    await office.harness.settle()
    await office.press(resident, resident.id, answer.message_id, office.button(answer, "仍需人工处理"))
    number = NUMBER.search(office.last_text(resident.id)).group(0)
    assert "去年收入下降" in office.card(office.main_group.id, number).text
