"""What a petition looks like: the staff card, the resident's status view, list lines.

Output is plain data (HTML text and button rows); turning it into Telegram objects is the
delivery worker's job.
"""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from nlp import Location, mask_name, mask_personal_data
from reception import texts
from reception.petition import callback_data
from reception.petition.callback_data import CardAction
from reception.petition.events import Note
from reception.petition.outbox import Buttons
from reception.petition.states import Action, Status, allowed, status_label
from storage import practice_queries, queries
from storage.enums import Decision
from storage.models import Petition, Resident, Staff
from storage.tables import saved_id

if TYPE_CHECKING:  # the petition layer sits below the wired dependencies
    from reception.deps import Deps

CARD_TEXT_LIMIT = 1500
MEDIA_LABELS = texts.MEDIA_LABELS
ACTION_LABELS = texts.EVENT_LABELS  # every Action and Note has one (tests/reception/test_cards.py)


@dataclass(frozen=True)
class Card:
    text: str
    buttons: Buttons = field(default_factory=list)


def fmt_time(when: datetime | None, tz: ZoneInfo) -> str:
    if when is None:
        return "—"
    local = when.astimezone(tz)
    return texts.TIME_SHORT.format(month=local.month, day=local.day, hour_minute=f"{local:%H:%M}")


def address_of(petition: Petition) -> str:
    return Location(petition.building, petition.unit, petition.room).label()


def resident_label(resident: Resident | None, petition: Petition, *, masked: bool) -> str:
    name = resident.name if resident else petition.visitor_name
    phone = (resident.phone if resident else petition.visitor_phone) or ""
    if not masked:
        return f"{name or texts.VISITOR} {phone}".strip()
    label = mask_name(name) if name else (texts.RESIDENT if resident else texts.VISITOR)
    return texts.RESIDENT_MASKED.format(label=label, last4=phone[-4:]) if phone else label


def render_card(session: Session, deps: Deps, petition: Petition, *, chat_id: int) -> Card:
    """The card for ``chat_id``; only the responsible group's card carries buttons."""
    tz = deps.settings.tz
    community = deps.org.community(petition.community_code)
    grid = deps.org.grid(petition.community_code, petition.grid_code)
    resident = session.get(Resident, petition.resident_id) if petition.resident_id else None
    handler = session.get(Staff, petition.handler_staff_id) if petition.handler_staff_id else None
    status = petition.status
    marks = ((texts.CARD_URGENT if petition.urgent else "")
             + (texts.CARD_COMPLEX if petition.complex else "")
             + texts.CARD_CHANNELS.get(petition.channel, ""))
    lines = [
        texts.CARD_HEAD.format(number=petition.number, category=html.escape(petition.category),
                               marks=marks),
        texts.CARD_STATUS.format(label=status_label(status),
                                 handler=html.escape(handler.name) if handler else "—")
        + (texts.CARD_OVERDUE if petition.overdue and status.is_open else ""),
        texts.CARD_PLACE.format(community=html.escape(community.name))
        + (f" {html.escape(grid.name)}" if grid else "")
        + (f" {address_of(petition)}" if address_of(petition) else ""),
        texts.CARD_RESIDENT.format(
            resident=html.escape(resident_label(resident, petition, masked=True))),
    ]
    body = mask_personal_data(petition.text)
    if len(body) > CARD_TEXT_LIMIT:
        body = body[:CARD_TEXT_LIMIT] + texts.CARD_TEXT_CUT.format(length=len(petition.text),
                                                                   number=petition.number)
    lines.append(texts.CARD_TEXT.format(text=html.escape(body) if body else texts.NO_TEXT))
    lines.extend(provenance_lines(session, petition, tz))
    media = Counter(kind for kind in queries.inbound_kinds(session, saved_id(petition)) if kind in MEDIA_LABELS)
    if media:
        lines.append(texts.CARD_MEDIA + texts.LIST_SEPARATOR.join(
            f"{MEDIA_LABELS[k]} {n}" for k, n in media.items()))
    lines.append(_explanation(petition))
    if petition.urgent_words:
        lines.append(texts.CARD_URGENT_WORDS
                     + html.escape(texts.LIST_SEPARATOR.join(petition.urgent_words)))
    lines.append(
        texts.CARD_RESPOND_DUE.format(due=fmt_time(petition.respond_due, tz))
        + (texts.CARD_RESPONDED.format(at=fmt_time(petition.first_response_at, tz))
           if petition.first_response_at else "")
        + texts.CARD_RESOLVE_DUE.format(due=fmt_time(petition.resolve_due, tz),
                                        provisional=provisional_mark(deps, petition.resolve_due))
    )
    if petition.paused_at and status is Status.WAITING:
        lines.append(texts.CARD_PAUSED.format(at=fmt_time(petition.paused_at, tz)))
    ladder = _ladder_line(petition)
    if ladder and status.is_open:
        lines.append(ladder)
    lines.extend(_outcome_lines(session, petition))
    lines.extend(_practice_lines(session, deps, petition))
    buttons: Buttons = []
    if status.is_open and chat_id == petition.group_chat_id:
        buttons = _buttons(session, petition, status)
    elif status.is_open and petition.group_chat_id and chat_id != petition.group_chat_id:
        lines.append(texts.CARD_FOR_SUPERVISORS)
    return Card(text="\n".join(lines), buttons=buttons)


