"""Word segmentation: one dedicated jieba tokenizer per user dictionary, loaded once.

jieba's module-level functions share a global tokenizer that any library may reconfigure, so
we build our own `jieba.Tokenizer` and keep it in a small cache keyed by the user dictionary.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import jieba

RULES_DIR = Path(__file__).parent / "rules"
DEFAULT_USERDICT = RULES_DIR / "userdict.txt"
STOPWORDS_FILE = RULES_DIR / "stopwords.txt"
TITLE_MAX_CHARS = 50
_FIRST_SPACE = re.compile(r"\s")

_lock = threading.Lock()
_tokenizers: dict[Path | None, jieba.Tokenizer] = {}


def tokenizer(userdict: Path | None = DEFAULT_USERDICT) -> jieba.Tokenizer:
    """Return the initialised tokenizer for `userdict` (None: jieba's dictionary only).

    The first call for a dictionary costs about a second (jieba's prefix dictionary comes
    from its on-disk cache); later calls return the same object.
    """
    key = Path(userdict).resolve() if userdict is not None else None
    with _lock:
        tok = _tokenizers.get(key)
        if tok is None:
            tok = _new_tokenizer(key)
            _tokenizers[key] = tok
        return tok


def _new_tokenizer(userdict: Path | None) -> jieba.Tokenizer:
    # jieba logs "Building prefix dict…" at DEBUG through its own logger on every load.
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    if userdict is not None:
        if not userdict.is_file():
            raise ValueError(f"{userdict}: user dictionary not found")
        with userdict.open("rb") as handle:  # jieba leaves a path's file open
            tok.load_userdict(handle)
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
