"""Which staff group answers for a petition: by community, then category and grid."""

from __future__ import annotations

from sqlmodel import Session

from reception.org import Organisation
from storage import queries
from storage.enums import ScopeKind
from storage.models import StaffGroup


def route(
    session: Session,
    org: Organisation,
    *,
    community_code: str,
    category: str,
    grid_code: str | None,
    triage: bool,
) -> StaffGroup | None:
    """The most specific active group bound to the community that accepts the petition.

    A group with a category (or grid) filter takes only matching petitions and wins over a
    general group. Uncertain petitions (``triage``) go to a triage group when there is one.
    With no community group at all, the street's group takes it; None when nobody is bound.
    """
    groups = queries.active_groups(session, scope_kind=ScopeKind.COMMUNITY, scope_code=community_code)
    if triage:
        triage_groups = [g for g in groups if g.triage]
        if triage_groups:
            return triage_groups[0]
    best: tuple[int, StaffGroup] | None = None
    for group in groups:
        score = _score(group, category=category, grid_code=grid_code)
        if score is not None and (best is None or score > best[0]):
            best = (score, group)
    if best is not None:
        return best[1]
    street = org.street_of(community_code).code
    street_groups = queries.active_groups(session, scope_kind=ScopeKind.STREET, scope_code=street)
    return street_groups[0] if street_groups else None


def _score(group: StaffGroup, *, category: str, grid_code: str | None) -> int | None:
    if group.triage and not group.categories and not group.grids:
        return 0 if not group.categories else None
    score = 1
    if group.categories:
        if category not in group.categories:
            return None
        score += 4
    if group.grids:
        if grid_code not in group.grids:
            return None
        score += 2
    return score
