"""Safety advice by hazard: what a resident reporting a danger should do before anything else.

The advice is data (``nlp/rules/safety.toml``), edited by the office: each hazard, under the
code the urgency rules give it (``nlp/rules/urgent.toml``: gas, fire, lift …), has the advice
and the keys of the numbers to call. Which number a key stands for is the office's
configuration, not this file's.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from nlp.rules import RulesError
from nlp.segment import RULES_DIR

SAFETY_FILE = RULES_DIR / "safety.toml"
_HAZARD_KEYS = {"name", "advice", "call"}


@dataclass(frozen=True)
class Hazard:
    code: str
    name: str
    advice: str
    call: tuple[str, ...]  # keys of ``SafetyRules.labels``, most important first


@dataclass(frozen=True)
class SafetyRules:
    hazards: tuple[Hazard, ...]
    fallback: Hazard
    labels: Mapping[str, str]  # number key -> what residents read next to it ("火警")

    @classmethod
    def load(cls, path: Path = SAFETY_FILE) -> SafetyRules:
        """Read a safety file; raise RulesError naming the file and key that is wrong."""
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise RulesError(f"{path}: cannot read safety file ({exc.strerror})") from exc
        except tomllib.TOMLDecodeError as exc:
            raise RulesError(f"{path}: not valid TOML: {exc}") from exc
        return cls.from_mapping(data, source=str(path))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str = "<memory>") -> SafetyRules:
        unknown = set(data) - {"numbers", "hazards", "fallback"}
        if unknown:
            raise RulesError(f"{source}: {sorted(unknown)[0]}: unknown key; "
                             "expected numbers, hazards and fallback")
        labels = data.get("numbers", {})
        if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
            raise RulesError(f"{source}: numbers: expected a table of labels, e.g. fire = \"火警\"")
        hazards = tuple(
            _hazard(code, body, labels, f"{source}: hazards.{code}")
            for code, body in _table(data.get("hazards", {}), f"{source}: hazards").items()
        )
        fallback = _hazard("fallback", data.get("fallback"), labels, f"{source}: fallback")
        return cls(hazards=hazards, fallback=fallback, labels=MappingProxyType(dict(labels)))

    def hazards_for(self, codes: Iterable[str]) -> tuple[Hazard, ...]:
        """The hazards of these codes (``Urgency.hazards``), in the file's order; the fallback
        as well when a code has no advice here (or there is no code at all)."""
        codes = set(codes)
        found = [h for h in self.hazards if h.code in codes]
        if len(found) < len(codes) or not found:
            found.append(self.fallback)
        return tuple(found)


def _table(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RulesError(f"{where}: expected a table")
    return value


def _hazard(code: str, body: object, labels: Mapping[str, str], where: str) -> Hazard:
    body = _table(body, where)
    unknown = set(body) - _HAZARD_KEYS
    if unknown:
        raise RulesError(f"{where}.{sorted(unknown)[0]}: unknown key; "
                         f"expected {', '.join(sorted(_HAZARD_KEYS))}")
    for key in ("name", "advice"):
        if not isinstance(body.get(key), str) or not body[key].strip():
            raise RulesError(f"{where}.{key}: missing")
    call = body.get("call", [])
    if not isinstance(call, list):
        raise RulesError(f"{where}.call: expected a list of number keys")
    for key in call:
        if key not in labels:
            raise RulesError(f"{where}.call: {key!r} is not in [numbers] "
                             f"({', '.join(sorted(labels))})")
    return Hazard(code=code, name=body["name"], advice=body["advice"].strip(),
                  call=tuple(call))
