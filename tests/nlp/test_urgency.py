"""Urgency: a danger happening now is urgent and names its hazard; hazards (隐患), what-ifs,
past events, negations, resolved events and figures of speech are not."""

from __future__ import annotations

import pytest

from nlp import Analyzer, RulesError


@pytest.mark.parametrize(
    ("text", "hazards"),
    [
        ("楼道里着火了，浓烟很大，快来人", ("fire", "other")),
        ("厨房燃气泄漏，味道很大", ("gas",)),
        ("屋里一股液化气的味儿，越来越浓", ("gas",)),          # object + state, not a listed word
        ("5栋电梯困人了，里面有个小孩", ("lift",)),
        ("我们被困在电梯里了，在8楼和9楼中间", ("lift",)),
        ("隔壁老人摔倒了起不来", ("injury",)),
        ("不知道怎么回事，楼下一直冒烟", ("fire",)),        # "不知道" is not a negation
        ("配电箱不停冒烟", ("electric", "fire")),        # smoke from a fuse box: both
        ("地下室爆管了，水漫出来", ("water",)),
        ("楼道的电线在冒火花，啪啪响", ("electric",)),
        ("客厅天花板往下塌，还在掉", ("collapse",)),
        ("阳台的墙裂了在掉渣", ("collapse",)),
        ("楼下有人拿着刀追人", ("violence",)),
        ("对门独居的王奶奶好几天没开门了", ("missing",)),
        ("楼道里有火灾隐患，现在已经着火了", ("fire",)),  # a risk phrase does not hide a real fire
        ("去年着过一次火，现在又着火了！", ("fire",)),      # 现在 ends the reach of 去年
        ("配电箱漏电了，一碰就麻", ("electric",)),
        # Chat lines, clauses separated by spaces: objects and states, not listed words.
        ("灶上的旋钮关不紧 气一直往外跑", ("gas",)),
        ("楼梯间的电井里在放电 噼啪响", ("electric",)),
        ("电梯里还关着人 按铃没人应", ("lift",)),
        ("儿子把一颗纽扣电池吞了 快点", ("injury",)),
        ("老公削苹果削到手 血止不住", ("injury",)),
        ("刚从楼上扔下来一个啤酒瓶 差点砸到人", ("collapse",)),
        ("地漏在往外冒水 已经漫到卧室", ("water",)),
        ("楼上水从我家门缝往里灌", ("water",)),
        ("我爷爷有阿尔茨海默 下午一个人出去了", ("missing",)),
        ("孩子买菜回来的路上 到现在还没找到", ("missing",)),
        ("奶奶不小心摔倒了 起不来", ("injury",)),        # 不小心 is no warning
    ],
)
def test_present_dangers_are_urgent_with_their_hazard(community, text, hazards):
    urgency = community.analyse(text).urgency
    assert urgency.urgent
    assert urgency.hazards == hazards


@pytest.mark.parametrize(
    "text",
    [
        "没有漏气，就是想问问燃气费",
        "不是着火，是邻居在烧烤",
        "燃气没有泄漏，是下水道的味道",
        "昨天电梯困人，现在已经修好了",
        "担心电动车在楼道充电会起火",
        "我们小区并没有燃气泄漏",
        "物业费太贵了",
        "",
        # Risks, past events, what-ifs, chronic problems and figures of speech.
        "楼道堆满杂物，存在火灾隐患",
        "一旦发生火灾，后果不堪设想",
        "我们楼去年发生过火灾，现在消防通道还是被堵",
        "楼下的水管以前爆过好几次",
        "电梯经常坏，随时可能困人",                         # the cue inside the phrase counts
        "低保是我们家的救命钱，希望尽快审批",
        "现在是信息爆炸的时代，社区通知能不能简短一点",
        "老旧电线有漏电风险，请安排检查",
        "楼上装修噪音太大，我都快炸了",
        "楼下饭店油烟太大",
        "水管冻裂了的话找谁修？提前问一下",
        "楼上漏水渗到我家卫生间，已经好几个月了",
        "3号楼2单元501，楼上漏水严重，天花板一直在滴水，墙皮都泡掉了",  # a leak, not a flood
        "老人平时出去遛弯 一般六点没回来 我就去接",          # a habit
        "孩子没到家的话 平时都是他爸去接",
        "这天热得救命 空调啥时候修",                          # 救命 as an exclamation
        "救命 吵死了 楼上几点才停",
        "电梯里面有人抽烟 味道大",
        "我切菜切到手了 小伤 不用管",
        "高空抛物太多 希望装摄像头",
    ],
)
def test_not_happening_now_is_not_urgent(community, text):
    urgency = community.analyse(text).urgency
    assert not urgency.urgent
    assert urgency.words == ()
    assert urgency.hazards == ()


