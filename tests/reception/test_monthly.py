"""每月一题's rule: what recurs, how its trend reads. Plain rows, no database."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from reception.reports.monthly import Problem, _add_months, _recurring
from tests.clocks import BEIJING, bj

STARTS = [date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)]


def row(n: int, when, *, building="3", grid="g1", category="房屋维修", status="claimed"):
    return SimpleNamespace(id=n, number=f"MY-{n:04d}", community_code="hongqi", category=category,
                           building=building, grid_code=grid, status=status, created_at=when)


def test_three_at_one_place_with_one_this_month_recur():
    rows = [row(1, bj(2026, 9, 5)), row(2, bj(2026, 10, 5)), row(3, bj(2026, 11, 30, 23, 59))]
    [problem] = _recurring(rows, STARTS, BEIJING)
    assert (problem.place_kind, problem.place, problem.counts) == ("building", "3", (1, 1, 1))
    assert problem.numbers == ("MY-0001", "MY-0002", "MY-0003") and problem.trend == "flat"


@pytest.mark.parametrize("rows", [
    [row(1, bj(2026, 9, 5)), row(2, bj(2026, 10, 5)), row(3, bj(2026, 10, 6))],  # none this month
    [row(1, bj(2026, 11, 5)), row(2, bj(2026, 11, 6))],  # two are not a pattern
    [row(1, bj(2026, 11, 5)), row(2, bj(2026, 11, 6)), row(3, bj(2026, 11, 7), status="merged")],
    [row(1, bj(2026, 11, 5)), row(2, bj(2026, 11, 6)), row(3, bj(2026, 11, 7), building="4")],
    [row(1, bj(2026, 11, 5)), row(2, bj(2026, 11, 6)), row(3, bj(2026, 11, 7), category="噪音扰民")],
])
def test_what_does_not_recur(rows):
    assert _recurring(rows, STARTS, BEIJING) == []


def test_without_a_building_the_grid_is_the_place():
    rows = [row(n, bj(2026, 11, n), building=None) for n in (1, 2, 3)]
    [problem] = _recurring(rows, STARTS, BEIJING)
    assert (problem.place_kind, problem.place, problem.trend) == ("grid", "g1", "new")


@pytest.mark.parametrize(("counts", "trend"), [
    ((0, 0, 3), "new"), ((0, 1, 3), "up"), ((2, 3, 1), "down"), ((1, 1, 1), "flat")])
def test_trend(counts, trend):
    assert Problem("hongqi", "房屋维修", "building", "3", counts, ()).trend == trend


def test_months_roll_over_the_year():
    assert _add_months(date(2027, 1, 1), -2) == date(2026, 11, 1)
    assert _add_months(date(2026, 12, 1), 1) == date(2027, 1, 1)
