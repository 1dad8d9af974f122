"""The petition timeline: append-only records of who did what, when."""

from __future__ import annotations

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
    record_for(session, petition.id,  # type: ignore[arg-type]  # flushed before any event
               action=action, actor=actor, at=at, from_status=from_status,
               to_status=to_status, **detail)


def record_for(
    session: Session,
    petition_id: int,
    *,
    action: str,
    actor: Actor,
    at: datetime,
    from_status: str | None = None,
    to_status: str | None = None,
    **detail: Any,
) -> None:
    """``record`` by the petition's id, for callers that did not load the petition."""
    if actor.name:
        detail.setdefault("actor_name", actor.name)
    writes.insert_event(
        session,
        petition_id=petition_id,
        at=at,
        actor_kind=actor.kind,
        actor_id=actor.id,
        action=action,
        from_status=from_status,
        to_status=to_status,
        detail=detail,
    )
