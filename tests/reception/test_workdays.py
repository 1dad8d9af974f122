"""WorkCalendar against China's real 2026 calendar (chinesecalendar 1.11 data).

2026 facts used here, checked with ``chinese_calendar.get_holiday_detail``/``is_workday``:
Spring Festival off Sun 15 – Mon 23 Feb, make-up workdays Sat 14 Feb and Sat 28 Feb;
Mid-Autumn off Fri 25 – Sun 27 Sep; National Day off Thu 1 – Wed 7 Oct (Thu 8 Oct is an
ordinary workday), make-up workdays Sun 20 Sep and Sat 10 Oct.
Office hours are the defaults, 08:30–12:00 and 13:30–17:30 (7.5 h a day).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from reception.deadlines.workdays import WorkCalendar
from tests.clocks import bj

LOGGER = "reception.deadlines.workdays"



@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


def test_chinesecalendar_does_not_know_2027_yet():
    # The fallback tests below rely on this; when a new chinesecalendar covers 2027, move
    # them to the first uncovered year and drop any 2027 extras from config.toml.
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 3, 1))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 6), True),  # ordinary Friday
        (date(2026, 3, 7), False),  # ordinary Saturday
        (date(2026, 2, 14), True),  # 调休 Saturday before Spring Festival
        (date(2026, 2, 16), False),  # Spring Festival Monday
        (date(2026, 2, 28), True),  # 调休 Saturday after Spring Festival
        (date(2026, 9, 20), True),  # 调休 Sunday before National Day
        (date(2026, 9, 25), False),  # Mid-Autumn Friday
        (date(2026, 10, 1), False),  # National Day
        (date(2026, 10, 7), False),  # last day of the National Day break
        (date(2026, 10, 8), True),  # first workday after it
        (date(2026, 10, 10), True),  # 调休 Saturday after National Day
    ],
)
def test_is_workday_follows_the_official_2026_calendar(cal, day, expected):
    assert cal.is_workday(day) is expected


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (bj(2026, 3, 10, 8, 29), False),
        (bj(2026, 3, 10, 8, 30), True),  # opening is inside
        (bj(2026, 3, 10, 11, 59), True),
        (bj(2026, 3, 10, 12, 0), False),  # lunch closes at 12:00 sharp
        (bj(2026, 3, 10, 13, 30), True),
        (bj(2026, 3, 10, 17, 30), False),  # closing is outside
        (bj(2026, 3, 7, 10, 0), False),  # Saturday
        (bj(2026, 2, 14, 10, 0), True),  # 调休 Saturday
        (bj(2026, 10, 5, 10, 0), False),  # National Day Monday
        (datetime(2026, 3, 10, 2, 0, tzinfo=UTC), True),  # 10:00 in Beijing
    ],
)
def test_is_office_time(cal, when, expected):
    assert cal.is_office_time(when) is expected


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (bj(2026, 3, 10, 9, 15), bj(2026, 3, 10, 9, 15)),  # inside: itself
        (bj(2026, 3, 10, 7, 0), bj(2026, 3, 10, 8, 30)),  # early morning
        (bj(2026, 3, 10, 12, 15), bj(2026, 3, 10, 13, 30)),  # lunch break
        (bj(2026, 3, 10, 17, 30), bj(2026, 3, 11, 8, 30)),  # at closing
        (bj(2026, 3, 6, 20, 0), bj(2026, 3, 9, 8, 30)),  # Friday evening
        (bj(2026, 2, 13, 20, 0), bj(2026, 2, 14, 8, 30)),  # Friday evening before a 调休 Sat
        (bj(2026, 9, 30, 18, 0), bj(2026, 10, 8, 8, 30)),  # eve of National Day
    ],
)
def test_next_office_start(cal, when, expected):
    result = cal.next_office_start(when)
    assert result == expected
    assert result.tzinfo is UTC


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Across a weekend: Thu 5 Mar -> Fri 6, Mon 9 … Mon 16 is the 7th working day.
        (bj(2026, 3, 5, 10, 0), 7, bj(2026, 3, 16, 10, 0)),
        # Across National Day: Oct 8 (1), 9 (2), Sat 10 调休 (3), 12, 13, 14, 15 (7).
        (bj(2026, 9, 30, 10, 0), 7, bj(2026, 10, 15, 10, 0)),
        # Across Mid-Autumn and the weekend after it.
        (bj(2026, 9, 24, 10, 0), 1, bj(2026, 9, 28, 10, 0)),
        # A 调休 Saturday counts as a working day.
        (bj(2026, 10, 9, 15, 0), 1, bj(2026, 10, 10, 15, 0)),
        (bj(2026, 2, 13, 10, 0), 1, bj(2026, 2, 14, 10, 0)),
        (bj(2026, 2, 13, 10, 0), 2, bj(2026, 2, 24, 10, 0)),  # then Spring Festival
        # Received on a 调休 Saturday during office hours.
        (bj(2026, 2, 28, 9, 0), 1, bj(2026, 3, 2, 9, 0)),
        # A 调休 Sunday inside the count: Sep 20 (1), 21 … 24 (5), 28 (6), 29 (7).
        (bj(2026, 9, 18, 10, 0), 7, bj(2026, 9, 29, 10, 0)),
        # Received outside office hours: the count starts at the next opening.
        (bj(2026, 3, 6, 20, 0), 7, bj(2026, 3, 18, 8, 30)),  # Friday night
        (bj(2026, 3, 7, 11, 0), 7, bj(2026, 3, 18, 8, 30)),  # Saturday
        (bj(2026, 10, 3, 11, 0), 7, bj(2026, 10, 16, 8, 30)),  # National Day holiday
        (bj(2026, 3, 10, 7, 0), 1, bj(2026, 3, 11, 8, 30)),  # before opening
        (bj(2026, 3, 10, 12, 15), 1, bj(2026, 3, 11, 13, 30)),  # lunch break
        (bj(2026, 3, 10, 17, 30), 1, bj(2026, 3, 12, 8, 30)),  # at closing
        (bj(2026, 3, 10, 8, 30), 1, bj(2026, 3, 11, 8, 30)),  # at opening
        (bj(2026, 3, 10, 10, 0, 45), 0, bj(2026, 3, 10, 10, 0, 45)),  # zero days
    ],
)
def test_add_working_days(cal, start, days, expected):
    result = cal.add_working_days(start, days)
    assert result == expected
    assert result.tzinfo is UTC


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        (bj(2026, 3, 10, 11, 0), 2, bj(2026, 3, 10, 14, 30)),  # across the lunch break
        (bj(2026, 3, 10, 10, 0), 2, bj(2026, 3, 10, 12, 0)),  # ends at closing, not 13:30
        (bj(2026, 3, 10, 12, 15), 1, bj(2026, 3, 10, 14, 30)),  # starts in the lunch break
        (bj(2026, 3, 10, 16, 30), 2, bj(2026, 3, 11, 9, 30)),  # across the night
        (bj(2026, 3, 6, 16, 30), 2, bj(2026, 3, 9, 9, 30)),  # across the weekend
        (bj(2026, 3, 7, 10, 0), 1, bj(2026, 3, 9, 9, 30)),  # starts on Saturday
        (bj(2026, 3, 9, 8, 30), 8, bj(2026, 3, 10, 9, 0)),  # a full day is 7.5 h
        (bj(2026, 9, 30, 17, 0), 1, bj(2026, 10, 8, 9, 0)),  # across National Day
        (bj(2026, 3, 10, 10, 0), 0.25, bj(2026, 3, 10, 10, 15)),
    ],
)
def test_add_working_hours(cal, start, hours, expected):
    assert cal.add_working_hours(start, hours) == expected


@pytest.mark.parametrize(
    ("a", "b", "hours"),
    [
        (bj(2026, 3, 10, 11, 0), bj(2026, 3, 10, 14, 30), 2),  # lunch does not count
        (bj(2026, 3, 6, 16, 0), bj(2026, 3, 9, 9, 0), 2),  # weekend does not count
        (bj(2026, 3, 7, 0, 0), bj(2026, 3, 8, 23, 59), 0),  # only weekend
        (bj(2026, 3, 9, 0, 0), bj(2026, 3, 10, 0, 0), 7.5),  # one working day
        (bj(2026, 9, 30, 0, 0), bj(2026, 10, 9, 0, 0), 15),  # Sep 30 and Oct 8 only
        (bj(2026, 3, 10, 14, 30), bj(2026, 3, 10, 11, 0), -2),  # reversed
    ],
)
def test_working_seconds_between(cal, a, b, hours):
    assert cal.working_seconds_between(a, b) == hours * 3600


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (date(2026, 9, 30), date(2026, 10, 15), 7),
        (date(2026, 3, 6), date(2026, 3, 9), 1),  # Friday to Monday
        (date(2026, 3, 9), date(2026, 3, 9), 0),
        (date(2026, 10, 9), date(2026, 10, 10), 1),  # 调休 Saturday
        (date(2026, 10, 15), date(2026, 9, 30), -7),
    ],
)
def test_workdays_between(cal, a, b, expected):
    assert cal.workdays_between(a, b) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2027, 1, 1), False),  # extra holiday on a Friday
        (date(2027, 1, 2), True),  # extra workday on a Saturday
        (date(2027, 1, 4), True),  # unlisted Monday: Monday to Friday
        (date(2027, 1, 9), False),  # unlisted Saturday
        (date(2026, 3, 10), False),  # an extra holiday beats the official calendar
        (date(2026, 10, 1), True),  # an extra workday beats it too
    ],
)
def test_extras_override_the_calendar(caplog, day, expected):
    cal = WorkCalendar(
        extra_holidays=[date(2027, 1, 1), date(2026, 3, 10)],
        extra_workdays=[date(2027, 1, 2), date(2026, 10, 1)],
    )
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert cal.is_workday(day) is expected
    assert caplog.records == []  # 2027 is configured, so no warning


def test_extras_move_a_deadline_into_2027():
    cal = WorkCalendar(extra_holidays=[date(2027, 1, 1)], extra_workdays=[date(2027, 1, 2)])
    assert cal.add_working_days(bj(2026, 12, 31, 10, 0), 1) == bj(2027, 1, 2, 10, 0)
    assert cal.add_working_days(bj(2026, 12, 31, 10, 0), 2) == bj(2027, 1, 4, 10, 0)


def test_uncovered_year_is_provisional_with_computed_festivals_and_one_warning(cal, caplog):
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        # New Year's Day 2027 is a Friday: the computed festivals know it is off.
        assert cal.is_workday(date(2027, 1, 1)) is False
        assert cal.is_workday(date(2027, 1, 2)) is False
        assert cal.add_working_days(bj(2026, 12, 31, 10, 0), 2) == bj(2027, 1, 5, 10, 0)
        # Spring Festival 2027 (6 February) and the days off after it do not count.
        assert [cal.is_workday(date(2027, 2, d)) for d in (4, 5, 8, 9, 10, 11)] == [
            True, False, False, False, False, True,
        ]
        assert cal.working_seconds_between(bj(2027, 3, 1), bj(2027, 3, 8)) == 5 * 7.5 * 3600
    assert cal.is_provisional(date(2027, 3, 1)) is True
    assert cal.is_provisional(date(2026, 12, 31)) is False
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert "2027" in message
    assert "provisional" in message
    assert "deadlines.extra_holidays" in message
    assert "deadlines.extra_workdays" in message


def test_a_configured_year_is_not_provisional():
    cal = WorkCalendar(extra_holidays=[date(2027, 1, 1)], extra_workdays=[date(2027, 2, 20)])
    assert cal.is_provisional(date(2027, 5, 5)) is False
    assert cal.is_workday(date(2027, 2, 8)) is True  # the operator took over: only the extras count


def test_days_off_and_make_up_days_of_a_year(cal):
    official = cal.days_off_and_make_up_days(2026)
    assert (date(2026, 10, 1), False, "National Day") in official  # a Thursday off
    assert any(workday for _, workday, _ in official)  # 2026 has make-up Saturdays/Sundays
    provisional = cal.days_off_and_make_up_days(2027)
    assert [day for day, _, _ in provisional][:2] == [date(2027, 1, 1), date(2027, 2, 5)]
    assert not any(workday for _, workday, _ in provisional)  # nobody can guess make-up days


def test_uncovered_years_warn_once_each(cal, caplog):
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        for day in (date(2027, 5, 3), date(2028, 5, 3), date(2027, 6, 1), date(2028, 6, 1)):
            cal.is_workday(day)
    assert [r.levelno for r in caplog.records] == [logging.WARNING, logging.WARNING]
    assert "2027" in caplog.records[0].getMessage()
    assert "2028" in caplog.records[1].getMessage()


def test_a_covered_year_logs_nothing(cal, caplog):
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        cal.add_working_days(bj(2026, 9, 30, 10, 0), 7)
    assert caplog.records == []


def test_other_time_zone_and_office_hours():
    cal = WorkCalendar(tz="Asia/Urumqi", office_hours=[(time(10, 0), time(14, 0))])
    start = datetime(2026, 3, 6, 13, 0, tzinfo=ZoneInfo("Asia/Urumqi"))  # Friday
    assert cal.add_working_hours(start, 2) == datetime(
        2026, 3, 9, 11, 0, tzinfo=ZoneInfo("Asia/Urumqi")
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tz": "Mars/Olympus"}, "Mars/Olympus"),
        ({"office_hours": []}, "at least one"),
        ({"office_hours": [(time(12, 0), time(8, 30))]}, "open before it closes"),
        ({"office_hours": [(time(8, 0), time(12, 0)), (time(11, 0), time(17, 0))]}, "overlap"),
        ({"extra_holidays": ["2027-01-01"]}, "extra_holidays"),
        (
            {"extra_holidays": [date(2027, 1, 1)], "extra_workdays": [date(2027, 1, 1)]},
            "2027-01-01",
        ),
    ],
)
def test_bad_construction_raises(kwargs, message):
    with pytest.raises(ValueError, match=message):
        WorkCalendar(**kwargs)


@pytest.mark.parametrize(
    "call",
    [
        lambda cal: cal.is_office_time(datetime(2026, 3, 10, 10, 0)),
        lambda cal: cal.add_working_days(datetime(2026, 3, 10, 10, 0), 1),
        lambda cal: cal.add_working_hours(datetime(2026, 3, 10, 10, 0), 1),
        lambda cal: cal.add_working_days(bj(2026, 3, 10, 10, 0), -1),
        lambda cal: cal.add_working_hours(bj(2026, 3, 10, 10, 0), -1),
    ],
)
def test_naive_datetimes_and_negative_amounts_raise(cal, call):
    with pytest.raises(ValueError):
        call(cal)
