"""Measure a rules file on labelled rows: accuracy, macro-F1, per category, confusion matrix,
the share sent to triage and the accuracy of the rest, and urgency recall / precision.

Macro-F1 averages F1 over the categories present in the gold labels; a prediction outside
them (e.g. the fallback 其他) counts as a miss for the true category. A petition whose
confidence is below the triage threshold goes to the triage group; `routed_accuracy` is the
accuracy of the others.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
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
class UrgencyScore:
    n: int
    urgent: int  # gold urgent rows
    flagged: int  # rows the detector flagged
    recall: float
    precision: float
    false_alarm_rate: float  # flagged among the rows that are not urgent
    # With a hazard column: of the urgent rows flagged, the share whose hazard was named, and
    # per hazard the urgent rows and the recall on them.
    hazard_n: int = 0
    hazard_accuracy: float | None = None
    recall_by_hazard: dict[str, dict[str, float]] | None = None


@dataclass(frozen=True)
class EvalReport:
    n: int
    accuracy: float
    macro_f1: float
    per_category: dict[str, CategoryScore]
    confusion: dict[str, dict[str, int]]  # true label -> predicted label -> count
    triage_threshold: float | None = None
    triage_share: float | None = None  # share of rows whose confidence is below the threshold
    routed_accuracy: float | None = None  # accuracy of the rows routed (not triaged)
    urgency: UrgencyScore | None = None

    def to_json(self) -> str:
        """One JSON object: accuracy, macro_f1, n, per_category, confusion, triage_share,
        routed_accuracy and, with urgent labels, urgent_recall / urgent_precision /
        urgent_false_alarm_rate; with hazard labels too, urgent_hazard_accuracy and
        urgent_recall_by_hazard."""
        data = asdict(self)
        urgency = data.pop("urgency")
        if urgency is not None:
            data.update({"urgent_n": urgency["n"], "urgent_gold": urgency["urgent"],
                         "urgent_flagged": urgency["flagged"],
                         "urgent_recall": urgency["recall"],
                         "urgent_precision": urgency["precision"],
                         "urgent_false_alarm_rate": urgency["false_alarm_rate"]})
            if urgency["recall_by_hazard"] is not None:
                data.update({"urgent_hazard_n": urgency["hazard_n"],
                             "urgent_hazard_accuracy": urgency["hazard_accuracy"],
                             "urgent_recall_by_hazard": urgency["recall_by_hazard"]})
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    def format(self) -> str:
        """A plain-text report: totals, a per-category table, then the confusion matrix."""
        lines = [f"n={self.n}  accuracy={self.accuracy:.4f}  macro-F1={self.macro_f1:.4f}"
                 if self.n else "no category labels: urgency only"]
        if self.triage_share is not None:
            routed = "-" if self.routed_accuracy is None else f"{self.routed_accuracy:.4f}"
            lines.append(f"triage (confidence < {self.triage_threshold}): "
                         f"{self.triage_share:.1%} of rows; routed accuracy {routed}")
        if (u := self.urgency) is not None:
            lines.append(f"urgent: {u.urgent} of {u.n} gold, {u.flagged} flagged; recall "
                         f"{u.recall:.3f}, precision {u.precision:.3f}, "
                         f"false alarms {u.false_alarm_rate:.2%}")
            if u.recall_by_hazard is not None:
                accuracy = "-" if u.hazard_accuracy is None else f"{u.hazard_accuracy:.3f}"
                lines.append(f"hazard named right: {accuracy} of {u.hazard_n} flagged; recall "
                             + ", ".join(f"{h} {s['recall']:.2f} ({int(s['n'])})"
                                         for h, s in u.recall_by_hazard.items()))
        lines.append("")
        if not self.per_category:
            return "\n".join(lines).rstrip()
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


def evaluate(
    analyzer_or_rules: Analyzer | str | Path,
    rows: Iterable[tuple[str, str]],
    *,
    triage_threshold: float | None = None,
    urgent: Sequence[bool | None] | None = None,
    hazards: Sequence[str | None] | None = None,
) -> EvalReport:
    """Classify every (text, label) row and score the predictions.

    `analyzer_or_rules` is an Analyzer or anything `Analyzer.load` accepts. With
    `triage_threshold`, the share of rows below it and the accuracy of the rest are reported.
    `urgent` (one gold flag per row, None where unknown) adds urgency recall and precision;
    `hazards` (one hazard code per row, e.g. "gas") whether the flagged ones named it.
    A row with an empty label is scored for urgency only.
    """
    from nlp.analyzer import Analyzer

    analyzer = (
        analyzer_or_rules
        if isinstance(analyzer_or_rules, Analyzer)
        else Analyzer.load(analyzer_or_rules)
    )
    rows = list(rows)
    labelled = [(text, label) for text, label in rows if label]
    decisions = [analyzer.classify(text) for text, _ in labelled]
    report = score_predictions([label for _, label in labelled], [d.category for d in decisions])
    if triage_threshold is not None and labelled:
        routed = [d.category == label for d, (_, label) in zip(decisions, labelled, strict=True)
                  if d.confidence >= triage_threshold]
        report = replace(
            report,
            triage_threshold=triage_threshold,
            triage_share=round(1 - len(routed) / len(labelled), 4),
            routed_accuracy=round(sum(routed) / len(routed), 4) if routed else None,
        )
    if urgent is not None:
        if len(urgent) != len(rows):
            raise ValueError(f"{len(rows)} rows but {len(urgent)} urgent flags")
        kinds = list(hazards) if hazards is not None else [None] * len(rows)
        if len(kinds) != len(rows):
            raise ValueError(f"{len(rows)} rows but {len(kinds)} hazards")
        scored = [(gold, analyzer.urgency(text), kind)
                  for (text, _), gold, kind in zip(rows, urgent, kinds, strict=True)
                  if gold is not None]
        score = score_urgency([(gold, found.urgent) for gold, found, _ in scored])
        if hazards is not None:
            score = _with_hazards(score, [(kind, found.hazards) for gold, found, kind in scored
                                          if gold and kind])
        report = replace(report, urgency=score)
    return report


def score_urgency(pairs: Sequence[tuple[bool, bool]]) -> UrgencyScore:
    """Recall, precision and false-alarm rate of (gold, flagged) pairs."""
    tp = sum(g and f for g, f in pairs)
    gold = sum(g for g, _ in pairs)
    flagged = sum(f for _, f in pairs)
    negatives = len(pairs) - gold
    return UrgencyScore(
        n=len(pairs),
        urgent=gold,
        flagged=flagged,
        recall=round(tp / gold, 4) if gold else 0.0,
        precision=round(tp / flagged, 4) if flagged else 0.0,
        false_alarm_rate=round((flagged - tp) / negatives, 4) if negatives else 0.0,
    )


def _with_hazards(score: UrgencyScore,
                  urgent: Sequence[tuple[str, tuple[str, ...]]]) -> UrgencyScore:
    """Add hazard figures from the gold-urgent rows' (gold hazard, found hazards)."""
    flagged = [(kind, found) for kind, found in urgent if found]
    named = sum(kind in found for kind, found in flagged)
    by_hazard: dict[str, dict[str, float]] = {}
    for kind in sorted({kind for kind, _ in urgent}):
        rows = [found for k, found in urgent if k == kind]
        by_hazard[kind] = {"n": len(rows),
                           "recall": round(sum(bool(f) for f in rows) / len(rows), 4)}
    return replace(score, hazard_n=len(flagged),
                   hazard_accuracy=round(named / len(flagged), 4) if flagged else None,
                   recall_by_hazard=by_hazard)


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
