"""The digest's lines about the office's practice: knowledge-base answers, home visits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from reception.reports import texts as t
from storage import knowledge_queries

if TYPE_CHECKING:
    from reception.deps import Deps


def practice_lines(session: Session, deps: Deps, *, communities: Sequence[str], since: datetime,
                   until: datetime) -> list[str]:
    """Lines for the week ``[since, until)``; none when there is nothing to say."""
    lines: list[str] = []
    asked = knowledge_queries.outcome_counts(session, communities=communities, since=since,
                                             until=until)
    if total := sum(asked.values()):
        lines.append(t.DIGEST_KNOWLEDGE.format(
            total=total, solved=asked.get("solved", 0), filed=asked.get("filed", 0),
            pending=asked.get("pending", 0)))
    return lines