_LADDER = texts.CARD_LADDER_STEPS


def _ladder_line(petition: Petition) -> str:
    """Where the petition stands on the reminder / escalation ladder (督办)."""
    parts = []
    if petition.respond_step and petition.first_response_at is None:
        parts.append(texts.CARD_LADDER_RESPOND.format(step=_LADDER.get(petition.respond_step, "")))
    if petition.resolve_step:
        parts.append(texts.CARD_LADDER_RESOLVE.format(step=_LADDER.get(petition.resolve_step, "")))
    return texts.CARD_LADDER.format(steps=texts.CARD_LADDER_SEPARATOR.join(parts)) if parts else ""


def _explanation(petition: Petition) -> str:
    words = texts.LIST_SEPARATOR.join(petition.keywords[:6]) or texts.CARD_NO_KEYWORDS
    text = texts.CARD_EXPLANATION.format(words=html.escape(words), confidence=petition.confidence)
    if petition.runner_up:
        text += texts.CARD_RUNNER_UP.format(category=html.escape(petition.runner_up))
    if petition.triage:
        text += texts.CARD_IN_TRIAGE
    return text


def _outcome_lines(session: Session, petition: Petition) -> list[str]:
    lines = []
    if petition.result:
        lines.append(texts.CARD_RESULT.format(result=html.escape(petition.result)))
    if petition.reject_reason:
        lines.append(texts.CARD_REJECT_REASON.format(reason=html.escape(petition.reject_reason)))
    if petition.rating:
        lines.append(texts.CARD_RATING.format(
            rating=texts.RATING_LABELS.get(petition.rating, petition.rating)))
    if petition.callback_outcome:
        lines.append(texts.CARD_CALLBACK.format(
            outcome=texts.CALLBACK_LABELS.get(petition.callback_outcome, petition.callback_outcome)))
    if petition.reopen_count:
        lines.append(texts.CARD_REOPENED.format(count=petition.reopen_count))
    if petition.merged_into_id:
        into = session.get(Petition, petition.merged_into_id)
        lines.append(texts.CARD_MERGED_INTO.format(number=into.number if into else "—"))
    followers = queries.merged_numbers(session, saved_id(petition))
    if followers:
        lines.append(texts.CARD_FOLLOWERS + texts.LIST_SEPARATOR.join(followers))
    return lines


