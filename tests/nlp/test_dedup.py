"""Similarity of content-token sets for duplicate detection."""

from __future__ import annotations

import pytest

from nlp import similarity
from nlp.dedup import shared_words


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ({"漏水", "楼上"}, {"漏水", "楼上"}, 1.0),
        ({"漏水", "楼上"}, {"停车", "车位"}, 0.0),
        ({"漏水", "楼上", "天花板"}, {"漏水", "楼上", "卫生间"}, 0.5),
        (set(), {"漏水"}, 0.0),
        (set(), set(), 0.0),
    ],
)
def test_similarity(a, b, expected):
    assert similarity(frozenset(a), frozenset(b)) == pytest.approx(expected)


def test_similarity_is_symmetric():
    a, b = frozenset({"漏水", "楼上", "天花板"}), frozenset({"漏水", "墙面"})
    assert similarity(a, b) == similarity(b, a)


def test_same_complaint_in_other_words_is_more_similar_than_another_complaint(community):
    first = community.analyse("3号楼楼上卫生间漏水，天花板都湿了").tokens
    again = community.analyse("楼上卫生间又漏水了，我家天花板湿了一大片").tokens
    other = community.analyse("小区广场舞太吵了，晚上睡不着").tokens
    assert similarity(first, again) > 0.3
    assert similarity(first, again) > similarity(first, other)
    assert "漏水" in shared_words(first, again)


def test_tokens_drop_stopwords_and_punctuation(community):
    tokens = community.analyse("我的车位被占了，谢谢！").tokens
    assert "车位" in tokens
    assert not tokens & {"我", "的", "了", "，", "！", "谢谢"}
