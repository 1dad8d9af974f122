"""The petition timeline: append-only records of who did what, when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from storage.models import Petition, PetitionEvent


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
) -> PetitionEvent:
    """Append one event; ``detail`` holds what the event needs to be read later."""
    if actor.name:
        detail.setdefault("actor_name", actor.name)
    event = PetitionEvent(
        petition_id=petition.id,
        at=at,
        actor_kind=actor.kind,
        actor_id=actor.id,
        action=action,
        from_status=from_status,
        to_status=to_status,
        detail=detail,
    )
    session.add(event)
    return event
