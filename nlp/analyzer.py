"""The Analyzer: one jieba segmentation per message, then category, urgency, location, masking."""

from __future__ import annotations

from pathlib import Path

from nlp.location import parse_location
from nlp.masking import mask_personal_data
from nlp.model import Analysis, Decision, Urgency
from nlp.rules import RuleSet, load_rules, load_urgency
from nlp.scorer import KeywordScorer
from nlp.segment import DEFAULT_USERDICT, Segmenter, content_tokens, stopwords, tokenizer
from nlp.urgency import UrgencyDetector
from nlp.urgency_rules import UrgencyRules


class Analyzer:
    """Explainable petition analysis under one rules file; build it once with `load`."""

    def __init__(self, rules: RuleSet, tok: Segmenter, urgency: UrgencyRules) -> None:
        self.rules = rules
        self._tok = tok
        self._stop = stopwords()
        self._scorer = KeywordScorer(rules, tok)
        self._urgency = UrgencyDetector(urgency)
        names = rules.category_names
        self.categories: tuple[str, ...] = (
            names if rules.fallback in names else (*names, rules.fallback))

    @classmethod
    def load(
        cls, rules: str | Path = "community", *, userdict: Path | None = None,
        segmenter: str | None = None,
    ) -> Analyzer:
        """Load a rules file (builtin name "community"/"city" or a path) and the segmenter.

        `userdict` defaults to the shipped nlp/rules/userdict.txt; `segmenter` is "rjieba" or
        "jieba" (default: rjieba when installed, see nlp/segment.py). Raises ValueError
        (RulesError) naming the file and key when the rules file is missing or malformed.
        """
        ruleset = load_rules(rules)
        urgency = ruleset.urgency or load_urgency()
        return cls(ruleset, tokenizer(userdict or DEFAULT_USERDICT, backend=segmenter), urgency)

    def segment(self, text: str) -> list[str]:
        """Precise-mode segmentation with the domain dictionary (rjieba or jieba, the same words)."""
        return self._tok.lcut(text)

    def classify(self, text: str) -> Decision:
        """The category decision alone (what the benchmark times)."""
        return self._scorer.decide(text, self._tok.lcut(text))

    def decide(self, text: str, tokens: list[str]) -> Decision:
        """The category decision for `text` given its segmentation (`segment(text)`)."""
        return self._scorer.decide(text, tokens)

    def urgency(self, text: str) -> Urgency:
        """The urgency decision alone."""
        return self._urgency.detect(text)

    def hazards_of(self, words: list[str] | tuple[str, ...]) -> tuple[str, ...]:
        """The hazard codes of danger expressions found earlier (a petition's urgent words)."""
        return self._urgency.hazards_of(words)

    def analyse(self, text: str) -> Analysis:
        """Everything staff need to route a petition, from a single segmentation."""
        tokens = self._tok.lcut(text)
        content = content_tokens(tokens, self._stop)
        return Analysis(
            decision=self._scorer.decide(text, tokens, content),
            urgency=self._urgency.detect(text),
            location=parse_location(text),
            masked_text=mask_personal_data(text),
            tokens=frozenset(content),
        )

    def content_tokens(self, text: str) -> list[str]:
        """Chinese content words of `text` (stopwords removed), as learning and dedup use them."""
        return content_tokens(self._tok.lcut(text), self._stop)
