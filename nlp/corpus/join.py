"""Join the community labels (kept by text hash) to the shared messages: a CSV for `minyuan nlp eval`.

    python3 nlp/corpus/join.py ../shared/data/petitions-teddy2020/unlabelled.csv > community.csv
    python3 nlp/corpus/join.py --with-extra PATH/unlabelled.csv > community-plus.csv
    python3 nlp/corpus/join.py --stats     # agreement and Cohen's kappa of the two passes

Writes `text,label,urgent` with the adjudicated label of every labelled message (columns
`label` / `urgent` of community_labels.tsv); with --with-extra also the 700 single-pass labels
of community_extra.tsv (urgent 0), all outside the held-out fold, for learning. The output
holds the shared text, so keep it outside the repository.
"""

from __future__ import annotations

import csv
import hashlib
import sys
from collections import Counter
from pathlib import Path

LABELS = Path(__file__).with_name("community_labels.tsv")
EXTRA = Path(__file__).with_name("community_extra.tsv")


def text_id(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def read_labels(path: Path = LABELS) -> dict[str, dict[str, str]]:
    """id -> row (label_a, urgent_a, label_b, urgent_b, label, urgent)."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return {row["id"]: row for row in csv.DictReader(lines, delimiter="\t")}


def kappa(first: list[str], second: list[str]) -> float:
    """Cohen's kappa of two label sequences."""
    n = len(first)
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    a_counts, b_counts = Counter(first), Counter(second)
    expected = sum(a_counts[c] * b_counts[c] for c in a_counts) / (n * n)
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def stats(labels: dict[str, dict[str, str]]) -> str:
    rows = list(labels.values())
    lines = []
    for first, second in (("label_a", "label_b"), ("label_a", "label"), ("label_b", "label"),
                          ("urgent_a", "urgent_b")):
        a = [row[first] for row in rows]
        b = [row[second] for row in rows]
        agree = sum(x == y for x, y in zip(a, b, strict=True))
        lines.append(f"{first} vs {second}: {agree}/{len(rows)} agree "
                     f"({agree / len(rows):.1%}), kappa {kappa(a, b):.3f}")
    disputed = sum(row["label_a"] != row["label_b"] for row in rows)
    lines.append(f"{disputed} disagreements adjudicated; "
                 f"{sum(row['urgent'] == '1' for row in rows)} urgent")
    return "\n".join(lines)


def read_extra(path: Path = EXTRA) -> dict[str, dict[str, str]]:
    """id -> row in the shape of read_labels' (label, urgent 0) for the single-pass labels."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return {row["id"]: {"label": row["label"], "urgent": "0"}
            for row in csv.DictReader(lines, delimiter="\t")}


def main(argv: list[str]) -> int:
    if argv == ["--stats"]:
        print(stats(read_labels()))
        return 0
    extra = argv[:1] == ["--with-extra"]
    if extra:
        argv = argv[1:]
    if len(argv) != 1:
        print("usage: join.py [--with-extra] PATH/TO/unlabelled.csv > community.csv | "
              "join.py --stats", file=sys.stderr)
        return 2
    labels = read_labels()
    if extra:
        labels = {**read_extra(), **labels}
    writer = csv.writer(sys.stdout)
    writer.writerow(["text", "label", "urgent"])
    written = 0
    with open(argv[0], encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            label = labels.get(text_id(row["text"]))
            if label is None:
                continue
            writer.writerow([row["text"], label["label"], label["urgent"]])
            written += 1
    print(f"{written} messages written", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
