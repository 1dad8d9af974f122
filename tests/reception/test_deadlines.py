"""Limits, the deadline policy and the calculator, on real 2026 dates.

See test_workdays.py for the 2026 holiday and 调休 facts these dates rely on.
"""

from __future__ import annotations

from datetime import UTC

import pytest

from reception.deadlines.calculator import (
    DeadlineCalculator,
    DeadlinePolicy,
    Deadlines,
    Limit,
    LimitPair,
)
from reception.deadlines.workdays import WorkCalendar
from tests.clocks import bj


def pair(respond: str, resolve: str) -> LimitPair:
    return LimitPair(Limit.parse(respond), Limit.parse(resolve))


@pytest.fixture
def calc() -> DeadlineCalculator:
    return DeadlineCalculator(policy=DeadlinePolicy.default(), calendar=WorkCalendar())


# Limit ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "limit", "canonical", "zh"),
    [
        ("2h", Limit(2, "h"), "2h", "2小时"),
        ("24h", Limit(24, "h"), "24h", "24小时"),
        ("8wh", Limit(8, "wh"), "8wh", "8个工作小时"),
        ("7wd", Limit(7, "wd"), "7wd", "7个工作日"),
        ("1.5h", Limit(1.5, "h"), "1.5h", "1.5小时"),
        (" 15wd ", Limit(15, "wd"), "15wd", "15个工作日"),
        ("4 H", Limit(4, "h"), "4h", "4小时"),
    ],
)
def test_limit_parse_str_and_describe(text, limit, canonical, zh):
    parsed = Limit.parse(text)
    assert parsed == limit
    assert str(parsed) == canonical
    assert Limit.parse(str(parsed)) == parsed
    assert parsed.describe_zh() == zh


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "'' is not a limit"),
        ("7", "'7' is not a limit"),
        ("wd", "'wd' is not a limit"),
        ("7d", "'7d' is not a limit"),
        ("7 days", "'7 days' is not a limit"),
        ("2h30m", "'2h30m' is not a limit"),
        ("-2h", "'-2h' is not a limit"),
        ("0h", "must be positive"),
        ("1.5wd", "whole"),
        (24, "24 is not a limit"),
    ],
)
def test_limit_parse_errors(text, message):
    with pytest.raises(ValueError, match=message):
        Limit.parse(text)


def test_limit_parse_error_shows_how_to_write_one():
    with pytest.raises(ValueError, match=r"e\.g\. '2h', '8wh', '7wd'"):
        Limit.parse("7 days")


def test_limit_rejects_an_unknown_unit():
    with pytest.raises(ValueError, match="unit"):
        Limit(3, "d")  # type: ignore[arg-type]


# DeadlinePolicy ------------------------------------------------------------------------


URGENT = pair("2h", "24h")
NORMAL = pair("1wd", "7wd")
COMPLEX = pair("1wd", "15wd")
UTILITIES = pair("4wh", "1wd")  # 4h / 24h, counted in office time when not urgent


@pytest.mark.parametrize(
    ("urgent", "complex_", "category", "expected"),
    [
        (True, True, "水电气暖", URGENT),  # urgent beats everything
        (True, False, "环境卫生", URGENT),
        (False, True, "水电气暖", COMPLEX),  # complex beats the category
        (False, False, "水电气暖", UTILITIES),  # the category beats normal
        (False, False, "环境卫生", NORMAL),
        (False, False, "", NORMAL),
    ],
)
def test_limits_for_priority(urgent, complex_, category, expected):
    policy = DeadlinePolicy.default()
    assert policy.limits_for(urgent=urgent, complex=complex_, category=category) == expected


def test_calculator_exposes_its_policy_and_calendar():
    policy, calendar = DeadlinePolicy.default(), WorkCalendar()
    calc = DeadlineCalculator(policy=policy, calendar=calendar)
    assert calc.policy is policy
    assert calc.calendar is calendar


def test_from_mapping_of_the_config_table():
    policy = DeadlinePolicy.from_mapping(
        {
            "urgent": {"respond": "1h", "resolve": "12h"},
            "normal": {"respond": "8wh", "resolve": "5wd"},
            "categories": {"物业服务": {"respond": "4wh", "resolve": "3wd"}},
        }
    )
    assert policy.tiers["urgent"] == pair("1h", "12h")
    assert policy.tiers["normal"] == pair("8wh", "5wd")
    assert policy.tiers["complex"] == COMPLEX  # left out: keeps the default
    assert dict(policy.categories) == {"物业服务": pair("4wh", "3wd")}  # replaces the default


