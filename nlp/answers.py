"""The office's common answers (knowledge base) and reply templates, from a file staff edit.

``nlp/rules/answers.toml`` (or the file ``[knowledge] answers`` in config.toml names) holds:

    [answers.<code>]
    title = "居住证明"
    # every group must be met by one of its words (a question about *this*, not a mention)
    match = [["居住证明", "居住证"], ["材料", "需要什么", "怎么办", "手续"]]
    patterns = ["开.{0,4}居住证明"]   # or any of these regular expressions
    unless = ["投诉", "不给开"]        # none of these words: a complaint is a petition
    answer = "…"

    [templates.<name>]
    text = "…"                         # a staff reply sent with /tpl <name>

Pure: no database, no Telegram. A question matches the first entry (in file order) whose
``patterns`` match or whose ``match`` groups are all met, and none of whose ``unless`` words
(nor the file's ``[settings] unless``) occur.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlp.rules import RulesError
from nlp.segment import RULES_DIR

ANSWERS_FILE = RULES_DIR / "answers.toml"
_ENTRY_KEYS = {"title", "match", "patterns", "unless", "answer"}
MAX_QUESTION_CHARS = 120  # a longer message tells a story: that is a petition, not a question


@dataclass(frozen=True)
class Answer:
    code: str
    title: str
    answer: str
    match: tuple[tuple[str, ...], ...] = ()
    patterns: tuple[re.Pattern[str], ...] = ()
    unless: tuple[str, ...] = ()

    def matches(self, text: str) -> bool:
        if any(word in text for word in self.unless):
            return False
        if any(pattern.search(text) for pattern in self.patterns):
            return True
        return bool(self.match) and all(any(w in text for w in group) for group in self.match)


@dataclass(frozen=True)
class Template:
    name: str
    text: str


@dataclass(frozen=True)
class AnswerBook:
    answers: tuple[Answer, ...] = ()
    templates: tuple[Template, ...] = ()
    unless: tuple[str, ...] = ()  # words that make any message a petition

    @classmethod
    def load(cls, path: Path = ANSWERS_FILE) -> AnswerBook:
        """Read an answers file. Raises RulesError naming the bad key."""
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise RulesError(f"{path}: {exc}") from exc
        return cls.from_mapping(data, source=str(path))

    @classmethod
    def from_mapping(cls, data: dict[str, Any], *, source: str = "answers") -> AnswerBook:
        answers = tuple(_answer(code, body, source)
                        for code, body in _table(data, "answers", source).items())
        templates = []
        for name, body in _table(data, "templates", source).items():
            text = body.get("text") if isinstance(body, dict) else None
            if not isinstance(text, str) or not text.strip():
                raise RulesError(f"{source}: templates.{name}.text: missing")
            templates.append(Template(str(name), text.strip()))
        settings = _table(data, "settings", source)
        return cls(answers=answers, templates=tuple(templates),
                   unless=_words(settings.get("unless", []), "settings.unless", source))

    def find(self, text: str) -> Answer | None:
        """The answer to a resident's question, or None (the message is a petition)."""
        question = text.strip()
        if not question or len(question) > MAX_QUESTION_CHARS:
            return None
        if any(word in question for word in self.unless):
            return None
        return next((a for a in self.answers if a.matches(question)), None)

    def answer(self, code: str) -> Answer | None:
        return next((a for a in self.answers if a.code == code), None)

    def template(self, name: str) -> Template | None:
        return next((t for t in self.templates if t.name == name.strip()), None)


def _answer(code: str, body: object, source: str) -> Answer:
    key = f"answers.{code}"
    if not isinstance(body, dict):
        raise RulesError(f"{source}: {key}: expected a table")
    unknown = set(body) - _ENTRY_KEYS
    if unknown:
        raise RulesError(f"{source}: {key}: unknown keys {', '.join(sorted(unknown))}")
    answer = body.get("answer")
    if not isinstance(answer, str) or not answer.strip():
        raise RulesError(f"{source}: {key}.answer: missing")
    groups = body.get("match", [])
    if not isinstance(groups, list) or not all(isinstance(g, list) for g in groups):
        raise RulesError(f"{source}: {key}.match: expected a list of word lists")
    match = tuple(_words(g, f"{key}.match", source) for g in groups)
    if any(not group for group in match):
        raise RulesError(f"{source}: {key}.match: an empty word list matches nothing")
    patterns = []
    for pattern in _words(body.get("patterns", []), f"{key}.patterns", source):
        try:
            patterns.append(re.compile(pattern))
        except re.error as exc:
            raise RulesError(f"{source}: {key}.patterns: {pattern!r}: {exc}") from exc
    if not match and not patterns:
        raise RulesError(f"{source}: {key}: needs match or patterns")
    title = body.get("title", code)
    return Answer(code=code, title=str(title), answer=answer.strip(), match=match,
                  patterns=tuple(patterns), unless=_words(body.get("unless", []), f"{key}.unless", source))


def _table(data: dict[str, Any], key: str, source: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise RulesError(f"{source}: {key}: expected a table")
    return value


def _words(value: object, key: str, source: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise RulesError(f"{source}: {key}: expected a list of words")
    return tuple(v.strip() for v in value)
