"""The scorer's word pairs and title weight, on small hand-written taxonomies."""

from __future__ import annotations

import pytest

from nlp import Analyzer, RulesError
from nlp.rules import load_rules
from nlp.rules_writer import dump_rules
from nlp.segment import stopwords, title_words, tokenizer

PAIRS = """
[meta]
fallback = "未分类"
[categories."教育".keywords]
"教师 对调" = 3.0
"学校" = 1.0
[categories."交通".keywords]
"公交" = 2.0
"""

TITLED = """
[meta]
title_weight = 2.0
[categories."教育".keywords]
"学校" = 1.0
[categories."环境".keywords]
"噪音" = 1.2
"""


def _analyzer(tmp_path, text: str) -> Analyzer:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return Analyzer.load(path)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("希望落实教师对调政策", "教育"),
        ("教师，对调的事情", "教育"),  # punctuation and stopwords between the two words
        ("对调教师的事情", "未分类"),  # wrong order
        ("教师工资和对调", "未分类"),  # not neighbours
    ],
)
def test_a_word_pair_matches_neighbouring_content_words_in_order(tmp_path, text, category):
    assert _analyzer(tmp_path, PAIRS).classify(text).category == category


def test_a_matched_pair_is_named_among_the_deciding_keywords(tmp_path):
    decision = _analyzer(tmp_path, PAIRS).classify("学校不落实教师对调")
    assert decision.category == "教育"
    assert decision.keywords == ("教师 对调", "学校")


def test_title_words_count_more(tmp_path):
    analyzer = _analyzer(tmp_path, TITLED)
    # 学校 in the title counts 3 times: 1 + ln 3 = 2.1 > 1.2 for 噪音 in the body.
    assert analyzer.classify("学校旁边 晚上有噪音").category == "教育"
    # No title (the first space is more than 50 characters in): 噪音 wins.
    assert analyzer.classify("学校" + "，" * 60 + " 晚上有噪音").category == "环境"


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("希望落实A市教师对调工作 尊敬的领导", ["落实", "市", "教师", "对调", "工作"]),
        ("教师对调\n尊敬的领导", ["教师", "对调"]),
        ("尊敬的领导，教师对调怎么办", []),
        (" 教师对调", []),
    ],
)
def test_the_title_is_the_text_before_the_first_space(text, title):
    tok = tokenizer()
    assert title_words(text, tok.lcut(text), stopwords()) == title


@pytest.mark.parametrize("pair", ["教师  对调", "教师 对调 政策", " 教师"])
def test_a_malformed_pair_is_a_clear_error(tmp_path, pair):
    with pytest.raises(RulesError, match="word pair"):
        _analyzer(tmp_path, f'[categories."教育".keywords]\n"{pair}" = 1.0\n')


def test_a_negative_title_weight_is_an_error(tmp_path):
    with pytest.raises(RulesError, match=r"meta\.title_weight"):
        _analyzer(tmp_path, '[meta]\ntitle_weight = -1\n[categories."教育".keywords]\n"学校" = 1\n')


def test_pairs_and_title_weight_survive_a_round_trip(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(TITLED + '"教师 对调" = 2.0\n', encoding="utf-8")
    again = tmp_path / "again.toml"
    again.write_text(dump_rules(load_rules(path)), encoding="utf-8")
    rules = load_rules(again)
    assert rules.title_weight == 2.0
    assert rules.categories[1].keywords["教师 对调"] == 2.0


RARE_WORDS = """
[meta]
fallback = "未分类"
[categories."投诉".keywords]
"太多" = 1.0
"查到" = 1.0
[categories."咨询".keywords]
"咨询" = 1.0
"""


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("这种情况太多了", "投诉"),  # jieba keeps 太多 whole here, though it splits it alone
        ("问题调查到位了", "未分类"),  # 调查 + 到位: 查到 is only a substring
    ],
)
def test_a_dictionary_word_matches_as_a_word_not_as_a_substring(tmp_path, text, category):
    decision = _analyzer(tmp_path, RARE_WORDS).classify(text)
    assert decision.category == category
    assert decision.keywords == (("太多",) if category == "投诉" else ())
