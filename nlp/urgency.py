"""Urgency: danger words (燃气泄漏, 电梯困人, …) that are not negated, hypothetical or resolved.

A danger word does not count when, in the same clause and at most NEGATION_WINDOW characters
before it, a negation appears ("没有漏气", "不是着火"), after the clause has been cleared of
look-alikes that are not negations ("不知道", "不停", "不断"); nor when a hypothetical cue
stands anywhere before it in the same clause ("担心电动车充电会起火");
nor when a resolution cue follows within RESOLVED_WINDOW characters ("电梯困人，已经救出来了");
nor when it is part of a phrase that names a risk or a figure of speech rather than an event
("火灾隐患", "救命钱", "信息爆炸": the rules' ``not_dangers``).
"""

from __future__ import annotations

import re

from nlp.model import Urgency
from nlp.rules import UrgencyRules

NEGATION_WINDOW = 6
RESOLVED_WINDOW = 30
_CLAUSE_END = re.compile(r"[，,。.！!？?；;、：:\s]")


def _alternation(words: tuple[str, ...], patterns: tuple[str, ...] = ()) -> re.Pattern[str]:
    # Longest first, so "燃气泄漏" wins over a shorter word inside it; patterns after words.
    ordered = [re.escape(w) for w in sorted(set(words), key=len, reverse=True)]
    ordered += [f"(?:{p})" for p in patterns]
    return re.compile("|".join(ordered) if ordered else r"(?!x)x")


class UrgencyDetector:
    """Find danger words that are really happening now; compiled once from UrgencyRules."""

    def __init__(self, rules: UrgencyRules) -> None:
        self._danger = _alternation(rules.words, rules.patterns)
        self._negation = _alternation(rules.negations)
        self._hypothetical = _alternation(rules.hypothetical)
        self._resolved = _alternation(rules.resolved)
        self._not_negation = _alternation(rules.not_negations)
        self._not_danger = _alternation(rules.not_dangers)

    def detect(self, text: str) -> Urgency:
        """Return the live danger words of `text`, in order of appearance."""
        words: list[str] = []
        for match in self._danger.finditer(text):
            word = match.group(0)
            if word in words or self._cancelled(text, match.start(), match.end()):
                continue
            words.append(word)
        return Urgency(urgent=bool(words), words=tuple(words))

    def _cancelled(self, text: str, start: int, end: int) -> bool:
        return self._look_alike(text, start, end) or self._negated(text, start) or bool(
            self._resolved.search(text, end, end + RESOLVED_WINDOW)
        )

    def _look_alike(self, text: str, start: int, end: int) -> bool:
        """Whether the danger word lies inside a not-danger phrase ("火灾隐患", "救命钱")."""
        window = text[max(0, start - 8):end + 8]
        offset = max(0, start - 8)
        return any(m.start() + offset <= start and end <= m.end() + offset
                   for m in self._not_danger.finditer(window))

    def _negated(self, text: str, start: int) -> bool:
        clause_start = max(0, start - 40)
        for boundary in _CLAUSE_END.finditer(text, clause_start, start):
            clause_start = boundary.end()
        before = self._not_negation.sub("#", text[clause_start:start])
        return bool(
            self._negation.search(before[-NEGATION_WINDOW:]) or self._hypothetical.search(before)
        )
