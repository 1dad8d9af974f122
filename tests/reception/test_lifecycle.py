"""Lifecycle.apply: what each action does to a petition, one action at a time.

Each case starts from a stored petition in a chosen status and says by hand what must hold
afterwards: the status, the version, which timestamps are now, which are emptied, the
handler, the timeline event and which chats' cards are asked to refresh. The expectations
are written out, not read from TRANSITIONS, so a wrong column in the table fails here.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from reception.clock import ManualClock
from reception.errors import InvalidTransition
from reception.handling.lifecycle import Lifecycle
from reception.petition import outbox
from reception.petition.events import Actor, Note
from reception.petition.states import Action, Status
from storage import queries
from storage.db import transaction
from storage.models import CardMessage, Petition, PetitionEvent
from tests.clocks import MONDAY_MORNING, bj
from tests.domain import DISTRICT_TG, HANDLER_TG, HONGQI_GROUP, STREET_GROUP, make_deps, seed_office

NOW = MONDAY_MORNING  # 2026-11-23 09:00 in Beijing
EARLIER = NOW - timedelta(hours=1)
S = Status


@pytest.fixture
def deps(tmp_path):
    deps = make_deps(f"sqlite:///{tmp_path / 'minyuan.db'}", ManualClock(NOW))
    seed_office(deps)
    yield deps
    deps.engine.dispose()


@pytest.fixture
def staff_id(deps) -> int:
    with transaction(deps.engine) as session:
        return queries.staff_by_tg(session, HANDLER_TG).id


def stored(deps, status: Status, *, card_in_street: bool = True, **fields) -> int:
    """A petition of 红旗社区 in ``status``, routed to the community group; its card stands in
    the street's group too (it was escalated) unless told otherwise."""
    values = dict(
        number=f"MY-20261123-{fields.pop('n', 1):04d}", status=status, community_code="hongqi",
        street_code="xinhua", grid_code="g1", category="物业管理", text="楼道灯坏了",
        group_chat_id=HONGQI_GROUP, created_at=EARLIER, last_message_at=EARLIER,
        resolve_started_at=EARLIER, respond_due=bj(2026, 11, 24, 9),
        resolve_due=bj(2026, 12, 2, 9), version=3,
    )
    values.update(fields)
    with transaction(deps.engine) as session:
        petition = Petition(**values)
        session.add(petition)
        session.flush()
        if card_in_street:
            session.add(CardMessage(petition_id=petition.id, chat_id=STREET_GROUP,
                                    message_id=900 + petition.id, created_at=EARLIER))
        return petition.id


def act(deps, petition_id: int, action: Action, actor: Actor, **kwargs):
    """Apply ``action``; return the petition after, its events and the chats of queued cards."""
    with transaction(deps.engine) as session:
        petition = session.get(Petition, petition_id)
        original = kwargs.pop("original_id", None)
        if original is not None:
            kwargs["original"] = session.get(Petition, original)
        Lifecycle(deps).apply(session, petition, action, actor=actor, **kwargs)
        cards = [(q.petition_id, q.chat_id) for q in outbox.queued(session) if q.kind == "card"]
    with transaction(deps.engine) as session:
        after = session.get(Petition, petition_id)
        events = list(queries.timeline(session, petition_id))
        session.expunge_all()
    return after, events, cards


def staff(staff_id: int) -> Actor:
    return Actor("staff", staff_id, "张网格员")


RESIDENT = Actor("resident", 1)
EVERYWHERE = sorted([HONGQI_GROUP, STREET_GROUP])  # every card sent, and the group's


def test_claim_takes_the_petition(deps, staff_id):
    pid = stored(deps, S.SUBMITTED)
    after, events, cards = act(deps, pid, Action.CLAIM, staff(staff_id))
    assert (after.status, after.version, after.handler_staff_id) == (S.CLAIMED, 4, staff_id)
    assert after.first_response_at is None  # claiming is not answering
    assert [(e.action, e.from_status, e.to_status) for e in events] == [("claim", "submitted",
                                                                         "claimed")]
    assert events[0].detail == {"actor_name": "张网格员"}
    assert cards == [(pid, chat) for chat in EVERYWHERE]


