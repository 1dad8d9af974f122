"""The State Council's holiday notice, read into days off and make-up working days.

Every November or December the General Office of the State Council publishes next year's
arrangement (国务院办公厅关于YYYY年部分节假日安排的通知), one numbered line per festival::

    二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。
    2月14日（周六）、2月28日（周六）上班。

An administrator pastes that text into ``minyuan calendar import``; this module turns it into
dates. Parenthesised remarks (weekday, lunar date) are dropped first. A range's end may give
only the day (the same month) or month and day; a date may carry its own year (元旦 can begin
on 31 December). Dates without a year belong to the notice's year, named in its title or
first line. Pure: no database, no calendar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from reception.errors import InvalidInput

_NUMERALS = "一二三四五六七八九十"
_ITEM = re.compile(rf"^\s*[{_NUMERALS}]+\s*[、.．]\s*(?P<name>[^：:]+?)\s*[：:]\s*(?P<body>.*)$")
_PARENS = re.compile(r"[（(][^（）()]*[）)]")
_DATE = r"(?:(?P<{p}y>\d{{4}})\s*年\s*)?(?:(?P<{p}m>\d{{1,2}})\s*月\s*)?(?P<{p}d>\d{{1,2}})\s*日"
_RANGE = re.compile(_DATE.format(p="a") + r"\s*(?:至|到|—|－|-|~|～)\s*" + _DATE.format(p="b")
                    + r"\s*放假")
_SINGLE = re.compile(_DATE.format(p="a") + r"\s*放假")
_ANY_DATE = re.compile(_DATE.format(p="a"))
_YEAR = re.compile(r"(\d{4})\s*年")


@dataclass(frozen=True)
class Festival:
    name: str
    days_off: tuple[date, ...]
    workdays: tuple[date, ...]


@dataclass(frozen=True)
class Notice:
    year: int
    festivals: tuple[Festival, ...] = field(default_factory=tuple)

    @property
    def days_off(self) -> dict[date, str]:
        return {day: f.name for f in self.festivals for day in f.days_off}

    @property
    def workdays(self) -> dict[date, str]:
        return {day: f.name for f in self.festivals for day in f.workdays}


def parse_notice(text: str, *, year: int | None = None) -> Notice:
    """Read a notice's festival lines; ``year`` when the pasted text does not name it.

    Raises InvalidInput (a one-line reason) when no year can be found, when no festival
    line is found, or when a festival line names no day off or a date that does not exist.
    """
    lines = [line.strip() for line in text.replace("\r", "\n").split("\n") if line.strip()]
    year = year or _notice_year(lines)
    festivals, pending = [], None
    for line in lines:
        match = _ITEM.match(line)
        if match:
            if pending is not None:
                festivals.append(_festival(*pending, year))
            pending = (match["name"].strip(), match["body"])
        elif pending is not None and _ANY_DATE.match(_PARENS.sub("", line)) and "上班" in line:
            pending = (pending[0], pending[1] + "。" + line)  # make-up days on a line of their own
    if pending is not None:
        festivals.append(_festival(*pending, year))
    if not festivals:
        raise InvalidInput("no festival lines found (expected lines like '一、元旦：1月1日放假…')")
    return Notice(year=year, festivals=tuple(festivals))


def _notice_year(lines: list[str]) -> int:
    for line in lines[:5]:
        if "节假日" in line or "通知" in line:
            found = _YEAR.search(line)
            if found:
                return int(found.group(1))
    raise InvalidInput("the notice's year is not in its first lines; give it with --year")


def _festival(name: str, body: str, year: int) -> Festival:
    plain = _PARENS.sub("", body)
    ranged = _RANGE.search(plain)
    if ranged:
        first = _date(ranged, "a", year=year, month=None, festival=name)
        last = _date(ranged, "b", year=first.year, month=first.month, festival=name)
        if last < first:  # 12月31日至1月2日
            last = last.replace(year=last.year + 1)
        rest = plain[ranged.end():]
    else:
        single = _SINGLE.search(plain)
        if single is None:
            raise InvalidInput(f"{name}: no day off found in '{body.strip()[:60]}'")
        first = last = _date(single, "a", year=year, month=None, festival=name)
        rest = plain[single.end():]
    if (last - first).days > 15:
        raise InvalidInput(f"{name}: {first} to {last} is longer than any festival")
    days_off = tuple(first + timedelta(days=n) for n in range((last - first).days + 1))
    workdays = []
    for sentence in re.split(r"[。；;]", rest):
        if "上班" not in sentence:
            continue
        for found in _ANY_DATE.finditer(sentence.split("上班", 1)[0]):
            day = _date(found, "a", year=year, month=None, festival=name)
            if day.month == 12 and first.month == 1 and not found["ay"]:
                day = day.replace(year=day.year - 1)  # 元旦's make-up day in the old year
            workdays.append(day)
    return Festival(name=name, days_off=days_off, workdays=tuple(workdays))


def _date(match: re.Match[str], prefix: str, *, year: int, month: int | None, festival: str) -> date:
    y = int(match[f"{prefix}y"]) if match[f"{prefix}y"] else year
    m = int(match[f"{prefix}m"]) if match[f"{prefix}m"] else month
    if m is None:
        raise InvalidInput(f"{festival}: a date without its month")
    try:
        return date(y, m, int(match[f"{prefix}d"]))
    except ValueError as exc:
        raise InvalidInput(f"{festival}: {y}-{m}-{match[f'{prefix}d']} is not a date") from exc
