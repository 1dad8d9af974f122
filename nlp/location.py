"""Find building / unit / room in a message: "3号楼2单元501", "12幢3单元302室", "2-3-501".

"3楼" is deliberately not a building: in everyday Chinese it means the third floor.
"""

from __future__ import annotations

import re

from nlp.model import Location

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_NUM = r"(?:(?<!\d)\d{1,4}|[零〇一二两三四五六七八九十百]{1,5})"
# "一座亭子", "建了一栋楼", "每栋", "两栋之间": 一 / 两 right before 栋, 座 or 幢 count buildings
# ("a", "two"), they do not name one; "1栋", "一号楼" do.
_BUILDING = (rf"(?P<building>(?![一两][栋座幢]){_NUM}|(?<![A-Za-z])[A-Za-z])"
             r"\s*(?:号楼|[#＃]楼?|号?栋|幢|座)")
_UNIT = rf"(?P<unit>{_NUM})\s*单元"
_ROOM_AFTER = r"(?P<room>(?<!\d)\d{3,4})(?!\d|\s*[年月日元块万米])\s*(?:室|房|号|户)?"

_HYPHENATED = re.compile(r"(?<![\d-])(\d{1,3})-(\d{1,2})-(\d{3,4})(?![\d-])")
_FULL = re.compile(rf"{_BUILDING}\s*[-—]?\s*(?:{_UNIT})?\s*[-—]?\s*(?:{_ROOM_AFTER})?")
_UNIT_ROOM = re.compile(rf"{_UNIT}\s*[-—]?\s*(?:{_ROOM_AFTER})?")
_ROOM_ALONE = re.compile(r"(?<!\d)(?P<room>\d{3,4})\s*(?:室|房)")

# Each pattern, with a cheap test for the character(s) it cannot match without: most
# messages name no building, and a scan for one character is far cheaper than trying a
# pattern at every position.
_CUED = (
    (_FULL, re.compile(r"[楼#＃栋幢座]")),
    (_UNIT_ROOM, re.compile("单元")),
    (_ROOM_ALONE, re.compile("[室房]")),
)


def parse_location(text: str) -> Location:
    """Return the first building/unit/room found in `text`; an empty Location when none."""
    match = _HYPHENATED.search(text) if "-" in text else None
    if match:
        building, unit, room = match.groups()
        return Location(_number(building), _number(unit), room)
    for pattern, cue in _CUED:
        match = pattern.search(text) if cue.search(text) else None
        if match:
            found = match.groupdict()
            return Location(
                building=_number(found.get("building")),
                unit=_number(found.get("unit")),
                room=found.get("room"),
            )
    return Location()


def _number(raw: str | None) -> str | None:
    """Normalise "03" -> "3", "十二" -> "12", "a" -> "A"; None stays None."""
    if raw is None:
        return None
    if raw.isdigit():
        return str(int(raw))
    if raw.isascii():
        return raw.upper()
    return str(chinese_number(raw))


def chinese_number(text: str) -> int:
    """Convert a small Chinese numeral: "三" 3, "十二" 12, "二十三" 23, "一百零五" 105, "五〇一" 501."""
    if "十" not in text and "百" not in text:
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    total, digit = 0, 0
    for char in text:
        if char == "百":
            total += (digit or 1) * 100
            digit = 0
        elif char == "十":
            total += (digit or 1) * 10
            digit = 0
        else:
            digit = _CN_DIGITS[char]
    return total + digit
