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
MAX_PREFIXES = 2000  # beyond this many two-character prefixes only the first characters count
_DIGITS = "0123456789０１２３４５６７８９"


def first_chars(pattern: str) -> frozenset[str] | None:
    """The characters a match of `pattern` can start with; None when they are unbounded
    (or the pattern can match the empty string)."""
    chars, nullable = _first_of_sequence(list(_parser.parse(pattern)))
    return None if chars is None or nullable else frozenset(chars)


def prefixes(pattern: str) -> frozenset[str] | None:
    """The first two characters a match of `pattern` can start with, as strings: "燃气" for
    two, "燃" when anything may follow the first (or the match may end there); None when even
    the first is unbounded."""
    found = _prefixes(list(_parser.parse(pattern)), 2)
    if found is None or "" in found:
        return None
    return frozenset(found)


def _prefixes(items: list[tuple[Any, Any]], k: int) -> set[str] | None:
    """Prefixes of at most k characters of the sequence `items` (shorter: anything follows)."""
    done: set[str] = set()  # shorter than k but nothing known about what follows
    growing: set[str] = {""}
    for op, av in items:
        if not growing:
            break
        following = _item_prefixes(op, av, k)
        if following is None:
            if "" in growing:
                return None  # not even the first character is known
            done |= growing
            growing = set()
            break
        nxt: set[str] = set()
        for head in growing:
            for tail in following:
                joined = (head + tail)[:k]
                (done if len(joined) == k else nxt).add(joined)
            if len(nxt) + len(done) > MAX_PREFIXES:
                return {p[:1] for p in done | nxt} if "" not in done | nxt else None
        growing = nxt
    return done | growing


def _item_prefixes(op: Any, av: Any, k: int) -> set[str] | None:
    if op is sre.LITERAL:
        return {chr(av)}
    if op is sre.IN:
        chars = _class(av)
        return None if chars is None else chars
    if op is sre.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            found = _prefixes(list(branch), k)
            if found is None:
                return None
            out |= found
        return out
    if op is sre.SUBPATTERN:
        return _prefixes(list(av[-1]), k)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
        low, high, body = av
        once = _prefixes(list(body), k)
        if once is None:
            return None
        out = {""} if low == 0 else set()
        out |= once
        if high >= 2:  # twice covers k = 2
            out |= {(a + b)[:k] for a in once for b in once}
        return out
    if op in (sre.ASSERT, sre.ASSERT_NOT, sre.AT):
        return {""}
    return None


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
        # Where an expression can start; an expression with a bounded first character has
        # bounded prefixes too (see `prefixes`).
        self._starts = _trigger([p for alts in groups for a in alts
                                 if (p := prefixes(a)) is not None])
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


def _trigger(prefix_sets: list[frozenset[str]]) -> re.Pattern[str]:
    """One regular expression that matches, one character wide, where an expression can
    start: "燃(?=[气])|煤(?=[气])|着": every alternative begins with a literal, so `re`
    skips other positions in C, and the lookahead checks the second character there."""
    seconds: dict[str, set[str] | None] = {}
    for prefix_set in prefix_sets:
        for prefix in prefix_set:
            first = prefix[0]
            known = seconds.setdefault(first, set())
            if len(prefix) == 1 or known is None:
                seconds[first] = None  # anything may follow
            else:
                known.add(prefix[1])
    if not seconds:
        return re.compile(r"(?!x)x")
    parts = []
    for first, after in sorted(seconds.items()):
        head = re.escape(first)
        parts.append(head if after is None else
                     head + "(?=[" + "".join(re.escape(c) for c in sorted(after)) + "])")
    return re.compile("|".join(parts))


def _compile(alternatives: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives))
