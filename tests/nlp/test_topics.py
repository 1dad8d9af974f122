"""Problems and places read from a message, and duplicates linked by them (nlp/topics.py,
nlp/dedup.py): paraphrases at one place are linked, look-alikes elsewhere are not."""

from __future__ import annotations

import pytest

from nlp.dedup import link, signature
from nlp.topics import TopicRules, TopicsError, same_place


@pytest.fixture(scope="module")
def topics() -> TopicRules:
    return TopicRules.load()


@pytest.mark.parametrize(("text", "problem"), [
    ("3号楼的电梯坏了，一直停在一楼不动", "电梯故障"),
    ("3号楼电梯又坏了！！我家住18楼", "电梯故障"),
    ("有人被困在电梯里了", "电梯故障"),
    ("东门有人占道经营，摆摊卖菜", "占道经营"),
    ("楼上卫生间渗水到我家", "漏水渗水"),
    ("工地凌晨还在施工，吵得睡不着", "施工扰民"),
])
def test_a_problem_is_named_however_it_is_worded(topics, text, problem):
    assert problem in topics.problems_of(text)


@pytest.mark.parametrize("text", ["电梯间贴了很多广告", "小区晚上很安静，谢谢物业", "请问社区几点下班"])
def test_no_problem_where_none_is_named(topics, text):
    assert "电梯故障" not in topics.problems_of(text)


def test_places_building_gate_and_named_estate(topics):
    assert topics.places_of("东门口有小贩", building="3") == ("3号楼", "东门")
    assert "魅力之城小区" in topics.places_of("A5区劳动东路魅力之城小区一楼的夜宵摊")
    assert topics.places_of("小区门口很乱") == ()  # too vague to tell two petitions apart


@pytest.mark.parametrize(("a", "b", "same"), [
    ("魅力之城小区", "万科魅力之城小区", True),
    ("东门", "东门", True),
    ("3号楼", "13号楼", False),
    ("东门", "西门", False),
])
def test_same_place(a, b, same):
    assert same_place(a, b) is same


def test_phrases_put_the_place_before_the_problem(topics):
    assert topics.phrases("电梯又坏了", building="3") == ("3号楼 电梯故障",)
    assert topics.phrases("东门有人摆摊") == ("东门 占道经营",)
    assert topics.phrases("停水了") == ("停水",)
    assert topics.phrases("晚上很大声，单元楼") == ()  # filler is never a topic


# Chat-style pairs we wrote (our text): paraphrases at one place, and look-alikes that are not
# one problem. A regression table, not a measurement (docs/nlp.md has the measured figures).
PAIRS = [
    ("3号楼的电梯坏了，一直停在一楼不动", "3号楼电梯又坏了！！我家住18楼", True),
    ("3号楼电梯停运两天了", "三号楼的电梯卡住不动了，老人下不去", True),
    ("东门有人占道经营，摆摊卖菜，车都进不来", "小区东门口又有小贩摆摊了", True),
    ("5号楼楼上漏水，天花板湿了一大片", "5号楼我家卫生间顶上渗水", True),
    ("3号楼的电梯坏了，一直停在一楼不动", "5号楼电梯又坏了！！我家住18楼", False),
    ("3号楼的电梯坏了，一直停在一楼不动", "3号楼楼下广场舞太吵了，晚上睡不着", False),
    ("东门有人摆摊卖菜", "西门有人摆摊卖菜", False),
    ("3号楼电梯坏了", "7号楼停水了", False),
]


@pytest.mark.parametrize(("first", "second", "same"), PAIRS)
def test_duplicates_are_the_same_problem_at_the_same_place(community, topics, first, second, same):
    def sig(text):
        analysis = community.analyse(text)
        return signature(topics, text=text, tokens=analysis.tokens,
                         category=analysis.decision.category, building=analysis.location.building)

    found = link(sig(first), sig(second))
    assert (found is not None) is same
    assert link(sig(second), sig(first)) == found or same is False


def test_a_link_says_why(community, topics):
    def sig(text):
        analysis = community.analyse(text)
        return signature(topics, text=text, tokens=analysis.tokens,
                         category=analysis.decision.category, building=analysis.location.building)

    found = link(sig("3号楼的电梯坏了，一直停在一楼不动"), sig("3号楼电梯又坏了！！我家住18楼"))
    assert found is not None
    assert (found.place, found.problems) == ("3号楼", ("电梯故障",))
    assert "电梯" in found.words


@pytest.mark.parametrize(("content", "message"), [
    ('[problems."x"]\nphrases = "漏水"\n', 'problems."x".phrases: must be a list'),
    ('[problems."x"]\nobjects = ["电梯"]\n', "objects and faults go together"),
    ('[problems."x"]\nphrase = ["漏水"]\n', 'problems."x".phrase: unknown key'),
    ('[meta]\nwindow = 0\n', "meta.window: must be a positive integer"),
    ('[places]\npatterns = ["(unclosed"]\n', "places.patterns: bad pattern"),
])
def test_a_malformed_topics_file_names_the_key(tmp_path, content, message):
    path = tmp_path / "topics.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TopicsError, match=message.replace(".", r"\.").replace("(", r"\(")):
        TopicRules.load(path)
