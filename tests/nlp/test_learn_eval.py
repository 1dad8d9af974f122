"""learn -> rules file -> eval round trip on a small synthetic labelled set."""

from __future__ import annotations

import csv
import itertools
import json

import pytest

from bot import nlp_cli
from nlp import Analyzer, evaluate, learn
from nlp.evaluate import score_predictions
from nlp.rules import load_rules
from nlp.segment import RULES_DIR

TOPICS = {
    "供水": ["停水", "水压", "自来水", "水管", "水费"],
    "停车": ["车位", "停车场", "挪车", "停车费", "车库"],
    "噪音": ["噪音", "广场舞", "音响", "装修", "扰民"],
}
FILLERS = ["小区", "最近", "居民", "已经", "三天", "很多", "晚上", "反复", "严重", "处理"]


def synthetic_rows(copies: int = 12) -> list[tuple[str, str]]:
    rows = []
    for label, words in TOPICS.items():
        pairs = itertools.islice(itertools.cycle(itertools.combinations(words, 2)), copies)
        for i, (a, b) in enumerate(pairs):
            filler = FILLERS[i % len(FILLERS)] + FILLERS[(i * 3 + 1) % len(FILLERS)]
            rows.append((f"{filler}{a}问题，{b}一直没有解决，{FILLERS[i % 4]}", label))
    return rows


@pytest.fixture
def labelled_csv(tmp_path):
    path = tmp_path / "labelled.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(synthetic_rows())
    return path


def test_learned_file_loads_and_scores_well_on_its_training_data(tmp_path):
    rows = synthetic_rows()
    path = tmp_path / "learned.toml"
    path.write_text(learn(rows, name="toy"), encoding="utf-8")
    rules = load_rules(path)
    assert rules.name == "toy"
    assert {c.name for c in rules.categories} == set(TOPICS)
    report = evaluate(Analyzer.load(path), rows)
    assert report.n == len(rows)
    assert report.accuracy >= 0.95
    assert report.macro_f1 >= 0.95
    assert "停水" in next(c for c in rules.categories if c.name == "供水").keywords


def test_learned_file_documents_its_format(tmp_path):
    text = learn(synthetic_rows())
    assert text.startswith("# minyuan rules file")
    assert "Learned by `minyuan nlp learn`" in text


def test_base_entries_are_kept_and_learned_words_added(tmp_path):
    base = tmp_path / "base.toml"
    base.write_text(
        '[meta]\nname = "hand"\n'
        '[categories."供水"]\ndescription = "手写"\n'
        '[categories."供水".keywords]\n"停水" = 9.5\n"水龙头" = 2\n'
        '[categories."物业".keywords]\n"物业" = 3\n',
        encoding="utf-8",
    )
    path = tmp_path / "merged.toml"
    path.write_text(learn(synthetic_rows(), base=base), encoding="utf-8")
    rules = load_rules(path)
    by_name = {c.name: c for c in rules.categories}
    assert rules.name == "hand"
    assert by_name["供水"].keywords["停水"] == 9.5
    assert by_name["供水"].keywords["水龙头"] == 2
    assert by_name["供水"].description == "手写"
    assert "水压" in by_name["供水"].keywords
    assert by_name["物业"].keywords == {"物业": 3}
    assert "停车" in by_name


def test_corrections_are_learned(tmp_path):
    corrections = [("小区电梯又坏了，电梯维修太慢", "电梯")] * 3
    text = learn(synthetic_rows(), corrections=corrections, min_df=2)
    path = tmp_path / "corrected.toml"
    path.write_text(text, encoding="utf-8")
    assert Analyzer.load(path).classify("电梯坏了").category == "电梯"


def test_learning_needs_two_categories():
    with pytest.raises(ValueError, match="two categories"):
        learn([("停水了", "供水")] * 5)


