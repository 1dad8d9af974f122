"""Bad input through the real bot: forged or stale buttons get a polite refusal and change
nothing; control characters in a petition do not stop the register from being exported."""

from __future__ import annotations

import asyncio
import csv
import logging
import re
import tomllib
from io import BytesIO
from pathlib import Path

import pytest
import tomli_w
from openpyxl import load_workbook
from sqlmodel import Session, select

from bot.cli import main
from reception import texts
from storage.models import Petition
from tests.office import snapshot

NUMBER = re.compile(r"MY-\d{8}-\d{4}")
REPO = Path(__file__).resolve().parents[2]


async def submit(office, resident, text: str) -> str:
    await office.say(resident, resident.id, text)
    confirmation = office.last_text(resident.id)
    assert "已受理" in confirmation, confirmation
    return NUMBER.search(confirmation).group(0)


def petition(harness, number: str) -> Petition:
    with Session(harness.services.deps.engine) as session:
        return session.exec(select(Petition).where(Petition.number == number)).one()


@pytest.fixture
def log(caplog):
    caplog.set_level(logging.INFO)
    return caplog


def assert_quiet_refusal(answer: dict, log, data: str, text: str = texts.BUTTON_INVALID) -> None:
    """An alert with the refusal; at most one log line about it, and no traceback anywhere."""
    assert answer.get("show_alert") is True and answer.get("text") == text, (data, answer)
    assert not [r for r in log.records if r.exc_info or r.levelno >= logging.ERROR], data
    assert len([r for r in log.records if r.name == "handlers.common"]) <= 1, data
    log.clear()


async def test_forged_or_stale_card_buttons_are_refused_and_change_nothing(office, resident, harness, log):
    number = await submit(office, resident, "小区东门的路灯坏了一个星期")
    group = office.main_group.id
    card = office.card(group, number)
    pid = petition(harness, number).id
    before = snapshot(harness)
    log.clear()
    forged = [
        "p:claim:abc", "p:claim", "p:", "p:claim:", f"p:claim:{pid}:7", f"p:fly:{pid}",
        f"p:CLAIM:{pid}", "p:claim:999999", "p:claim:0", "p:claim:99999999999999999999",
        f"p:claim: {pid}", f"p:to:{pid}", f"p:to:{pid}:-42", f"p:to:{pid}:{office.street_group.id}",
        f"p:cat:{pid}:99", f"p:cat:{pid}:x", f"p:merge:{pid}", f"p:merge:{pid}:999999",
        "p:resolve:" + "9" * 70, "x:anything", "r:abc:satisfied", "c:atlantis",
    ]
    for data in forged:
        answer = await office.press_forged(office.staff, group, card.message_id, data)
        assert_quiet_refusal(answer, log, data)
    answer = await office.press_forged(office.staff, group, card.message_id, f"p:merge:{pid}:{pid}")
    assert_quiet_refusal(answer, log, "merge into itself", texts.MERGE_SELF)
    assert snapshot(harness) == before
    # The card's real buttons still work afterwards.
    answer = await office.press(office.staff, group, card.message_id, office.button(card, "认领"))
    assert number in answer["text"] and petition(harness, number).status == "claimed"


async def test_a_rating_only_counts_from_the_petitions_own_resident(office, resident, harness, log):
    number = await submit(office, resident, "楼下餐馆油烟很大，窗户都不敢开")
    await office.say(office.staff, office.main_group.id, f"/resolve {number} 已督促餐馆加装油烟净化器")
    prompt = office.emu.last_bot_message(resident.id)
    assert "请您对本次办理进行评价" in prompt.text
    pid = petition(harness, number).id
    neighbour = office.emu.add_user(first_name="李阿姨")
    await office.say(neighbour, neighbour.id, "/start hongqi")
    welcome = office.emu.last_bot_message(neighbour.id)
    before = snapshot(harness)
    log.clear()

    answer = await office.press_forged(neighbour, neighbour.id, welcome.message_id, f"r:{pid}:unsatisfied")
    assert_quiet_refusal(answer, log, "someone else's petition", texts.RATE_NOT_YOURS)
    for data in (f"r:{pid}:excellent", "r:999999:satisfied", f"r:{pid}", "r:", f"r:{pid}:satisfied:1"):
        answer = await office.press_forged(resident, resident.id, prompt.message_id, data)
        assert_quiet_refusal(answer, log, data)
    assert snapshot(harness) == before

    await office.press(resident, resident.id, prompt.message_id, office.button(prompt, "满意"))
    assert petition(harness, number).rating == "satisfied"


