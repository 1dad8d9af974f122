"""Public petition numbers: PREFIX-YYYYMMDD-NNNN, counted per local day."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from storage import queries


def next_number(session: Session, *, prefix: str, now: datetime, tz: ZoneInfo) -> str:
    day = now.astimezone(tz).strftime("%Y%m%d")
    key = f"{prefix}-{day}"
    return f"{key}-{queries.next_counter(session, key):04d}"
