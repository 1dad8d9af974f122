"""The weighted keyword scorer: a rules file compiled into dictionaries, applied per message.

Everything costly happens once in `KeywordScorer.__init__`: each keyword is checked against
jieba's dictionary to decide whether it is matched as a whole word or as a phrase (substring
count; every keyword when the file says match = "text"); word pairs ("教师 对调") are keyed by
their two words; patterns are compiled; each keyword becomes one row of numbers (what it adds
to every category, and its positive weight there). Scoring a message is then: intersect its
distinct words with the keywords (in C), look up its neighbouring pairs, and add up the matched
rows column by column — one pass over a single jieba segmentation.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from nlp.model import Decision
from nlp.rules import RuleSet, is_pair, split_pair
from nlp.segment import Segmenter, content_tokens, stopwords, title_words

KEYWORDS_SHOWN = 8



class _Entry:
    """What one keyword does, precomputed for the hot loop.

    A row holds, for n categories, n signed scores (what the keyword adds to each category's
    score) followed by n gains (its positive weight there, 0 where it is none: evidence for
    the category and what the explanation ranks by), both times the keyword's tf. Summing the
    rows of a message's matched keywords column by column gives both at once.
    """

    __slots__ = ("_scaled", "row")

    def __init__(self, row: tuple[float, ...]) -> None:
        self.row = row  # for a keyword seen once (tf 1)
        self._scaled: dict[float, tuple[float, ...]] = {}

    @classmethod
    def of(cls, weights: list[tuple[int, float]], n_categories: int) -> _Entry:
        """From (category index, signed weight) pairs; a word may be listed twice in one."""
        scores = [0.0] * n_categories
        gains = [0.0] * n_categories
        for category, weight in weights:
            scores[category] += weight
            if weight > 0:
                gains[category] = max(weight, gains[category])
        return cls((*scores, *gains))

    def at(self, count: float) -> tuple[float, ...]:
        """The row for a keyword counted `count` times (cached for the usual small counts)."""
        if count == 1:
            return self.row
        row = self._scaled.get(count)
        if row is None:
            tf = _tf(count)
            row = tuple(v * tf for v in self.row)
            if count < _CACHED_COUNTS:
                self._scaled[count] = row  # a race only stores an equal tuple twice
        return row


_CACHED_COUNTS = 64
_Lexicon = dict[str, _Entry]
_PairLexicon = dict[tuple[str, str], tuple[str, _Entry]]  # (first, second) -> (keyword, entry)
_Matched = list[tuple[str, tuple[float, ...]]]  # (keyword as shown, its row for this message)


@dataclass(frozen=True)
class _CompiledPattern:
    regex: re.Pattern[str]
    entry: _Entry


class KeywordScorer:
    """Score a segmented message against every category of a RuleSet."""

    def __init__(self, rules: RuleSet, tok: Segmenter) -> None:
        self.categories = rules.category_names
        self.fallback = rules.fallback
        self._normalize = rules.normalize
        self._scale = rules.scale
        self._priors = tuple(c.prior for c in rules.categories)
        self._title_weight = rules.title_weight
        self._stop = stopwords()
        self._words, self._phrases, self._pairs = _compile_lexicons(rules, tok)
        self._pair_firsts = frozenset(first for first, _ in self._pairs)
        # Learned files have content words only: then the other tokens need not be counted.
        self._content_words_only = bool(self._words) and all(
            content_tokens([word], self._stop) for word in self._words
        )
        self._uses_content = bool(self._pairs) or self._normalize or self._content_words_only
        self._patterns = tuple(
            _CompiledPattern(re.compile(p.pattern), _Entry.of([(index, p.weight)], len(self.categories)))
            for index, category in enumerate(rules.categories)
            for p in category.patterns
        )

    def decide(
        self, text: str, tokens: Sequence[str], content: Sequence[str] | None = None
    ) -> Decision:
        """Classify one message given its jieba tokens; the fallback when nothing matched.

        `content` is `content_tokens(tokens)` when the caller has it already.
        """
        if content is None and self._uses_content:
            content = content_tokens(tokens, self._stop)
        counts, length_factor = self._counts(text, tokens, content or ())
        matched = self._matched(text, counts, content or ())
        if not matched:
            return Decision(self.fallback, 0.0, None, 0.0, ())
        # zip and sum add the matched keywords' rows column by column, in C.
        sums = [sum(column) for column in zip(*(row for _, row in matched), strict=True)]
        size = len(self.categories)
        evidence = [i for i in range(size) if sums[size + i] > 0]
        if not evidence:
            return Decision(self.fallback, 0.0, None, 0.0, ())
        # Rounded so that the order keywords were summed in cannot tip a tie.
        scores = [round(s / length_factor + prior, 9)
                  for s, prior in zip(sums, self._priors, strict=False)]
        probs = _softmax([self._scale * s for s in scores])
        ranked = sorted(evidence, key=lambda i: scores[i], reverse=True)
        best = ranked[0]
        second = ranked[1] if len(ranked) > 1 else None
        return Decision(
            category=self.categories[best],
            confidence=round(probs[best], 4),
            runner_up=None if second is None else self.categories[second],
            runner_up_confidence=0.0 if second is None else round(probs[second], 4),
            keywords=_strongest(matched, size + best),
        )

    def _counts(
        self, text: str, tokens: Sequence[str], content: Sequence[str]
    ) -> tuple[Counter[str], float]:
        """Word counts for keyword look-ups (title words boosted), and the length factor."""
        content_counts = Counter(content)
        counts = content_counts if self._content_words_only else Counter(tokens)
        squares = sum(map(_TF_SQUARED.__getitem__, content_counts.values()))
        if self._title_weight:
            for word, n in Counter(title_words(text, tokens, self._stop)).items():
                before = content_counts[word]
                # typeshed types Counter as int-valued; a title word's boost is a float by design.
                counts[word] += self._title_weight * n  # type: ignore[assignment]
                squares += _tf(before + self._title_weight * n) ** 2 - _TF_SQUARED[before]
        length_factor = (math.sqrt(squares) or 1.0) if self._normalize else 1.0
        return counts, length_factor

    def _matched(self, text: str, counts: Counter[str], content: Sequence[str]) -> _Matched:
        """Every keyword, word pair, phrase and pattern found, as (shown as, row)."""
        words = self._words
        # The intersection runs in C over the smaller side; few words of a message are keywords.
        common = counts.keys() & words.keys()
        matched = [(w, words[w].at(counts[w])) for w in common]
        if self._pairs:
            matched += _pairs_matched(self._pairs, self._pair_firsts, content)
        matched += [
            (phrase, entry.at(n))
            for phrase, entry in self._phrases.items()
            if (n := text.count(phrase))
        ]
        matched += [
            (match.group(0), p.entry.row)
            for p in self._patterns
            if (match := p.regex.search(text))
        ]
        return matched


def _tf(n: float) -> float:
    return 1.0 + math.log(n) if n > 1 else 1.0


class _Table(dict[float, float]):
    """n -> f(n), filled for small whole counts; anything else is computed on lookup."""

    def __init__(self, function: Callable[[float], float]) -> None:
        super().__init__((n, function(n)) for n in range(1, 64))
        self._function = function

    def __missing__(self, n: float) -> float:
        return self._function(n)


# Looked up rather than computed: a count is almost always a small whole number.
_TF_SQUARED = _Table(lambda n: _tf(n) ** 2)


def _pairs_matched(
    pairs: _PairLexicon, firsts: frozenset[str], content: Sequence[str]
) -> _Matched:
    """Word-pair keywords among neighbouring content words, as (keyword, row)."""
    # Most words start no pair: testing the first word alone is cheaper than making the key.
    found = [pair for pair in pairwise(content) if pair[0] in firsts and pair in pairs]
    if not found:
        return []
    counts = Counter(found)
    return [(pairs[pair][0], pairs[pair][1].at(n)) for pair, n in counts.items()]


def _compile_lexicons(
    rules: RuleSet, tok: Segmenter
) -> tuple[_Lexicon, _Lexicon, _PairLexicon]:
    """Split all keywords into whole-word, phrase and word-pair lexicons with signed weights."""
    words: dict[str, list[tuple[int, float]]] = {}
    phrases: dict[str, list[tuple[int, float]]] = {}
    pairs: dict[tuple[str, str], list[tuple[int, float]]] = {}
    for index, category in enumerate(rules.categories):
        signed = [(w, weight) for w, weight in category.keywords.items()]
        signed += [(w, -weight) for w, weight in category.negative.items()]
        for word, weight in signed:
            if is_pair(word):
                pairs.setdefault(split_pair(word), []).append((index, weight))
                continue
            whole = rules.match == "words" and _whole_word(tok, word)
            target = words if whole else phrases
            target.setdefault(word, []).append((index, weight))
    size = len(rules.categories)
    return (
        {w: _Entry.of(e, size) for w, e in words.items()},
        {w: _Entry.of(e, size) for w, e in phrases.items()},
        {pair: (" ".join(pair), _Entry.of(e, size)) for pair, e in pairs.items()},
    )


def _whole_word(tok: Segmenter, word: str) -> bool:
    """True when jieba can produce `word` as one token: alone, or as a dictionary word.

    Rare dictionary words ("最多", "查到") are split when segmented alone but kept whole in a
    sentence ("我们最多了"), which is how a learned file saw them; matched as substrings they
    would also count inside other words.
    """
    return tok.is_word(word) or tok.lcut(word) == [word]


def _softmax(values: list[float]) -> list[float]:
    top = max(values)
    exps = [math.exp(v - top) for v in values]
    total = sum(exps)
    return [e / total for e in exps]


def _strongest(matched: _Matched, column: int) -> tuple[str, ...]:
    """The words that added to the category whose gains are in `column`, biggest first."""
    seen: dict[str, float] = {}
    for word, row in matched:
        if (gain := row[column]) > 0 and gain > seen.get(word, 0.0):
            seen[word] = gain
    ranked = sorted(seen.items(), key=lambda kv: (-kv[1], kv[0]))
    return tuple(word for word, _ in ranked[:KEYWORDS_SHOWN])