def test_reply_is_the_first_response_and_moves_nothing(deps, staff_id):
    pid = stored(deps, S.CLAIMED, handler_staff_id=staff_id)
    after, events, cards = act(deps, pid, Action.REPLY, staff(staff_id), text="马上来", kind="text")
    assert (after.status, after.version, after.first_response_at) == (S.CLAIMED, 3, NOW)
    assert [(e.action, e.from_status, e.to_status) for e in events] == [("reply", None, None)]
    assert events[0].detail["text"] == "马上来"
    assert cards == [(pid, chat) for chat in EVERYWHERE]


def test_a_later_reply_keeps_the_first_response(deps, staff_id):
    pid = stored(deps, S.CLAIMED, first_response_at=EARLIER)
    after, _, _ = act(deps, pid, Action.REPLY, staff(staff_id), text="再说一句", kind="text")
    assert after.first_response_at == EARLIER


def test_ask_pauses_the_clock_and_keeps_the_handler(deps, staff_id):
    with transaction(deps.engine) as session:
        colleague = queries.staff_by_tg(session, DISTRICT_TG).id
    pid = stored(deps, S.CLAIMED, handler_staff_id=colleague)
    after, events, _ = act(deps, pid, Action.ASK, staff(staff_id), text="几楼？")
    assert (after.status, after.version) == (S.WAITING, 4)
    assert (after.paused_at, after.first_response_at, after.handler_staff_id) == (
        NOW, NOW, colleague)
    assert (events[0].from_status, events[0].to_status) == ("claimed", "waiting")


def test_ask_on_an_unhandled_petition_makes_the_asker_its_handler(deps, staff_id):
    pid = stored(deps, S.SUBMITTED)
    after, _, _ = act(deps, pid, Action.ASK, staff(staff_id), text="几楼？")
    assert after.handler_staff_id == staff_id


def test_answer_resumes_the_clock_moving_the_deadlines_by_the_pause(deps):
    # Paused Monday 08:00 (before office hours open at 08:30) to 09:00: 30 minutes of office
    # time, so the resolve deadline (counted in working days) moves 30 minutes on.
    pid = stored(deps, S.WAITING, paused_at=bj(2026, 11, 23, 8), first_response_at=EARLIER,
                 resolve_due=bj(2026, 12, 2, 9))
    after, events, cards = act(deps, pid, Action.ANSWER, RESIDENT, text="5楼", kind="text")
    assert (after.status, after.version, after.paused_at) == (S.CLAIMED, 4, None)
    assert after.resolve_due == bj(2026, 12, 2, 9, 30)
    assert after.respond_due == bj(2026, 11, 24, 9)  # already responded: that clock is done
    assert after.last_message_at == NOW
    assert [(e.action, e.from_status, e.to_status) for e in events] == [("answer", "waiting",
                                                                         "claimed")]
    assert cards == [(pid, HONGQI_GROUP)]  # the resident's actions refresh the group's card


def test_append_keeps_the_status_and_refreshes_only_the_group_card(deps):
    pid = stored(deps, S.CLAIMED)
    after, events, cards = act(deps, pid, Action.APPEND, RESIDENT, text="还有", kind="text")
    assert (after.status, after.version, after.last_message_at) == (S.CLAIMED, 4, NOW)
    assert (events[0].from_status, events[0].to_status) == ("claimed", "claimed")
    assert cards == [(pid, HONGQI_GROUP)]


def test_reassign_releases_the_handler(deps, staff_id):
    pid = stored(deps, S.CLAIMED, handler_staff_id=staff_id)
    after, _, _ = act(deps, pid, Action.REASSIGN, staff(staff_id), target="「停车交通」分类")
    assert (after.status, after.version, after.handler_staff_id) == (S.SUBMITTED, 4, None)


def test_resolve_stamps_resolved_not_closed_and_unpauses(deps, staff_id):
    pid = stored(deps, S.WAITING, paused_at=EARLIER)
    after, events, _ = act(deps, pid, Action.RESOLVE, staff(staff_id), result="已修好")
    assert (after.status, after.version) == (S.RESOLVED, 4)
    assert (after.resolved_at, after.closed_at, after.paused_at) == (NOW, None, None)
    assert (after.first_response_at, after.handler_staff_id) == (NOW, staff_id)
    assert events[0].detail["result"] == "已修好"


def test_reject_closes_and_leaves_the_handler_alone(deps, staff_id):
    pid = stored(deps, S.WAITING, paused_at=EARLIER)
    after, events, _ = act(deps, pid, Action.REJECT, staff(staff_id), reason="不属于社区职责")
    assert (after.status, after.version, after.closed_at) == (S.REJECTED, 4, NOW)
    assert (after.paused_at, after.handler_staff_id, after.resolved_at) == (None, None, None)
    assert events[0].detail["reason"] == "不属于社区职责"


