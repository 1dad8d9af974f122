"""What a petition looks like: the staff card, the resident's status view, list lines.

Output is plain data (HTML text and button rows); turning it into Telegram objects is the
delivery worker's job.
"""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlmodel import Session

from nlp import Location, mask_name, mask_personal_data, mask_phone
from reception import texts
from reception.petition import callback_data
from reception.petition.callback_data import CardAction
from reception.petition.outbox import Buttons
from reception.petition.states import Status
from storage import queries
from storage.models import Petition, Resident, Staff

if TYPE_CHECKING:  # the petition layer sits below the wired dependencies
    from reception.deps import Deps

CARD_TEXT_LIMIT = 1500
MEDIA_LABELS = {"photo": "图片", "voice": "语音", "location": "位置", "document": "文件",
                "video": "视频", "contact": "名片"}
ACTION_LABELS = {
    "submit": "提交诉求", "append": "补充内容", "claim": "认领", "reply": "回复居民",
    "ask": "请居民补充", "answer": "居民补充", "reassign": "转派", "resolve": "办结",
    "reject": "驳回", "merge": "合并", "cancel": "居民撤回", "rate": "居民评价",
    "reopen": "重新办理", "mark_complex": "标记为复杂诉求", "remind": "临期提醒",
    "overdue": "超期督办", "escalate": "升级督办", "walkin": "登记来访",
    "view_contact": "查看居民联系方式（网页工作台）", "calendar": "节假日安排更新",
    "alert": "紧急提醒",
}


@dataclass(frozen=True)
class Card:
    text: str
    buttons: Buttons = field(default_factory=list)


def fmt_time(when: datetime | None, tz: ZoneInfo) -> str:
    if when is None:
        return "—"
    local = when.astimezone(tz)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def address_of(petition: Petition) -> str:
    return Location(petition.building, petition.unit, petition.room).label()


def resident_label(resident: Resident | None, petition: Petition, *, masked: bool) -> str:
    name = resident.name if resident else petition.visitor_name
    phone = (resident.phone if resident else petition.visitor_phone) or ""
    if not masked:
        return f"{name or '来访群众'} {phone}".strip()
    label = mask_name(name) if name else ("居民" if resident else "来访群众")
    return f"{label}（尾号{phone[-4:]}）" if phone else label


def render_card(session: Session, deps: Deps, petition: Petition, *, chat_id: int) -> Card:
    """The card for ``chat_id``; only the responsible group's card carries buttons."""
    tz = deps.settings.tz
    community = deps.org.community(petition.community_code)
    grid = deps.org.grid(petition.community_code, petition.grid_code)
    resident = session.get(Resident, petition.resident_id) if petition.resident_id else None
    handler = session.get(Staff, petition.handler_staff_id) if petition.handler_staff_id else None
    status = Status(petition.status)
    urgent = " · 🔴<b>紧急</b>" if petition.urgent else ""
    complex_mark = " · 复杂" if petition.complex else ""
    channel = {"walkin": " · 来访登记", "phone": " · 电话登记"}.get(petition.channel, "")
    lines = [
        f"📋 <b>{petition.number}</b> · {html.escape(petition.category)}{urgent}{complex_mark}{channel}",
        f"状态：<b>{status.label}</b>　处理人：{html.escape(handler.name) if handler else '—'}"
        + ("　⏰<b>已超期</b>" if petition.overdue and status.is_open else ""),
        f"地点：{html.escape(community.name)}"
        + (f" {html.escape(grid.name)}" if grid else "")
        + (f" {address_of(petition)}" if address_of(petition) else ""),
        f"居民：{html.escape(resident_label(resident, petition, masked=True))}",
    ]
    body = mask_personal_data(petition.text)
    if len(body) > CARD_TEXT_LIMIT:
        body = body[:CARD_TEXT_LIMIT] + f"…（全文共 {len(petition.text)} 字，/show {petition.number}）"
    lines.append(f"内容：{html.escape(body) if body else '（无文字）'}")
    media = Counter(kind for kind in queries.inbound_kinds(session, petition.id) if kind in MEDIA_LABELS)
    if media:
        lines.append("附件：" + "、".join(f"{MEDIA_LABELS[k]} {n}" for k, n in media.items()))
    lines.append(_explanation(petition))
    if petition.urgent_words:
        lines.append("紧急依据：" + html.escape("、".join(petition.urgent_words)))
    lines.append(
        f"响应时限：{fmt_time(petition.respond_due, tz)}"
        + (f"（已于 {fmt_time(petition.first_response_at, tz)} 响应）" if petition.first_response_at else "")
        + f"\n办结时限：{fmt_time(petition.resolve_due, tz)}{provisional_mark(deps, petition.resolve_due)}"
    )
    if petition.paused_at and status is Status.WAITING:
        lines.append(f"⏸ 等待居民补充（{fmt_time(petition.paused_at, tz)} 起暂停计时）")
    ladder = _ladder_line(petition)
    if ladder and status.is_open:
        lines.append(ladder)
    lines.extend(_outcome_lines(session, petition))
    buttons: Buttons = []
    if status.is_open and chat_id == petition.group_chat_id:
        buttons = _buttons(session, petition, status)
    elif status.is_open and petition.group_chat_id and chat_id != petition.group_chat_id:
        lines.append("（本卡片仅供督办查看，由责任工作群办理）")
    return Card(text="\n".join(lines), buttons=buttons)


