"""Danger words are urgent unless negated, hypothetical or already resolved."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("楼道里着火了，浓烟很大，快来人", ("着火", "浓烟")),
        ("厨房燃气泄漏，味道很大", ("燃气泄漏",)),
        ("5栋电梯困人了，里面有个小孩", ("电梯困人",)),
        ("隔壁老人摔倒了起不来", ("老人摔倒",)),
        ("不知道怎么回事，楼下一直冒烟", ("冒烟",)),
        ("配电箱不停冒烟", ("冒烟",)),
        ("地下室爆管了，水漫出来", ("爆管",)),
        ("楼道里有火灾隐患，现在已经着火了", ("着火",)),  # a risk phrase does not hide a real fire
        ("配电箱漏电了，一碰就麻", ("漏电",)),
    ],
)
def test_danger_words_are_urgent(community, text, words):
    urgency = community.analyse(text).urgency
    assert urgency.urgent
    assert urgency.words == words


@pytest.mark.parametrize(
    "text",
    [
        "没有漏气，就是想问问燃气费",
        "不是着火，是邻居在烧烤",
        "昨天电梯困人，现在已经修好了",
        "担心电动车在楼道充电会起火",
        "我们小区并没有燃气泄漏",
        "物业费太贵了",
        "",
        # Risks, past events, what-ifs and figures of speech are not emergencies now.
        "楼道堆满杂物，存在火灾隐患",
        "一旦发生火灾，后果不堪设想",
        "我们楼去年发生过火灾，现在消防通道还是被堵",
        "低保是我们家的救命钱，希望尽快审批",
        "现在是信息爆炸的时代，社区通知能不能简短一点",
        "老旧电线有漏电风险，请安排检查",
    ],
)
def test_negated_hypothetical_or_resolved_is_not_urgent(community, text):
    urgency = community.analyse(text).urgency
    assert not urgency.urgent
    assert urgency.words == ()


def test_one_live_word_is_enough_when_another_is_negated(community):
    urgency = community.analyse("不是着火，是燃气泄漏了").urgency
    assert urgency.words == ("燃气泄漏",)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("我在电梯里出不去了", "电梯里出不去"),          # a pattern: 电梯.{0,6}出不去
        ("楼上有人拿着菜刀", "拿着菜刀"),
        ("插座在打火，有焦味", "插座在打火"),
    ],
)
def test_danger_patterns_are_urgent(community, text, word):
    assert community.analyse(text).urgency.words == (word,)


@pytest.mark.parametrize(
    "text",
    ["上周电梯里出不去了一回，物业要给个说法", "担心有人拿着刀闹事", "插座在打火，已经修好了"],
)
def test_danger_patterns_are_cancelled_like_words(community, text):
    assert not community.analyse(text).urgency.urgent


def test_a_bad_urgency_pattern_names_the_key(tmp_path):
    from nlp import Analyzer, RulesError

    path = tmp_path / "rules.toml"
    path.write_text('[categories."物业".keywords]\n"物业" = 1\n'
                    '[urgency]\nwords = ["着火"]\npatterns = ["(着火"]\n', encoding="utf-8")
    with pytest.raises(RulesError, match=r"urgency\.patterns.*\[0\].*regular expression"):
        Analyzer.load(path)


def test_our_chat_style_urgency_set_meets_its_bars(community):
    """nlp/corpus/urgency_short.tsv (written for the project): recall >= 0.9, false alarms <= 5%."""
    from nlp.data import read_eval_csv
    from nlp.evaluate import score_urgency
    from nlp.segment import RULES_DIR

    rows, flags = read_eval_csv(RULES_DIR.parent / "corpus" / "urgency_short.tsv")
    score = score_urgency([(gold, community.urgency(text).urgent)
                           for (text, _), gold in zip(rows, flags, strict=True)])
    assert score.n >= 290
    assert score.recall >= 0.9
    assert score.false_alarm_rate <= 0.05
