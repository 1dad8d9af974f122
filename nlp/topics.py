"""What a petition is about and where: named problems ("电梯故障") and places ("3号楼", "东门").

The words are data (`nlp/rules/topics.toml`): each problem is a list of phrases that name it on
their own, or an object word and a fault word close together ("电梯又坏了", "电梯…一直停在一楼
不动"), so "3号楼的电梯坏了" and "3号楼电梯又坏了！！" both say 电梯故障 at 3号楼. Duplicate
detection (nlp/dedup.py) and the digest's hot topics use the same reading.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlp.data import short_text
from nlp.segment import RULES_DIR

TOPICS_FILE = RULES_DIR / "topics.toml"
_META_KEYS = {"window", "scan_chars"}
_PROBLEM_KEYS = {"phrases", "objects", "faults", "not"}
_PLACE_KEYS = {"patterns", "strip", "generic"}


class TopicsError(ValueError):
    """A malformed topics file; the message names the file and the key."""


@dataclass(frozen=True)
class _Problem:
    name: str
    pattern: re.Pattern[str]
    cancel: re.Pattern[str] | None


@dataclass(frozen=True)
class TopicRules:
    problems: tuple[_Problem, ...]
    place_patterns: tuple[re.Pattern[str], ...]
    strip: tuple[re.Pattern[str], ...]
    generic: frozenset[str]
    synonyms: dict[str, str]  # word -> the group's representative
    scan_chars: int

    @classmethod
    def load(cls, path: Path = TOPICS_FILE) -> TopicRules:
        """Read and compile a topics file; `TopicsError` names the file and the bad key."""
        name = Path(path).name
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise TopicsError(f"{name}: {exc}") from exc
        _known(name, "", data, {"meta", "problems", "places", "synonyms"})
        meta = data.get("meta", {})
        _known(name, "meta", meta, _META_KEYS)
        window = _int(name, "meta.window", meta.get("window", 8))
        scan = _int(name, "meta.scan_chars", meta.get("scan_chars", 160))
        problems = tuple(
            _problem(name, problem, table, window)
            for problem, table in data.get("problems", {}).items()
        )
        places = data.get("places", {})
        _known(name, "places", places, _PLACE_KEYS)
        synonyms: dict[str, str] = {}
        for head, words in data.get("synonyms", {}).items():
            for word in _strings(name, f"synonyms.{head}", words):
                synonyms[word] = head
        return cls(
            problems=problems,
            place_patterns=tuple(_regex(name, "places.patterns", p)
                                 for p in _strings(name, "places.patterns", places.get("patterns", []))),
            strip=tuple(_regex(name, "places.strip", p)
                        for p in _strings(name, "places.strip", places.get("strip", []))),
            generic=frozenset(_strings(name, "places.generic", places.get("generic", []))),
            synonyms=synonyms, scan_chars=scan,
        )

    def problems_of(self, text: str) -> tuple[str, ...]:
        """The problems the start of a message names, in the file's order."""
        head = text[:self.scan_chars]
        found = []
        for problem in self.problems:
            # A cancelling phrase is blanked out where it stands ("电梯间" is not a lift fault).
            scanned = problem.cancel.sub("\u3000", head) if problem.cancel else head
            if problem.pattern.search(scanned):
                found.append(problem.name)
        return tuple(found)

    def main_problems(self, text: str) -> tuple[str, ...]:
        """The problems of a message's one line (a web-form letter's title, else its first
        sentence) when it names any, else of its start: a long letter mentions every
        neighbouring problem, its title says which one it is about."""
        return self.problems_of(short_text(text)) or self.problems_of(text)

    def phrases(self, text: str, *, building: str | None = None) -> tuple[str, ...]:
        """Hot-topic phrases: each main problem with the first place named ("3号楼 电梯故障",
        "东门 占道经营"), or alone when no place is ("电梯故障"). Never a single word."""
        places = self.places_of(text, building=building)
        where = f"{places[0]} " if places else ""
        return tuple(f"{where}{problem}" for problem in self.main_problems(text))

    def places_of(self, text: str, *, building: str | None = None) -> tuple[str, ...]:
        """The places the start of a message names: its building first ("3号楼"), then gates,
        car parks and named estates, roads and schools ("东门", "魅力之城小区")."""
        found: list[str] = [f"{building}号楼"] if building else []
        head = text[:self.scan_chars]
        for pattern in self.place_patterns:
            for match in pattern.finditer(head):
                place = match.group("place") if "place" in pattern.groupindex else match.group(0)
                for strip in self.strip:
                    place = strip.sub("", place)
                if len(place) >= 2 and place not in self.generic and place not in found:
                    found.append(place)
        return tuple(found)

    def canonical(self, words: frozenset[str]) -> frozenset[str]:
        """Words with every synonym replaced by its group's representative word."""
        return frozenset(self.synonyms.get(w, w) for w in words)


