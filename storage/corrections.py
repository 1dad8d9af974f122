"""Staff corrections of the classifier, read back as training rows."""

from __future__ import annotations

from sqlmodel import Session, col, select

from storage.models import Correction


def list_corrections(session: Session) -> list[tuple[str, str]]:
    """Every stored correction as (text, corrected category), oldest first."""
    rows = session.exec(select(Correction).order_by(col(Correction.id)))
    return [(row.text, row.to_category) for row in rows]
