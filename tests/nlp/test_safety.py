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
    ("words", "hazards"),
    [
        (("煤气味",), ["gas"]),
        (("电梯困人",), ["lift"]),
        (("老人摔倒",), ["injury"]),
        (("漏电",), ["electric"]),
        (("水管爆裂",), ["water"]),
        (("着火", "晕倒"), ["fire", "injury"]),  # the file's order, each once
        (("救命",), ["fallback"]),  # a danger word no hazard lists
        (("漏气", "救命"), ["gas", "fallback"]),
    ],
)
def test_hazards_for_danger_words(safety, words, hazards):
    assert [h.code for h in safety.hazards_for(words)] == hazards


def test_every_urgent_word_gets_advice_and_a_number(safety):
    for word in load_urgency().words:
        found = safety.hazards_for([word])
        assert found and all(h.advice and h.call for h in found), word


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"numbers": {"fire": "火警"}, "hazards": {"x": {"name": "n", "advice": "a",
          "words": ["着火"], "call": ["gaz"]}}, "fallback": {"name": "n", "advice": "a"}},
         r"hazards\.x\.call: 'gaz' is not in \[numbers\]"),
        ({"numbers": {}, "hazards": {"x": {"name": "n", "advice": "a", "words": []}},
          "fallback": {"name": "n", "advice": "a"}}, r"hazards\.x\.words"),
        ({"numbers": {}, "hazards": {}, "fallback": {"name": "n"}}, r"fallback\.advice: missing"),
        ({"numbers": {}, "hazards": {}, "fallback": {"name": "n", "advice": "a", "tips": 1}},
         r"fallback\.tips: unknown key"),
        ({"numbers": {}, "hazard": {}}, r"hazard: unknown key"),
    ],
)
def test_a_bad_safety_file_names_the_key(data, message):
    with pytest.raises(RulesError, match=message):
        SafetyRules.from_mapping(data, source="safety.toml")
