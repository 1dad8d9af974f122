"""The inbox: updates are stored before Telegram is told, and handled however the process dies.

Each test drives the real Application over HTTP against the emulator; time is the injected
clock. Where a test needs the process to die at a precise moment, it does what the poller
does up to that moment through the same calls, then stops the bot.
"""

from __future__ import annotations

import json
import logging

import aiohttp
import pytest
from sqlmodel import Session, select

from bot.cli import main
from bot.harness import Harness
from bot.inbox import arrivals
from reception import texts
from storage.models import InboxUpdate, Petition
from tests.office import open_office


def inbox_rows(harness) -> list[InboxUpdate]:
    with Session(harness.services.deps.engine) as session:
        return list(session.exec(select(InboxUpdate).order_by(InboxUpdate.update_id)))


def petitions(harness) -> list[Petition]:
    with Session(harness.services.deps.engine) as session:
        return list(session.exec(select(Petition).order_by(Petition.id)))


async def raw_get_updates(emu, *, offset: int | None = None) -> list[dict]:
    """What a poller receives: the raw getUpdates result."""
    async with aiohttp.ClientSession() as http, http.post(
            f"{emu.base_url}{emu.token}/getUpdates", json={"offset": offset, "timeout": 0}) as response:
        return (await response.json())["result"]


async def test_every_update_is_stored_and_marked_handled(office, resident, harness):
    office.emu.send_text(resident, resident.id, "5号楼门口的路灯坏了一个星期了")
    await harness.settle()
    rows = inbox_rows(harness)
    assert rows and all(row.status == "handled" for row in rows)
    last = rows[-1]
    assert last.kind == "message" and last.chat_id == resident.id
    assert "5号楼门口的路灯" in json.loads(last.payload)["message"]["text"]
    assert len(petitions(harness)) == 1


async def test_updates_stored_but_not_handled_are_handled_after_a_restart_in_order(config, clock):
    first = Harness(config=config, clock=clock)
    await first.start()
    office = await open_office(first)
    emu = first.emulator
    wang, li = emu.add_user(first_name="王阿姨"), emu.add_user(first_name="李师傅")
    for user in (wang, li):
        await office.say(user, user.id, "/start hongqi")
    await first.poller.stop()  # from here on this test is the poller
    sent = [(wang, "3号楼2单元楼道灯不亮了"), (li, "8号楼门口有车乱停，消防通道堵了"),
            (wang, "晚上走楼梯很危险，老人容易摔倒")]
    for user, text in sent:
        emu.send_text(user, user.id, text)
    raw = await raw_get_updates(emu)
    good, bad = arrivals(raw)
    assert len(good) == 3 and not bad
    await first.runtime.run(first.services.inbox.receive, good)  # stored and committed ...
    await raw_get_updates(emu, offset=max(a.update_id for a in good) + 1)  # ... and confirmed
    await first.stop(keep_emulator=True)  # the process dies before any handler ran
    assert emu.pending_updates == 0, "Telegram will not send them again"

    second = Harness(config=config, clock=clock)
    await second.start(emulator=emu)
    try:
        await second.settle()
        stored = petitions(second)
        assert len(stored) == 2, "Wang's two messages within the merge window are one petition"
        by_text = {p.text.split("\n")[0]: p for p in stored}
        wang_petition = by_text["3号楼2单元楼道灯不亮了"]
        assert "老人容易摔倒" in wang_petition.text, "handled in the order they were sent"
        for user in (wang, li):
            assert any("已受理" in m.text for m in emu.bot_messages(user.id)), user.first_name
        assert all(row.status == "handled" for row in inbox_rows(second))
    finally:
        await second.stop()
        await emu.stop()


async def test_a_redelivered_update_is_not_handled_twice(office, resident, harness):
    office.emu.send_text(resident, resident.id, "小区东门的垃圾桶满了没人清理")
    await harness.settle()
    before = len(office.emu.bot_messages(resident.id))
    office.emu.redeliver_last_update()
    await harness.settle()
    assert len(petitions(harness)) == 1
    assert len(office.emu.bot_messages(resident.id)) == before


async def test_a_failed_handler_is_retried_and_then_succeeds(office, resident, harness, clock):
    office.emu.fail_next("sendMessage", error="network", times=1)
    office.emu.send_text(resident, resident.id, "/help")
    await harness.settle()
    assert not any(m.text == texts.HELP_RESIDENT for m in office.emu.bot_messages(resident.id))
    row = inbox_rows(harness)[-1]
    assert row.status == "pending" and row.attempts == 1 and row.last_error
    clock.advance(seconds=3)
    await harness.settle()
    assert office.emu.last_bot_message(resident.id).text == texts.HELP_RESIDENT
    assert inbox_rows(harness)[-1].status == "handled"


