"""The petition timeline: append-only records of who did what, when."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from storage import writes
from storage.models import Petition


@dataclass(frozen=True)
class Actor:
    kind: str  # resident | staff | system
    id: int | None = None  # Resident.id / Staff.id
    name: str = ""

    @classmethod
    def system(cls) -> Actor:
        return cls("system", None, "系统")


def record(
    session: Session,
    petition: Petition,
    *,
    action: str,
    actor: Actor,
    at: datetime,
    from_status: str | None = None,
    to_status: str | None = None,
    **detail: Any,
) -> None:
    """Append one event; ``detail`` holds what the event needs to be read later."""
    if actor.name:
        detail.setdefault("actor_name", actor.name)
    writes.insert_event(
        session,
        petition_id=petition.id,
        at=at,
        actor_kind=actor.kind,
        actor_id=actor.id,
        action=action,
        from_status=from_status,
        to_status=to_status,
        detail=detail,
    )


def event_row(
    petition_id: int,
    *,
    action: str,
    actor: Actor,
    at: datetime,
    from_status: str | None = None,
    to_status: str | None = None,
    **detail: Any,
) -> dict[str, Any]:
    """One event as a row, for ``record_all``: what ``record`` would append."""
    if actor.name:
        detail.setdefault("actor_name", actor.name)
    return {
        "petition_id": petition_id, "at": at, "actor_kind": actor.kind, "actor_id": actor.id,
        "action": action, "from_status": from_status, "to_status": to_status, "detail": detail,
    }


def record_all(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Append many events (``event_row``) with one statement."""
    writes.insert_events(session, rows)
