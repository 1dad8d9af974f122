"""Rules files: load and validate the TOML that staff edit (the format is in FORMAT_HEADER).

A malformed file raises `RulesError` (a ValueError) naming the file and the key, so a staff
member who mistyped a weight can find the line.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nlp.segment import RULES_DIR

if TYPE_CHECKING:
    from nlp.urgency_rules import UrgencyRules

BUILTIN_RULES = ("community", "city")
URGENT_FILE = RULES_DIR / "urgent.toml"
DEFAULT_FALLBACK = "其他"
MATCH_MODES = ("words", "text")
PAIR_SEPARATOR = " "
_PAIR = re.compile(r"\S+ \S+")

FORMAT_HEADER = """\
# minyuan rules file: how petitions are sorted into categories. Staff may edit it; the bot
# reads it at start-up. Lines starting with # are comments.
#
# [meta]
#   name        short name of the taxonomy
#   fallback    category given when no rule matches at all (confidence 0); default "其他";
#               it may also be a category with keywords of its own
#   normalize   true: divide each category's score by the message's length factor
#               sqrt(sum over its distinct Chinese words, stopwords and pairs left out, of
#               (1 + ln count)^2), so a long letter does not outshout a short one (learned
#               files); false: plain sum
#   scale       confidence = softmax(scale * score) over all categories; larger is surer
#   match       "words" (default): a keyword jieba can keep as one word (a word of its
#               dictionary or of userdict.txt) must occur as a whole word, a longer phrase
#               anywhere in the text;
#               "text": every keyword is matched anywhere in the text, like Ctrl-F
#   title_weight  words of the title (the text before the first space or line break, when
#               that is at most 50 characters) count 1 + title_weight times; default 0
#
# [categories."名称"]           one table per category; the file defines the taxonomy
#   description  what belongs here (for people; not used for scoring)
#   prior        added to the category's score once anything matched (learned bias); 0
#   patterns     list of { pattern = "正则", weight = 2.0 }: a regular expression matched
#                against the raw text ("楼上.{0,6}漏水": 楼上, up to 6 characters, 漏水);
#                counts once
# [categories."名称".keywords]   "词" = weight: adds weight * (1 + ln count) when the word
#                occurs (see `match` for what "occurs" means); "词 词" (two words and one
#                space) is a word pair: the two words one after the other, with only
#                stopwords, numbers or punctuation between them ("教师 对调": 教师对调)
# [categories."名称".negative]   "词" = weight: evidence against; subtracts the same way
#
# Optional [urgency] table (hazards, words, patterns and the cue lists), as in urgent.toml;
# without it the shipped urgent.toml applies.
"""


class RulesError(ValueError):
    """A rules file is missing, unreadable or malformed; the message names file and key."""


@dataclass(frozen=True)
class Pattern:
    pattern: str
    weight: float


@dataclass(frozen=True)
class CategoryRules:
    name: str
    description: str = ""
    prior: float = 0.0
    keywords: dict[str, float] = field(default_factory=dict)
    negative: dict[str, float] = field(default_factory=dict)
    patterns: tuple[Pattern, ...] = ()


@dataclass(frozen=True)
class RuleSet:
    name: str
    categories: tuple[CategoryRules, ...]
    fallback: str = DEFAULT_FALLBACK
    normalize: bool = False
    scale: float = 1.0
    match: str = "words"
    title_weight: float = 0.0
    description: str = ""
    urgency: UrgencyRules | None = None
    source: str = "<memory>"

    @property
    def category_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.categories)


def resolve_rules_path(rules: str | Path) -> Path:
    """Map a builtin name ("community", "city") or a path to the rules file's path."""
    if isinstance(rules, str) and rules in BUILTIN_RULES:
        return RULES_DIR / f"{rules}.toml"
    return Path(rules)


