"""Queries behind 每月一题 (reception.reports.monthly). Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from storage.enums import PlaceKind, TopicState
from storage.models import MonthlyTopic, Petition


def topics_of_street(session: Session, street_code: str, *, limit: int = 20) -> list[MonthlyTopic]:
    """The street's topics, those still tracked first, newest first."""
    rows = session.exec(select(MonthlyTopic).where(MonthlyTopic.street_code == street_code)
                        .order_by(col(MonthlyTopic.picked_at).desc(), col(MonthlyTopic.id).desc()))
    topics = list(rows)
    topics.sort(key=lambda t: t.state != TopicState.TRACKING)
    return topics[:limit]


def petitions_of_topic(session: Session, topic: MonthlyTopic, *, since: datetime) -> list[Petition]:
    """The petitions at the topic's place with its category received since ``since``."""
    # As the report groups them: by building when one is known, else by grid.
    place = (col(Petition.building) == topic.place if topic.place_kind == PlaceKind.BUILDING
             else (col(Petition.grid_code) == topic.place) & col(Petition.building).is_(None))
    return list(session.exec(select(Petition).where(
        Petition.community_code == topic.community_code, Petition.category == topic.category,
        place, col(Petition.created_at) >= since).order_by(col(Petition.created_at))))


def petitions_for_report(session: Session, *, communities: Sequence[str], since: datetime,
                         until: datetime) -> list[Row[Any]]:
    """What the monthly report reads of the petitions received in ``[since, until)``: plain
    rows (id, number, community_code, category, building, grid_code, status, created_at)."""
    p = Petition
    query = (core_select(col(p.id), col(p.number), col(p.community_code), col(p.category),
                         col(p.building), col(p.grid_code), col(p.status), col(p.created_at))
             .where(col(p.community_code).in_(list(communities)), col(p.created_at) >= since,
                    col(p.created_at) < until)
             .order_by(col(p.created_at), col(p.id)))
    return list(session.execute(query))
