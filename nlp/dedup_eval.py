"""Measure duplicate detection on labelled pairs (`minyuan nlp dedup-eval`, see docs/nlp.md).

Pairs are kept by text hash (nlp/corpus/duplicate_pairs.tsv); the messages come from the shared
CSV they were drawn from. Each message is read as at intake: the classifier's category, the
building nlp/location.py finds, its content tokens; then `nlp.dedup.link` decides.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from nlp.analyzer import Analyzer
from nlp.dedup import Signature, link, signature, similarity
from nlp.topics import TopicRules

PAIRS_FILE = Path(__file__).parent / "corpus" / "duplicate_pairs.tsv"
SPLITS = ("dev", "heldout", "all")
WORDING_ALONE = 0.6


@dataclass(frozen=True)
class Pair:
    id_a: str
    id_b: str
    same: bool
    split: str


@dataclass(frozen=True)
class DedupReport:
    n: int
    positives: int
    true_positives: int
    false_positives: int
    false_negatives: int
    precision: float
    recall: float
    f1: float
    missing: int  # pairs whose messages are not in the CSV

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    def format(self) -> str:
        return (f"pairs {self.n} (same problem {self.positives}), missing {self.missing}\n"
                f"precision {self.precision:.3f}  recall {self.recall:.3f}  f1 {self.f1:.3f}\n"
                f"true positives {self.true_positives}, false positives {self.false_positives}, "
                f"false negatives {self.false_negatives}")


def text_id(text: str) -> str:
    """The key a message is stored under: sha256 of its text, first 16 hex digits."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def read_pairs(path: Path = PAIRS_FILE) -> list[Pair]:
    """The labelled pairs; ValueError on a malformed line."""
    lines = [line for line in Path(path).read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    pairs = []
    for row in csv.DictReader(lines, delimiter="\t"):
        if row.get("same") not in ("0", "1") or row.get("split") not in ("dev", "heldout"):
            raise ValueError(f"{Path(path).name}: bad pair line {row}")
        pairs.append(Pair(row["id_a"], row["id_b"], row["same"] == "1", row["split"]))
    return pairs


def read_texts(path: Path) -> dict[str, str]:
    """id -> text of a CSV with a `text` column."""
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "text" not in reader.fieldnames:
            raise ValueError(f"{Path(path).name}: needs a 'text' column")
        return {text_id(row["text"]): row["text"] for row in reader}


def evaluate_pairs(analyzer: Analyzer, topics: TopicRules, pairs: Iterable[Pair],
                   texts: Mapping[str, str], *, threshold: float = 0.3,
                   wording_only: bool = False) -> DedupReport:
    """Precision and recall of `link` on the pairs whose two messages are in ``texts``.

    ``wording_only``: score the detector this one replaced instead (Jaccard of the content
    tokens >= ``threshold`` in the same building, >= 0.6 when neither names one), to compare."""
    cache: dict[str, Signature] = {}

    def sig(key: str) -> Signature:
        if key not in cache:
            text = texts[key]
            analysis = analyzer.analyse(text)
            cache[key] = signature(topics, text=text, tokens=analysis.tokens,
                                   category=analysis.decision.category,
                                   building=analysis.location.building)
        return cache[key]

    tp = fp = fn = n = positives = missing = 0
    for pair in pairs:
        if pair.id_a not in texts or pair.id_b not in texts:
            missing += 1
            continue
        n += 1
        positives += pair.same
        a, b = sig(pair.id_a), sig(pair.id_b)
        if wording_only:
            linked = a.building == b.building and similarity(
                analyzer.analyse(texts[pair.id_a]).tokens, analyzer.analyse(texts[pair.id_b]).tokens
            ) >= (threshold if a.building else WORDING_ALONE)
        else:
            linked = link(a, b, threshold=threshold) is not None
        tp += linked and pair.same
        fp += linked and not pair.same
        fn += pair.same and not linked
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return DedupReport(n=n, positives=positives, true_positives=tp, false_positives=fp,
                       false_negatives=fn, precision=round(precision, 4),
                       recall=round(recall, 4), f1=round(f1, 4), missing=missing)
