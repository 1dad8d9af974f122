"""Find many regular expressions in a text fast, by the characters they can start with.

Scanning a text with one alternation of a few hundred expressions costs Python's `re` a try
of every alternative at every position (as much as jieba's whole segmentation). Most
positions cannot start any of them: each expression can only begin with a few characters
(燃, 煤, 着 …). `Dispatcher` finds those positions with one character-class scan, in C, and
tries there only the expressions that can start with the character found.

An expression whose first character cannot be bounded (it starts with `.` or a negated
class) is tried everywhere, by a scan of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

MAX_CLASS = 400  # a character class larger than this is treated as "any character"
_DIGITS = "0123456789０１２３４５６７８９"


def first_chars(pattern: str) -> frozenset[str] | None:
    """The characters a match of `pattern` can start with; None when they are unbounded
    (or the pattern can match the empty string)."""
    chars, nullable = _first_of_sequence(list(_parser.parse(pattern)))
    return None if chars is None or nullable else frozenset(chars)


def _first_of_sequence(items: list[tuple[Any, Any]]) -> tuple[set[str] | None, bool]:
    out: set[str] = set()
    for op, av in items:
        chars, nullable = _first_of_item(op, av)
        if chars is None:
            return None, False
        out |= chars
        if not nullable:
            return out, False
    return out, True


def _first_of_item(op: Any, av: Any) -> tuple[set[str] | None, bool]:
    if op is sre.LITERAL:
        return {chr(av)}, False
    if op is sre.IN:
        return _class(av), False
    if op is sre.BRANCH:
        out: set[str] = set()
        nullable = False
        for branch in av[1]:
            chars, empty = _first_of_sequence(list(branch))
            if chars is None:
                return None, False
            out |= chars
            nullable = nullable or empty
        return out, nullable
    if op is sre.SUBPATTERN:
        return _first_of_sequence(list(av[-1]))
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
        low, _, body = av
        chars, empty = _first_of_sequence(list(body))
        return chars, empty or low == 0
    if op in (sre.ASSERT, sre.ASSERT_NOT, sre.AT):
        return set(), True  # zero width: the match starts at what follows
    return None, False


def _class(items: list[tuple[Any, Any]]) -> set[str] | None:
    chars: set[str] = set()
    for op, av in items:
        if op is sre.LITERAL:
            chars.add(chr(av))
        elif op is sre.RANGE and av[1] - av[0] < MAX_CLASS:
            chars.update(chr(c) for c in range(av[0], av[1] + 1))
        elif op is sre.CATEGORY and av is sre.CATEGORY_DIGIT:
            chars.update(_DIGITS)  # \d: ASCII and full-width digits (other scripts: not here)
        else:
            return None  # NEGATE, CATEGORY (\d), a large range
        if len(chars) > MAX_CLASS:
            return None
    return chars


class Dispatcher:
    """Every match of each group of expressions, groups in their order; within one group the
    matches do not overlap and the group's first alternative that matches at a position
    wins (as `re.finditer` of the group's alternation would find them)."""

    def __init__(self, groups: Sequence[Sequence[str]]) -> None:
        by_char: dict[str, list[list[str]]] = {}
        anywhere: list[list[str]] = [[] for _ in groups]
        for index, alternatives in enumerate(groups):
            for alternative in alternatives:
                chars = first_chars(alternative)
                if chars is None:
                    anywhere[index].append(alternative)
                    continue
                for char in chars:
                    by_char.setdefault(char, [[] for _ in groups])[index].append(alternative)
        self._by_char: dict[str, tuple[tuple[int, re.Pattern[str]], ...]] = {
            char: tuple((index, _compile(alts)) for index, alts in enumerate(lists) if alts)
            for char, lists in by_char.items()
        }
        self._anywhere = tuple((index, _compile(alts)) for index, alts in enumerate(anywhere)
                               if alts)
        self._starts = re.compile(
            "[" + "".join(re.escape(c) for c in sorted(self._by_char)) + "]"
            if self._by_char else r"(?!x)x")
        self._groups = len(groups)

    def matches(self, text: str) -> Iterator[tuple[int, int, int]]:
        """(start, end, group index) of every match, by start."""
        free = [0] * self._groups  # where each group may match next
        found: list[tuple[int, int, int]] = []
        for index, regex in self._anywhere:
            found += [(m.start(), m.end(), index) for m in regex.finditer(text) if m.end() > m.start()]
        by_char = self._by_char
        for start in self._starts.finditer(text):
            position = start.start()
            for index, regex in by_char[text[position]]:
                if position < free[index]:
                    continue
                match = regex.match(text, position)
                if match is not None and match.end() > position:
                    found.append((position, match.end(), index))
                    free[index] = match.end()
        if self._anywhere:
            found.sort()
        return iter(found)


def _compile(alternatives: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives))
