"""How late a petition is, in words staff read in /overdue and the morning brief."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from reception import texts
from reception.deadlines.ladder import Step
from reception.petition.cards import fmt_time
from reception.petition.states import Status
from storage.models import Petition


def describe_duration(span: timedelta) -> str:
    """Wall-clock time for people: "2天3小时", "5小时20分钟", "40分钟" (at least one minute)."""
    minutes = max(int(span.total_seconds() // 60), 1)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return texts.DURATION_DAYS.format(days=days) + (
            texts.DURATION_HOURS.format(hours=hours) if hours else "")
    if hours:
        return texts.DURATION_HOURS.format(hours=hours) + (
            texts.DURATION_MINUTES.format(minutes=minutes) if minutes else "")
    return texts.DURATION_MINUTES.format(minutes=minutes)


def lateness(petition: Petition, *, now: datetime, tz: ZoneInfo) -> str:
    """Which deadlines were missed and by how much, and how far it has been escalated.

    A paused petition's clocks stopped when it was paused, so it is late only by what had
    passed before then.
    """
    paused = petition.status == Status.WAITING and petition.paused_at is not None
    counted_to = petition.paused_at if paused and petition.paused_at else now
    parts = []
    respond_due, answered = petition.respond_due, petition.first_response_at
    if respond_due is not None and answered is None and respond_due <= counted_to:
        parts.append(texts.LATE_RESPOND.format(
            late=describe_duration(counted_to - respond_due), due=fmt_time(respond_due, tz)))
    elif respond_due is not None and answered is not None and answered > respond_due:
        parts.append(texts.LATE_RESPONDED.format(
            late=describe_duration(answered - respond_due), at=fmt_time(answered, tz)))
    resolve_due = petition.resolve_due
    if resolve_due is not None and resolve_due <= counted_to:
        parts.append(texts.LATE_RESOLVE.format(
            late=describe_duration(counted_to - resolve_due), due=fmt_time(resolve_due, tz)))
    level = max(petition.respond_step, petition.resolve_step)
    if level >= Step.OVERDUE:
        parts.append(texts.LADDER_LEVELS[min(level, Step.ESCALATED)])
    if paused:
        parts.append(texts.LATE_PAUSED)
    return "；".join(parts)
