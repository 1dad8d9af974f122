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
    assert set(subcommands) == {"learn", "eval", "classify"}
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