def hot_topics(rules: TopicRules, messages: Iterable[tuple[str, str | None]], *,
               minimum: int = 2, limit: int = 8) -> list[tuple[str, int]]:
    """The phrases (`TopicRules.phrases`) of the most messages, each (text, building) counting a
    phrase once; only phrases of at least ``minimum`` messages, ties by the phrase."""
    counter: Counter[str] = Counter()
    for text, building in messages:
        counter.update(set(rules.phrases(text, building=building)))
    ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    return [(phrase, n) for phrase, n in ranked if n >= minimum][:limit]


def same_place(a: str, b: str) -> bool:
    """Two place names for one place: equal, or one inside the other ("万科魅力之城小区" and
    "魅力之城小区"); buildings must be equal ("3号楼" is not inside "13号楼")."""
    if a == b:
        return True
    if a.endswith("号楼") or b.endswith("号楼"):
        return False
    shorter, longer = sorted((a, b), key=len)
    return len(shorter) >= 3 and shorter in longer


def _problem(file: str, name: str, table: Any, window: int) -> _Problem:
    key = f'problems."{name}"'
    if not isinstance(table, dict):
        raise TopicsError(f"{file}: {key}: must be a table")
    _known(file, key, table, _PROBLEM_KEYS)
    phrases = _strings(file, f"{key}.phrases", table.get("phrases", []))
    objects = _strings(file, f"{key}.objects", table.get("objects", []))
    faults = _strings(file, f"{key}.faults", table.get("faults", []))
    cancel = _strings(file, f"{key}.not", table.get("not", []))
    if bool(objects) != bool(faults):
        raise TopicsError(f"{file}: {key}: objects and faults go together")
    if not phrases and not objects:
        raise TopicsError(f"{file}: {key}: needs phrases or objects and faults")
    alternatives = [_alternation(phrases)] if phrases else []
    if objects:
        obj, fault, gap = _alternation(objects), _alternation(faults), f".{{0,{window}}}"
        alternatives += [f"{obj}{gap}{fault}", f"{fault}{gap}{obj}"]
    return _Problem(
        name=name,
        pattern=re.compile("|".join(alternatives)),
        cancel=re.compile(_alternation(cancel)) if cancel else None,
    )


def _alternation(words: list[str]) -> str:
    # Longest first, so a longer phrase is preferred where two start at one place.
    return "(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + ")"


def _regex(file: str, key: str, pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise TopicsError(f"{file}: {key}: bad pattern {pattern!r}: {exc}") from exc


def _known(file: str, key: str, table: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        where = f"{key}." if key else ""
        raise TopicsError(f"{file}: {where}{unknown[0]}: unknown key")


def _strings(file: str, key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise TopicsError(f"{file}: {key}: must be a list of non-empty strings")
    return list(value)


def _int(file: str, key: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise TopicsError(f"{file}: {key}: must be a positive integer, got {value!r}")
    return value
