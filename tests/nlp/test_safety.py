"""The hazard -> advice rules (nlp/rules/safety.toml): every danger word gets advice."""

from __future__ import annotations

import pytest

from nlp import RulesError
from nlp.rules import load_urgency
from nlp.safety import SafetyRules


@pytest.fixture(scope="module")
def safety() -> SafetyRules:
    return SafetyRules.load()


@pytest.mark.parametrize(
    ("codes", "hazards"),
    [
        (("gas",), ["gas"]),
        (("lift",), ["lift"]),
        (("missing",), ["missing"]),
        (("injury", "fire"), ["fire", "injury"]),  # the file's order, each once
        (("other",), ["fallback"]),  # a hazard with no advice of its own (救命)
        (("gas", "other"), ["gas", "fallback"]),
        ((), ["fallback"]),
    ],
)
def test_hazards_for_codes(safety, codes, hazards):
    assert [h.code for h in safety.hazards_for(codes)] == hazards


def test_every_hazard_of_the_urgency_rules_gets_advice_and_a_number(safety):
    """Every hazard urgent.toml can report has its own advice (only "other" falls back)."""
    codes = [h.code for h in load_urgency().hazards]
    assert {"gas", "fire", "electric", "lift", "injury", "collapse", "water", "violence",
            "missing"} <= set(codes)
    for code in codes:
        found = safety.hazards_for([code])
        assert all(h.advice and h.call for h in found), code
        assert [h.code for h in found] == (["fallback"] if code == "other" else [code])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"numbers": {"fire": "火警"}, "hazards": {"x": {"name": "n", "advice": "a",
          "call": ["gaz"]}}, "fallback": {"name": "n", "advice": "a"}},
         r"hazards\.x\.call: 'gaz' is not in \[numbers\]"),
        ({"numbers": {}, "hazards": {"x": {"name": "n", "advice": "a", "words": []}},
          "fallback": {"name": "n", "advice": "a"}}, r"hazards\.x\.words: unknown key"),
        ({"numbers": {}, "hazards": {}, "fallback": {"name": "n"}}, r"fallback\.advice: missing"),
        ({"numbers": {}, "hazards": {}, "fallback": {"name": "n", "advice": "a", "tips": 1}},
         r"fallback\.tips: unknown key"),
        ({"numbers": {}, "hazard": {}}, r"hazard: unknown key"),
    ],
)
def test_a_bad_safety_file_names_the_key(data, message):
    with pytest.raises(RulesError, match=message):
        SafetyRules.from_mapping(data, source="safety.toml")
