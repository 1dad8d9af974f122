"""`minyuan nlp …`: every subcommand has help; classify explains one message."""

from __future__ import annotations

import argparse
import json

import pytest

from bot import nlp_cli


def _nlp_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="minyuan")
    nlp_cli.register(parser.add_subparsers())
    return parser


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices


def test_every_nlp_subcommand_has_help_text():
    nlp = _subcommands(_nlp_parser())["nlp"]
    subcommands = _subcommands(nlp)
    assert set(subcommands) == {"learn", "eval", "dedup-eval", "topics", "classify"}
    action = next(a for a in nlp._actions if isinstance(a, argparse._SubParsersAction))
    helps = {choice.dest: choice.help for choice in action._choices_actions}
    for name in subcommands:
        assert helps[name], f"nlp {name} has no help"
        for argument in subcommands[name]._actions:
            assert argument.help, f"nlp {name} {argument.dest} has no help"


def test_classify_prints_the_explained_decision(capsys, run_cli):
    assert run_cli("nlp", "classify", "3号楼2单元501楼上漏水，电话13812345678") == 0
    out = capsys.readouterr().out
    assert "分类：房屋维修" in out
    assert "置信度：" in out
    assert "次选：" in out
    assert "关键词：漏水" in out
    assert "紧急：否" in out
    assert "位置：3号楼2单元501室" in out
    assert "138****5678" in out
    assert "13812345678" not in out


def test_classify_json(capsys, run_cli):
    assert run_cli("nlp", "classify", "厨房燃气泄漏了", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["decision"]["category"] == "水电气暖"
    assert data["urgency"] == {"urgent": True, "words": ["燃气泄漏"], "hazards": ["gas"]}


@pytest.mark.parametrize("rules", ["community", "city"])
def test_classify_accepts_builtin_names(capsys, run_cli, rules):
    assert run_cli("nlp", "classify", "小区停水三天了", "--rules", rules) == 0
    assert "分类：" in capsys.readouterr().out


def test_classify_with_a_broken_rules_file_exits_2(tmp_path, capsys, run_cli):
    bad = tmp_path / "bad.toml"
    bad.write_text("[meta]\n", encoding="utf-8")
    assert run_cli("nlp", "classify", "停水", "--rules", str(bad)) == 2
    assert "categories" in capsys.readouterr().err


def test_dedup_eval_scores_labelled_pairs_keyed_by_text_hash(tmp_path, capsys, run_cli):
    import csv

    from nlp.dedup_eval import text_id

    texts = ["3号楼的电梯坏了，一直停在一楼不动", "3号楼电梯又坏了！！我家住18楼",
             "5号楼电梯又坏了！！我家住18楼", "东门有人摆摊卖菜", "小区东门口又有小贩摆摊了"]
    data = tmp_path / "messages.csv"
    with open(data, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text"])
        writer.writerows([t] for t in texts)
    ids = [text_id(t) for t in texts]
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text(
        "# our own pairs\nid_a\tid_b\tshared\tsame\tsplit\n"
        f"{ids[0]}\t{ids[1]}\t1\t1\theldout\n"   # the same lift: linked
        f"{ids[0]}\t{ids[2]}\t1\t0\theldout\n"   # another building: not linked
        f"{ids[3]}\t{ids[4]}\t1\t1\theldout\n"   # the same gate: linked
        f"{ids[1]}\t{'0' * 16}\t1\t0\theldout\n",  # a message not in the CSV
        encoding="utf-8")
    assert run_cli("nlp", "dedup-eval", "--data", str(data), "--pairs", str(pairs), "--json",
                   "--threshold", "0.3") == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["n"], report["missing"], report["precision"], report["recall"]) == (3, 1, 1.0, 1.0)
    assert run_cli("nlp", "dedup-eval", "--data", str(data), "--pairs", str(pairs), "--json",
                   "--threshold", "0.3", "--wording-only") == 0
    assert json.loads(capsys.readouterr().out)["recall"] < 1.0  # the former detector missed them


def test_dedup_eval_with_unreadable_input_exits_2(tmp_path, capsys, run_cli):
    bad = tmp_path / "pairs.tsv"
    bad.write_text("id_a\tid_b\tshared\tsame\tsplit\na\tb\t1\tyes\tdev\n", encoding="utf-8")
    data = tmp_path / "messages.csv"
    data.write_text("text\n漏水\n", encoding="utf-8")
    assert run_cli("nlp", "dedup-eval", "--data", str(data), "--pairs", str(bad), "--threshold", "0.3") == 2
    assert "bad pair line" in capsys.readouterr().err
    assert run_cli("nlp", "dedup-eval", "--data", str(tmp_path / "missing.csv"), "--threshold", "0.3") == 2


def test_topics_counts_a_csv_as_the_digest_does(tmp_path, capsys, run_cli):
    data = tmp_path / "messages.csv"
    data.write_text("text\n3号楼的电梯坏了，一直停在一楼不动\n3号楼电梯又坏了！！我家住18楼\n"
                    "晚上很大声音，单元楼\n", encoding="utf-8")
    assert run_cli("nlp", "topics", "--data", str(data), "--json") == 0
    assert json.loads(capsys.readouterr().out) == [["3号楼 电梯故障", 2]]
    assert run_cli("nlp", "topics", "--data", str(tmp_path / "none.csv")) == 2
