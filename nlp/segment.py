"""Word segmentation: one dedicated segmenter per user dictionary, loaded once.

Two back ends give the same precise-mode segmentation with the same dictionary and HMM:
rjieba (the Rust port, jieba-rs; about 12 times faster per message, and no second-long
dictionary load) when it is installed, and jieba, which is always installed, otherwise.
tests/nlp/test_segmenters.py proves both give the same category, keywords and urgency on
every shared message; they differ only in how a few runs of digits and dots are grouped,
which no rule reads. `MINYUAN_SEGMENTER=jieba` (or `rjieba`) forces one back end.

jieba's module-level functions share a global tokenizer that any library may reconfigure, so
we build our own `jieba.Tokenizer` (or `rjieba.Jieba`) and keep it in a small cache keyed by
the user dictionary and the back end.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import threading
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Protocol

import jieba

RULES_DIR = Path(__file__).parent / "rules"
DEFAULT_USERDICT = RULES_DIR / "userdict.txt"
STOPWORDS_FILE = RULES_DIR / "stopwords.txt"
TITLE_MAX_CHARS = 50
BACKENDS = ("rjieba", "jieba")
BACKEND_ENV = "MINYUAN_SEGMENTER"
_FIRST_SPACE = re.compile(r"\s")
# jieba's own user-dictionary line: word, then an optional frequency and an optional tag.
_USERDICT_LINE = re.compile(r"^(.+?)( [0-9]+)?( [a-z]+)?$")


class Segmenter(Protocol):
    """Precise-mode segmentation with a domain dictionary (what the rules are matched against)."""

    backend: str

    def lcut(self, text: str) -> list[str]:
        """The tokens of `text`, in order; joined they give `text` back."""
        ...

    def is_word(self, word: str) -> bool:
        """True when `word` is a dictionary word (jieba's or the user dictionary's)."""
        ...


class JiebaSegmenter:
    """jieba's own Tokenizer (pure Python; the fallback, always installed)."""

    backend = "jieba"

    def __init__(self, userdict: Path | None) -> None:
        # jieba logs "Building prefix dict…" at DEBUG through its own logger on every load.
        jieba.setLogLevel(logging.WARNING)
        self._tok = jieba.Tokenizer()
        self._tok.initialize()
        if userdict is not None:
            with userdict.open("rb") as handle:  # jieba leaves a path's file open
                self._tok.load_userdict(handle)

    def lcut(self, text: str) -> list[str]:
        words: list[str] = self._tok.lcut(text)
        return words

    def is_word(self, word: str) -> bool:
        # FREQ also holds every word's prefixes, with frequency 0.
        return bool(self._tok.FREQ.get(word, 0) > 0)


class RjiebaSegmenter:
    """rjieba's Jieba: jieba-rs, the same dictionary, algorithm and HMM, in Rust."""

    backend = "rjieba"

    def __init__(self, userdict: Path | None) -> None:
        import rjieba

        self._tok = rjieba.Jieba()
        if userdict is not None:
            for word, freq, tag in _userdict_entries(userdict):
                self._tok.add_word(word, freq, tag)

    def lcut(self, text: str) -> list[str]:
        return self._tok.cut(text)

    def is_word(self, word: str) -> bool:
        return bool(word) and self._tok.has_word(word)


def _userdict_entries(path: Path) -> list[tuple[str, int | None, str | None]]:
    """The lines of a jieba user dictionary, read as jieba.Tokenizer.load_userdict reads them."""
    entries: list[tuple[str, int | None, str | None]] = []
    for raw in path.read_text(encoding="utf-8-sig").splitlines():
        line = raw.strip()
        if not line:
            continue
        match = _USERDICT_LINE.match(line)
        assert match is not None  # ".+?" matches any non-empty line
        word, freq, tag = match.groups()
        entries.append((word, int(freq) if freq is not None else None,
                        tag.strip() if tag is not None else None))
    return entries


def available_backends() -> tuple[str, ...]:
    """The back ends that can be loaded here, fastest first."""
    return tuple(name for name in BACKENDS if importlib.util.find_spec(name) is not None)


def default_backend() -> str:
    """MINYUAN_SEGMENTER when set, else rjieba when installed, else jieba."""
    chosen = os.environ.get(BACKEND_ENV, "").strip()
    if chosen:
        if chosen not in BACKENDS:
            raise ValueError(f"{BACKEND_ENV}={chosen}: expected one of {', '.join(BACKENDS)}")
        return chosen
    return available_backends()[0]


_lock = threading.Lock()
_tokenizers: dict[tuple[Path | None, str], Segmenter] = {}


def tokenizer(userdict: Path | None = DEFAULT_USERDICT, *, backend: str | None = None) -> Segmenter:
    """Return the initialised segmenter for `userdict` (None: jieba's dictionary only).

    `backend` is "rjieba" or "jieba" (default: `default_backend()`). The first jieba call
    for a dictionary costs about a second (its prefix dictionary comes from its on-disk
    cache), rjieba's about 0.1 s; later calls return the same object. Raises ValueError
    when the user dictionary is missing or the back end is unknown.
    """
    name = backend or default_backend()
    if name not in BACKENDS:
        raise ValueError(f"segmenter {name!r}: expected one of {', '.join(BACKENDS)}")
    key = Path(userdict).resolve() if userdict is not None else None
    with _lock:
        tok = _tokenizers.get((key, name))
        if tok is None:
            if key is not None and not key.is_file():
                raise ValueError(f"{key}: user dictionary not found")
            tok = RjiebaSegmenter(key) if name == "rjieba" else JiebaSegmenter(key)
            _tokenizers[(key, name)] = tok
        return tok


@cache
def stopwords() -> frozenset[str]:
    """Function words and petition boilerplate that never decide anything (rules/stopwords.txt)."""
    lines = STOPWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        word for line in lines if (word := line.strip()) and not word.startswith("#")
    )


def is_han(token: str) -> bool:
    """True when the token starts with a CJK ideograph (a Chinese word, not a number or sign)."""
    return "\u4e00" <= token[0] <= "\u9fff"


def content_tokens(tokens: Iterable[str], stop: frozenset[str]) -> list[str]:
    """Chinese words of a segmented text, stopwords removed, repeats kept."""
    return [t for t in tokens if "\u4e00" <= t[0] <= "\u9fff" and t not in stop]


def title_words(text: str, tokens: Iterable[str], stop: frozenset[str]) -> list[str]:
    """Content words of the title: the text before the first space or line break.

    Web-form petitions start "标题 正文"; a first space after TITLE_MAX_CHARS characters is
    inside the letter, so such a text has no title. `tokens` is the segmentation of `text`.
    """
    space = _FIRST_SPACE.search(text, 0, TITLE_MAX_CHARS + 1)
    if space is None or space.start() == 0:
        return []
    end, position, words = space.start(), 0, []
    for token in tokens:
        if position >= end:
            break
        position += len(token)
        if "\u4e00" <= token[0] <= "\u9fff" and token not in stop:
            words.append(token)
    return words
