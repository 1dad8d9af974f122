"""Housekeeping of the desk's sign-in tables. Never commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete
from sqlmodel import Session

from storage.models import WebLogin, WebSession
from storage.tables import table_of


def purge_expired(session: Session, *, now: datetime) -> int:
    """Delete the sessions and login links that expired before ``now``; how many went."""
    gone = 0
    for model in (WebSession, WebLogin):
        table = table_of(model)
        result = cast("CursorResult[Any]", session.execute(delete(table).where(table.c.expires_at < now)))
        gone += result.rowcount or 0
    return gone
