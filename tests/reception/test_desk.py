"""The staff side, called directly: claim, refusals, resolve, reject, merge, walk-ins, prompts.

Real services on a fresh SQLite file (tests/domain.py); what residents, groups and the
handler are sent is read from the outbox.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from reception import texts
from reception.errors import InvalidInput, InvalidTransition, NotAllowed
from reception.petition.states import Status
from storage import queries
from storage.db import transaction
from tests.clocks import bj
from tests.domain import (
    HANDLER_TG,
    HONGQI_GROUP,
    NORMAL_TEXT,
    QINGNIAN_TG,
    RESIDENT_TG,
    DomainOffice,
)

PHONE = "13912345678"


@pytest.fixture
def petition(office):
    office.intake.choose_community(tg_user_id=RESIDENT_TG, name="王阿姨", username="",
                                   code="hongqi")
    office.intake.set_phone(tg_user_id=RESIDENT_TG, phone=f"+86{PHONE}", own=True)
    return office.submit(NORMAL_TEXT)


def messages_to(office: DomainOffice, chat_id: int, since: int = 0):
    return [row.payload for row in office.outbox(chat_id=chat_id, since_id=since)
            if row.kind == "message"]


def test_claim_makes_the_handler_and_sends_them_the_contact_privately(office, petition):
    since = office.last_outbox_id()
    answer = office.desk.claim(tg_user_id=HANDLER_TG, petition_id=petition.id)
    assert answer == texts.CLAIMED_BY_YOU.format(number=petition.number)
    after = office.petition(petition.id)
    with transaction(office.deps.engine) as session:
        handler = queries.staff_by_tg(session, HANDLER_TG)
    assert (after.status, after.handler_staff_id) == (Status.CLAIMED, handler.id)
    [contact] = messages_to(office, HANDLER_TG, since)
    assert PHONE in contact["text"]  # unmasked, and only in the handler's private chat
    assert all(PHONE not in m["text"] for m in messages_to(office, HONGQI_GROUP))
    assert messages_to(office, RESIDENT_TG, since)[-1]["text"] == texts.CLAIMED_TO_RESIDENT.format(
        number=petition.number)


def test_a_second_claim_says_who_has_it(office, petition):
    office.desk.claim(tg_user_id=HANDLER_TG, petition_id=petition.id)
    again = office.desk.claim(tg_user_id=HANDLER_TG, petition_id=petition.id)
    assert again == texts.ALREADY_CLAIMED.format(name="张网格员")


@pytest.mark.parametrize(("tg_user_id", "refusal"), [
    (RESIDENT_TG, texts.NOT_STAFF),  # not registered staff
    (QINGNIAN_TG, texts.NOT_IN_SCOPE),  # staff of another community
])
def test_who_may_not_act_is_refused_and_nothing_changes(office, petition, tg_user_id, refusal):
    since = office.last_outbox_id()
    with pytest.raises(NotAllowed) as refused:
        office.desk.claim(tg_user_id=tg_user_id, petition_id=petition.id)
    assert str(refused.value) == refusal
    assert office.petition(petition.id).status == Status.SUBMITTED
    assert office.outbox(since_id=since) == []


def test_resolve_asks_the_resident_to_rate(office, petition):
    with pytest.raises(InvalidInput):
        office.desk.resolve(tg_user_id=HANDLER_TG, number=petition.number, result="  ")
    office.desk.resolve(tg_user_id=HANDLER_TG, number=petition.number, result="已更换门禁")
    after = office.petition(petition.id)
    assert (after.status, after.result) == (Status.RESOLVED, "已更换门禁")
    told = messages_to(office, RESIDENT_TG)[-1]
    assert "已更换门禁" in told["text"]
    assert [label for label, _ in told["buttons"][0]] == ["满意", "基本满意", "不满意"]


def test_reject_tells_the_resident_why(office, petition):
    office.desk.reject(tg_user_id=HANDLER_TG, number=petition.number, reason="属于物业合同纠纷")
    after = office.petition(petition.id)
    assert (after.status, after.reject_reason) == (Status.REJECTED, "属于物业合同纠纷")
    assert "属于物业合同纠纷" in messages_to(office, RESIDENT_TG)[-1]["text"]
    with pytest.raises(InvalidTransition):
        office.desk.resolve(tg_user_id=HANDLER_TG, number=petition.number, result="再办")


def test_a_prompt_then_a_plain_message_resolves(office, petition):
    office.desk.prompt(tg_user_id=HANDLER_TG, chat_id=HONGQI_GROUP, petition_id=petition.id,
                       kind="resolve")
    answer = office.desk.take_draft(tg_user_id=HANDLER_TG, chat_id=HONGQI_GROUP, text="修好了")
    assert answer == texts.RESOLVED_OK.format(number=petition.number)
    assert office.desk.take_draft(tg_user_id=HANDLER_TG, chat_id=HONGQI_GROUP, text="闲聊") is None


def test_merge_refuses_itself_and_a_closed_original(office, petition):
    office.clock.advance(timedelta(minutes=5))
    other = office.submit("小区路灯不亮了")
    with pytest.raises(InvalidInput, match=texts.MERGE_SELF):
        office.desk.merge(tg_user_id=HANDLER_TG, duplicate=petition.number, into=petition.number)
    office.desk.reject(tg_user_id=HANDLER_TG, number=other.number, reason="重复")
    with pytest.raises(InvalidInput, match="已不在办理中"):
        office.desk.merge(tg_user_id=HANDLER_TG, duplicate=petition.number, into=other.number)


def test_a_merged_duplicates_resident_hears_the_originals_result(office, petition):
    office.clock.advance(timedelta(minutes=5))
    duplicate = office.submit(NORMAL_TEXT, resident_tg=9002)
    office.desk.merge(tg_user_id=HANDLER_TG, duplicate=duplicate.number, into=petition.number)
    assert office.petition(duplicate.id).merged_into_id == petition.id
    office.desk.resolve(tg_user_id=HANDLER_TG, number=petition.number, result="已更换门禁")
    assert messages_to(office, 9002)[-1]["text"] == texts.RESOLVED_TO_FOLLOWER.format(
        number=petition.number, result="已更换门禁")


def test_a_phone_call_is_registered_with_the_callers_number(office):
    answer = office.desk.walkin(tg_user_id=HANDLER_TG, chat_id=HONGQI_GROUP,
                                text="电话：3号楼楼道灯坏了，来电人 13800001111")
    number = answer.split("MY-")[1][:13]
    with transaction(office.deps.engine) as session:
        petition = queries.petition_by_number(session, f"MY-{number}")
        events = [(e.action, e.actor_kind) for e in queries.timeline(session, petition.id)]
    assert (petition.channel, petition.visitor_phone, petition.resident_id) == (
        "phone", "13800001111", None)
    assert events == [("submit", "staff"), ("walkin", "staff")]


def test_a_walkin_needs_a_community_group(office):
    with pytest.raises(NotAllowed):  # the handler's private chat names no single community
        office.desk.walkin(tg_user_id=HANDLER_TG, chat_id=-100_9999, text="来访：楼道灯坏了")


def test_marking_complex_moves_the_resolve_deadline_to_fifteen_working_days(office, petition):
    office.desk.mark_complex(tg_user_id=HANDLER_TG, number=petition.number)
    after = office.petition(petition.id)
    assert after.complex and after.resolve_due == bj(2026, 12, 14, 9)
