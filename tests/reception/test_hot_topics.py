"""Hot topics on a crowded week: problems with their places, never filler words."""

from __future__ import annotations

import pytest

from nlp.topics import TopicRules
from reception.reports.topics import top_topics
from tests.reception.report_fixtures import bj, petition

# A busy week in one estate: residents write the same problems in their own words, and every
# message is full of words that say nothing about the problem (晚上, 很大, 单元楼, 一直 …).
WEEK = [
    ("3", "3号楼的电梯坏了，一直停在一楼不动"),
    ("3", "3号楼电梯又坏了！！我家住18楼"),
    ("3", "电梯卡在12楼不动了，晚上很大声响"),
    ("3", "单元楼电梯故障好几天了，老人下不了楼"),
    (None, "东门有人占道经营，摆摊卖菜，晚上很大声"),
    (None, "小区东门口小贩摆摊，车都进不来"),
    (None, "东门夜宵摊占道，晚上吵到很晚"),
    ("5", "5号楼楼上漏水，天花板湿了一大片"),
    ("5", "楼上卫生间渗水到我家，很大一片"),
    (None, "单元楼晚上很大声音，一直有人说话"),
    (None, "晚上很大的风，单元楼门没关"),
    (None, "请问社区晚上几点下班"),
    ("7", "7号楼下面垃圾堆了好几天没人清"),
]
FILLER = {"晚上", "很大", "单元楼", "一直", "有人", "问题"}


@pytest.fixture
def crowded():
    return [petition(bj(2026, 11, 16 + i % 5, 9 + i % 8), building=b, text=text)
            for i, (b, text) in enumerate(WEEK)]


def test_problems_with_their_places_rank_and_filler_never_does(crowded):
    topics = top_topics(crowded, topics=TopicRules.load())
    assert topics[:3] == [("3号楼 电梯故障", 4), ("东门 占道经营", 3), ("5号楼 漏水渗水", 2)]
    phrases = [phrase for phrase, _ in topics]
    assert not any(word in phrase.split() for phrase in phrases for word in FILLER)
    assert all(count >= 2 for _, count in topics)  # one petition's detail is not a topic


def test_each_petition_counts_once_however_often_it_says_it(crowded):
    loud = petition(bj(2026, 11, 20), building="3", text="电梯坏了！电梯坏了！电梯坏了！电梯故障！")
    topics = dict(top_topics([*crowded, loud], topics=TopicRules.load()))
    assert topics["3号楼 电梯故障"] == 5