def test_cli_learn_then_eval_json(tmp_path, labelled_csv, capsys, run_cli):
    out = tmp_path / "rules.toml"
    assert run_cli("nlp", "learn", "--data", str(labelled_csv), "--out", str(out)) == 0
    assert out.is_file()
    capsys.readouterr()
    assert run_cli("nlp", "eval", "--rules", str(out), "--data", str(labelled_csv), "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert {"accuracy", "macro_f1", "n"} <= set(report)
    assert report["n"] == len(synthetic_rows())
    assert report["macro_f1"] >= 0.95


def test_cli_eval_prints_table_and_confusion(labelled_csv, capsys, run_cli, tmp_path):
    out = tmp_path / "rules.toml"
    out.write_text(learn(synthetic_rows()), encoding="utf-8")
    assert run_cli("nlp", "eval", "--rules", str(out), "--data", str(labelled_csv)) == 0
    printed = capsys.readouterr().out
    assert "macro-F1=" in printed
    assert "confusion" in printed
    assert "供水" in printed


def test_score_predictions_by_hand():
    report = score_predictions(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    assert report.accuracy == 0.75
    assert report.per_category["a"].precision == 1.0
    assert report.per_category["a"].recall == 0.5
    assert report.per_category["b"].precision == pytest.approx(0.6667, abs=1e-4)
    assert report.confusion == {"a": {"a": 1, "b": 1}, "b": {"b": 2}}
    assert report.macro_f1 == pytest.approx((2 / 3 + 0.8) / 2, abs=1e-4)


def test_learn_reports_unreadable_data(tmp_path, capsys, run_cli):
    bad = tmp_path / "bad.csv"
    bad.write_text("words,category\n停水,供水\n", encoding="utf-8")
    assert run_cli("nlp", "learn", "--data", str(bad), "--out", str(tmp_path / "x.toml")) == 2
    assert "text,label" in capsys.readouterr().err


def test_the_nlp_cli_module_registers_with_any_parser():
    assert callable(nlp_cli.register)


def test_learned_files_have_word_pairs_and_a_title_weight(tmp_path):
    text = learn(synthetic_rows())
    rules = load_rules(_write(tmp_path, text))
    assert rules.title_weight == 2.0
    assert any(" " in word for c in rules.categories for word in c.keywords)
    plain = load_rules(_write(tmp_path, learn(synthetic_rows(), pairs=False, title_weight=0)))
    assert plain.title_weight == 0
    assert not any(" " in word for c in plain.categories for word in c.keywords)


def test_a_surname_before_a_title_is_learned_only_in_a_pair(tmp_path):
    rows = synthetic_rows() + [(f"胡厅长您好，小区停车难，{FILLERS[i]}", "停车") for i in range(6)]
    rules = load_rules(_write(tmp_path, learn(rows)))
    words = {word for c in rules.categories for word in (*c.keywords, *c.negative)}
    assert "胡" not in words
    assert "胡 厅长" in next(c for c in rules.categories if c.name == "停车").keywords


def test_a_base_file_keeps_its_title_weight(tmp_path):
    base = _write(tmp_path, '[meta]\ntitle_weight = 1.0\n[categories."供水".keywords]\n"停水" = 9\n')
    assert load_rules(_write(tmp_path, learn(synthetic_rows(), base=base))).title_weight == 1.0


def _write(tmp_path, text: str):
    path = tmp_path / f"rules{len(list(tmp_path.iterdir()))}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_base_file_without_a_scale_gets_the_calibrated_one(tmp_path):
    learned = load_rules(_write(tmp_path, learn(synthetic_rows()))).scale
    seed = _write(tmp_path, '[meta]\nnormalize = true\n[categories."供水"]\ndescription = "手写"\n')
    fixed = _write(tmp_path, '[meta]\nnormalize = true\nscale = 2.5\n'
                             '[categories."供水"]\ndescription = "手写"\n')
    assert learned != 1.0
    assert load_rules(_write(tmp_path, learn(synthetic_rows(), base=seed))).scale == learned
    assert load_rules(_write(tmp_path, learn(synthetic_rows(), base=fixed))).scale == 2.5


def test_the_shipped_city_rules_carry_their_curated_seed():
    """city.toml is learned with --base curated/city.toml: every hand-written entry is in it."""
    seed = load_rules(RULES_DIR / "curated" / "city.toml", seed=True)
    shipped = {c.name: c for c in load_rules("city").categories}
    assert set(shipped) == set(seed.category_names)
    for category in seed.categories:
        assert shipped[category.name].description == category.description
        assert shipped[category.name].patterns == category.patterns
        for word, weight in category.keywords.items():
            assert shipped[category.name].keywords[word] == weight


def test_cli_eval_json_reports_triage_and_urgency(tmp_path, capsys, run_cli):
    rules = tmp_path / "rules.toml"
    rules.write_text(learn(synthetic_rows()), encoding="utf-8")
    data = tmp_path / "urgent.csv"
    with data.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label", "urgent"])
        writer.writerows([
            ("家里煤气味很重，现在头晕", "供水", 1),        # urgent, flagged
            ("电梯困人了，快来", "停车", 1),                 # urgent, flagged
            ("担心电动车在楼道充电会起火", "停车", 0),       # a worry: not flagged
            ("小区停水问题，自来水一直没有解决", "供水", 0),  # plain complaint
        ])
    assert run_cli("nlp", "eval", "--rules", str(rules), "--data", str(data),
                   "--threshold", "0.99", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["triage_threshold"] == 0.99
    assert 0 < report["triage_share"] <= 1
    assert report["urgent_n"] == 4
    assert report["urgent_gold"] == 2
    assert report["urgent_recall"] == 1.0
    assert report["urgent_precision"] == 1.0
    assert report["urgent_false_alarm_rate"] == 0.0


def test_cli_eval_accepts_an_urgency_only_csv(tmp_path, capsys, run_cli):
    data = tmp_path / "urgent.csv"
    data.write_text("text,urgent\n厨房着火了，好多烟\n检查过了，没有漏气,0\n厨房着火了,1\n",
                    encoding="utf-8")
    assert run_cli("nlp", "eval", "--data", str(data), "--threshold", "0.35", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n"] == 0
    assert report["urgent_n"] == 2
    assert report["urgent_recall"] == 1.0
    assert report["urgent_false_alarm_rate"] == 0.0


def test_cli_eval_reports_the_hazards_of_a_hazard_column(tmp_path, capsys, run_cli):
    data = tmp_path / "urgent.tsv"
    data.write_text("# our own messages\ntext\turgent\thazard\n"
                    "厨房着火了，好多烟\t1\tfire\n"
                    "我爸晕倒了，叫不醒\t1\tinjury\n"
                    "楼上水管爆了\t1\tgas\n"                 # found, but as water
                    "孩子发烧了\t1\tinjury\n"               # missed
                    "去年发生过火灾\t0\tfire\n", encoding="utf-8")
    assert run_cli("nlp", "eval", "--data", str(data), "--threshold", "0.35", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["urgent_recall"] == 0.75
    assert report["urgent_hazard_n"] == 3
    assert report["urgent_hazard_accuracy"] == round(2 / 3, 4)
    assert report["urgent_recall_by_hazard"] == {
        "fire": {"n": 1, "recall": 1.0}, "gas": {"n": 1, "recall": 1.0},
        "injury": {"n": 2, "recall": 0.5}}
    assert run_cli("nlp", "eval", "--data", str(data), "--threshold", "0.35") == 0
    text = capsys.readouterr().out
    assert text.startswith("no category labels: urgency only")
    assert "hazard named right: 0.667 of 3 flagged" in text


def test_cli_eval_scores_board_messages_for_false_alarms(tmp_path, capsys, run_cli):
    """--urgent-default 0: a file of board messages (only a text column) counts its flags."""
    data = tmp_path / "board.csv"
    data.write_text("text\n小区停车位太少，希望增加\n楼道堆满杂物存在火灾隐患\n"
                    "刚才楼下着火了，快来\n", encoding="utf-8")
    assert run_cli("nlp", "eval", "--data", str(data), "--threshold", "0.35") == 2
    capsys.readouterr()
    assert run_cli("nlp", "eval", "--data", str(data), "--threshold", "0.35",
                   "--urgent-default", "0", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["urgent_n"] == 3
    assert report["urgent_flagged"] == 1
    assert report["urgent_false_alarm_rate"] == round(1 / 3, 4)


def test_cli_eval_rejects_a_bad_urgent_cell(tmp_path, capsys, run_cli):
    data = tmp_path / "urgent.csv"
    data.write_text("text,urgent\n厨房着火了,yes\n", encoding="utf-8")
    assert run_cli("nlp", "eval", "--data", str(data), "--threshold", "0.35") == 2
    assert "urgent must be 0 or 1" in capsys.readouterr().err


def test_routed_accuracy_counts_only_confident_decisions(tmp_path):
    rows = synthetic_rows()
    path = tmp_path / "rules.toml"
    path.write_text(learn(rows), encoding="utf-8")
    everything = evaluate(Analyzer.load(path), rows, triage_threshold=0.0)
    assert everything.triage_share == 0.0
    assert everything.routed_accuracy == everything.accuracy
    nothing = evaluate(Analyzer.load(path), rows, triage_threshold=1.01)
    assert nothing.triage_share == 1.0
    assert nothing.routed_accuracy is None


def test_the_fallback_may_be_a_learned_category(tmp_path):
    rows = [*synthetic_rows(), *[(f"开发商{w}合同纠纷，购房款没退", "其他") for w in "一二三四五六七八"]]
    path = tmp_path / "rules.toml"
    path.write_text(learn(rows), encoding="utf-8")
    analyzer = Analyzer.load(path)
    assert analyzer.categories.count("其他") == 1
    decision = analyzer.classify("开发商合同纠纷，购房款一直没退")
    assert decision.category == "其他"
    assert decision.confidence > 0
    assert analyzer.classify("今天天气").confidence == 0.0


def test_seed_ignore_words_are_never_learned(tmp_path):
    seed = tmp_path / "seed.toml"
    seed.write_text('[meta]\nnormalize = true\n[learn]\nignore = ["停水"]\n'
                    '[categories."供水"]\ndescription = "供水"\n', encoding="utf-8")
    rules = load_rules_text(learn(synthetic_rows(), base=seed), tmp_path)
    words = {w for c in rules.categories for w in (*c.keywords, *c.negative)}
    assert "水压" in words
    assert not any("停水" in w.split() for w in words)


def test_a_seed_ignore_list_must_hold_words(tmp_path):
    seed = tmp_path / "seed.toml"
    seed.write_text('[learn]\nignore = "停水"\n[categories."供水"]\ndescription = "供水"\n',
                    encoding="utf-8")
    with pytest.raises(ValueError, match=r"learn\.ignore"):
        learn(synthetic_rows(), base=seed)


def load_rules_text(text: str, tmp_path):
    path = tmp_path / "learned.toml"
    path.write_text(text, encoding="utf-8")
    return load_rules(path)


@pytest.mark.parametrize(
    ("text", "short"),
    [
        ("小区停水三天 尊敬的领导：我们小区从周一开始停水……", "小区停水三天"),  # the title
        ("尊敬的领导：您好！我家楼上漏水，天花板湿了。请尽快处理。", "我家楼上漏水，天花板湿了"),
        ("龚书记：小区门口天天堵车", "小区门口天天堵车"),
        ("电梯坏了", "电梯坏了"),
        ("我们小区的东门外面每天晚上都有很多烧烤摊位占道经营，油烟很大，"
         "噪音也很大，居民反映了很多次",  # cut at the last comma within 40 characters
         "我们小区的东门外面每天晚上都有很多烧烤摊位占道经营，油烟很大，噪音也很大"),
    ],
)
def test_short_text_is_the_title_or_the_first_sentence(text, short):
    from nlp.data import short_text

    assert short_text(text) == short


def test_cli_eval_short_scores_the_one_line_form(tmp_path, capsys, run_cli):
    rules = tmp_path / "rules.toml"
    rules.write_text(learn(synthetic_rows()), encoding="utf-8")
    data = tmp_path / "rows.csv"
    # The body would decide 噪音; the title alone says 停车.
    data.write_text("text,label\n车位被占 广场舞噪音扰民音响装修噪音,停车\n", encoding="utf-8")
    args = ("nlp", "eval", "--rules", str(rules), "--data", str(data), "--threshold", "0.35",
            "--json")
    assert run_cli(*args) == 0
    assert json.loads(capsys.readouterr().out)["accuracy"] == 0.0
    assert run_cli(*args, "--short") == 0
    assert json.loads(capsys.readouterr().out)["accuracy"] == 1.0


def test_eval_reads_a_commented_tsv(tmp_path):
    from nlp.data import read_eval_csv

    data = tmp_path / "rows.tsv"
    data.write_text("# written for the tests\ntext\tlabel\turgent\n停水了，楼上也没水\t供水\t0\n",
                    encoding="utf-8")
    assert read_eval_csv(data) == ([("停水了，楼上也没水", "供水")], [False])
