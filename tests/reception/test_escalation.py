"""The 督办 sweep on real 2026 dates: each ladder step once, at its instant, in order.

2026 calendar facts (see test_workdays.py): Mid-Autumn is off Fri 25 - Sun 27 Sep;
National Day is off Thu 1 - Wed 7 Oct; Sat 10 Oct is a 调休 make-up workday. Office hours
are 08:30-12:00 and 13:30-17:30, 7.5 hours a day, so 75% of one working day is 5h37m30s of
office time. Limits: normal 1 wd / 7 wd, urgent 2 h / 24 h; second escalation 24 h.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col

from reception.clock import ManualClock
from reception.errors import NotAllowed
from reception.petition.states import Status
from reception.supervision import escalation
from storage.db import transaction
from storage.models import Petition
from tests.clocks import bj
from tests.domain import (
    DISTRICT_GROUP,
    HANDLER_TG,
    HONGQI_GROUP,
    NORMAL_TEXT,
    QINGNIAN_GROUP,
    QINGNIAN_TG,
    RESIDENT_TG,
    STREET_GROUP,
    SUPERVISOR_TG,
    URGENT_TEXT,
    DomainOffice,
    make_deps,
    seeded,
)

DELAY = timedelta(hours=24)
SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class Case:
    received: datetime
    text: str
    respond_remind: datetime
    respond_due: datetime
    resolve_remind: datetime
    resolve_due: datetime

    def steps(self) -> list[tuple[datetime, str, str]]:
        """Every ladder step with the instant it falls due, in order."""
        return sorted([
            (self.respond_remind, "respond", "remind"),
            (self.respond_due, "respond", "overdue"),
            (self.respond_due + DELAY, "respond", "escalate"),
            (self.resolve_remind, "resolve", "remind"),
            (self.resolve_due, "resolve", "overdue"),
            (self.resolve_due + DELAY, "resolve", "escalate"),
        ])


CASES = {
    # National Day week is off; the 7th working day after it counts Sat 10 Oct (调休).
    "across-national-day": Case(
        bj(2026, 9, 30, 10), NORMAL_TEXT,
        bj(2026, 9, 30, 17, 7, 30), bj(2026, 10, 8, 10),
        bj(2026, 10, 13, 11, 52, 30), bj(2026, 10, 15, 10),
    ),
    # Mid-Autumn is off; the resolve reminder falls on the 调休 Saturday morning.
    "across-mid-autumn": Case(
        bj(2026, 9, 24, 16), NORMAL_TEXT,
        bj(2026, 9, 28, 14, 7, 30), bj(2026, 9, 28, 16),
        bj(2026, 10, 10, 8, 52, 30), bj(2026, 10, 12, 16),
    ),
    # Friday evening: both clocks count from Monday 08:30; the weekend costs nothing.
    "friday-evening": Case(
        bj(2026, 10, 16, 18), NORMAL_TEXT,
        bj(2026, 10, 19, 15, 37, 30), bj(2026, 10, 20, 8, 30),
        bj(2026, 10, 26, 10, 22, 30), bj(2026, 10, 28, 8, 30),
    ),
    # The day before the 调休 Saturday: respond is due on Saturday itself.
    "before-tiaoxiu-saturday": Case(
        bj(2026, 10, 9, 10), NORMAL_TEXT,
        bj(2026, 10, 9, 17, 7, 30), bj(2026, 10, 10, 10),
        bj(2026, 10, 15, 11, 52, 30), bj(2026, 10, 19, 10),
    ),
    # Urgent: clock hours, around the clock, on a holiday night.
    "urgent-on-a-holiday-night": Case(
        bj(2026, 10, 3, 23, 15), URGENT_TEXT,
        bj(2026, 10, 4, 0, 45), bj(2026, 10, 4, 1, 15),
        bj(2026, 10, 4, 17, 15), bj(2026, 10, 4, 23, 15),
    ),
}


@pytest.fixture
def office(tmp_path):
    with seeded(tmp_path, bj(2026, 9, 1, 9)) as office:
        yield office


def submit_at(office: DomainOffice, when: datetime, text: str = NORMAL_TEXT, **kwargs):
    office.clock.set(when)
    return office.submit(text, **kwargs)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_deadlines_and_reminder_instants(office, case):
    petition = submit_at(office, case.received, case.text)

    tier = "urgent" if case.text == URGENT_TEXT else "normal"
    policy = office.deps.deadlines.policy
    limits = policy.limits_for(urgent=petition.urgent, complex=False, category=petition.category)
    assert limits == policy.tiers[tier], f"classified {petition.category}, expected {tier}"
    assert (petition.respond_remind_at, petition.respond_due) == (
        case.respond_remind, case.respond_due)
    assert (petition.resolve_remind_at, petition.resolve_due) == (
        case.resolve_remind, case.resolve_due)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_each_step_fires_once_at_its_instant(office, case):
    petition = submit_at(office, case.received, case.text)
    steps = case.steps()
    instants = {when for when, _, _ in steps} | {when - SECOND for when, _, _ in steps}
    every_six_hours = case.received
    while every_six_hours < steps[-1][0] + timedelta(days=2):
        instants.add(every_six_hours)
        every_six_hours += timedelta(hours=6)

    for now in sorted(instants):
        office.sweep_at(now)
        expected = [(clock, action) for when, clock, action in steps if when <= now]
        assert office.ladder(petition.id) == expected, f"after sweeping at {now}"

    events = office.ladder_events(petition.id)
    assert [event.at for event in events] == [when for when, _, _ in steps]
    assert {event.actor_kind for event in events} == {"system"}
    assert office.petition(petition.id).overdue


def test_each_step_queues_its_messages_and_cards_once(office):
    petition = submit_at(office, bj(2026, 9, 30, 10))
    office.clock.set(bj(2026, 9, 30, 10, 30))
    office.respond(petition.id)  # the handler claims it by replying: the respond clock stops
    mention = f'<a href="tg://user?id={HANDLER_TG}">张网格员</a>'

    mark = office.last_outbox_id()
    [first, again] = office.sweep_at(bj(2026, 10, 13, 11, 52, 30))
    assert (first.reminded, again.reminded, again.steps) == (1, 0, 0)
    assert office.outbox_counts(since_id=mark) == {
        (HONGQI_GROUP, "message"): 1, (HONGQI_GROUP, "card"): 1}
    [reminder] = office.outbox(since_id=mark, kind="message")
    assert petition.number in reminder.payload["text"]
    assert mention in reminder.payload["text"]
    assert reminder.payload["in_thread_of"] == petition.id

    mark = office.last_outbox_id()
    [first, again] = office.sweep_at(bj(2026, 10, 15, 10))
    assert (first.overdue, again.steps) == (1, 0)
    assert office.outbox_counts(since_id=mark) == {
        (HONGQI_GROUP, "message"): 1, (HONGQI_GROUP, "card"): 1,
        (STREET_GROUP, "card"): 1, (STREET_GROUP, "message"): 1}  # not the inactive group
    street = office.outbox(since_id=mark, chat_id=STREET_GROUP)
    assert [row.kind for row in street] == ["card", "message"]  # the card arrives first
    assert petition.number in street[1].payload["text"] and mention in street[1].payload["text"]
    assert office.petition(petition.id).overdue

    mark = office.last_outbox_id()
    [first, again] = office.sweep_at(bj(2026, 10, 16, 10))
    assert (first.escalated, again.steps) == (1, 0)
    assert office.outbox_counts(since_id=mark) == {
        (HONGQI_GROUP, "message"): 1, (HONGQI_GROUP, "card"): 1,
        (DISTRICT_GROUP, "card"): 1, (DISTRICT_GROUP, "message"): 1}

    mark = office.last_outbox_id()
    office.sweep_at(bj(2026, 12, 31, 10))
    assert office.outbox(since_id=mark) == []
    assert office.ladder(petition.id) == [
        ("resolve", "remind"), ("resolve", "overdue"), ("resolve", "escalate")]


def test_restart_after_missed_sweeps_catches_up_once_in_order(office, tmp_path):
    late = submit_at(office, bj(2026, 9, 30, 10))
    reminded_only = submit_at(office, bj(2026, 10, 16, 18), resident_tg=RESIDENT_TG + 1)
    mark = office.last_outbox_id()

    # The bot was down from 30 Sep to Monday 19 Oct 16:00; a new process starts and sweeps.
    restarted = DomainOffice(make_deps(f"sqlite:///{tmp_path / 'minyuan.db'}",
                                 ManualClock(bj(2026, 9, 1))))
    [first, again] = restarted.sweep_at(bj(2026, 10, 19, 16))

    # Past breach + 24 h on both clocks: the reminders are skipped, the rest taken in order.
    assert restarted.ladder(late.id) == [
        ("respond", "overdue"), ("respond", "escalate"),
        ("resolve", "overdue"), ("resolve", "escalate")]
    assert restarted.ladder(reminded_only.id) == [("respond", "remind")]
    assert (first.reminded, first.overdue, first.escalated) == (1, 2, 2)
    assert again.steps == 0
    assert restarted.outbox_counts(since_id=mark, petition_id=late.id) == {
        (HONGQI_GROUP, "message"): 4, (HONGQI_GROUP, "card"): 4,
        (STREET_GROUP, "card"): 2, (STREET_GROUP, "message"): 2,
        (DISTRICT_GROUP, "card"): 2, (DISTRICT_GROUP, "message"): 2}
    restarted.deps.engine.dispose()


def test_one_sweep_takes_more_than_a_batch_batch_by_batch(office, monkeypatch):
    monkeypatch.setattr(escalation, "SWEEP_BATCH", 2)
    petitions = [submit_at(office, bj(2026, 9, 30, 10), resident_tg=RESIDENT_TG + n)
                 for n in range(5)]
    office.clock.set(bj(2026, 10, 19, 16))  # past both deadlines and their second delay

    first = office.escalation.sweep_batch()
    assert first.steps == 4 and first.resume is not None  # two petitions, respond clock
    [rest, again] = office.sweep_at(bj(2026, 10, 19, 16))

    assert first.steps + rest.steps == 5 * 4 and rest.resume is None and again.steps == 0
    for petition in petitions:
        assert office.ladder(petition.id) == [
            ("respond", "overdue"), ("respond", "escalate"),
            ("resolve", "overdue"), ("resolve", "escalate")]


def test_a_broken_petition_does_not_stop_the_others(office):
    petitions = [submit_at(office, bj(2026, 9, 30, 10), resident_tg=RESIDENT_TG + n)
                 for n in range(3)]
    broken = petitions[1]
    with transaction(office.deps.engine) as session:  # a community the org no longer knows
        session.execute(update(Petition).where(col(Petition.id) == broken.id)
                        .values(community_code="gone"))

    [first, again] = office.sweep_at(bj(2026, 10, 19, 16))  # past both deadlines + 24 h

    # Each clock of the broken petition fails alone; the others climb as if it were not there.
    assert (first.overdue, first.escalated, first.failed) == (4, 4, 2)
    assert (again.steps, again.failed) == (0, 2)  # tried again, and fails again
    assert office.ladder(broken.id) == []
    assert (office.petition(broken.id).respond_step, office.petition(broken.id).resolve_step) == (0, 0)
    for petition in (petitions[0], petitions[2]):
        assert office.ladder(petition.id) == [
            ("respond", "overdue"), ("respond", "escalate"),
            ("resolve", "overdue"), ("resolve", "escalate")]


def test_paused_petition_does_not_climb_and_resumes_with_moved_instants(office):
    petition = submit_at(office, bj(2026, 9, 30, 10))
    office.clock.set(bj(2026, 9, 30, 10, 30))
    office.respond(petition.id)
    office.clock.set(bj(2026, 10, 12, 9))
    office.desk.ask(tg_user_id=HANDLER_TG, number=petition.number, question="具体是几号楼？")

    for now in (bj(2026, 10, 13, 11, 52, 30), bj(2026, 10, 15, 10), bj(2026, 10, 30, 10)):
        office.sweep_at(now)
    assert office.ladder(petition.id) == []
    assert not office.petition(petition.id).overdue

    # The resident answers on Monday 2 Nov 09:00: the 15 working days waited are added to
    # both the deadline and the reminder (23.5 and 10.375 office hours were left).
    office.clock.set(bj(2026, 11, 2, 9))
    assert office.say("是3号楼，一直没人修") == "answered"
    resumed = office.petition(petition.id)
    assert resumed.status == Status.CLAIMED
    assert (resumed.resolve_remind_at, resumed.resolve_due) == (
        bj(2026, 11, 3, 11, 52, 30), bj(2026, 11, 5, 10))

    office.sweep_at(bj(2026, 11, 3, 11, 52, 29))
    assert office.ladder(petition.id) == []
    for now in (bj(2026, 11, 3, 11, 52, 30), bj(2026, 11, 5, 10), bj(2026, 11, 6, 10)):
        office.sweep_at(now)
    assert [(e.action, e.at) for e in office.ladder_events(petition.id)] == [
        ("remind", bj(2026, 11, 3, 11, 52, 30)), ("overdue", bj(2026, 11, 5, 10)),
        ("escalate", bj(2026, 11, 6, 10))]


def test_first_response_stops_the_respond_ladder_only(office):
    petition = submit_at(office, bj(2026, 9, 30, 10))
    office.sweep_at(bj(2026, 9, 30, 17, 7, 30))
    office.clock.set(bj(2026, 10, 8, 9))
    office.respond(petition.id)

    for now in (bj(2026, 10, 8, 10), bj(2026, 10, 9, 10), bj(2026, 10, 13, 11, 52, 30)):
        office.sweep_at(now)
    assert office.ladder(petition.id) == [("respond", "remind"), ("resolve", "remind")]
    assert not office.petition(petition.id).overdue


def test_resolution_stops_every_clock(office):
    petition = submit_at(office, bj(2026, 9, 30, 10))
    office.sweep_at(bj(2026, 10, 13, 11, 52, 30))  # respond breached and escalated
    office.clock.set(bj(2026, 10, 14, 9))
    office.desk.resolve(tg_user_id=HANDLER_TG, petition_id=petition.id, result="已更换门禁")
    mark = office.last_outbox_id()

    for now in (bj(2026, 10, 15, 10), bj(2026, 10, 16, 10), bj(2026, 12, 1, 10)):
        office.sweep_at(now)
    assert office.ladder(petition.id) == [
        ("respond", "overdue"), ("respond", "escalate"), ("resolve", "remind")]
    assert office.outbox(since_id=mark) == []


def test_reopened_petition_gets_a_fresh_resolve_ladder(office):
    petition = submit_at(office, bj(2026, 9, 30, 10))
    office.clock.set(bj(2026, 9, 30, 10, 30))
    office.respond(petition.id)
    office.sweep_at(bj(2026, 10, 13, 11, 52, 30))
    office.sweep_at(bj(2026, 10, 15, 10))
    office.clock.set(bj(2026, 10, 15, 15))
    office.desk.resolve(tg_user_id=HANDLER_TG, petition_id=petition.id, result="已更换门禁")
    office.clock.set(bj(2026, 10, 16, 9))
    office.feedback.rate(tg_user_id=RESIDENT_TG, petition_id=petition.id, rating="unsatisfied")

    reopened = office.petition(petition.id)
    assert (reopened.status, reopened.overdue, reopened.resolve_step) == (
        Status.REOPENED, False, 0)
    assert (reopened.resolve_remind_at, reopened.resolve_due) == (
        bj(2026, 10, 23, 10, 52, 30), bj(2026, 10, 27, 9))

    for now in (bj(2026, 10, 16, 10), bj(2026, 10, 23, 10, 52, 29), bj(2026, 10, 23, 10, 52, 30),
                bj(2026, 10, 27, 9), bj(2026, 10, 28, 9), bj(2026, 11, 30, 9)):
        office.sweep_at(now)
    events = office.ladder_events(petition.id)
    assert [(e.action, e.at) for e in events] == [
        ("remind", bj(2026, 10, 13, 11, 52, 30)), ("overdue", bj(2026, 10, 15, 10)),
        ("remind", bj(2026, 10, 23, 10, 52, 30)), ("overdue", bj(2026, 10, 27, 9)),
        ("escalate", bj(2026, 10, 28, 9))]
    assert office.petition(petition.id).overdue


def test_marking_complex_moves_the_resolve_reminder(office):
    petition = submit_at(office, bj(2026, 9, 30, 10))
    office.clock.set(bj(2026, 10, 9, 9))
    office.desk.mark_complex(tg_user_id=HANDLER_TG, number=petition.number)

    marked = office.petition(petition.id)
    # 15 wd: 8, 9, 10 (调休), 12-16, 19-23, 26, 27 Oct. 75% of 112.5 office hours is 84.375:
    # 6 on 30 Sep, 75 over the next ten working days, 3h22m30s on Wednesday 21 Oct.
    assert (marked.resolve_remind_at, marked.resolve_due) == (
        bj(2026, 10, 21, 11, 52, 30), bj(2026, 10, 27, 10))


def test_overdue_list_shows_what_is_late_in_scope(office):
    hongqi = submit_at(office, bj(2026, 9, 30, 10))
    on_time = submit_at(office, bj(2026, 10, 14, 10), resident_tg=RESIDENT_TG + 1)
    qingnian = submit_at(office, bj(2026, 9, 30, 10), resident_tg=RESIDENT_TG + 2,
                         community="qingnian")
    office.clock.set(bj(2026, 10, 14, 10, 30))
    office.respond(on_time.id)
    office.sweep_at(bj(2026, 10, 16, 11))

    mine = office.escalation.overdue_list(tg_user_id=HANDLER_TG, chat_id=HANDLER_TG)
    assert hongqi.number in mine
    assert qingnian.number not in mine and on_time.number not in mine
    assert "办结超期 1天1小时" in mine and "已报区级督办" in mine

    street = office.escalation.overdue_list(tg_user_id=SUPERVISOR_TG, chat_id=SUPERVISOR_TG)
    assert hongqi.number in street and qingnian.number in street
    in_group = office.escalation.overdue_list(tg_user_id=SUPERVISOR_TG, chat_id=QINGNIAN_GROUP)
    assert qingnian.number in in_group and hongqi.number not in in_group

    with pytest.raises(NotAllowed):
        office.escalation.overdue_list(tg_user_id=RESIDENT_TG, chat_id=RESIDENT_TG)


def test_overdue_list_when_nothing_is_late(office):
    submit_at(office, bj(2026, 10, 14, 10), community="qingnian")
    assert office.escalation.overdue_list(tg_user_id=QINGNIAN_TG, chat_id=QINGNIAN_GROUP) == (
        "目前没有超期诉求。")


def test_morning_brief_once_a_day_per_group(office, tmp_path):
    due_today = submit_at(office, bj(2026, 9, 30, 10))
    office.clock.set(bj(2026, 9, 30, 10, 30))
    office.respond(due_today.id)
    late = submit_at(office, bj(2026, 9, 24, 16), resident_tg=RESIDENT_TG + 1)
    submit_at(office, bj(2026, 10, 15, 8), resident_tg=RESIDENT_TG + 2, community="qingnian")
    office.sweep_at(bj(2026, 10, 15, 8, 30))
    mark = office.last_outbox_id()

    assert office.escalation.morning_brief() == 3
    assert Counter(row.chat_id for row in office.outbox(since_id=mark)) == {
        HONGQI_GROUP: 1, QINGNIAN_GROUP: 1, STREET_GROUP: 1}
    [hongqi] = office.outbox(since_id=mark, chat_id=HONGQI_GROUP)
    today, overdue = hongqi.payload["text"].split("已超期")
    assert "10月15日 星期四" in today and due_today.number in today and late.number in overdue
    [qingnian] = office.outbox(since_id=mark, chat_id=QINGNIAN_GROUP)
    assert "今日没有到期或超期的诉求" in qingnian.payload["text"]
    [street] = office.outbox(since_id=mark, chat_id=STREET_GROUP)
    assert "红旗社区：今日到期 1 件，已超期 1 件" in street.payload["text"]
    assert "青年社区：今日到期 0 件，已超期 0 件" in street.payload["text"]
    assert late.number in street.payload["text"]

    # Again the same day, from this process or a restarted one: nothing more.
    assert office.escalation.morning_brief() == 0
    other = DomainOffice(make_deps(f"sqlite:///{tmp_path / 'minyuan.db'}", ManualClock(
        bj(2026, 10, 15, 9))))
    assert other.escalation.morning_brief() == 0
    other.deps.engine.dispose()
    office.clock.set(bj(2026, 10, 16, 8, 30))
    assert office.escalation.morning_brief() == 3


def test_a_brief_missed_while_the_bot_was_down_goes_out_at_start_up(office):
    """Started after 08:30 and before the office closes, with no brief yet today: send it."""
    submit_at(office, bj(2026, 10, 14, 10))
    brief_at = time(8, 30)
    office.clock.set(bj(2026, 10, 15, 7, 50))
    assert office.escalation.late_morning_brief(brief_at) == 0  # the daily job will send it
    office.clock.set(bj(2026, 10, 15, 10, 5))
    assert office.escalation.late_morning_brief(brief_at) == 3
    assert office.escalation.late_morning_brief(brief_at) == 0  # a second restart: once a day
    assert office.escalation.morning_brief() == 0
    office.clock.set(bj(2026, 10, 16, 17, 45))  # after closing: tomorrow's brief will do
    assert office.escalation.late_morning_brief(brief_at) == 0
    office.clock.set(bj(2026, 10, 17, 8, 30))
    assert office.escalation.late_morning_brief(brief_at) == 3
