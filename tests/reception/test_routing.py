"""Which group answers for a petition: category and grid filters, triage, the street's fallback."""

from __future__ import annotations

import pytest

from reception.clock import ManualClock
from reception.petition.routing import route
from storage.db import transaction
from storage.models import StaffGroup
from tests.clocks import bj
from tests.domain import make_deps

GENERAL, PARKING, GRID_1, PARKING_GRID_1, TRIAGE, STREET = -1, -2, -3, -4, -5, -6


@pytest.fixture
def deps(tmp_path):
    deps = make_deps(f"sqlite:///{tmp_path / 'minyuan.db'}", ManualClock(bj(2026, 11, 23, 9)))
    yield deps
    deps.engine.dispose()


def bind(deps, chat_id: int, *, scope_kind: str = "community", scope_code: str = "hongqi",
         categories=(), grids=(), triage: bool = False, active: bool = True) -> None:
    with transaction(deps.engine) as session:
        session.add(StaffGroup(chat_id=chat_id, title=str(chat_id), scope_kind=scope_kind,
                               scope_code=scope_code, categories=list(categories),
                               grids=list(grids), triage=triage, active=active, bound_by=1,
                               bound_at=bj(2026, 11, 1)))


def routed(deps, *, category: str = "物业管理", grid: str | None = "g1",
           triage: bool = False, community: str = "hongqi") -> int | None:
    with transaction(deps.engine) as session:
        group = route(session, deps.org, community_code=community, category=category,
                      grid_code=grid, triage=triage)
        return group.chat_id if group else None


@pytest.fixture
def office(deps):
    bind(deps, GENERAL)
    bind(deps, PARKING, categories=["停车交通"])
    bind(deps, GRID_1, grids=["g1"])
    bind(deps, PARKING_GRID_1, categories=["停车交通"], grids=["g1"])
    bind(deps, TRIAGE, triage=True)
    bind(deps, STREET, scope_kind="street", scope_code="xinhua")
    return deps


# (category, grid, triage) -> group: the most specific group that accepts it wins; a
# category filter outweighs a grid filter; triage goes to the triage group.
CASES = [
    ("物业管理", "g2", False, GENERAL),
    ("物业管理", None, False, GENERAL),
    ("物业管理", "g1", False, GRID_1),
    ("停车交通", "g2", False, PARKING),
    ("停车交通", "g1", False, PARKING_GRID_1),
    ("停车交通", "g1", True, TRIAGE),
]


@pytest.mark.parametrize(("category", "grid", "triage", "group"), CASES)
def test_the_most_specific_group_takes_it(office, category, grid, triage, group):
    assert routed(office, category=category, grid=grid, triage=triage) == group


def test_without_a_triage_group_an_uncertain_petition_goes_the_usual_way(deps):
    bind(deps, GENERAL)
    assert routed(deps, triage=True) == GENERAL


def test_a_community_without_a_group_falls_to_its_street(deps):
    bind(deps, GENERAL, active=False)  # unbound groups do not count
    bind(deps, STREET, scope_kind="street", scope_code="xinhua")
    assert routed(deps) == STREET


def test_nobody_bound_means_no_group(deps):
    assert routed(deps, community="qingnian") is None


def test_a_filtered_group_alone_does_not_take_what_it_filters_out(deps):
    bind(deps, PARKING, categories=["停车交通"])
    bind(deps, STREET, scope_kind="street", scope_code="xinhua")
    assert routed(deps, category="物业管理") == STREET
