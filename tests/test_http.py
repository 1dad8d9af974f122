"""The aiohttp transport under python-telegram-bot: what PTB's retries rely on."""

from __future__ import annotations

import socket

import pytest
from telegram import Bot
from telegram.error import NetworkError

from bot.http import AiohttpRequest
from tgemu import BotApiEmulator


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_an_unreachable_server_is_a_network_error():
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError, match="aiohttp"):
            await request.post(f"http://127.0.0.1:{_closed_port()}/botTOKEN/getMe")
    finally:
        await request.shutdown()


async def test_text_and_files_reach_the_bot_api(tmp_path):
    async with BotApiEmulator() as emu:
        user = emu.add_user(first_name="王芳")
        report = tmp_path / "登记本.csv"
        report.write_text("编号,内容\nMY-1,漏水\n", encoding="utf-8")
        async with Bot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url,
                       request=AiohttpRequest()) as bot:
            sent = await bot.send_message(chat_id=user.id, text="<b>已受理</b> &amp; 谢谢", parse_mode="HTML")
            with report.open("rb") as handle:
                document = await bot.send_document(chat_id=user.id, document=handle,
                                                   filename=report.name, caption="本月")
        assert emu.bot_messages(user.id)[0].text == "已受理 & 谢谢"
        assert sent.message_id and document.document.file_name == report.name


def test_proxies_come_from_the_environment_once_per_server(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "botapi.internal")
    request = AiohttpRequest()
    assert request.proxy_for("https://api.telegram.org/botTOKEN/getMe") == "http://proxy.example:3128"
    assert request.proxy_for("https://botapi.internal/botTOKEN/getMe") is None
    monkeypatch.delenv("HTTPS_PROXY")
    assert request.proxy_for("https://api.telegram.org/botTOKEN/sendMessage") == "http://proxy.example:3128"


async def test_a_proxy_html_error_page_is_a_network_error(caplog):
    async with BotApiEmulator() as emu:
        user = emu.add_user(first_name="王芳")
        emu.fail_next("sendMessage", error="html_502")
        async with Bot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url,
                       request=AiohttpRequest()) as bot:
            with pytest.raises(NetworkError, match=r"HTTP 502 .*non-JSON"):
                await bot.send_message(chat_id=user.id, text="您好")
            await bot.send_message(chat_id=user.id, text="您好")
    assert not any(record.exc_info for record in caplog.records), "no traceback is logged"
    assert emu.bot_messages(user.id)[-1].text == "您好"