def test_merge_closes_the_duplicate_and_notes_the_original(deps, staff_id):
    original = stored(deps, S.CLAIMED, n=1, card_in_street=False)
    duplicate = stored(deps, S.SUBMITTED, n=2, card_in_street=False)
    after, events, cards = act(deps, duplicate, Action.MERGE, staff(staff_id),
                               original_id=original, target="MY-20261123-0001")
    assert (after.status, after.version, after.closed_at) == (S.MERGED, 4, NOW)
    assert after.merged_into_id == original
    assert [(e.action, e.to_status) for e in events] == [("merge", "merged")]
    with transaction(deps.engine) as session:
        target = session.get(Petition, original)
        noted = [(e.action, e.from_status, e.detail["text"])
                 for e in queries.timeline(session, original)]
        assert (target.status, target.version) == (S.CLAIMED, 3)
    assert noted == [("merge", None, "合并重复诉求 MY-20261123-0002")]
    assert cards == [(duplicate, HONGQI_GROUP), (original, HONGQI_GROUP)]


def test_merge_needs_the_original(deps, staff_id):
    pid = stored(deps, S.SUBMITTED)
    with pytest.raises(ValueError):
        act(deps, pid, Action.MERGE, staff(staff_id))


def test_cancel_closes_and_refreshes_the_group_card(deps):
    pid = stored(deps, S.SUBMITTED)
    after, _, cards = act(deps, pid, Action.CANCEL, RESIDENT)
    assert (after.status, after.version, after.closed_at) == (S.CANCELLED, 4, NOW)
    assert cards == [(pid, HONGQI_GROUP)]


def test_rate_closes_and_refreshes_the_cards_that_were_sent(deps):
    pid = stored(deps, S.RESOLVED, resolved_at=EARLIER)
    after, events, cards = act(deps, pid, Action.RATE, RESIDENT, rating="satisfied",
                               rating_label="满意")
    assert (after.status, after.version, after.closed_at, after.resolved_at) == (
        S.CLOSED, 4, NOW, EARLIER)
    assert events[0].detail == {"rating": "satisfied", "rating_label": "满意"}
    assert cards == [(pid, STREET_GROUP)]  # where a card stands; the group's was never sent


def test_reopen_starts_a_new_resolve_clock(deps):
    pid = stored(deps, S.CLOSED, resolved_at=EARLIER, closed_at=EARLIER, overdue=True,
                 resolve_step=2, reopen_count=1, first_response_at=EARLIER)
    after, events, cards = act(deps, pid, Action.REOPEN, RESIDENT)
    assert (after.status, after.version, after.reopen_count) == (S.REOPENED, 4, 2)
    assert (after.resolve_started_at, after.resolved_at, after.closed_at) == (NOW, None, None)
    assert (after.overdue, after.resolve_step) == (False, 0)
    # Seven working days from Monday 09:00 (after reopening: counted afresh).
    assert after.resolve_due == bj(2026, 12, 2, 9)
    assert after.resolve_remind_at is not None and NOW < after.resolve_remind_at < after.resolve_due
    assert (events[0].from_status, events[0].to_status) == ("closed", "reopened")
    assert cards == [(pid, STREET_GROUP)]


def test_mark_complex_gives_the_complex_limit_from_the_same_start(deps, staff_id):
    pid = stored(deps, S.CLAIMED, created_at=NOW, resolve_started_at=NOW, resolve_step=1)
    after, events, _ = act(deps, pid, Action.MARK_COMPLEX, staff(staff_id))
    assert (after.status, after.version, after.complex, after.resolve_step) == (
        S.CLAIMED, 4, True, 0)
    assert after.resolve_due == bj(2026, 12, 14, 9)  # 15 working days from Monday 23 Nov
    assert (events[0].from_status, events[0].to_status) == ("claimed", "claimed")


def test_mark_urgent_counts_the_urgent_limits_from_now_where_they_fall_sooner(deps, staff_id):
    pid = stored(deps, S.SUBMITTED, created_at=EARLIER)
    after, events, cards = act(deps, pid, Action.MARK_URGENT, staff(staff_id))
    assert (after.status, after.version, after.urgent) == (S.SUBMITTED, 4, True)
    urgent = deps.deadlines.deadlines(start=NOW, urgent=True, complex=False, category="物业管理")
    assert after.respond_due == urgent.respond_by < bj(2026, 11, 24, 9)  # from now, not created_at
    assert after.resolve_due == urgent.resolve_by
    assert EARLIER < after.respond_remind_at < after.respond_due
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("mark_urgent", "submitted", "submitted")]
    assert cards == [(pid, chat) for chat in EVERYWHERE]


