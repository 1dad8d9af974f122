"""rjieba and jieba decide alike: the accelerator may replace the fallback without a visible change.

On every shared message (train.csv and unlabelled.csv) both back ends must give the same
category, runner-up, keywords, urgency and triage decision, under both shipped taxonomies.
The confidence may move in the fourth decimal where they group a run of digits differently
(a longer message is normalised by its token count), never across the triage threshold.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from nlp import Analyzer
from nlp.segment import available_backends, default_backend, tokenizer

DATA = Path("/work/shared/data/petitions-teddy2020")
FILES = ("train.csv", "unlabelled.csv")
TRIAGE_THRESHOLD = 0.35  # nlp.triage_threshold's default (bot/config.py)
CONFIDENCE_TOLERANCE = 0.005

needs_rjieba = pytest.mark.skipif("rjieba" not in available_backends(), reason="rjieba is not installed")


def _shared_texts() -> list[str]:
    texts: list[str] = []
    for name in FILES:
        with (DATA / name).open(encoding="utf-8", newline="") as handle:
            texts += [row["text"] for row in csv.DictReader(handle)]
    return texts


@needs_rjieba
@pytest.mark.skipif(not all((DATA / name).is_file() for name in FILES), reason="shared data not present")
def test_rjieba_and_jieba_decide_alike_on_every_shared_message():
    texts = _shared_texts()
    assert len(texts) > 9000
    # Each message is segmented once per back end (jieba's costs most of the test's time);
    # each taxonomy's analyser of that back end decides from those tokens.
    analysers = {backend: [Analyzer.load(rules, segmenter=backend) for rules in ("community", "city")]
                 for backend in ("jieba", "rjieba")}
    differing_segmentations, mismatches = 0, []
    for text in texts:
        slow_tokens = analysers["jieba"][0].segment(text)
        fast_tokens = analysers["rjieba"][0].segment(text)
        differing_segmentations += slow_tokens != fast_tokens
        if analysers["jieba"][0].urgency(text) != analysers["rjieba"][0].urgency(text):
            mismatches.append((text[:40], "urgency"))
        for slow, fast in zip(analysers["jieba"], analysers["rjieba"], strict=True):
            a, b = slow.decide(text, slow_tokens), fast.decide(text, fast_tokens)
            same = (
                (a.category, a.runner_up, a.keywords) == (b.category, b.runner_up, b.keywords)
                and (a.confidence < TRIAGE_THRESHOLD) == (b.confidence < TRIAGE_THRESHOLD)
                and abs(a.confidence - b.confidence) <= CONFIDENCE_TOLERANCE
            )
            if not same:
                mismatches.append((text[:40], slow.rules.name, a, b))
    assert mismatches == []
    # The comparison is not vacuous: the back ends do segment some messages differently.
    assert differing_segmentations > 0


@needs_rjieba
def test_both_back_ends_read_the_user_dictionary():
    text = "楼上漏水，物业公司说是低保户的事，广场舞太吵"
    slow, fast = tokenizer(backend="jieba"), tokenizer(backend="rjieba")
    assert slow.lcut(text) == fast.lcut(text)
    assert "物业公司" in fast.lcut(text)
    for word in ("物业公司", "广场舞", "中华人民共和国"):
        assert slow.is_word(word) and fast.is_word(word)
    for not_a_word in ("中华人", "楼上漏", ""):  # a prefix of a word is not a word
        assert not slow.is_word(not_a_word) and not fast.is_word(not_a_word)


def test_the_back_end_can_be_forced(monkeypatch):
    monkeypatch.setenv("MINYUAN_SEGMENTER", "jieba")
    assert default_backend() == "jieba"
    assert Analyzer.load("community").segment("楼上漏水") == ["楼上", "漏水"]
    monkeypatch.setenv("MINYUAN_SEGMENTER", "pkuseg")
    with pytest.raises(ValueError, match="MINYUAN_SEGMENTER=pkuseg"):
        default_backend()


def test_jieba_is_the_fallback_when_rjieba_is_missing(monkeypatch):
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.delenv("MINYUAN_SEGMENTER", raising=False)
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: None if name == "rjieba" else real_find_spec(name, *args))
    assert available_backends() == ("jieba",)
    assert default_backend() == "jieba"
    assert tokenizer().backend == "jieba"
