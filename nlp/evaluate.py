"""Measure a rules file on labelled rows: accuracy, macro-F1, per category, confusion matrix.

Macro-F1 averages F1 over the categories present in the gold labels; a prediction outside
them (e.g. the fallback 其他) counts as a miss for the true category.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nlp.analyzer import Analyzer


@dataclass(frozen=True)
class CategoryScore:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class EvalReport:
    n: int
    accuracy: float
    macro_f1: float
    per_category: dict[str, CategoryScore]
    confusion: dict[str, dict[str, int]]  # true label -> predicted label -> count

    def to_json(self) -> str:
        """One JSON object with accuracy, macro_f1, n, per_category and confusion."""
        data = asdict(self)
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    def format(self) -> str:
        """A plain-text report: totals, a per-category table, then the confusion matrix."""
        lines = [f"n={self.n}  accuracy={self.accuracy:.4f}  macro-F1={self.macro_f1:.4f}", ""]
        width = max([_width(c) for c in self.per_category] + [8]) + 2
        lines.append(_pad("category", width) + "precision  recall     f1  support")
        for name, s in self.per_category.items():
            lines.append(
                f"{_pad(name, width)}{s.precision:9.3f} {s.recall:7.3f} {s.f1:6.3f} {s.support:8d}"
            )
        lines += ["", "confusion (rows: true, columns: predicted)"]
        columns = sorted({p for row in self.confusion.values() for p in row})
        cell = max([_width(c) for c in columns] + [5]) + 1
        lines.append(_pad("", width) + "".join(_pad(c, cell) for c in columns))
        for true, row in self.confusion.items():
            lines.append(_pad(true, width) + "".join(_pad(str(row.get(c, 0)), cell) for c in columns))
        return "\n".join(lines)


def evaluate(analyzer_or_rules: Analyzer | str | Path, rows: Iterable[tuple[str, str]]) -> EvalReport:
    """Classify every (text, label) row and score the predictions.

    `analyzer_or_rules` is an Analyzer or anything `Analyzer.load` accepts.
    """
    from nlp.analyzer import Analyzer

    analyzer = (
        analyzer_or_rules
        if isinstance(analyzer_or_rules, Analyzer)
        else Analyzer.load(analyzer_or_rules)
    )
    rows = list(rows)
    predicted = [analyzer.classify(text).category for text, _ in rows]
    return score_predictions([label for _, label in rows], predicted)


def score_predictions(gold: Sequence[str], predicted: Sequence[str]) -> EvalReport:
    """Score any classifier's predictions the same way (the SVM baseline uses this too)."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels but {len(predicted)} predictions")
    pairs = Counter(zip(gold, predicted, strict=True))
    labels = sorted(set(gold))
    per_category = {label: _category_score(label, pairs) for label in labels}
    n = len(gold)
    correct = sum(count for (g, p), count in pairs.items() if g == p)
    confusion: dict[str, dict[str, int]] = {label: {} for label in labels}
    for (g, p), count in sorted(pairs.items()):
        confusion[g][p] = count
    return EvalReport(
        n=n,
        accuracy=round(correct / n, 4) if n else 0.0,
        macro_f1=round(sum(s.f1 for s in per_category.values()) / len(labels), 4) if labels else 0.0,
        per_category=per_category,
        confusion=confusion,
    )


def _category_score(label: str, pairs: Counter[tuple[str, str]]) -> CategoryScore:
    tp = pairs[(label, label)]
    predicted = sum(c for (_, p), c in pairs.items() if p == label)
    support = sum(c for (g, _), c in pairs.items() if g == label)
    precision = tp / predicted if predicted else 0.0
    recall = tp / support if support else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return CategoryScore(round(precision, 4), round(recall, 4), round(f1, 4), support)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(1, width - _width(text))
