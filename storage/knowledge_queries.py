"""Queries behind the knowledge base's answers (reception.handling.knowledge). Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.enums import QuestionOutcome
from storage.models import KnowledgeQuestion


def question_of_message(session: Session, *, chat_id: int, message_id: int) -> KnowledgeQuestion | None:
    return session.exec(select(KnowledgeQuestion).where(
        KnowledgeQuestion.chat_id == chat_id, KnowledgeQuestion.message_id == message_id)).first()


def outcome_counts(session: Session, *, communities: Sequence[str], since: datetime,
                   until: datetime) -> dict[QuestionOutcome, int]:
    """Questions asked in ``[since, until)`` per outcome."""
    rows = session.execute(
        select(KnowledgeQuestion.outcome, func.count())
        .where(col(KnowledgeQuestion.community_code).in_(list(communities)),
               col(KnowledgeQuestion.asked_at) >= since, col(KnowledgeQuestion.asked_at) < until)
        .group_by(col(KnowledgeQuestion.outcome)))
    return {outcome: int(count) for outcome, count in rows}  # the column type hands back members
