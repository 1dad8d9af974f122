"""Counts and rates, one petition at a time, then mixtures; week boundaries in Shanghai.

The week is Monday 16 – Sunday 22 November 2026 (Beijing time); "now" is Monday 23rd 09:00.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime

import pytest

from reception.reports.metrics import DEFAULT_WEIGHTS, Rates, compute_rates, rate_change, week_bounds
from tests.reception.report_fixtures import BEIJING, bj, hours, petition

START, END, NOW = bj(2026, 11, 16), bj(2026, 11, 23), bj(2026, 11, 23, 9)
RECEIVED = bj(2026, 11, 18, 10)  # Wednesday 10:00
RESPOND_DUE = bj(2026, 11, 19, 10)
RESOLVE_DUE = bj(2026, 11, 20, 10)  # shortened to fall before "now", so it can be missed


def one(**fields):
    base = dict(respond_due=RESPOND_DUE, resolve_due=RESOLVE_DUE)
    base.update(fields)
    return petition(base.pop("created_at", RECEIVED), **base)


def counts(rates: Rates) -> dict[str, object]:
    """The non-zero counts and all three rates, for compact expectations."""
    values = asdict(rates)
    rates_only = {k: values.pop(k) for k in ("response_rate", "resolution_rate",
                                              "satisfaction_rate")}
    return {**{k: v for k, v in values.items() if v}, **rates_only}


NO_RATES = dict(response_rate=None, resolution_rate=None, satisfaction_rate=None)
ANSWERED = dict(received=1, responded=1, responded_on_time=1, respond_expected=1)

CASES = {
    "responded, resolved on time, satisfied": (
        dict(status="closed", first_response_at=RECEIVED + hours(1),
             resolved_at=RECEIVED + hours(30), rating="satisfied", rated_at=bj(2026, 11, 20, 12)),
        dict(**ANSWERED, resolved=1, resolved_on_time=1, resolve_expected=1, rated=1,
             satisfied=1, response_rate=1.0, resolution_rate=1.0, satisfaction_rate=1.0),
    ),
    "responded late": (
        dict(status="claimed", first_response_at=RESPOND_DUE + hours(2)),
        dict(received=1, responded=1, respond_expected=1, resolve_expected=1, overdue=1,
             response_rate=0.0, resolution_rate=0.0, satisfaction_rate=None),
    ),
    "never responded, response due passed": (
        dict(resolve_due=bj(2026, 11, 27, 10)),
        dict(received=1, respond_expected=1, overdue=1, response_rate=0.0,
             resolution_rate=None, satisfaction_rate=None),
    ),
    "received Sunday night, nothing due yet": (
        dict(created_at=bj(2026, 11, 22, 23), respond_due=bj(2026, 11, 24, 8, 30),
             resolve_due=bj(2026, 12, 2, 8, 30)),
        dict(received=1, **NO_RATES),
    ),
    "rejected: the rejection is the response, never resolvable": (
        dict(status="rejected", closed_at=RECEIVED + hours(3), reject_reason="不属于社区职责"),
        dict(**ANSWERED, rejected=1, response_rate=1.0, resolution_rate=None,
             satisfaction_rate=None),
    ),
    "resolved late": (
        dict(status="resolved", first_response_at=RECEIVED + hours(1),
             resolved_at=RESOLVE_DUE + hours(5)),
        dict(**ANSWERED, resolved=1, resolve_expected=1, overdue=1, response_rate=1.0,
             resolution_rate=1.0, satisfaction_rate=None),
    ),
    "unresolved past the resolve due": (
        dict(status="claimed", first_response_at=RECEIVED + hours(1)),
        dict(**ANSWERED, resolve_expected=1, overdue=1, response_rate=1.0,
             resolution_rate=0.0, satisfaction_rate=None),
    ),
    "waiting on the resident since before the due: clock stopped": (
        dict(status="waiting", first_response_at=RECEIVED + hours(1),
             paused_at=RESOLVE_DUE - hours(2)),
        dict(**ANSWERED, response_rate=1.0, resolution_rate=None, satisfaction_rate=None),
    ),
    "reopened after 不满意, not yet resolved again": (
        dict(status="reopened", first_response_at=RECEIVED + hours(1), reopen_count=1,
             rating="unsatisfied", rated_at=bj(2026, 11, 21), resolve_due=bj(2026, 12, 1, 10)),
        dict(**ANSWERED, reopened=1, rated=1, unsatisfied=1, response_rate=1.0,
             resolution_rate=None, satisfaction_rate=0.0),
    ),
    "基本满意 counts 0.9": (
        dict(status="closed", first_response_at=RECEIVED + hours(1),
             resolved_at=RECEIVED + hours(2), rating="basic", rated_at=bj(2026, 11, 19)),
        dict(**ANSWERED, resolved=1, resolved_on_time=1, resolve_expected=1, rated=1, basic=1,
             response_rate=1.0, resolution_rate=1.0, satisfaction_rate=0.9),
    ),
    "marked overdue by the sweep": (
        dict(status="claimed", first_response_at=RECEIVED + hours(1), overdue=True,
             resolve_due=bj(2026, 11, 27)),
        dict(**ANSWERED, overdue=1, response_rate=1.0, **{k: None for k in (
            "resolution_rate", "satisfaction_rate")}),
    ),
    "merged into another: counted there": (dict(status="merged"), dict(**NO_RATES)),
    "cancelled by the resident": (dict(status="cancelled"), dict(**NO_RATES)),
    "response after now is not yet a response": (
        dict(first_response_at=NOW + hours(1), resolve_due=bj(2026, 11, 30)),
        dict(received=1, respond_expected=1, overdue=1, response_rate=0.0,
             resolution_rate=None, satisfaction_rate=None),
    ),
}


@pytest.mark.parametrize("fields, expected", CASES.values(), ids=CASES.keys())
def test_one_petition(fields, expected):
    rates = compute_rates([one(**fields)], period_start=START, period_end=END, now=NOW)
    assert counts(rates) == expected


BOUNDARIES = {
    "Monday 00:00 local is the first instant": (bj(2026, 11, 16, 0, 0), 1),
    "Monday 01:00 local is still Sunday in UTC": (datetime(2026, 11, 15, 17, tzinfo=UTC), 1),
    "Sunday 23:59 local": (bj(2026, 11, 22, 23, 59), 1),
    "the next Monday 00:00 belongs to next week": (bj(2026, 11, 23, 0, 0), 0),
    "the Sunday before, 23:59 local": (bj(2026, 11, 15, 23, 59), 0),
}


@pytest.mark.parametrize("created, received", BOUNDARIES.values(), ids=BOUNDARIES.keys())
def test_week_boundaries_are_local(created, received):
    rates = compute_rates([petition(created)], period_start=START, period_end=END, now=NOW)
    assert rates.received == received


def test_a_mixed_week():
    rows = [
        one(status="closed", first_response_at=RECEIVED + hours(1), resolved_at=RECEIVED
            + hours(4), rating=rating, rated_at=bj(2026, 11, 21))
        for rating in ("satisfied", "satisfied", "basic", "unsatisfied")
    ] + [
        one(status="claimed", first_response_at=RESPOND_DUE + hours(1)),  # late, unresolved
        one(status="rejected", closed_at=RECEIVED + hours(1)),
        one(created_at=bj(2026, 11, 22, 20), respond_due=bj(2026, 11, 24, 8, 30), resolve_due=bj(2026, 12, 2)),
        one(created_at=bj(2026, 11, 10)),  # the week before: not counted
    ]
    rates = compute_rates(rows, period_start=START, period_end=END, now=NOW)
    assert counts(rates) == dict(
        received=7, responded=6, responded_on_time=5, respond_expected=6,
        resolved=4, resolved_on_time=4, resolve_expected=5, rejected=1, overdue=1,
        rated=4, satisfied=2, basic=1, unsatisfied=1,
        response_rate=5 / 6, resolution_rate=4 / 5, satisfaction_rate=pytest.approx(2.9 / 4),
    )


def test_custom_weights():
    rows = [one(rating="basic"), one(rating="satisfied")]
    weights = {**DEFAULT_WEIGHTS, "basic": 0.8}
    rates = compute_rates(rows, period_start=START, period_end=END, now=NOW, weights=weights)
    assert rates.satisfaction_rate == pytest.approx(0.9)


WEEKS = {
    "Monday morning: the week just ended": (datetime(2026, 11, 23, 9, tzinfo=BEIJING), 16),
    "Monday 00:00 exactly": (datetime(2026, 11, 23, 0, tzinfo=BEIJING), 16),
    "Monday 00:30 local is Sunday 16:30 UTC": (datetime(2026, 11, 22, 16, 30, tzinfo=UTC), 16),
    "Sunday 23:59: the week before": (datetime(2026, 11, 22, 23, 59, tzinfo=BEIJING), 9),
    "Wednesday": (datetime(2026, 11, 25, 15, tzinfo=BEIJING), 16),
    "across a month end": (datetime(2026, 12, 2, 9, tzinfo=BEIJING), 23),
}


@pytest.mark.parametrize("moment, start_day", WEEKS.values(), ids=WEEKS.keys())
def test_week_bounds(moment, start_day):
    start, end = week_bounds(moment, BEIJING)
    assert (start.month, start.day, start.hour, start.weekday()) == (11, start_day, 0, 0)
    assert end - start == hours(24 * 7)
    assert start.utcoffset() == hours(8)


@pytest.mark.parametrize("current, previous, change", [
    (0.9, 0.8, 10.0), (0.5, 0.75, -25.0), (None, 0.5, None), (1.0, None, None), (0.7, 0.7, 0.0),
])
def test_rate_change_in_points(current, previous, change):
    assert rate_change(current, previous) == change