def _buttons(session: Session, petition: Petition, status: Status) -> Buttons:
    pid = saved_id(petition)
    button = callback_data.card
    first = [(texts.CARD_REASSIGN, button(CardAction.REASSIGN, pid))]
    if allowed(Action.RETURN, status):  # 退单 (reception.handling.returns)
        first.append((texts.CARD_RETURN, button(CardAction.RETURN, pid)))
    if status in (Status.SUBMITTED, Status.REOPENED):
        first.insert(0, (texts.CARD_CLAIM, button(CardAction.CLAIM, pid)))
    urgency = ((texts.CARD_MARK_ROUTINE, button(CardAction.NOT_URGENT, pid)) if petition.urgent
               else (texts.CARD_MARK_URGENT, button(CardAction.URGENT, pid)))
    rows: Buttons = [
        first,
        [(texts.CARD_RESOLVE, button(CardAction.RESOLVE, pid)),
         (texts.CARD_REJECT, button(CardAction.REJECT, pid)), urgency],
    ]
    if petition.duplicate_of_id:
        original = queries.number_and_status(session, petition.duplicate_of_id)
        if original and original[1].is_open:
            label = texts.CARD_MERGE.format(number=original[0])
            rows.append([(label, button(CardAction.MERGE, pid, petition.duplicate_of_id))])
    return rows


def resident_category(petition: Petition) -> str:
    """The category as a resident is told it: not the classifier's guess while in triage."""
    return texts.CATEGORY_IN_TRIAGE if petition.triage else petition.category


def provisional_mark(deps: Deps, when: datetime | None) -> str:
    """The note after a deadline counted in a year whose holidays are not yet announced."""
    if when is None:
        return ""
    day = when.astimezone(deps.settings.tz).date()
    return texts.PROVISIONAL_DATE_MARK if deps.deadlines.calendar.is_provisional(day) else ""


def render_status(session: Session, deps: Deps, petition: Petition) -> str:
    """The resident's view: state, deadlines and the timeline (no staff-internal detail)."""
    tz = deps.settings.tz
    status = petition.status
    lines = [
        texts.STATUS_HEAD.format(number=petition.number,
                                 category=html.escape(resident_category(petition))),
        texts.STATUS_LINE.format(label=status_label(status)),
        texts.STATUS_SUBMITTED_AT.format(at=fmt_time(petition.created_at, tz)),
        texts.STATUS_PROMISES.format(respond=fmt_time(petition.respond_due, tz),
                                     resolve=fmt_time(petition.resolve_due, tz)),
        texts.CARD_TEXT.format(text=html.escape(petition.text[:300]) or texts.NO_TEXT),
    ]
    for referral in practice_queries.referrals_of(session, [saved_id(petition)]).get(
            saved_id(petition), []):
        name = _department_name(deps, referral.department)
        template = texts.STATUS_REFERRAL_DONE if referral.done_at else texts.STATUS_REFERRAL
        lines.append(template.format(department=html.escape(name)))
    return "\n".join(lines) + "\n" + render_timeline(session, deps, petition)


def _practice_lines(session: Session, deps: Deps, petition: Petition) -> list[str]:
    """A return waiting for its ruling, referrals to departments, extensions."""
    pid, tz, lines = saved_id(petition), deps.settings.tz, []
    returned = practice_queries.pending_return(session, pid)
    if returned is not None and petition.status.is_open:
        lines.append(texts.CARD_RETURN_PENDING.format(
            kind=texts.RETURN_REASON_KINDS.get(returned.reason_kind, ""),
            reason=html.escape(mask_personal_data(returned.reason)[:80])))
    for referral in practice_queries.referrals_of(session, [pid]).get(pid, []):
        name = html.escape(_department_name(deps, referral.department))
        lines.append(texts.CARD_REFERRAL_DONE.format(department=name, at=fmt_time(referral.done_at, tz))
                     if referral.done_at else
                     texts.CARD_REFERRAL.format(department=name, due=fmt_time(referral.due_at, tz)))
    extensions = practice_queries.extensions_of(session, pid)
    approved = [e for e in extensions if e.decision == Decision.APPROVED]
    if approved:
        lines.append(texts.CARD_EXTENDED.format(days=sum(e.days for e in approved),
                                                count=len(approved)))
    pending = next((e for e in extensions if e.decision is None), None)
    if pending is not None and petition.status.is_open:
        lines.append(texts.CARD_EXTENSION_PENDING.format(days=pending.days))
    return lines