_LADDER = {1: "已临期提醒", 2: "已超期，报街道督办", 3: "已升级区级督办"}


def _ladder_line(petition: Petition) -> str:
    """Where the petition stands on the reminder / escalation ladder (督办)."""
    parts = []
    if petition.respond_step and petition.first_response_at is None:
        parts.append(f"响应{_LADDER.get(petition.respond_step, '')}")
    if petition.resolve_step:
        parts.append(f"办结{_LADDER.get(petition.resolve_step, '')}")
    return "督办：" + "；".join(parts) if parts else ""


def _explanation(petition: Petition) -> str:
    words = "、".join(petition.keywords[:6]) or "无"
    text = f"分类依据：关键词 {html.escape(words)}；置信度 {petition.confidence:.2f}"
    if petition.runner_up:
        text += f"；次选 {html.escape(petition.runner_up)}"
    if petition.triage:
        text += "（置信度低，待分诊）"
    return text


def _outcome_lines(session: Session, petition: Petition) -> list[str]:
    lines = []
    if petition.result:
        lines.append(f"办理结果：{html.escape(petition.result)}")
    if petition.reject_reason:
        lines.append(f"驳回原因：{html.escape(petition.reject_reason)}")
    if petition.rating:
        lines.append(f"居民评价：{texts.RATING_LABELS.get(petition.rating, petition.rating)}")
    if petition.reopen_count:
        lines.append(f"重新办理：{petition.reopen_count} 次")
    if petition.merged_into_id:
        into = session.get(Petition, petition.merged_into_id)
        lines.append(f"已合并到：{into.number if into else '—'}")
    followers = queries.merged_numbers(session, petition.id)
    if followers:
        lines.append("合并的重复诉求：" + "、".join(followers))
    return lines


def _buttons(session: Session, petition: Petition, status: Status) -> Buttons:
    pid = petition.id
    button = callback_data.card
    first = [(texts.CARD_REASSIGN, button(CardAction.REASSIGN, pid))]
    if status in (Status.SUBMITTED, Status.REOPENED):
        first.insert(0, (texts.CARD_CLAIM, button(CardAction.CLAIM, pid)))
    rows: Buttons = [
        first,
        [(texts.CARD_RESOLVE, button(CardAction.RESOLVE, pid)),
         (texts.CARD_REJECT, button(CardAction.REJECT, pid))],
    ]
    if petition.duplicate_of_id:
        original = queries.number_and_status(session, petition.duplicate_of_id)
        if original and Status(original[1]).is_open:
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
    status = Status(petition.status)
    lines = [
        f"诉求 <b>{petition.number}</b>（{html.escape(resident_category(petition))}）",
        f"状态：<b>{status.label}</b>",
        f"提交时间：{fmt_time(petition.created_at, tz)}",
        f"承诺响应：{fmt_time(petition.respond_due, tz)} 前　承诺办结：{fmt_time(petition.resolve_due, tz)} 前",
        f"内容：{html.escape(petition.text[:300]) or '（无文字）'}",
    ]
    return "\n".join(lines) + "\n" + render_timeline(session, deps, petition)


def render_timeline(session: Session, deps: Deps, petition: Petition) -> str:
    """The timeline, oldest first: one line per event."""
    lines = ["办理记录："]
    for event in queries.timeline(session, petition.id):
        label = ACTION_LABELS.get(event.action, event.action)
        lines.append(f"· {fmt_time(event.at, deps.settings.tz)} {label}{_event_note(event.detail)}")
    return "\n".join(lines)


def _event_note(detail: dict) -> str:
    for key in ("result", "reason", "text", "rating_label", "target"):
        if detail.get(key):
            value = mask_personal_data(str(detail[key]))  # the timeline is shown in groups
            return "：" + html.escape(value[:80] + ("…" if len(value) > 80 else ""))
    return ""


def list_line(petition: Petition, tz: ZoneInfo, *, for_resident: bool = False) -> str:
    """One line of a list; `for_resident` shows the category as the resident is told it."""
    category = resident_category(petition) if for_resident else petition.category
    status = Status(petition.status)
    flag = "🔴" if petition.urgent else ""
    late = "⏰" if petition.overdue and status.is_open else ""
    # Masked before cutting, so a phone number is not cut into something the mask misses.
    summary = html.escape(mask_personal_data(petition.text[:60])[:24].replace("\n", " "))
    return (
        f"{flag}{late}<b>{petition.number}</b> {html.escape(category)} · {status.label}"
        f" · 办结时限 {fmt_time(petition.resolve_due, tz)}\n　{summary}"
    )


def masked_phone(phone: str | None) -> str:
    return mask_phone(phone) if phone else ""
