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