def load_rules(rules: str | Path, *, seed: bool = False) -> RuleSet:
    """Read and validate a rules file given by builtin name or path.

    ``seed``: a curated seed for `learn --base`, whose categories may have only a
    description (learning adds their keywords).

    Raises RulesError naming the file (and key) when it is missing or malformed.
    """
    path = resolve_rules_path(rules)
    return parse_rules(_read_toml(path), source=str(path), seed=seed)


def load_urgency(path: Path = URGENT_FILE) -> UrgencyRules:
    """Read the urgent-words file (an `[urgency]` table)."""
    from nlp.urgency_rules import parse_urgency

    data = _read_toml(path)
    where = _Where(str(path))
    _only_keys(data, {"urgency"}, where)
    return parse_urgency(_table(data, "urgency", where, required=True), str(where.key("urgency")))


def parse_rules(data: dict[str, Any], *, source: str = "<memory>", seed: bool = False) -> RuleSet:
    """Validate parsed TOML and build a RuleSet; raises RulesError."""
    where = _Where(source)
    # A curated seed may carry a [learn] table (words `learn` must not pick up); see learn.py.
    _only_keys(data, {"meta", "categories", "urgency"} | ({"learn"} if seed else set()), where)
    if seed:
        learn_table = _table(data, "learn", where)
        _only_keys(learn_table, {"ignore"}, where.key("learn"))
        ignore = learn_table.get("ignore", [])
        if not isinstance(ignore, list) or not all(isinstance(w, str) and w for w in ignore):
            raise RulesError(f"{where.key('learn').key('ignore')}: must be a list of words")
    meta = _table(data, "meta", where)
    meta_at = where.key("meta")
    _only_keys(meta, {"name", "description", "fallback", "normalize", "scale", "match",
                      "title_weight"}, meta_at)
    tables = _table(data, "categories", where, required=True)
    if not tables:
        raise RulesError(f"{source}: [categories] defines no category")
    categories = tuple(
        _parse_category(name, body, where.key("categories").key(name), seed=seed)
        for name, body in tables.items()
    )
    # The fallback may also be a category of its own (the community taxonomy learns 其他 from
    # labelled rows): a message with words of it gets it with a confidence, one with no
    # evidence at all gets it with confidence 0.
    fallback = _string(meta, "fallback", meta_at, DEFAULT_FALLBACK)
    scale = _number(meta, "scale", meta_at, 1.0)
    if scale <= 0:
        raise RulesError(f"{meta_at.key('scale')}: must be positive, got {scale}")
    match = _string(meta, "match", meta_at, "words")
    if match not in MATCH_MODES:
        raise RulesError(f"{meta_at.key('match')}: must be \"words\" or \"text\", got {match!r}")
    title_weight = _number(meta, "title_weight", meta_at, 0.0)
    if title_weight < 0:
        raise RulesError(f"{meta_at.key('title_weight')}: must be 0 or more, got {title_weight}")
    urgency = data.get("urgency")
    from nlp.urgency_rules import parse_urgency

    return RuleSet(
        name=_string(meta, "name", meta_at, Path(source).stem),
        description=_string(meta, "description", meta_at, ""),
        categories=categories,
        fallback=fallback,
        normalize=_bool(meta, "normalize", meta_at, False),
        scale=scale,
        match=match,
        title_weight=title_weight,
        urgency=None if urgency is None else parse_urgency(
            _table(data, "urgency", where), str(where.key("urgency"))
        ),
        source=source,
    )


def is_pair(keyword: str) -> bool:
    """True for a word-pair keyword ("教师 对调"); its words are `split_pair(keyword)`."""
    return PAIR_SEPARATOR in keyword


def split_pair(keyword: str) -> tuple[str, str]:
    first, _, second = keyword.partition(PAIR_SEPARATOR)
    return first, second


class _Where:
    """A dotted location inside a file, for error messages: 'city.toml: categories.X.keywords'."""

    def __init__(self, source: str, path: str = "") -> None:
        self.source, self.path = source, path

    def key(self, name: str) -> _Where:
        part = name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else f'"{name}"'
        return _Where(self.source, f"{self.path}.{part}" if self.path else part)

    def __str__(self) -> str:
        return f"{self.source}: {self.path}" if self.path else self.source


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"{path}: cannot read rules file ({exc.strerror})") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{path}: not valid TOML: {exc}") from exc


