"""Join the community labels (kept by text hash) to the shared messages: a CSV for `minyuan nlp eval`.

    python3 nlp/corpus/join.py ../shared/data/petitions-teddy2020/unlabelled.csv > community.csv

Writes `text,label,urgent` for the messages both passes agree on (disagreements await
adjudication and are left out; their count goes to stderr). The output holds the shared
text, so keep it outside the repository.
"""

from __future__ import annotations

import csv
import hashlib
import sys
from pathlib import Path

LABELS = Path(__file__).with_name("community_labels.tsv")


def text_id(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: join.py PATH/TO/unlabelled.csv > community.csv", file=sys.stderr)
        return 2
    lines = [line for line in LABELS.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    labels = {row["id"]: row for row in csv.DictReader(lines, delimiter="\t")}
    writer = csv.writer(sys.stdout)
    writer.writerow(["text", "label", "urgent"])
    written = disputed = 0
    with open(argv[0], encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            label = labels.get(text_id(row["text"]))
            if label is None:
                continue
            if label["label_a"] != label["label_b"]:
                disputed += 1
                continue
            urgent = int(label["urgent_a"] == "1" and label["urgent_b"] == "1")
            writer.writerow([row["text"], label["label_a"], urgent])
            written += 1
    print(f"{written} messages written, {disputed} left out (the passes disagree)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
