"""The shipped rules files, and clear errors for malformed ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_config
from nlp import Analyzer, RulesError
from nlp.answers import AnswerBook
from nlp.rules import BUILTIN_RULES, load_rules, load_urgency
from nlp.safety import SafetyRules
from nlp.segment import RULES_DIR
from nlp.topics import TopicRules

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", BUILTIN_RULES)
def test_every_category_of_every_shipped_file_has_keywords(name):
    rules = load_rules(name)
    assert len(rules.categories) >= 2
    for category in rules.categories:
        assert category.keywords, f"{name}: {category.name} has no keywords"


def test_every_toml_in_the_rules_folder_loads():
    for path in RULES_DIR.glob("*.toml"):
        if path.name == "urgent.toml":
            assert load_urgency(path).words
        elif path.name == "safety.toml":
            assert SafetyRules.load(path).hazards
        elif path.name == "answers.toml":
            assert AnswerBook.load(path).answers
        elif path.name == "topics.toml":
            assert TopicRules.load(path).problems
        else:
            assert load_rules(path).categories


def test_community_taxonomy(community):
    assert community.categories == (
        "物业管理", "环境卫生", "噪音扰民", "停车交通", "房屋维修", "水电气暖", "治安安全",
        "邻里纠纷", "社会救助", "就业社保", "养老助残", "医疗卫生", "教育文体", "证明办事",
        "城市管理", "建议表扬", "其他",
    )


def test_city_taxonomy(city):
    assert set(city.categories) == {
        "城乡建设", "环境保护", "交通运输", "教育文体", "劳动和社会保障", "商贸旅游", "卫生计生",
        "其他",
    }


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("楼上漏水，我家天花板都湿了", "房屋维修"),
        ("小区广场舞太吵了，晚上十点还在跳", "噪音扰民"),
        ("楼上装修电钻声音太大", "噪音扰民"),
        ("我想申请低保，家里困难", "社会救助"),
        ("我的车位被占了，天天有人停", "停车交通"),
        ("物业不给修楼道门禁，坏了一个月了", "物业管理"),
        ("物业费太贵了", "物业管理"),
        ("3号楼2单元停水两天了", "水电气暖"),
        ("暖气不热，家里才十五度", "水电气暖"),
        ("垃圾桶满了好几天没人清理", "环境卫生"),
        ("隔壁邻居天天在楼道堆放杂物，说了也不听", "邻里纠纷"),
        ("楼下有人占道经营摆摊卖菜", "城市管理"),
        ("想开一个居住证明", "证明办事"),
        ("孩子上学的事情想咨询一下", "教育文体"),
        ("我爸八十多岁独居，能不能申请助餐", "养老助残"),
        ("公司拖欠工资三个月了", "就业社保"),
        ("社保卡丢了怎么补办", "就业社保"),
        ("社区卫生服务站什么时候可以打疫苗", "医疗卫生"),
        ("感谢网格员小李帮我们解决了问题", "建议表扬"),
        ("我家电动车被偷了", "治安安全"),
        ("电梯困人了！5栋2单元", "物业管理"),
        ("5号楼电梯坏了三天了，老人上下楼很困难", "物业管理"),  # the elevator, not the elderly
        ("墙皮脱落了，外墙有裂缝", "房屋维修"),
    ],
)
def test_community_rules_classify_typical_messages(community, text, category):
    decision = community.classify(text)
    assert decision.category == category
    assert decision.keywords
    assert 0.0 < decision.confidence <= 1.0


@pytest.mark.parametrize(
    ("text", "category", "routed"),
    [
        ("楼道灯坏了", "物业管理", True),  # one keyword of weight 2: good evidence
        ("楼下饭店油烟太大", "环境卫生", True),
        ("3号楼电梯坏了好几天了", "物业管理", True),  # 1.5
        ("快递柜", "物业管理", False),  # weight 1: a hint, for a person to sort
    ],
)
def test_one_clear_keyword_is_routed_a_mere_hint_goes_to_triage(community, text, category, routed):
    threshold = load_config(REPO / "config.toml").nlp.triage_threshold
    decision = community.classify(text)
    assert decision.category == category
    assert (decision.confidence >= threshold) is routed


def test_nothing_matched_is_the_fallback_with_zero_confidence(community):
    decision = community.classify("在吗")  # what residents send before saying anything
    assert (decision.category, decision.confidence, decision.runner_up) == ("其他", 0.0, None)
    assert decision.keywords == ()


def test_explain_names_keywords_confidence_and_runner_up(community):
    analysis = community.analyse("3号楼楼上漏水，天花板湿了")
    line = analysis.explain()
    assert line.startswith("关键词：漏水")
    assert "置信度" in line
    assert analysis.decision.runner_up is None or f"次选：{analysis.decision.runner_up}" in line


def test_city_rules_explain_with_words(city):
    decision = city.classify("A市某小学乱收补课费，家长负担很重，请教育局查处")
    assert decision.category == "教育文体"
    assert decision.keywords
    assert decision.runner_up is not None


def _write(tmp_path, text):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ('[categories."物业"]\nkeywords = { "物业" = "high" }\n', ['"物业".keywords."物业"', "number"]),
        ('[categories."物业".keywords]\n"物业" = -1\n', ["weight must be positive"]),
        ('[categories."物业"]\nkeyword = { "物业" = 1 }\n', ['"物业".keyword', "unknown key"]),
        ('[meta]\nscale = 0\n[categories."物业".keywords]\n"物业" = 1\n', ["meta.scale"]),
        ('[categories."物业"]\npatterns = [{ pattern = "(漏水", weight = 1 }]\n',
         ["patterns[0].pattern", "regular expression"]),
        ('[categories."物业"]\ndescription = "空的"\n', ["no keywords"]),
        ("[meta]\nname = \"x\"\n", ["categories: missing"]),
        ('[categories."物业".keywords\n', ["not valid TOML"]),
        ('[meta]\nmatch = "fuzzy"\n[categories."物业".keywords]\n"物业" = 1\n', ["meta.match"]),
    ],
)
def test_malformed_rules_name_file_and_key(tmp_path, text, names):
    path = _write(tmp_path, text)
    with pytest.raises(ValueError) as caught:
        Analyzer.load(path)
    assert isinstance(caught.value, RulesError)
    message = str(caught.value)
    assert str(path) in message
    for name in names:
        assert name in message


def test_missing_rules_file_is_a_clear_error(tmp_path):
    with pytest.raises(RulesError, match="cannot read rules file"):
        Analyzer.load(tmp_path / "nope.toml")


def test_any_taxonomy_works_from_its_own_file(tmp_path):
    path = _write(tmp_path, (
        '[meta]\nfallback = "未分类"\n'
        '[categories."宠物".keywords]\n"狗" = 2\n"猫" = 2\n'
        '[categories."绿化".keywords]\n"树" = 2\n"草坪" = 2\n'
    ))
    analyzer = Analyzer.load(path)
    assert analyzer.categories == ("宠物", "绿化", "未分类")
    assert analyzer.classify("楼下的狗天天叫").category == "宠物"
    assert analyzer.classify("你好").category == "未分类"
