"""Urgent petitions (gas, fire, 电梯困人, a fall…): safety first, then everyone who must know.

A resident reporting a danger reads, before anything the office promises, what to do right
now and whom to call: the hazard's advice from ``nlp/rules/safety.toml`` and the numbers
configured for their community (org.toml), the office (config.toml) or the country. At the
same moment the office is alerted, not at 75% of the limit:

- the handling group: the card, and an alert under it naming the on-duty staff;
- the street's supervisors' groups: the card and the alert;
- the on-duty staff (org.toml ``on_duty``, else the community's administrators): in private.

Until someone claims it, the alert is repeated every ``Settings.emergency_repeat``
(``repeat_alerts``, run by the sweep); once the short respond limit passes unclaimed, the
ladder reports it to the street as overdue (``reception.deadlines.ladder``).
Everything that reaches a group or a staff member is masked like the card.
"""

from __future__ import annotations

import html
import logging
from datetime import datetime, timedelta

from sqlmodel import Session

from nlp import mask_personal_data
from nlp.safety import Hazard
from reception import texts
from reception.deps import Deps
from reception.handling import roster
from reception.petition import outbox
from reception.petition.cards import address_of, fmt_time
from reception.petition.events import Actor, Note, record
from reception.petition.states import Status
from storage import emergency_queries, queries
from storage.db import transaction
from storage.enums import Role, ScopeKind
from storage.models import Petition, Staff
from storage.tables import saved_id

log = logging.getLogger(__name__)

SUMMARY_CHARS = 120
# Repeats stop for petitions older than this (the ladder has long taken over by then).
REPEAT_WINDOW = timedelta(hours=24)
REPEAT_BATCH = 200


# --- the resident's reply ----------------------------------------------------------------
def hazards(deps: Deps, petition: Petition) -> tuple[Hazard, ...]:
    """The petition's hazards (from its stored danger words) and their advice."""
    return deps.safety.hazards_for(deps.analyzer.hazards_of(petition.urgent_words))


def numbers(deps: Deps, community_code: str) -> dict[str, str]:
    """Number per key: the community's own over the office's over the national ones."""
    community = deps.org.community(community_code)
    return {**deps.settings.emergency_numbers, **community.emergency_numbers}


def calls(deps: Deps, petition: Petition) -> list[tuple[str, str]]:
    """(label, number) to call for the petition's hazards, most important first, each once."""
    known = numbers(deps, petition.community_code)
    out: list[tuple[str, str]] = []
    for hazard in hazards(deps, petition):
        for key in hazard.call:
            number = known.get(key, "")
            pair = (deps.safety.labels[key], number)
            if number and pair not in out:
                out.append(pair)
    return out


def safety_advice(deps: Deps, petition: Petition) -> str:
    """The advice and the numbers, as the first lines of the resident's reply (HTML)."""
    lines = [texts.SAFETY_HEADER]
    lines += [texts.SAFETY_ADVICE.format(advice=html.escape(h.advice))
              for h in hazards(deps, petition)]
    to_call = calls(deps, petition)
    if to_call:
        lines.append(texts.SAFETY_CALL_HEADER + texts.SAFETY_CALL_SEPARATOR.join(
            texts.SAFETY_CALL.format(label=html.escape(label), number=html.escape(number))
            for label, number in to_call))
    return "\n".join(lines)


def confirmation(deps: Deps, petition: Petition) -> str:
    """The whole first reply to an urgent petition: what to do, whom to call, then what we do."""
    calc = deps.deadlines
    limit = calc.policy.limits_for(urgent=True, complex=False, category=petition.category).respond
    repeat = round(deps.settings.emergency_repeat.total_seconds() / 60)
    template = texts.CONFIRM_URGENT if repeat else texts.CONFIRM_URGENT_ONCE
    return safety_advice(deps, petition) + template.format(
        number=petition.number, duty=texts.URGENT_DUTY_STAFF,
        respond_by=fmt_time(petition.respond_due, deps.settings.tz),
        limit=_describe(limit.amount, limit.unit, limit.describe_zh()), repeat=repeat,
    )


def after_hours_note(deps: Deps, petition: Petition) -> str:
    """For a routine petition received out of office hours: when its clock starts, and the
    numbers to call should it turn dangerous; empty in office hours."""
    calendar, received = deps.deadlines.calendar, petition.created_at
    if petition.urgent or calendar.is_office_time(received):
        return ""
    known = numbers(deps, petition.community_code)
    to_call = [f"{deps.safety.labels[key]} {known[key]}" for key in deps.safety.fallback.call
               if known.get(key)]
    return texts.CONFIRM_AFTER_HOURS.format(
        opens=fmt_time(calendar.next_office_start(received), deps.settings.tz),
        calls=html.escape("、".join(to_call)))


# --- the alerts ----------------------------------------------------------------------------
def alert(session: Session, deps: Deps, petition: Petition, *, now: datetime) -> None:
    """Alert everyone who must act on a new urgent petition; its card is queued already."""
    duty = duty_staff(session, deps, petition)
    fields = _fields(deps, petition, duty)
    supervisors = _supervisor_chats(session, petition)
    if petition.group_chat_id is not None:
        outbox.message(session, chat_id=petition.group_chat_id, petition_id=petition.id, now=now,
                       text=texts.URGENT_ALERT_GROUP.format(**fields),
                       in_thread_of=petition.id, reply_to_card=True)
    for chat_id in supervisors:
        outbox.card(session, chat_id=chat_id, petition_id=saved_id(petition), now=now)
        outbox.message(session, chat_id=chat_id, petition_id=petition.id, now=now,
                       text=texts.URGENT_ALERT_SUPERVISORS.format(**fields),
                       in_thread_of=petition.id, reply_to_card=True)
    for staff in duty:
        outbox.message(session, chat_id=staff.tg_user_id, petition_id=petition.id, now=now,
                       text=texts.URGENT_ALERT_DUTY.format(**fields))
    _record(session, petition, now=now, count=1, groups=len(supervisors) + 1, people=len(duty))


