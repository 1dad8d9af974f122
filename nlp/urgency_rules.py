"""The urgency rules (nlp/rules/urgent.toml, or a rules file's own [urgency] table), validated.

The format is described at the top of urgent.toml. In short: each hazard (gas, fire, lift …)
lists its danger expressions, `words` (literal) and `patterns` (regular expressions) that are
urgent by themselves, and `weak` ones (regular expressions: 火灾, 浓烟, 打人 …, words that
board letters use for the past or in general) that are urgent only next to a cue that the
danger is happening now (`immediate`). The cue lists say when a danger expression does not
count (negated, hypothetical, past, chronic, resolved, named as a risk or a figure of speech).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from nlp.rules import RulesError

# The hazard that danger expressions listed outside any [urgency.hazards.X] table belong to
# (救命, 快来人 …): the safety file's fallback advice covers it.
OTHER_HAZARD = "other"
DEFAULT_LONG_TEXT = 100
DEFAULT_SHORT_TEXT = 40

_CUE_KEYS = ("negations", "not_negations", "resolved", "not_dangers")
_REGEX_KEYS = ("hypothetical", "past", "chronic", "after", "immediate", "resets")
_HAZARD_KEYS = {"words", "patterns", "weak"}


@dataclass(frozen=True)
class HazardRules:
    """The danger expressions of one hazard; `code` is the key the safety file uses."""

    code: str
    words: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    weak: tuple[str, ...] = ()  # regular expressions, urgent only with an `immediate` cue


@dataclass(frozen=True)
class UrgencyRules:
    hazards: tuple[HazardRules, ...]
    negations: tuple[str, ...] = ()
    not_negations: tuple[str, ...] = ()
    hypothetical: tuple[str, ...] = ()  # regexes (a word is one), like past and chronic
    past: tuple[str, ...] = ()
    chronic: tuple[str, ...] = ()
    resolved: tuple[str, ...] = ()
    not_dangers: tuple[str, ...] = ()
    after: tuple[str, ...] = ()  # regexes over the sentence, ◆ standing for the danger
    immediate: tuple[str, ...] = ()  # the same; any of them says "now"
    resets: tuple[str, ...] = ()  # a "now" cue that ends the reach of an earlier past cue
    long_text: int = DEFAULT_LONG_TEXT  # longer messages need an immediate cue for every danger
    short_text: int = DEFAULT_SHORT_TEXT  # up to this, weak dangers count without a cue

    @property
    def words(self) -> tuple[str, ...]:
        """Every literal danger word, of all hazards."""
        return tuple(w for h in self.hazards for w in h.words)

    @property
    def patterns(self) -> tuple[str, ...]:
        """Every danger pattern (strong, then weak), of all hazards."""
        return tuple(p for h in self.hazards for p in (*h.patterns, *h.weak))

    def hazard(self, code: str) -> HazardRules | None:
        return next((h for h in self.hazards if h.code == code), None)


def parse_urgency(table: dict[str, Any], where: str) -> UrgencyRules:
    """Validate an [urgency] table; raise RulesError naming `where` and the key."""
    allowed = {*_CUE_KEYS, *_REGEX_KEYS, "words", "patterns", "hazards", "long_text",
               "short_text"}
    _only(table, allowed, where)
    hazards_table = table.get("hazards", {})
    if not isinstance(hazards_table, dict):
        raise RulesError(f"{where}.hazards: must be a table of hazards ([urgency.hazards.gas])")
    hazards = [_hazard(code, body, f"{where}.hazards.{code}")
               for code, body in hazards_table.items()]
    loose = HazardRules(OTHER_HAZARD, _strings(table, "words", where),
                        _regexes(table, "patterns", where))
    if loose.words or loose.patterns:
        hazards.append(loose)
    if not any(h.words or h.patterns or h.weak for h in hazards):
        raise RulesError(f"{where}.words: must list at least one word "
                         "(or a hazard table with words or patterns)")
    cues = {key: _strings(table, key, where) for key in _CUE_KEYS}
    regexes = {key: _regexes(table, key, where) for key in _REGEX_KEYS}
    return UrgencyRules(hazards=tuple(hazards), **cues, **regexes,
                        long_text=_length(table, "long_text", DEFAULT_LONG_TEXT, where),
                        short_text=_length(table, "short_text", DEFAULT_SHORT_TEXT, where))


def _length(table: dict[str, Any], key: str, default: int, where: str) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RulesError(f"{where}.{key}: must be a number of characters, got {value!r}")
    return value


def _hazard(code: str, body: Any, where: str) -> HazardRules:
    if not isinstance(body, dict):
        raise RulesError(f"{where}: must be a table")
    _only(body, _HAZARD_KEYS, where)
    hazard = HazardRules(code, _strings(body, "words", where), _regexes(body, "patterns", where),
                         _regexes(body, "weak", where))
    if not (hazard.words or hazard.patterns or hazard.weak):
        raise RulesError(f"{where}: lists no words, patterns or weak patterns")
    return hazard


def _only(table: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise RulesError(f"{where}.{unknown[0]}: unknown key "
                         f"(allowed here: {', '.join(sorted(allowed))})")


def _strings(table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise RulesError(f"{where}.{key}: must be a list of non-empty strings")
    return tuple(value)


def _regexes(table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    patterns = _strings(table, key, where)
    for index, pattern in enumerate(patterns):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise RulesError(f"{where}.{key}[{index}]: not a valid regular expression "
                             f"({exc})") from exc
    return patterns