def test_one_live_danger_is_enough_when_another_is_negated(community):
    urgency = community.analyse("不是着火，是燃气泄漏了").urgency
    assert urgency.words == ("燃气泄漏",)
    assert urgency.hazards == ("gas",)


def test_a_weak_word_needs_a_cue_that_it_is_happening_now(community):
    """打人 and 火灾 also tell the past in letters: in a message of more than one line they
    count only next to 在/正在/快来 …; in a one-line chat message they count as they are."""
    context = "我是3号楼2单元的住户，今天想跟社区反映一下我们单元门口新来的这几个保安的工作情况，"
    assert len(context) > 40
    assert not community.urgency(context + "保安打人，请严肃处理").urgent
    assert community.urgency(context + "保安正在打人，快来").urgent
    assert community.urgency("楼下保安打人").urgent


def test_a_long_letter_needs_the_cue_next_to_the_danger(community):
    letter = ("尊敬的领导：您好！我是小区的业主，我们小区自交房以来电梯质量一直很差，物业也不作为，"
              "业主多次反映都没有结果，电梯一个月坏好几次。上周有业主被困在电梯里，差点出事，请有关部门尽快督促整改，"
              "保障业主的生命财产安全，谢谢。")
    assert len(letter) > 100
    assert not community.urgency(letter).urgent
    assert community.urgency(letter + "刚才又有人被困在电梯里了，快来！").urgent


def test_a_habit_after_the_danger_is_no_resolution(community):
    """"回来了" after 平时 tells what usually happens, not that the child is back."""
    assert community.urgency("女儿放学没到家 平时五点就回来了").urgent
    assert not community.urgency("女儿放学没到家 后来自己回来了").urgent


def test_stored_words_give_back_their_hazards(community):
    urgency = community.urgency("厨房着火了，我爸晕倒了")
    assert community.hazards_of(urgency.words) == urgency.hazards == ("fire", "injury")


def test_a_bad_urgency_pattern_names_the_key(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text('[categories."物业".keywords]\n"物业" = 1\n'
                    '[urgency]\nwords = ["着火"]\npatterns = ["(着火"]\n', encoding="utf-8")
    with pytest.raises(RulesError, match=r"urgency\.patterns.*\[0\].*regular expression"):
        Analyzer.load(path)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[urgency.hazards.gas]\nwords = "漏气"\n', r"urgency\.hazards\.gas\.words: must be a list"),
        ('[urgency.hazards.gas]\nweak = ["(漏"]\n', r"hazards\.gas\.weak\[0\].*regular expression"),
        ('[urgency.hazards.gas]\nword = ["漏气"]\n', r"hazards\.gas\.word: unknown key"),
        ('[urgency.hazards.gas]\n', r"hazards\.gas: lists no words"),
        ('[urgency]\nlong_text = "long"\n[urgency.hazards.gas]\nwords = ["漏气"]\n',
         r"urgency\.long_text: must be a number"),
    ],
)
def test_a_bad_hazard_table_names_the_key(tmp_path, table, message):
    path = tmp_path / "rules.toml"
    path.write_text('[categories."物业".keywords]\n"物业" = 1\n' + table, encoding="utf-8")
    with pytest.raises(RulesError, match=message):
        Analyzer.load(path)


def test_a_rules_file_may_carry_its_own_hazards(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text('[categories."物业".keywords]\n"物业" = 1\n'
                    '[urgency]\nnegations = ["没有"]\n'
                    '[urgency.hazards.flood]\nwords = ["发大水"]\n', encoding="utf-8")
    analyzer = Analyzer.load(path)
    assert analyzer.urgency("村里发大水了").hazards == ("flood",)
    assert not analyzer.urgency("村里没有发大水").urgent
    assert not analyzer.urgency("着火了").urgent  # the shipped urgent.toml does not apply


@pytest.mark.parametrize(
    ("name", "min_rows", "max_fa"),
    [("urgency_short.tsv", 290, 0.03), ("urgency_dev.tsv", 140, 0.03),
     ("urgency_dev4.tsv", 250, 0.03)],
)
def test_our_chat_style_development_sets_meet_their_bars(community, name, min_rows, max_fa):
    """The sets urgent.toml was tuned on (written for the project): recall >= 0.95, false
    alarms <= 3% (dev4: 2 of 131 near misses, 救命 in a complaint and a child "not back" who
    is with his father). The held-out urgency_test.tsv is measured in docs/nlp.md, not here."""
    from nlp.data import read_eval_csv
    from nlp.evaluate import score_urgency
    from nlp.segment import RULES_DIR

    rows, flags = read_eval_csv(RULES_DIR.parent / "corpus" / name)
    score = score_urgency([(bool(gold), community.urgency(text).urgent)
                           for (text, _), gold in zip(rows, flags, strict=True)])
    assert score.n >= min_rows
    assert score.recall >= 0.95
    assert score.false_alarm_rate <= max_fa
