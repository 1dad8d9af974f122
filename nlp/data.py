"""Labelled data: read `text,label` CSV files and split them deterministically.

The split is by a hash of the text, so it is the same on every machine and for every tool:
a row is held out (test) when int(md5(text as UTF-8).hexdigest(), 16) % 5 == 0 (about 20%).
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable
from pathlib import Path

SPLIT_FOLDS = 5
TEST_FOLD = 0

Row = tuple[str, str]


def read_labelled_csv(path: Path | str) -> list[Row]:
    """Read (text, label) rows from a UTF-8 CSV with a `text,label` header.

    Raises ValueError when the file lacks those columns; rows with an empty text or label
    are skipped.
    """
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"text", "label"} <= set(reader.fieldnames):
            raise ValueError(f"{path}: expected CSV columns text,label, got {reader.fieldnames}")
        rows = [((r["text"] or "").strip(), (r["label"] or "").strip()) for r in reader]
    return [(text, label) for text, label in rows if text and label]


def read_eval_csv(path: Path | str) -> tuple[list[Row], list[bool | None] | None]:
    """Read rows for `nlp eval`: columns text and label and/or urgent (0/1).

    Returns (rows, urgent): rows are (text, label) with label "" in a `text,urgent` file;
    urgent is one flag per row (None where the cell is empty), or None without the column.
    Raises ValueError when the file has no text column, neither label nor urgent, or an
    urgent cell other than 0/1.
    """
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = set(reader.fieldnames or ())
        if "text" not in columns or not columns & {"label", "urgent"}:
            raise ValueError(f"{path}: expected CSV columns text,label and/or text,urgent, "
                             f"got {reader.fieldnames}")
        rows: list[Row] = []
        flags: list[bool | None] = []
        for line, record in enumerate(reader, start=2):
            text = (record["text"] or "").strip()
            label = (record.get("label") or "").strip()
            cell = (record.get("urgent") or "").strip()
            if cell not in ("", "0", "1"):
                raise ValueError(f"{path}, line {line}: urgent must be 0 or 1, got {cell!r}")
            if not text or not (label or cell):
                continue
            rows.append((text, label))
            flags.append(None if cell == "" else cell == "1")
    return rows, (flags if "urgent" in columns else None)


def fold_of(text: str) -> int:
    """The text's fold, 0..4, from the MD5 of its UTF-8 bytes."""
    return int(hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest(), 16) % SPLIT_FOLDS


def is_test(text: str) -> bool:
    return fold_of(text) == TEST_FOLD


def split_rows(rows: Iterable[Row]) -> tuple[list[Row], list[Row]]:
    """Split rows into (train, test) by `is_test` of their text."""
    train: list[Row] = []
    test: list[Row] = []
    for row in rows:
        (test if is_test(row[0]) else train).append(row)
    return train, test
