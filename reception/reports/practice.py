"""The digest's lines about the office's practice: knowledge-base answers, call-backs (回访),
home visits."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from reception.handling.visits import week_norm
from reception.reports import texts as t
from reception.texts import CALLBACK_BUTTONS
from storage import callback_queries, knowledge_queries, queries, visit_queries
from storage.enums import QuestionOutcome
from storage.tables import saved_id

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
            total=total, solved=asked.get(QuestionOutcome.SOLVED, 0),
            filed=asked.get(QuestionOutcome.FILED, 0), pending=asked.get(QuestionOutcome.PENDING, 0)))
    called = callback_queries.done_counts(session, communities=communities, since=since,
                                          until=until)
    if total := sum(called.values()):
        lines.append(t.DIGEST_CALLBACKS.format(
            total=total, outcomes=" · ".join(
                f"{label} {called[code]}" for label, code in CALLBACK_BUTTONS if called.get(code))))
    lines += _visit_lines(session, deps, communities=communities, since=since, until=until)
    return lines


VISIT_LINES = 12  # staff lines at most (a street's digest lists those who met the norm first)


def _visit_lines(session: Session, deps: Deps, *, communities: Sequence[str], since: datetime,
                 until: datetime) -> list[str]:
    """Who met the week's visit norm; nothing when nobody in scope logged a visit that week
    (an office that keeps its diary on paper is not told it failed)."""
    visits = visit_queries.visits_in(session, communities=communities, since=since, until=until)
    if not visits:
        return []
    settings = deps.settings
    staff = visit_queries.community_staff(session, communities)
    known = {saved_id(s) for s in staff}
    names = {saved_id(s): s.name for s in staff}
    names.update(_staff_names(session, {v.staff_id for v in visits} - known))
    norms = [week_norm(names.get(staff_id, "—"), [v for v in visits if v.staff_id == staff_id],
                       tz=settings.tz, half_days=settings.visit_half_days,
                       households=settings.visit_households)
             for staff_id in sorted(known | {v.staff_id for v in visits})]
    norms.sort(key=lambda n: (not n.met, -n.households, n.name))
    lines = [t.DIGEST_VISITS.format(half_days=settings.visit_half_days,
                                    households=settings.visit_households,
                                    met=sum(n.met for n in norms), total=len(norms))]
    lines += [t.DIGEST_VISITS_LINE.format(name=html.escape(n.name), half_days=n.half_days,
                                          households=n.households,
                                          mark=t.DIGEST_VISITS_MET if n.met else "")
              for n in norms[:VISIT_LINES]]
    return lines


def _staff_names(session: Session, ids: set[int]) -> dict[int, str]:
    return queries.staff_names(session, ids) if ids else {}
