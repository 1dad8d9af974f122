"""The weighted keyword scorer: a rules file compiled into dictionaries, applied per message.

Everything costly happens once in `KeywordScorer.__init__`: each keyword is segmented to decide
whether it is matched as a whole jieba word (one dict lookup per distinct word of the message)
or as a phrase (substring count; every keyword when the file says match = "text"), and
patterns are compiled. Scoring a message is then a pass
over the word counts of its single jieba segmentation.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import jieba

from nlp.model import Decision
from nlp.rules import RuleSet
from nlp.segment import stopwords

KEYWORDS_SHOWN = 8

# word -> ((category index, signed weight), ...)
_Lexicon = dict[str, tuple[tuple[int, float], ...]]


@dataclass(frozen=True)
class _CompiledPattern:
    regex: re.Pattern[str]
    category: int
    weight: float


class KeywordScorer:
    """Score a segmented message against every category of a RuleSet."""

    def __init__(self, rules: RuleSet, tok: jieba.Tokenizer) -> None:
        self.categories = rules.category_names
        self.fallback = rules.fallback
        self._normalize = rules.normalize
        self._scale = rules.scale
        self._priors = tuple(c.prior for c in rules.categories)
        self._stop = stopwords()
        self._words, self._phrases = _compile_lexicons(rules, tok)
        self._patterns = tuple(
            _CompiledPattern(re.compile(p.pattern), index, p.weight)
            for index, category in enumerate(rules.categories)
            for p in category.patterns
        )

    def decide(self, text: str, tokens: Sequence[str]) -> Decision:
        """Classify one message given its jieba tokens; the fallback when nothing matched."""
        counts = Counter(tokens)
        words = self._words
        matched = [(w, _tf(n), entries) for w, n in counts.items() if (entries := words.get(w))]
        matched += [
            (phrase, _tf(n), entries)
            for phrase, entries in self._phrases.items()
            if (n := text.count(phrase))
        ]
        matched += [
            (match.group(0), 1.0, ((p.category, p.weight),))
            for p in self._patterns
            if (match := p.regex.search(text))
        ]
        raw = [0.0] * len(self.categories)
        evidence: set[int] = set()
        for _, tf, entries in matched:
            for category, weight in entries:
                raw[category] += weight * tf
                if weight > 0:
                    evidence.add(category)
        if not evidence:
            return Decision(self.fallback, 0.0, None, 0.0, ())
        norm = self._length_factor(counts) if self._normalize else 1.0
        scores = [s / norm + prior for s, prior in zip(raw, self._priors, strict=True)]
        probs = _softmax([self._scale * s for s in scores])
        ranked = sorted(evidence, key=lambda i: scores[i], reverse=True)
        best = ranked[0]
        second = ranked[1] if len(ranked) > 1 else None
        return Decision(
            category=self.categories[best],
            confidence=round(probs[best], 4),
            runner_up=None if second is None else self.categories[second],
            runner_up_confidence=0.0 if second is None else round(probs[second], 4),
            keywords=_strongest(matched, best),
        )

    def _length_factor(self, counts: Counter[str]) -> float:
        stop = self._stop
        total = sum(
            _tf(n) ** 2
            for word, n in counts.items()
            if "\u4e00" <= word[0] <= "\u9fff" and word not in stop
        )
        return math.sqrt(total) or 1.0


def _tf(n: int) -> float:
    return 1.0 + math.log(n) if n > 1 else 1.0


def _compile_lexicons(rules: RuleSet, tok: jieba.Tokenizer) -> tuple[_Lexicon, _Lexicon]:
    """Split all keywords into whole-word and phrase lexicons with signed weights."""
    words: dict[str, list[tuple[int, float]]] = {}
    phrases: dict[str, list[tuple[int, float]]] = {}
    for index, category in enumerate(rules.categories):
        signed = [(w, weight) for w, weight in category.keywords.items()]
        signed += [(w, -weight) for w, weight in category.negative.items()]
        for word, weight in signed:
            whole = rules.match == "words" and tok.lcut(word) == [word]
            target = words if whole else phrases
            target.setdefault(word, []).append((index, weight))
    return (
        {w: tuple(e) for w, e in words.items()},
        {w: tuple(e) for w, e in phrases.items()},
    )


def _softmax(values: list[float]) -> list[float]:
    top = max(values)
    exps = [math.exp(v - top) for v in values]
    total = sum(exps)
    return [e / total for e in exps]


def _strongest(matched: list[tuple[str, float, tuple[tuple[int, float], ...]]], category: int
              ) -> tuple[str, ...]:
    """The words that added to `category`, biggest contribution first."""
    seen: dict[str, float] = {}
    for word, tf, entries in matched:
        for index, weight in entries:
            if index == category and weight > 0:
                seen[word] = max(weight * tf, seen.get(word, 0.0))
    ranked = sorted(seen.items(), key=lambda kv: (-kv[1], kv[0]))
    return tuple(word for word, _ in ranked[:KEYWORDS_SHOWN])