def test_mark_urgent_never_moves_a_deadline_later(deps, staff_id):
    soon = NOW + timedelta(minutes=10)
    pid = stored(deps, S.CLAIMED, respond_due=soon, resolve_due=soon + timedelta(hours=1))
    after, _, _ = act(deps, pid, Action.MARK_URGENT, staff(staff_id))
    assert after.respond_due == soon and after.resolve_due == soon + timedelta(hours=1)


def test_mark_routine_puts_back_the_routine_limits_and_the_ladder(deps, staff_id):
    pid = stored(deps, S.SUBMITTED, created_at=NOW, resolve_started_at=NOW, urgent=True,
                 urgent_words=["煤气味"], respond_due=NOW + timedelta(minutes=30),
                 respond_step=2, overdue=True)
    after, events, _ = act(deps, pid, Action.MARK_ROUTINE, staff(staff_id), reason="已核实")
    assert (after.urgent, after.urgent_words, after.version) == (False, [], 4)
    assert after.respond_due == bj(2026, 11, 24, 9)  # 1 working day from Monday 09:00
    assert (after.respond_step, after.overdue) == (0, False)
    assert events[0].action == "mark_routine" and events[0].detail["reason"] == "已核实"


def test_submit_stores_the_new_petition_at_version_zero(deps):
    petition = Petition(number="MY-20261123-0009", community_code="hongqi",
                        street_code="xinhua", category="物业管理", text="楼道灯坏了",
                        group_chat_id=HONGQI_GROUP, created_at=NOW, last_message_at=NOW)
    with transaction(deps.engine) as session:
        Lifecycle(deps).apply(session, petition, Action.SUBMIT, actor=RESIDENT, channel="telegram")
        cards = [q.chat_id for q in outbox.queued(session) if q.kind == "card"]
        pid = petition.id
    with transaction(deps.engine) as session:
        stored_petition = session.get(Petition, pid)
        events = list(queries.timeline(session, pid))
        assert (stored_petition.status, stored_petition.version) == (S.SUBMITTED, 0)
    assert [(e.action, e.from_status, e.to_status) for e in events] == [("submit", None,
                                                                         "submitted")]
    assert cards == [HONGQI_GROUP]


def test_a_refused_action_changes_nothing(deps, staff_id):
    pid = stored(deps, S.CLOSED, closed_at=EARLIER)
    with pytest.raises(InvalidTransition, match="已办结"):
        act(deps, pid, Action.CLAIM, staff(staff_id))
    with transaction(deps.engine) as session:
        petition = session.get(Petition, pid)
        assert (petition.status, petition.version, petition.handler_staff_id) == (S.CLOSED, 3, None)
        assert session.exec(select(PetitionEvent)).all() == []


def test_a_note_records_and_moves_nothing(deps, staff_id):
    pid = stored(deps, S.CLAIMED)
    with transaction(deps.engine) as session:
        petition = session.get(Petition, pid)
        Lifecycle(deps).note(session, petition, Action.WALKIN, actor=staff(staff_id), text="登记")
        Lifecycle(deps).note(session, petition, Note.VIEW_CONTACT, actor=staff(staff_id))
        assert outbox.queued(session) == []
    with transaction(deps.engine) as session:
        petition = session.get(Petition, pid)
        assert (petition.status, petition.version) == (S.CLAIMED, 3)
        assert [e.action for e in queries.timeline(session, pid)] == ["walkin", "view_contact"]


# Fields a transition's row decides: only Lifecycle.apply assigns them (rows built in one
# piece, like a new Petition(...), are not assignments).
TABLE_FIELDS = {"status", "version", "closed_at", "resolved_at", "paused_at",
                "first_response_at", "handler_staff_id", "reopen_count", "merged_into_id",
                "resolve_started_at", "last_message_at"}