async def test_an_unknown_community_button_is_refused_and_the_message_stays_held(office, harness, log):
    newcomer = office.emu.add_user(first_name="陈先生")
    await office.say(newcomer, newcomer.id, "小区门口垃圾没人清理，已经三天了")
    prompt = office.emu.last_bot_message(newcomer.id)
    assert "暂存" in prompt.text
    before = snapshot(harness)
    log.clear()
    for data in ("c:atlantis", "c:", "c:hongqi:x", "c:HONGQI", "c:" + "x" * 70):
        answer = await office.press_forged(newcomer, newcomer.id, prompt.message_id, data)
        assert_quiet_refusal(answer, log, data)
    assert snapshot(harness) == before
    await office.press(newcomer, newcomer.id, prompt.message_id, office.button(prompt, "红旗社区"))
    assert any("已受理" in m.text for m in office.emu.bot_messages(newcomer.id))


# --- control characters and the register ----------------------------------------------------

# NUL, other C0 controls and an ANSI escape, between ordinary text, tabs and line breaks.
CONTROLLED = "3号楼楼道灯坏了\x00\x01，晚上\x08很黑\x1b[0m\t请尽快\x0b修\x0c理\x1f！\n谢谢\x7f"
# What the register shows: forbidden characters gone, whitespace flattened as for any text.
SUMMARY = "3号楼楼道灯坏了，晚上很黑[0m 请尽快修理！ 谢谢\x7f"


def cli_config(config, tmp_path: Path) -> Path:
    """A config.toml for `minyuan export` on the bot's own database."""
    data = tomllib.loads((REPO / "config.toml").read_text(encoding="utf-8"))
    data["database"]["url"] = config.database.url
    data["reception"]["organisation"] = str(REPO / "org.toml")
    data["reports"]["dir"] = str(tmp_path / "cli-reports")
    path = tmp_path / "cli-config.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def summary_of(rows, number: str) -> str:
    from reception.reports.register import REGISTER_COLUMNS

    row = next(r for r in rows if r[0] == number)
    return row[REGISTER_COLUMNS.index("诉求摘要")]


async def test_control_characters_in_a_petition_do_not_stop_the_register(
        office, resident, harness, config, tmp_path):
    number = await submit(office, resident, CONTROLLED)
    assert petition(harness, number).text == CONTROLLED, "the resident's text is kept as sent"

    await office.say(office.staff, office.main_group.id, "/export")
    document = office.emu.last_bot_message(office.main_group.id)
    assert document.kind == "document" and document.file_name.endswith(".xlsx")
    sheet = load_workbook(BytesIO(document.file_bytes)).active
    assert summary_of(sheet.iter_rows(min_row=3, values_only=True), number) == SUMMARY

    out = tmp_path / "cli" / "register.xlsx"
    argv = ["--config", str(cli_config(config, tmp_path)), "export", "--from", "2026-11-01",
            "--to", "2026-11-30", "--out", str(out)]
    assert await asyncio.to_thread(main, argv) == 0
    sheet = load_workbook(out).active
    assert summary_of(sheet.iter_rows(min_row=3, values_only=True), number) == SUMMARY
    with out.with_suffix(".csv").open(encoding="utf-8-sig", newline="") as handle:
        assert summary_of(list(csv.reader(handle))[1:], number) == SUMMARY