def test_from_mapping_of_nothing_is_the_default():
    assert DeadlinePolicy.from_mapping({}) == DeadlinePolicy.default()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"urgent": {"respond": "2x", "resolve": "24h"}}, r"deadlines\.urgent\.respond: '2x'"),
        ({"urgent": {"respond": "2h"}}, r"deadlines\.urgent\.resolve: missing"),
        ({"complex": {"respond": "1wd", "resolve": "0wd"}}, r"deadlines\.complex\.resolve"),
        ({"urgent": {"respond": "2h", "resolve": "24h", "escalate": "1h"}}, r"urgent\.escalate"),
        ({"urgnet": {"respond": "2h", "resolve": "24h"}}, r"deadlines\.urgnet: unknown key"),
        ({"normal": "7wd"}, r"deadlines\.normal: expected a table"),
        ({"categories": ["水电气暖"]}, r"deadlines\.categories: expected a table"),
        (
            {"categories": {"水电气暖": {"respond": "4h", "resolve": 24}}},
            r"deadlines\.categories\.水电气暖\.resolve: 24 is not a limit",
        ),
        ("2h", r"deadlines: expected a table"),
    ],
)
def test_from_mapping_errors_name_the_key(data, message):
    with pytest.raises(ValueError, match=message):
        DeadlinePolicy.from_mapping(data)


def test_policy_needs_all_three_tiers():
    with pytest.raises(ValueError, match="normal, complex"):
        DeadlinePolicy(tiers={"urgent": URGENT})


# DeadlineCalculator --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "limit", "expected"),
    [
        # Clock hours ignore the calendar: across midnight on a National Day holiday.
        (bj(2026, 10, 1, 23, 15), "2h", bj(2026, 10, 2, 1, 15)),
        (bj(2026, 3, 7, 20, 0), "24h", bj(2026, 3, 8, 20, 0)),
        (bj(2026, 3, 10, 11, 0), "2wh", bj(2026, 3, 10, 14, 30)),  # across lunch
        (bj(2026, 3, 10, 16, 30), "8wh", bj(2026, 3, 11, 17, 0)),  # 1 h + 3.5 h + 3.5 h
        (bj(2026, 9, 30, 10, 0), "7wd", bj(2026, 10, 15, 10, 0)),  # across National Day
        (bj(2026, 3, 6, 20, 0), "7wd", bj(2026, 3, 18, 8, 30)),  # received Friday night
    ],
)
def test_due(calc, start, limit, expected):
    result = calc.due(start, Limit.parse(limit))
    assert result == expected
    assert result.tzinfo is UTC


@pytest.mark.parametrize(
    ("start", "urgent", "complex_", "category", "expected"),
    [
        (
            bj(2026, 10, 1, 23, 15),
            True,
            False,
            "燃气泄漏",
            Deadlines(bj(2026, 10, 2, 1, 15), bj(2026, 10, 2, 23, 15)),
        ),
        (
            bj(2026, 3, 6, 20, 0),  # Friday night: both count from Monday 08:30
            False,
            False,
            "环境卫生",
            Deadlines(bj(2026, 3, 10, 8, 30), bj(2026, 3, 18, 8, 30)),
        ),
        (
            bj(2026, 10, 3, 9, 0),  # routine utilities on a holiday: from the next opening
            False,
            False,
            "水电气暖",
            Deadlines(bj(2026, 10, 8, 14, 0), bj(2026, 10, 9, 8, 30)),  # 4wh, 1wd
        ),
        (
            bj(2026, 11, 23, 22, 0),  # routine utilities at 22:00: not 02:00, the next working day
            False,
            False,
            "水电气暖",
            Deadlines(bj(2026, 11, 24, 14, 0), bj(2026, 11, 25, 8, 30)),
        ),
        (
            bj(2026, 11, 23, 22, 40),  # urgent at night: round the clock
            True,
            False,
            "水电气暖",
            Deadlines(bj(2026, 11, 24, 0, 40), bj(2026, 11, 24, 22, 40)),
        ),
        (
            bj(2026, 9, 18, 10, 0),  # complex: 调休 Sunday, Mid-Autumn, National Day, 调休 Sat
            False,
            True,
            "水电气暖",
            Deadlines(bj(2026, 9, 20, 10, 0), bj(2026, 10, 15, 10, 0)),
        ),
    ],
)
def test_deadlines(calc, start, urgent, complex_, category, expected):
    result = calc.deadlines(start=start, urgent=urgent, complex=complex_, category=category)
    assert result == expected


@pytest.mark.parametrize(
    ("reopened_at", "urgent", "complex_", "expected"),
    [
        (bj(2026, 9, 18, 10, 0), False, False, bj(2026, 9, 29, 10, 0)),  # 7wd via 调休 Sunday
        (bj(2026, 9, 18, 10, 0), False, True, bj(2026, 10, 15, 10, 0)),  # 15wd
        (bj(2026, 9, 18, 10, 0), True, False, bj(2026, 9, 19, 10, 0)),  # 24h
    ],
)
def test_resolve_after_reopen_starts_a_new_clock(calc, reopened_at, urgent, complex_, expected):
    result = calc.resolve_after_reopen(
        reopened_at=reopened_at, urgent=urgent, complex=complex_, category="环境卫生"
    )
    assert result == expected