def _department_name(deps: Deps, code: str) -> str:
    department = deps.org.departments.get(code)
    return department.name if department else code


def render_timeline(session: Session, deps: Deps, petition: Petition) -> str:
    """The timeline, oldest first: one line per event."""
    lines = [texts.TIMELINE_HEAD]
    for event in queries.timeline(session, saved_id(petition)):
        label = ACTION_LABELS.get(event.action, event.action)
        lines.append(texts.TIMELINE_LINE.format(at=fmt_time(event.at, deps.settings.tz),
                                                label=label, note=_event_note(event.detail)))
    return "\n".join(lines)


def _event_note(detail: dict[str, Any]) -> str:
    if "after" in detail:  # a resident's edit: both versions (reception.handling.edits)
        before, after = (mask_personal_data(str(detail.get(k) or "")) for k in ("before", "after"))
        closed = texts.TIMELINE_EDIT_CLOSED if detail.get("after_close") else ""
        return html.escape(texts.TIMELINE_EDIT.format(
            before=_cut(before, 40), after=_cut(after, 60), closed=closed))
    origin = (html.escape(texts.TIMELINE_FORWARDED.format(origin=_origin(detail)))
              if detail.get("forwarded_from") else "")
    for key in ("result", "reason", "text", "rating_label", "target"):
        if detail.get(key):
            value = mask_personal_data(str(detail[key]))  # the timeline is shown in groups
            return texts.TIMELINE_NOTE.format(
                text=html.escape(value[:80] + ("…" if len(value) > 80 else ""))) + origin
    return origin


def _cut(text: str, limit: int) -> str:
    return text[:limit] + ("…" if len(text) > limit else "")


def _origin(detail: dict[str, Any]) -> str:
    """Who first wrote a forwarded message; a person's name is masked (cards reach groups)."""
    kind, name = detail.get("forwarded_kind") or "", str(detail.get("forwarded_from") or "")
    if kind in ("user", "hidden_user"):
        name = mask_name(name)
    return texts.FORWARD_KINDS.get(kind, "") + name


def provenance_lines(session: Session, petition: Petition, tz: ZoneInfo) -> list[str]:
    """Where the petition's words came from: forwarded messages, the resident's edits."""
    lines, edited_at = [], None
    for event in queries.events_of(session, saved_id(petition), ("submit", "append", "edit")):
        detail = event.detail
        if event.action == Note.EDIT and not detail.get("after_close"):
            edited_at = event.at
        elif detail.get("forwarded_from"):
            sent = detail.get("forwarded_at")
            at = fmt_time(datetime.fromisoformat(sent) if sent else None, tz)
            lines.append(texts.CARD_FORWARDED.format(origin=html.escape(_origin(detail)), at=at))
    if edited_at is not None:
        lines.append(texts.CARD_EDITED_MARK.format(at=fmt_time(edited_at, tz)))
    return lines


def list_line(petition: Petition, tz: ZoneInfo, *, for_resident: bool = False) -> str:
    """One line of a list; `for_resident` shows the category as the resident is told it."""
    category = resident_category(petition) if for_resident else petition.category
    status = petition.status
    flag = "🔴" if petition.urgent else ""
    late = "⏰" if petition.overdue and status.is_open else ""
    # Masked before cutting, so a phone number is not cut into something the mask misses.
    summary = html.escape(mask_personal_data(petition.text[:60])[:24].replace("\n", " "))
    return texts.LIST_LINE.format(flags=flag + late, number=petition.number,
                                  category=html.escape(category), label=status_label(status),
                                  due=fmt_time(petition.resolve_due, tz), summary=summary)
