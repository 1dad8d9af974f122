"""The first-character dispatcher finds what one alternation per group would find."""

from __future__ import annotations

import re

import pytest

from nlp._dispatch import Dispatcher, first_chars
from nlp.rules import load_urgency


@pytest.mark.parametrize(
    ("pattern", "chars"),
    [
        ("着火", {"着"}),
        ("(燃气|煤气)[^，]{0,6}味", {"燃", "煤"}),
        ("(?<![污粪])水[^，,。]{0,4}(喷|涌)", {"水"}),    # a lookbehind is zero width
        ("(一直)?在◆", {"一", "在"}),                      # an optional start adds what follows
        (r"(好几|\d)天", {"好", *"0123456789０１２３４５６７８９"}),
        (".{0,3}火", None),                                # any character: unbounded
        ("[^，]火", None),
        ("火?", None),                                     # may match the empty string
    ],
)
def test_first_chars(pattern, chars):
    assert first_chars(pattern) == (None if chars is None else frozenset(chars))


def test_the_dispatcher_finds_what_finditer_finds():
    """On the shipped hazards and texts that mix their words, per group, the same matches."""
    groups = [[re.escape(w) for w in sorted(h.words, key=len, reverse=True)] + list(h.patterns)
              for h in load_urgency().hazards if h.words or h.patterns]
    groups.append([".{0,2}救命"])  # one unbounded expression: scanned everywhere
    dispatcher = Dispatcher(groups)
    texts = ["楼道里着火了，浓烟很大，快来人救命", "厨房燃气泄漏，我爸晕倒了叫不醒",
             "电梯卡在两层之间出不去，水管爆了水一直往外喷", "没有漏气", "", "3号楼12层"]
    for text in texts:
        expected = sorted(
            (m.start(), m.end(), index) for index, alternatives in enumerate(groups)
            for m in re.finditer("|".join(f"(?:{a})" for a in alternatives), text)
            if m.end() > m.start())
        assert sorted(dispatcher.matches(text)) == expected, text


@pytest.mark.parametrize(
    ("pattern", "found"),
    [
        ("着火", {"着火"}),
        ("(燃气|煤气)[^，]{0,6}味", {"燃气", "煤气"}),
        ("(?<![污粪])水[^，,。]{0,4}(喷|涌)", {"水"}),      # anything may follow 水
        ("(在|正在)烧", {"在烧", "正在"}),
        ("ab?", {"ab", "a"}),
        ("火?", None),
        (".火", None),
    ],
)
def test_two_character_prefixes(pattern, found):
    from nlp._dispatch import prefixes

    assert prefixes(pattern) == (None if found is None else frozenset(found))
