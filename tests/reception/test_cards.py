"""What a petition looks like: the card, its buttons, the timeline, list lines, masking."""

from __future__ import annotations

import pytest

from reception import texts
from reception.petition.callback_data import CardAction, parse_card
from reception.petition.cards import (
    ACTION_LABELS,
    fmt_time,
    list_line,
    render_card,
    render_timeline,
    resident_label,
)
from reception.petition.events import Note
from reception.petition.states import Action, Status, status_label
from storage.db import transaction
from storage.models import Petition, Resident
from tests.clocks import BEIJING, bj
from tests.domain import (
    HANDLER_TG,
    HONGQI_GROUP,
    NORMAL_TEXT,
    STREET_GROUP,
    DomainOffice,
)

PHONE = "13912345678"


def card(office: DomainOffice, petition_id: int, chat_id: int = HONGQI_GROUP):
    with transaction(office.deps.engine) as session:
        return render_card(session, office.deps, session.get(Petition, petition_id),
                           chat_id=chat_id)


def actions(buttons) -> list[CardAction]:
    return [parse_card(data).action for row in buttons for _, data in row]


@pytest.mark.parametrize("kind", [*Action, *Note])
def test_every_timeline_event_has_a_label(kind):
    assert ACTION_LABELS[kind]


def test_the_card_masks_the_resident_and_the_text(office):
    petition = office.submit(f"{NORMAL_TEXT}，电话 {PHONE}")
    office.intake.set_phone(tg_user_id=9001, phone=PHONE, own=True)
    shown = card(office, petition.id).text
    assert PHONE not in shown
    assert "居民：王**（尾号5678）" in shown
    assert shown.startswith(f"📋 <b>{petition.number}</b> · ")
    assert f"状态：<b>{status_label(Status.SUBMITTED)}</b>" in shown


def test_buttons_follow_the_status_and_only_on_the_responsible_groups_card(office):
    petition = office.submit(NORMAL_TEXT)
    assert actions(card(office, petition.id).buttons) == [
        CardAction.CLAIM, CardAction.REASSIGN, CardAction.RETURN, CardAction.RESOLVE,
        CardAction.REJECT, CardAction.URGENT]
    supervisors = card(office, petition.id, chat_id=STREET_GROUP)
    assert supervisors.buttons == [] and texts.CARD_FOR_SUPERVISORS in supervisors.text
    office.desk.claim(tg_user_id=HANDLER_TG, petition_id=petition.id)
    assert CardAction.CLAIM not in actions(card(office, petition.id).buttons)
    office.desk.reject(tg_user_id=HANDLER_TG, number=petition.number, reason="重复")
    closed = card(office, petition.id)
    assert closed.buttons == [] and "驳回原因：重复" in closed.text


def test_the_timeline_lists_events_with_their_notes_masked(office):
    petition = office.submit(NORMAL_TEXT)
    office.desk.ask(tg_user_id=HANDLER_TG, number=petition.number, question=f"是 {PHONE} 吗？")
    with transaction(office.deps.engine) as session:
        timeline = render_timeline(session, office.deps, session.get(Petition, petition.id))
    lines = timeline.splitlines()
    assert lines[0] == texts.TIMELINE_HEAD
    assert lines[1] == "· 11月23日 09:00 提交诉求"
    assert lines[2].startswith("· 11月23日 09:00 请居民补充：是 ") and PHONE not in lines[2]


def test_a_list_line_masks_before_it_cuts(office):
    petition = Petition(number="MY-1", status=Status.CLAIMED, category="物业管理",
                        text="x" * 14 + PHONE + "，楼道灯坏了", urgent=True, overdue=True,
                        resolve_due=bj(2026, 12, 2, 9), community_code="hongqi",
                        street_code="xinhua", created_at=bj(2026, 11, 23),
                        last_message_at=bj(2026, 11, 23))
    line = list_line(petition, BEIJING)
    assert line.startswith("🔴⏰<b>MY-1</b> 物业管理 · 办理中 · 办结时限 12月2日 09:00\n　")
    assert "1391234" not in line


def test_resident_labels(office):
    petition = Petition(visitor_name=None, visitor_phone="13800001111")
    assert resident_label(None, petition, masked=True) == "来访群众（尾号1111）"
    assert resident_label(None, petition, masked=False) == "来访群众 13800001111"
    resident = Resident(tg_user_id=1, name="王芳", phone=PHONE, created_at=bj(2026, 11, 1))
    assert resident_label(resident, petition, masked=False) == f"王芳 {PHONE}"


def test_times_are_shown_in_the_office_timezone():
    assert fmt_time(bj(2026, 1, 5, 8, 30), BEIJING) == "1月5日 08:30"
    assert fmt_time(None, BEIJING) == "—"