@pytest.mark.parametrize(
    ("due", "paused_from", "paused_to", "limit", "expected"),
    [
        # Clock hours: the wall-clock length of the pause, 45 minutes.
        (
            bj(2026, 10, 2, 1, 15),
            bj(2026, 10, 1, 23, 45),
            bj(2026, 10, 2, 0, 30),
            "2h",
            bj(2026, 10, 2, 2, 0),
        ),
        # Working days: 10 office hours paused (Wed 16:30 -> Fri 10:00) move Thu 10:00
        # to Fri 14:00.
        (
            bj(2026, 3, 19, 10, 0),
            bj(2026, 3, 11, 16, 30),
            bj(2026, 3, 13, 10, 0),
            "7wd",
            bj(2026, 3, 20, 14, 0),
        ),
        # Two full working days paused: two working days later, over the weekend.
        (
            bj(2026, 3, 19, 10, 0),
            bj(2026, 3, 11, 10, 0),
            bj(2026, 3, 13, 10, 0),
            "7wd",
            bj(2026, 3, 23, 10, 0),
        ),
        # A pause over the weekend only costs nothing.
        (
            bj(2026, 3, 19, 10, 0),
            bj(2026, 3, 13, 18, 0),
            bj(2026, 3, 16, 8, 0),
            "7wd",
            bj(2026, 3, 19, 10, 0),
        ),
        # Working hours: a pause across lunch counts only 13:30-14:00.
        (
            bj(2026, 3, 10, 14, 30),
            bj(2026, 3, 10, 13, 0),
            bj(2026, 3, 10, 14, 0),
            "2wh",
            bj(2026, 3, 10, 15, 0),
        ),
    ],
)
def test_extend_for_pause(calc, due, paused_from, paused_to, limit, expected):
    result = calc.extend_for_pause(
        due, paused_from=paused_from, paused_to=paused_to, limit=Limit.parse(limit)
    )
    assert result == expected


def test_a_pause_cannot_end_before_it_starts(calc):
    with pytest.raises(ValueError, match="pause"):
        calc.extend_for_pause(
            bj(2026, 3, 19, 10, 0),
            paused_from=bj(2026, 3, 12, 10, 0),
            paused_to=bj(2026, 3, 11, 10, 0),
            limit=Limit.parse("7wd"),
        )


# 7wd from Tue 10 Mar 10:00 is due Thu 19 Mar 10:00: 52.5 office hours. 75% is 39.375 h,
# five working days (to Tue 17 Mar 10:00) and 1 h 52 min 30 s more.
REMINDER_CASES = [
    (bj(2026, 3, 10, 10, 0), bj(2026, 3, 19, 10, 0), "7wd", bj(2026, 3, 17, 11, 52, 30)),
    (bj(2026, 10, 1, 23, 15), bj(2026, 10, 2, 1, 15), "2h", bj(2026, 10, 2, 0, 45)),
    (bj(2026, 3, 10, 11, 0), bj(2026, 3, 10, 14, 30), "2wh", bj(2026, 3, 10, 14, 0)),
    # Received Friday night: office time starts Monday 08:30; 75% of 7.5 h is 5 h 37 min 30 s.
    (bj(2026, 3, 6, 20, 0), bj(2026, 3, 10, 8, 30), "1wd", bj(2026, 3, 9, 15, 37, 30)),
]


@pytest.mark.parametrize(("start", "due", "limit", "expected"), REMINDER_CASES)
def test_reminder_at_75_percent(calc, start, due, limit, expected):
    assert calc.reminder_at(start=start, due=due, limit=Limit.parse(limit), share=0.75) == expected


@pytest.mark.parametrize(("start", "due", "limit", "when"), REMINDER_CASES)
def test_progress_is_75_percent_at_the_reminder(calc, start, due, limit, when):
    progress = calc.progress(start=start, due=due, now=when, limit=Limit.parse(limit))
    assert progress == pytest.approx(0.75)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (bj(2026, 3, 9, 10, 0), 0.0),  # before the start
        (bj(2026, 3, 10, 10, 0), 0.0),
        (bj(2026, 3, 16, 10, 0), 4 / 7),  # four working days used
        (bj(2026, 3, 14, 15, 0), 28.5 / 52.5),  # Saturday: Tue 6 h + Wed–Fri 22.5 h
        (bj(2026, 3, 19, 10, 0), 1.0),
        (bj(2026, 3, 20, 10, 0), 8 / 7),  # overdue
    ],
)
def test_progress_counts_office_time_for_working_days(calc, now, expected):
    progress = calc.progress(
        start=bj(2026, 3, 10, 10, 0), due=bj(2026, 3, 19, 10, 0), now=now, limit=Limit.parse("7wd")
    )
    assert progress == pytest.approx(expected)


def test_progress_in_clock_hours_ignores_the_calendar(calc):
    progress = calc.progress(
        start=bj(2026, 10, 1, 23, 15),
        due=bj(2026, 10, 2, 1, 15),
        now=bj(2026, 10, 2, 0, 15),
        limit=Limit.parse("2h"),
    )
    assert progress == 0.5