def repeat_alerts(deps: Deps) -> int:
    """Alert again about urgent petitions nobody has claimed for ``emergency_repeat``; return
    how many were repeated. Each repeat is claimed atomically (several processes may sweep)."""
    every = deps.settings.emergency_repeat
    if every <= timedelta(0):
        return 0
    now = deps.clock.now()
    with transaction(deps.engine) as session:
        candidates = emergency_queries.unclaimed_urgent(
            session, status=Status.SUBMITTED, since=now - REPEAT_WINDOW, limit=REPEAT_BATCH)
        sent = emergency_queries.alerts_of(session, [pid for pid, _ in candidates])
    repeated = 0
    for petition_id, version in candidates:
        count, last = sent.get(petition_id, (0, None))
        if last is None or now - last < every:  # never alerted (not urgent at intake), or not yet
            continue
        try:
            repeated += _repeat(deps, petition_id, version, count=count + 1, now=now)
        except Exception:
            log.exception("repeat alert for petition %s failed", petition_id)
    return repeated


def _repeat(deps: Deps, petition_id: int, version: int, *, count: int, now: datetime) -> bool:
    with transaction(deps.engine) as session:
        if not emergency_queries.claim_alert(session, petition_id=petition_id, version=version,
                                             status=Status.SUBMITTED):
            return False
        petition = session.get(Petition, petition_id)
        assert petition is not None  # the UPDATE just matched it
        duty = duty_staff(session, deps, petition)
        fields = _fields(deps, petition, duty)
        minutes = round((now - petition.created_at).total_seconds() / 60)
        text = texts.URGENT_ALERT_REPEAT.format(count=count, minutes=minutes, **fields)
        supervisors = _supervisor_chats(session, petition)
        chats = ([petition.group_chat_id] if petition.group_chat_id is not None else []) + supervisors
        for chat_id in chats:
            outbox.message(session, chat_id=chat_id, petition_id=petition.id, now=now, text=text,
                           in_thread_of=petition.id, reply_to_card=True)
        in_private = texts.URGENT_ALERT_REPEAT.format(count=count, minutes=minutes,
                                                      **{**fields, "duty": ""})
        for staff in duty:
            outbox.message(session, chat_id=staff.tg_user_id, petition_id=petition.id, now=now,
                           text=in_private)
        _record(session, petition, now=now, count=count, groups=len(chats), people=len(duty))
        return True


def duty_staff(session: Session, deps: Deps, petition: Petition) -> list[Staff]:
    """The on-duty staff of the petition's community: today's roster (``/duty``,
    reception.handling.roster) and org.toml's ``on_duty`` by name; with neither, its
    administrators."""
    staff = emergency_queries.community_staff(session, petition.community_code)
    names = deps.org.community(petition.community_code).on_duty
    rostered = roster.on_duty_ids(session, deps, petition.community_code, deps.clock.now())
    listed = [s for s in staff if s.name in names or s.id in rostered]
    if listed:
        return listed
    if names:
        log.warning("on_duty of %s names no registered staff (%s); alerting its administrators",
                    petition.community_code, ", ".join(names))
    return [s for s in staff if s.role == Role.ADMIN]


def _supervisor_chats(session: Session, petition: Petition) -> list[int]:
    groups = queries.active_groups(session, scope_kind=ScopeKind.STREET, scope_code=petition.street_code)
    return [g.chat_id for g in groups if g.chat_id != petition.group_chat_id]


def _fields(deps: Deps, petition: Petition, duty: list[Staff]) -> dict[str, str]:
    text = mask_personal_data(petition.text)
    summary = text[:SUMMARY_CHARS] + ("…" if len(text) > SUMMARY_CHARS else "")
    mentions = "、".join(f'<a href="tg://user?id={s.tg_user_id}">{html.escape(s.name)}</a>'
                        for s in duty)
    return {
        "number": petition.number,
        "hazard": "、".join(html.escape(h.name) for h in hazards(deps, petition)),
        "summary": html.escape(summary),
        "address": html.escape(address_of(petition) or texts.URGENT_NO_ADDRESS),
        "calls": texts.SAFETY_CALL_SEPARATOR.join(
            f"{html.escape(label)} {html.escape(number)}" for label, number in calls(deps, petition)),
        "due": fmt_time(petition.respond_due, deps.settings.tz),
        "community": html.escape(deps.org.community(petition.community_code).name),
        "duty": texts.URGENT_DUTY_MENTION.format(names=mentions) if mentions else "",
    }


def _record(session: Session, petition: Petition, *, now: datetime, count: int, groups: int,
            people: int) -> None:
    record(session, petition, action=Note.ALERT, actor=Actor.system(), at=now,
           count=count, text=texts.URGENT_ALERT_EVENT.format(count=count, groups=groups,
                                                           people=people))


def _describe(amount: float, unit: str, fallback: str) -> str:
    """A clock-hour limit under an hour reads as minutes ("30分钟"), as staff say it."""
    if unit == "h" and amount < 1:
        return f"{round(amount * 60)}分钟"
    return fallback
