"""Labelled data: read `text,label` CSV files and split them deterministically.

The split is by a hash of the text, so it is the same on every machine and for every tool:
a row is held out (test) when int(md5(text as UTF-8).hexdigest(), 16) % 5 == 0 (about 20%).
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from nlp.segment import TITLE_MAX_CHARS

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


@dataclass(frozen=True)
class EvalData:
    """What `nlp eval` scores: (text, label) rows and, per row, the gold urgent flag and the
    hazard it is about (None where the column is missing or the cell empty)."""

    rows: list[Row]
    urgent: list[bool | None] | None  # None: the file has no urgent column
    hazards: list[str | None] | None  # None: the file has no hazard column


def read_eval_csv(path: Path | str) -> tuple[list[Row], list[bool | None] | None]:
    """Read rows for `nlp eval`: columns text and label and/or urgent (0/1).

    Returns (rows, urgent): rows are (text, label) with label "" in a `text,urgent` file;
    urgent is one flag per row (None where the cell is empty), or None without the column.
    A `.tsv` file is read tab-separated, its lines starting with # skipped (the messages
    written for the project in nlp/corpus). Raises ValueError when the file has no text
    column, neither label nor urgent, or an urgent cell other than 0/1.
    """
    data = read_eval_data(path)
    return data.rows, data.urgent


def read_eval_data(path: Path | str, *, urgent_default: bool | None = None) -> EvalData:
    """`read_eval_csv` and the optional `hazard` column (gas, fire … as in urgent.toml).

    `urgent_default` is the gold flag of a row without an urgent cell (False for a file of
    board messages, nearly none urgent); with it a file with only a text column is read.
    """
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = _reader(path, handle)
        columns = set(reader.fieldnames or ())
        if urgent_default is not None and "text" in columns:
            columns.add("urgent")
        if "text" not in columns or not columns & {"label", "urgent"}:
            raise ValueError(f"{path}: expected CSV columns text,label and/or text,urgent, "
                             f"got {reader.fieldnames}")
        rows: list[Row] = []
        flags: list[bool | None] = []
        hazards: list[str | None] = []
        for line, record in enumerate(reader, start=2):
            text = (record["text"] or "").strip()
            label = (record.get("label") or "").strip()
            cell = (record.get("urgent") or "").strip()
            if cell not in ("", "0", "1"):
                raise ValueError(f"{path}, line {line}: urgent must be 0 or 1, got {cell!r}")
            if not text or not (label or cell or urgent_default is not None):
                continue
            rows.append((text, label))
            flags.append(urgent_default if cell == "" else cell == "1")
            hazards.append((record.get("hazard") or "").strip() or None)
    return EvalData(rows, flags if "urgent" in columns else None,
                    hazards if "hazard" in columns else None)


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


def _reader(path: Path | str, handle: Iterable[str]) -> csv.DictReader[str]:
    if str(path).endswith(".tsv"):
        return csv.DictReader(_uncommented(handle), delimiter="\t")
    return csv.DictReader(handle)


def _uncommented(lines: Iterable[str]) -> Iterator[str]:
    return (line for line in lines if not line.startswith("#"))


_SENTENCE_END = re.compile(r"[。！？!?；;\n]")
# "尊敬的领导：您好！", "龚书记：", "您好，": the greeting before a letter says nothing.
_SALUTATION = re.compile(r"^\s*(?:[^。！？!?：:，,\s]{1,16}[：:])?\s*(?:(?:您|你)们?好[！!，,。.：:]*)?\s*")
SHORT_MAX_CHARS = 40


def short_text(text: str) -> str:
    """The one line a resident would have sent: the title, else the first sentence.

    A web-form message is "标题 正文" (see `segment.title_words`): its title is the text
    before the first space when that comes within TITLE_MAX_CHARS characters. Without one,
    the first sentence after any greeting ("尊敬的领导：您好！"), up to 。！？; or a line
    break, cut at SHORT_MAX_CHARS characters at the last comma before them when there is one.
    """
    text = text.strip()
    space = re.search(r"\s", text[:TITLE_MAX_CHARS + 1])
    if space is not None and space.start() > 0:
        return text[:space.start()]
    text = _SALUTATION.sub("", text, count=1) or text
    end = _SENTENCE_END.search(text)
    sentence = text[:end.start()] if end and end.start() > 0 else text
    if len(sentence) <= SHORT_MAX_CHARS:
        return sentence
    head = sentence[:SHORT_MAX_CHARS]
    comma = max(head.rfind("，"), head.rfind(","))
    return head[:comma] if comma > 0 else head
