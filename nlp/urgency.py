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
- a resolution follows within RESOLVED_WINDOW characters ("电梯困人，已经救出来了").

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
        # One named group per hazard and strength, so one scan finds them all.
        groups: list[str] = []
        self._groups: dict[str, tuple[str, bool]] = {}
        self._per_hazard: list[tuple[re.Pattern[str], str, bool]] = []
        for index, hazard in enumerate(rules.hazards):
            for weak, regex in ((False, _alternation(hazard.words, hazard.patterns)),
                                (True, _alternation((), hazard.weak))):
                if regex.pattern == r"(?!x)x":
                    continue
                name = f"h{index}{'w' if weak else 's'}"
                self._groups[name] = (hazard.code, weak)
                groups.append(f"(?P<{name}>{regex.pattern})")
                self._per_hazard.append((regex, hazard.code, weak))
        self._danger = re.compile("|".join(groups))
        self._negation = _alternation(rules.negations)
        self._not_negation = _alternation(rules.not_negations)
        self._not_now = _alternation((), rules.hypothetical + rules.past + rules.chronic)
        self._resets = _alternation((), rules.resets)
        self._resolved = _alternation(rules.resolved)
        self._not_danger = _alternation(rules.not_dangers)
        self._after = _alternation((), rules.after)
        self._immediate = _alternation((), rules.immediate)

    def detect(self, text: str) -> Urgency:
        """The live danger expressions of `text` in order of appearance, and their hazards."""
        candidates = list(self._matches(text))
        if not candidates:
            return Urgency(urgent=False)
        # The one scan keeps the leftmost expression where two overlap ("插头烧了" as fire
        # before electric); a message with any candidate is scanned once per hazard, so
        # each hazard it names is found.
        candidates = sorted(
            {m for regex, code, weak in self._per_hazard
             for m in self._matches(text, regex, code, weak)},
            key=lambda m: (m.start, m.start - m.end))
        long_text = len(text) > self._long_text
        short_text = len(text) <= self._short_text
        live: list[_Match] = []
        for match in candidates:
            needs_now = match.weak and not short_text
            if not self._cancelled(text, match, needs_now=needs_now, near_now=long_text):
                live.append(match)
        words: list[str] = []
        hazards: list[str] = []
        kept: list[_Match] = []
        for match in live:
            if match.hazard not in hazards:
                hazards.append(match.hazard)
            word = text[match.start:match.end]
            if word in words or any(k.start <= match.start and match.end <= k.end for k in kept):
                continue  # "冒火" inside "冒火星": one word shown
            kept.append(match)
            words.append(word)
        return Urgency(urgent=bool(words), words=tuple(words), hazards=tuple(hazards))

    def hazards_of(self, words: tuple[str, ...] | list[str]) -> tuple[str, ...]:
        """The hazards of danger expressions found earlier (e.g. a petition's stored words)."""
        found: list[str] = []
        for word in words:
            for regex, code, _ in self._per_hazard:
                if code not in found and regex.search(word):
                    found.append(code)
        return tuple(found)

    def _matches(self, text: str, regex: re.Pattern[str] | None = None, hazard: str = "",
                 weak: bool = False) -> Iterator[_Match]:
        """Danger expressions of the one scan, or of one hazard's `regex`."""
        for found in (regex or self._danger).finditer(text):
            if found.end() == found.start():
                continue
            if regex is None:
                name = found.lastgroup
                if name is None:
                    continue
                hazard, weak = self._groups[name]
            yield _Match(found.start(), found.end(), hazard, weak)

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
                or self._resolved.search(text, end, end + RESOLVED_WINDOW)):
            return True
        if near_now:
            return not self._immediate.search(
                marked[max(0, mark - NEAR_WINDOW):mark + 1 + NEAR_WINDOW])
        return needs_now and not self._immediate.search(marked)

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
