"""Write a RuleSet back as a readable rules file (format header, one keyword per line)."""

from __future__ import annotations

import json

from nlp.rules import FORMAT_HEADER, CategoryRules, RuleSet
from nlp.urgency_rules import OTHER_HAZARD, UrgencyRules


def dump_rules(rules: RuleSet, *, note: str = "") -> str:
    """Render `rules` as TOML text that `load_rules` reads back unchanged.

    Keywords are written strongest first so a person reads the decisive words at the top.
    `note` becomes extra comment lines under the format header (e.g. how it was learned).
    """
    lines = [FORMAT_HEADER.rstrip("\n")]
    lines += [f"# {line}".rstrip() for line in note.splitlines()]
    lines += ["", "[meta]", f"name = {_q(rules.name)}"]
    if rules.description:
        lines.append(f"description = {_q(rules.description)}")
    lines += [
        f"fallback = {_q(rules.fallback)}",
        f"normalize = {'true' if rules.normalize else 'false'}",
        f"scale = {_num(rules.scale)}",
        f"match = {_q(rules.match)}",
    ]
    if rules.title_weight:
        lines.append(f"title_weight = {_num(rules.title_weight)}")
    for category in rules.categories:
        lines += _category_lines(category)
    if rules.urgency is not None:
        lines += _urgency_lines(rules.urgency)
    return "\n".join(lines) + "\n"


def _category_lines(category: CategoryRules) -> list[str]:
    head = f"categories.{_q(category.name)}"
    lines = ["", f"[{head}]"]
    if category.description:
        lines.append(f"description = {_q(category.description)}")
    if category.prior:
        lines.append(f"prior = {_num(category.prior)}")
    if category.patterns:
        lines.append("patterns = [")
        lines += [
            f"  {{ pattern = {_q(p.pattern)}, weight = {_num(p.weight)} }},"
            for p in category.patterns
        ]
        lines.append("]")
    for key, weights in (("keywords", category.keywords), ("negative", category.negative)):
        if weights:
            lines += ["", f"[{head}.{key}]"]
            ranked = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))
            lines += [f"{_q(word)} = {_num(weight)}" for word, weight in ranked]
    return lines


def _urgency_lines(urgency: UrgencyRules) -> list[str]:
    lines = ["", "[urgency]"]
    loose = urgency.hazard(OTHER_HAZARD)
    if loose is not None:
        lines.append(f"words = {_list(loose.words)}")
        lines.append(f"patterns = {_list(loose.patterns)}")
    for key in ("negations", "not_negations", "hypothetical", "past", "chronic", "resolved",
                "not_dangers", "after", "immediate", "resets"):
        lines.append(f"{key} = {_list(getattr(urgency, key))}")
    lines.append(f"long_text = {urgency.long_text}")
    lines.append(f"short_text = {urgency.short_text}")
    for hazard in urgency.hazards:
        if hazard.code == OTHER_HAZARD:
            continue
        lines += ["", f"[urgency.hazards.{hazard.code}]"]
        lines += [f"{key} = {_list(getattr(hazard, key))}" for key in ("words", "patterns", "weak")]
    return lines


def _list(values: tuple[str, ...]) -> str:
    return f"[{', '.join(_q(v) for v in values)}]"


def _q(text: str) -> str:
    # A JSON string with non-ASCII kept is also a valid TOML basic string.
    return json.dumps(text, ensure_ascii=False)


def _num(value: float) -> str:
    text = f"{value:.3f}".rstrip("0")
    return text + "0" if text.endswith(".") else text