def test_only_the_lifecycle_sets_what_the_table_decides():
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "reception"
    found = []
    for path in sorted(root.rglob("*.py")):
        if path.name == "lifecycle.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = (node.targets if isinstance(node, ast.Assign)
                       else [node.target] if isinstance(node, ast.AugAssign) else [])
            for target in targets:
                for item in (target.elts if isinstance(target, ast.Tuple) else [target]):
                    if (isinstance(item, ast.Attribute) and item.attr in TABLE_FIELDS
                            and isinstance(item.value, ast.Name) and item.value.id != "row"):
                        found.append(f"{path.relative_to(root)}:{node.lineno} {item.value.id}."
                                     f"{item.attr}")
    assert found == []


def test_call_back_stamps_the_call_and_moves_nothing(deps, staff_id):
    pid = stored(deps, S.RESOLVED, resolved_at=EARLIER)
    after, events, cards = act(deps, pid, Action.CALL_BACK, staff(staff_id), outcome="basic",
                               outcome_label="基本满意")
    assert (after.status, after.version, after.callback_at) == (S.RESOLVED, 4, NOW)
    assert (after.resolved_at, after.closed_at) == (EARLIER, None)
    assert [(e.action, e.from_status, e.to_status) for e in events] == [("call_back", None, None)]
    assert events[0].detail["outcome"] == "basic"
    assert cards == [(pid, STREET_GROUP)]  # the cards already sent


def test_call_back_is_refused_while_the_petition_is_open(deps, staff_id):
    pid = stored(deps, S.CLAIMED)
    with pytest.raises(InvalidTransition, match="办理中"):
        act(deps, pid, Action.CALL_BACK, staff(staff_id), outcome="satisfied")
def test_return_releases_the_handler_and_keeps_the_clocks(deps, staff_id):
    pid = stored(deps, S.CLAIMED, handler_staff_id=staff_id)
    after, events, cards = act(deps, pid, Action.RETURN, staff(staff_id), reason="不归我们")
    assert (after.status, after.version, after.handler_staff_id) == (S.SUBMITTED, 4, None)
    assert after.resolve_due == bj(2026, 12, 2, 9), "the resident's clock keeps running"
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("return", "claimed", "submitted")]
    assert cards == [(pid, chat) for chat in EVERYWHERE]


def test_waiting_cannot_be_returned_or_extended(deps, staff_id):
    pid = stored(deps, S.WAITING, paused_at=EARLIER)
    for action in (Action.RETURN, Action.EXTEND):
        with pytest.raises(InvalidTransition, match="待居民补充"):
            act(deps, pid, action, staff(staff_id))


def test_uphold_and_refer_stay_in_place(deps, staff_id):
    pid = stored(deps, S.SUBMITTED)
    after, _, _ = act(deps, pid, Action.UPHOLD, staff(staff_id))
    assert (after.status, after.version, after.handler_staff_id) == (S.SUBMITTED, 4, None)
    after, events, _ = act(deps, pid, Action.REFER, staff(staff_id), target="供电公司")
    assert (after.status, after.version, after.handler_staff_id) == (S.SUBMITTED, 5, staff_id)
    assert after.first_response_at == NOW, "telling the resident it was referred is a response"
    assert events[-1].action == "refer" and events[-1].detail["target"] == "供电公司"


def test_an_approved_extension_moves_the_resolve_deadline_and_restarts_the_ladder(deps, staff_id):
    pid = stored(deps, S.CLAIMED, created_at=NOW, resolve_started_at=NOW, resolve_step=1,
                 first_response_at=NOW)
    after, events, _ = act(deps, pid, Action.EXTEND_APPROVE, staff(staff_id), extend_by=5, days=5)
    assert after.resolve_due == bj(2026, 12, 9, 9)  # five working days after 2 December
    assert (after.status, after.version, after.resolve_step, after.overdue) == (S.CLAIMED, 4, 0, False)
    assert NOW < after.resolve_remind_at < after.resolve_due
    assert (events[0].from_status, events[0].to_status) == ("claimed", "claimed")
    with pytest.raises(ValueError, match="working days"):
        act(deps, pid, Action.EXTEND_APPROVE, staff(staff_id))


def test_an_extension_request_and_a_department_done_record_no_statuses(deps, staff_id):
    pid = stored(deps, S.CLAIMED)
    after, events, _ = act(deps, pid, Action.EXTEND, staff(staff_id), days=3)
    assert (after.status, after.resolve_due) == (S.CLAIMED, bj(2026, 12, 2, 9))
    after, events, _ = act(deps, pid, Action.REFERRAL_DONE, Actor("department", None, "供电公司"))
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("extend", None, None), ("referral_done", None, None)]
    assert events[1].actor_kind == "department"
