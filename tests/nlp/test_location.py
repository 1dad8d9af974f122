"""Building / unit / room patterns residents actually write."""

from __future__ import annotations

import pytest

from nlp import Location, parse_location
from nlp.location import chinese_number


@pytest.mark.parametrize(
    ("text", "building", "unit", "room"),
    [
        ("3号楼2单元501", "3", "2", "501"),
        ("我住5栋", "5", None, None),
        ("12幢3单元302室漏水", "12", "3", "302"),
        ("三号楼门口", "3", None, None),
        ("2-3-501楼上漏水", "2", "3", "501"),
        ("十二栋一单元", "12", "1", None),
        ("7#楼1203", "7", None, "1203"),
        ("B座", "B", None, None),
        ("8号楼 1单元 602房", "8", "1", "602"),
        ("2单元1101室", None, "2", "1101"),
        ("1102室的住户", None, None, "1102"),
        ("住在3楼，楼上很吵", None, None, None),  # 3楼 is the third floor
        ("5栋2020年就有这个问题", "5", None, None),  # a year is not a room
        ("电话13812345678", None, None, None),
        ("2020-3-15那天", None, None, None),  # a date is not 2-3-501
        ("", None, None, None),
    ],
)
def test_parse_location(text, building, unit, room):
    assert parse_location(text) == Location(building, unit, room)


@pytest.mark.parametrize(
    ("location", "label"),
    [
        (Location("3", "2", "501"), "3号楼2单元501室"),
        (Location("5", None, None), "5号楼"),
        (Location(None, None, "1102"), "1102室"),
        (Location(), ""),
    ],
)
def test_label(location, label):
    assert location.label() == label


@pytest.mark.parametrize(
    ("numeral", "value"),
    [("三", 3), ("十", 10), ("十二", 12), ("二十", 20), ("二十三", 23), ("一百零五", 105),
     ("五〇一", 501), ("两", 2)],
)
def test_chinese_number(numeral, value):
    assert chinese_number(numeral) == value


@pytest.mark.parametrize("text", ["小区里违建一座亭子", "开发商要新建一栋十五层高的楼", "两栋楼之间的空地"])
def test_a_building_counted_is_not_a_building_named(text):
    assert parse_location(text).building is None


@pytest.mark.parametrize(("text", "building"), [("一号楼漏水", "1"), ("十一栋楼下", "11"), ("1栋水果店", "1")])
def test_numbered_buildings_still_count(text, building):
    assert parse_location(text).building == building
