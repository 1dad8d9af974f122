"""Urgency: is a danger happening now (a gas smell, a fire, someone trapped, a fall …), and which.

Each hazard of the rules (nlp/rules/urgent.toml) lists danger expressions. One found in the
text counts, and names its hazard, unless

- it lies inside a not-danger phrase: a risk, a rule or a figure of speech ("火灾隐患",
  "救命钱", "信息爆炸");
- a negation stands before it in its clause, at most NEGATION_WINDOW characters away
  ("没有漏气"), once look-alikes ("不知道", "不停") are set aside;
- a hypothetical ("如果", "一旦", "万一", "担心"), past ("去年", "上次", "曾经") or chronic
  ("经常", "每天") cue stands before it in its sentence, with no "now" cue (`resets`:
  "现在", "刚才") between the two ("去年着过火，现在又着火了" is urgent);
- one of the `after` expressions follows it in its sentence ("着过火": 过; "火灾事故";
  "…的话"; "已经好几个月了");
- a resolution follows within RESOLVED_WINDOW characters ("电梯困人，已经救出来了"), and no
  chronic cue stands between the two ("没到家 平时四点就回来了" tells a habit, not a
  resolution).

A `weak` expression (火灾, 浓烟, 打人: words letters also use for the past or in general)
counts only with an `immediate` cue in its sentence ("正在", "快来", "救命", "在打人"), unless
the whole message is a chat line of at most `short_text` characters ("楼道里浓烟滚滚"); every
expression of a message longer than `long_text` needs such a cue within NEAR_WINDOW
characters: a letter that tells a story is not an alarm unless it says, right there, that the
danger is happening now.

`after` and `immediate` are regular expressions matched on the danger's sentence in which
the danger itself is replaced by MARK ("在◆" is "在" right before the danger).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from nlp._dispatch import Dispatcher
from nlp.model import Urgency
from nlp.urgency_rules import UrgencyRules

NEGATION_WINDOW = 6
RESOLVED_WINDOW = 30
NEAR_WINDOW = 12
LOOK_ALIKE_MARGIN = 8
MARK = "◆"
_CLAUSE_END = re.compile(r"[，,。.！!？?；;、：:\s…~～]")
_SENTENCE_END = re.compile(r"[。！!？?；;\n]+")


def _alternation(words: tuple[str, ...], patterns: tuple[str, ...] = ()) -> re.Pattern[str]:
    # Longest first, so "燃气泄漏" wins over a shorter word inside it; patterns after words.
    ordered = [re.escape(w) for w in sorted(set(words), key=len, reverse=True)]
    ordered += [f"(?:{p})" for p in patterns]
    return re.compile("|".join(ordered) if ordered else r"(?!x)x")


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    hazard: str
    weak: bool


class UrgencyDetector:
    """Find the danger expressions that are happening now; compiled once from UrgencyRules."""

    def __init__(self, rules: UrgencyRules) -> None:
        self._long_text = rules.long_text
        self._short_text = rules.short_text
        # Per hazard one group of words (longest first, so "燃气泄漏" wins over a shorter
        # word inside it), one of patterns and one of weak patterns: a word inside a
        # pattern's span is found too, and shown rather than the span.
        groups: list[list[str]] = []
        self._groups: list[tuple[str, bool]] = []
        for hazard in rules.hazards:
            words = [re.escape(w) for w in sorted(set(hazard.words), key=len, reverse=True)]
            for weak, alternatives in ((False, words), (False, list(hazard.patterns)),
                                       (True, list(hazard.weak))):
                if alternatives:
                    groups.append(alternatives)
                    self._groups.append((hazard.code, weak))
        self._danger = Dispatcher(groups)
        self._words = frozenset(w for hazard in rules.hazards for w in hazard.words)
        self._negation = _alternation(rules.negations)
        self._not_negation = _alternation(rules.not_negations)
        self._not_now = _alternation((), rules.hypothetical + rules.past + rules.chronic)
        self._resets = _alternation((), rules.resets)
        self._resolved = _alternation(rules.resolved)
        self._chronic = _alternation((), rules.chronic)
        self._not_danger = _alternation(rules.not_dangers)
        self._after = _alternation((), rules.after)
        self._immediate = _alternation((), rules.immediate)

    def detect(self, text: str) -> Urgency:
        """The live danger expressions of `text` in order of appearance, and their hazards."""
        long_text = len(text) > self._long_text
        short_text = len(text) <= self._short_text
        live = [m for m in sorted(self._matches(text), key=lambda m: (m.start, m.start - m.end))
                if not self._cancelled(text, m, needs_now=m.weak and not short_text,
                                       near_now=long_text)]
        hazards = list(dict.fromkeys(m.hazard for m in live))
        # One word per place, as staff should read it: a listed word ("冒火花") before a
        # pattern's longer span around it ("电线那里在冒火花"), else the longest.
        kept: list[_Match] = []
        for match in sorted(live, key=lambda m: (text[m.start:m.end] not in self._words,
                                                 m.start - m.end, m.start)):
            if not any(k.start < match.end and match.start < k.end for k in kept):
                kept.append(match)
        words = dict.fromkeys(text[m.start:m.end] for m in sorted(kept, key=lambda m: m.start))
        return Urgency(urgent=bool(words), words=tuple(words), hazards=tuple(hazards))

    def hazards_of(self, words: tuple[str, ...] | list[str]) -> tuple[str, ...]:
        """The hazards of danger expressions found earlier (e.g. a petition's stored words)."""
        found: list[str] = []
        for word in words:
            for match in self._matches(word):
                if match.hazard not in found:
                    found.append(match.hazard)
        return tuple(found)

    def _matches(self, text: str) -> Iterator[_Match]:
        """Every danger expression of every hazard (one hazard's do not overlap)."""
        for start, end, group in self._danger.matches(text):
            hazard, weak = self._groups[group]
            yield _Match(start, end, hazard, weak)

    def _cancelled(self, text: str, match: _Match, *, needs_now: bool, near_now: bool) -> bool:
        """Whether the danger does not count; `needs_now`: unless an immediate cue is in its
        sentence, `near_now`: unless one is within NEAR_WINDOW characters of it."""
        start, end = match.start, match.end
        sentence_start, sentence_end = _sentence(text, start, end)
        # `after` patterns start with ^◆, so the sentence after the danger is matched as a
        # string of its own (a search from a position would not let ^ match there).
        marked = text[sentence_start:start] + MARK + text[end:sentence_end]
        mark = start - sentence_start
        if (self._look_alike(text, start, end) or self._negated(text, start)
                or self._not_now_before(text[sentence_start:end])
                or self._after.search(marked[mark:])
                or self._resolved_after(text, end)):
            return True
        if near_now:
            return not self._immediate.search(
                marked[max(0, mark - NEAR_WINDOW):mark + 1 + NEAR_WINDOW])
        return needs_now and not self._immediate.search(marked)

    def _resolved_after(self, text: str, end: int) -> bool:
        """A resolution within RESOLVED_WINDOW characters after the danger, not a habit."""
        resolution = self._resolved.search(text, end, end + RESOLVED_WINDOW)
        return resolution is not None and not self._chronic.search(text, end,
                                                                   resolution.start())

    def _look_alike(self, text: str, start: int, end: int) -> bool:
        """Whether the danger begins inside a not-danger phrase ("火灾隐患", "救命钱", "油烟太大")."""
        offset = max(0, start - LOOK_ALIKE_MARGIN)
        window = text[offset:end + LOOK_ALIKE_MARGIN]
        return any(m.start() + offset <= start < m.end() + offset
                   for m in self._not_danger.finditer(window))

    def _negated(self, text: str, start: int) -> bool:
        clause_start = max(0, start - 40)
        for boundary in _CLAUSE_END.finditer(text, clause_start, start):
            clause_start = boundary.end()
        before = self._not_negation.sub("#", text[clause_start:start])
        return bool(self._negation.search(before[-NEGATION_WINDOW:]))

    def _not_now_before(self, before: str) -> bool:
        """A hypothetical, past or chronic cue earlier in the sentence (or inside the danger
        phrase: "电梯经常坏，随时可能困人"), not reset since."""
        last_cue = max((m.end() for m in self._not_now.finditer(before)), default=-1)
        if last_cue < 0:
            return False
        last_reset = max((m.start() for m in self._resets.finditer(before, last_cue)),
                         default=-1)
        return last_reset < 0


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The bounds of the sentence around text[start:end]."""
    sentence_start = max(0, start - 200)
    for boundary in _SENTENCE_END.finditer(text, max(0, start - 200), start):
        sentence_start = boundary.end()
    after = _SENTENCE_END.search(text, end)
    return sentence_start, after.start() if after else len(text)