def _parse_category(name: str, body: Any, where: _Where, *, seed: bool = False) -> CategoryRules:
    if not isinstance(body, dict):
        raise RulesError(f"{where}: must be a table")
    if not name.strip():
        raise RulesError(f"{where}: category name is empty")
    _only_keys(body, {"description", "prior", "keywords", "negative", "patterns"}, where)
    keywords = _weights(body, "keywords", where)
    patterns = _patterns(body, where)
    if not keywords and not patterns and not seed:
        raise RulesError(f"{where}: has no keywords and no patterns")
    return CategoryRules(
        name=name,
        description=_string(body, "description", where, ""),
        prior=_number(body, "prior", where, 0.0),
        keywords=keywords,
        negative=_weights(body, "negative", where),
        patterns=patterns,
    )


def _weights(body: dict[str, Any], key: str, where: _Where) -> dict[str, float]:
    table = _table(body, key, where)
    at = where.key(key)
    weights: dict[str, float] = {}
    for word in table:
        if not word.strip():
            raise RulesError(f"{at}: empty word")
        if is_pair(word) and not _PAIR.fullmatch(word):
            raise RulesError(
                f"{at.key(word)}: a word pair is two words separated by one space, like \"教师 对调\""
            )
        weight = _number(table, word, at, 0.0)
        if weight <= 0:
            raise RulesError(f"{at.key(word)}: weight must be positive, got {weight}")
        weights[word] = weight
    return weights


def _patterns(body: dict[str, Any], where: _Where) -> tuple[Pattern, ...]:
    items = body.get("patterns", [])
    at = where.key("patterns")
    if not isinstance(items, list):
        raise RulesError(f"{at}: must be a list of {{ pattern = ..., weight = ... }}")
    patterns = []
    for index, item in enumerate(items):
        item_at = _Where(at.source, f"{at.path}[{index}]")
        if not isinstance(item, dict):
            raise RulesError(f"{item_at}: must be {{ pattern = ..., weight = ... }}")
        _only_keys(item, {"pattern", "weight"}, item_at)
        regex = _string(item, "pattern", item_at, "")
        try:
            re.compile(regex)
        except re.error as exc:
            raise RulesError(f"{item_at.key('pattern')}: bad regular expression: {exc}") from exc
        if not regex:
            raise RulesError(f"{item_at.key('pattern')}: missing or empty")
        patterns.append(Pattern(regex, _number(item, "weight", item_at, 1.0)))
    return tuple(patterns)


def _only_keys(table: dict[str, Any], allowed: set[str], where: _Where) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise RulesError(
            f"{where.key(unknown[0])}: unknown key (allowed here: {', '.join(sorted(allowed))})"
        )


def _table(data: dict[str, Any], key: str, where: _Where, *, required: bool = False) -> Any:
    if key not in data:
        if required:
            raise RulesError(f"{where.key(key)}: missing")
        return {}
    value = data[key]
    if not isinstance(value, dict):
        raise RulesError(f"{where.key(key)}: must be a table")
    return value


def _string(data: dict[str, Any], key: str, where: _Where, default: str) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise RulesError(f"{where.key(key)}: must be a string, got {value!r}")
    return value


def _strings(data: dict[str, Any], key: str, where: _Where) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise RulesError(f"{where.key(key)}: must be a list of non-empty strings")
    return tuple(value)


def _number(data: dict[str, Any], key: str, where: _Where, default: float) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RulesError(f"{where.key(key)}: must be a number, got {value!r}")
    return float(value)


def _bool(data: dict[str, Any], key: str, where: _Where, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise RulesError(f"{where.key(key)}: must be true or false, got {value!r}")
    return value
