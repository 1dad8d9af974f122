"""The command line: every command explains itself; the demo runs; bad config is explained."""

from __future__ import annotations

import argparse

import pytest

from bot.cli import build_parser, main
from bot.config import ConfigError, load_config


def _subcommands(parser: argparse.ArgumentParser, prefix: str = ""):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                yield f"{prefix}{name}", helps.get(name), sub
                yield from _subcommands(sub, prefix=f"{prefix}{name} ")


def test_every_command_has_help():
    commands = list(_subcommands(build_parser()))
    assert {"run", "demo", "invite", "initdb", "export", "digest", "nlp"} <= {c for c, _, _ in commands}
    for name, help_text, sub in commands:
        assert help_text, f"`minyuan {name}` has no help text"
        for action in sub._actions:
            if action.dest not in ("help",) and not isinstance(action, argparse._SubParsersAction):
                assert action.help, f"`minyuan {name}` option {action.dest} has no help"


def test_demo_runs_the_whole_week(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    steps = ("已受理", "认领", "转派", "合并办理", "未予受理", "不满意", "临期提醒", "超期督办",
             "周报", "统一接待登记本", "不要开关任何电器", "紧急诉求，请立即认领", "仍无人认领",
             "居民已修改", "需要我们帮什么忙", "已登记 张网格员", "已按紧急诉求处理", "拉下电闸",
             "已直接登记为诉求")
    for step in steps:
        assert step in out, step
    assert list(tmp_path.glob("*.png")) and list(tmp_path.glob("*.xlsx"))


@pytest.fixture
def config_file(tmp_path):
    """The shipped config.toml on a fresh SQLite file."""
    config = tmp_path / "config.toml"
    source = load_config().path.read_text(encoding="utf-8")
    config.write_text(source.replace('url = "sqlite:///minyuan.db"', f'url = "sqlite:///{tmp_path}/x.db"')
                      .replace('organisation = "org.toml"', f'organisation = "{load_config().reception.organisation}"'),
                      encoding="utf-8")
    return config


def test_invite_prints_a_code(config_file, capsys):
    config = config_file
    assert main(["--config", str(config), "invite", "--role", "admin", "--scope", "hongqi"]) == 0
    code = capsys.readouterr().out.strip()
    assert len(code) == 9 and code[4] == "-"


@pytest.mark.parametrize(("edit", "key"), [
    (("timezone = \"Asia/Shanghai\"", "timezone = \"Mars/Base\""), "reception.timezone"),
    (("mode = \"polling\"", "mode = \"carrier-pigeon\""), "telegram.mode"),
    (("urgent = { respond = \"0.5h\"", "urgent = { respond = \"soon\""), "deadlines"),
    (("repeat_minutes = 10", "repeat_minutes = -1"), "emergency.repeat_minutes"),
    (("# gas = \"96777\"", "gaz = \"96777\""), "emergency.numbers.gaz"),
    (("reminder_share = 0.75", "reminder_share = 3"), "deadlines.reminder_share"),
    (("sample_percent = 10", "sample_percent = 101"), "callbacks.sample_percent"),
    (("unrated_days = 3", "unrated_days = 0"), "callbacks.unrated_days"),
    (("# answers = \"answers.toml\"", "answers = \"missing.toml\""), "knowledge.answers"),
    (("households = 10", "households = \"ten\""), "visits.households"),
    (("ruling_limit = \"4wh\"", "ruling_limit = \"soon\""), "returns.ruling_limit"),
    (("limit = \"10wd\"", "limit = \"2.5wd\""), "referrals.limit"),
    (("approver = \"street\"", "approver = \"mayor\""), "extensions.approver"),
    (("max_days = 15", "max_days = 0"), "extensions.max_days"),
])
def test_bad_config_names_the_key(tmp_path, edit, key):
    source = load_config().path.read_text(encoding="utf-8")
    assert edit[0] in source
    (tmp_path / "org.toml").write_text(load_config().reception.organisation.read_text(encoding="utf-8"),
                                       encoding="utf-8")
    path = tmp_path / "config.toml"
    path.write_text(source.replace(edit[0], edit[1]), encoding="utf-8")
    with pytest.raises(ConfigError, match=key.split(".")[0]):
        load_config(path)


def test_run_without_token_explains_itself(monkeypatch, capsys):
    monkeypatch.delenv("MINYUAN_BOT_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="MINYUAN_BOT_TOKEN"):
        load_config().telegram.token()


def test_calendar_prints_a_provisional_year_with_its_computed_festivals(config_file, capsys):
    assert main(["--config", str(config_file), "calendar", "2027"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2027: provisional")
    assert "2027-02-08 周一  放假 day off  Chinese New Year (Spring Festival)" in out


def test_calendar_says_an_official_year_is_official(config_file, capsys):
    assert main(["--config", str(config_file), "calendar", "2026"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2026: official")
    assert "上班 make-up workday" in out


def test_calendar_refuses_a_year_in_one_line(config_file, capsys):
    assert main(["--config", str(config_file), "calendar", "99999"]) == 2
    assert capsys.readouterr().err.strip() == "no calendar for year 99999"
    assert main(["--config", str(config_file), "calendar", "next"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


NOTICE_2027 = """国务院办公厅关于2027年部分节假日安排的通知
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日至11日放假调休，共7天。2月13日（周六）上班。
三、清明节：4月5日放假，与周末连休。
四、劳动节：5月1日至5日放假调休，共5天。4月25日（周日）上班。
五、端午节：6月9日放假。
六、中秋节：9月15日放假。
七、国庆节：10月1日至7日放假调休，共7天。9月26日（周日）、10月9日（周六）上班。
"""


def test_calendar_import_reads_the_notice_and_the_year_becomes_official(config_file, tmp_path, capsys):
    notice = tmp_path / "notice.txt"
    notice.write_text(NOTICE_2027, encoding="utf-8")
    assert main(["--config", str(config_file), "calendar", "import", str(notice), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2027: 7 festivals") and "dry run" in out
    assert "春节: 放假 02-05..02-11，上班 02-13 周六" in out
    assert main(["--config", str(config_file), "calendar", "2027"]) == 0
    assert capsys.readouterr().out.startswith("2027: provisional"), "a dry run stores nothing"
    assert main(["--config", str(config_file), "calendar", "import", str(notice)]) == 0
    capsys.readouterr()
    assert main(["--config", str(config_file), "calendar", "2027"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2027: official (imported")
    assert "2027-02-13 周六  上班 make-up workday" in out
    assert "2027-02-08 周一  放假 day off" in out


def test_calendar_import_refuses_what_is_not_a_notice_in_one_line(config_file, tmp_path, capsys):
    junk = tmp_path / "junk.txt"
    junk.write_text("明天开会，请准时参加。", encoding="utf-8")
    assert main(["--config", str(config_file), "calendar", "import", str(junk)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("not a holiday notice:") and len(err.splitlines()) == 1
    assert main(["--config", str(config_file), "calendar", "import", str(tmp_path / "missing.txt")]) == 2
    assert capsys.readouterr().err.strip().startswith("cannot read")
    assert main(["--config", str(config_file), "calendar", "import"]) == 2