async def test_an_update_that_keeps_failing_is_parked_and_can_be_replayed(
        office, resident, harness, clock, capsys, cli_config):
    office.emu.fail_next("sendMessage", error="network", times=5)
    office.emu.send_text(resident, resident.id, "/help")
    await harness.settle()
    for wait in (3, 11, 61, 301):  # the retries' back-off
        clock.advance(seconds=wait)
        await harness.settle()
    row = inbox_rows(harness)[-1]
    assert row.status == "dead" and row.attempts == 5
    assert office.last_text(resident.id) == texts.INBOX_PARKED, "the resident is told it is kept"

    assert main(["--config", str(cli_config), "inbox"]) == 0
    listing = capsys.readouterr().out
    assert "1 parked" in listing and str(row.update_id) in listing
    assert main(["--config", str(cli_config), "inbox", "show", str(row.update_id)]) == 0
    assert json.loads(capsys.readouterr().out)["update_id"] == row.update_id
    assert main(["--config", str(cli_config), "inbox", "replay", str(row.update_id)]) == 0
    assert "queued again" in capsys.readouterr().out
    clock.advance(seconds=61)  # the running bot looks for replays every minute
    await harness.settle()
    assert office.last_text(resident.id) == texts.HELP_RESIDENT
    assert inbox_rows(harness)[-1].status == "handled"
    assert main(["--config", str(cli_config), "inbox", "replay", "999"]) == 2
    assert "no update 999" in capsys.readouterr().err


async def test_unreadable_updates_are_parked_once_and_the_next_one_is_handled(
        office, resident, harness, caplog):
    caplog.set_level(logging.ERROR)
    not_an_update = office.emu.send_raw_update({"message": "garbage"})
    malformed = office.emu.send_raw_update({"message": {"message_id": "x", "chat": "?"}})
    office.emu.send_text(resident, resident.id, "9号楼地下车库的灯全灭了")
    await harness.settle()
    await harness.settle()
    rows = {row.update_id: row for row in inbox_rows(harness)}
    assert rows[not_an_update].status == "dead" and rows[malformed].status == "dead"
    assert any("9号楼地下车库" in p.text for p in petitions(harness)), "the next update is handled"
    for update_id in (not_an_update, malformed):
        mentions = [r for r in caplog.records if str(update_id) in r.getMessage()]
        assert len(mentions) == 1, [r.getMessage() for r in mentions]
    assert office.emu.pending_updates == 0, "nothing is fetched again and again"


async def test_webhook_answers_only_after_storing_and_checks_the_secret(config, clock):
    async with Harness(config=config, clock=clock, webhook=True) as harness:
        office = await open_office(harness)
        resident = harness.emulator.add_user(first_name="赵大爷")
        await office.say(resident, resident.id, "/start hongqi")
        await office.say(resident, resident.id, "楼上天天半夜装修，吵得睡不着")
        assert any("已受理" in m.text for m in harness.emulator.bot_messages(resident.id))
        assert len(petitions(harness)) == 1
        harness.emulator.redeliver_last_update()
        await harness.settle()
        assert len(petitions(harness)) == 1
        async with aiohttp.ClientSession() as http:
            forged = {"update_id": 1, "message": {"message_id": 1, "date": 0,
                                                 "chat": {"id": 5, "type": "private"}, "text": "x"}}
            async with http.post(harness.webhook_url, json=forged,
                                 headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}) as response:
                assert response.status == 403
            async with http.post(harness.webhook_url, data=b'{"update_id": 77, "message": [',
                                 headers={"X-Telegram-Bot-Api-Secret-Token": harness.webhook_secret}) as response:
                assert response.status == 200, "resending would not make it readable"
        rows = {row.update_id: row for row in inbox_rows(harness)}
        assert 1 not in rows and rows[77].status == "dead"


@pytest.fixture
def cli_config(config, tmp_path):
    """A config file for the command line, on the test's database."""
    from bot.config import load_config

    source = load_config().path.read_text(encoding="utf-8")
    path = tmp_path / "cli.toml"
    path.write_text(source.replace('url = "sqlite:///minyuan.db"', f'url = "{config.database.url}"')
                    .replace('organisation = "org.toml"',
                             f'organisation = "{config.reception.organisation}"'), encoding="utf-8")
    return path
