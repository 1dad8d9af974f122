"""The emulator, driven by a real PTB Application over HTTP."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import httpx
import pytest
from aiohttp import web
from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    NetworkError,
    RetryAfter,
)
from telegram.ext import Application

from reception.clock import ManualClock
from tests.emulator.tinybot import ERROR_REPLY
from tgemu import BotApiEmulator
from tgemu.samples import SAMPLE_JPEG

App = Application[Any, Any, Any, Any, Any, Any]


async def test_echo_round_trip(emu: BotApiEmulator, app: App, clock: ManualClock) -> None:
    resident = emu.add_user("王芳")
    sent = emu.send_text(resident, resident.id, "楼道灯坏了")

    reply = await emu.wait_for_bot_message(resident.id, containing="楼道灯坏了")

    assert reply.text == "echo: 楼道灯坏了"
    assert reply.html == "<b>echo</b>: 楼道灯坏了"
    assert reply.message_id > sent.message_id
    assert reply.buttons == [[("收到", "ack")]]
    assert reply.date == clock.now()
    assert [e.action for e in emu.transcript] == ["sent", "sent"]
    assert [m.from_bot for m in emu.messages(resident.id)] == [False, True]


async def test_command_with_bot_username_reaches_command_handler(
    emu: BotApiEmulator, app: App
) -> None:
    resident = emu.add_user("李强", username="liqiang")
    group = emu.add_group("红旗社区工作群", members=[resident])

    emu.send_text(resident, group.id, "/start@minyuan_bot")

    reply = await emu.wait_for_bot_message(group.id)
    assert reply.text == "欢迎使用民愿接待室"


async def test_button_press_gets_answered_and_message_edited(emu: BotApiEmulator, app: App) -> None:
    resident = emu.add_user("王芳")
    emu.send_text(resident, resident.id, "你好")
    shown = await emu.wait_for_bot_message(resident.id)

    query_id = emu.press_button(resident, resident.id, shown.message_id, "ack")

    await emu.wait_for(lambda: shown.edited == 1, what="the acknowledged message to be edited")
    assert emu.callback_answers[query_id] == {
        "text": "已收到",
        "show_alert": False,
        "url": None,
        "cache_time": 0,
    }
    assert shown.text == "已确认"
    assert shown.buttons == []  # an edit that does not repeat the keyboard drops it
    assert [e.action for e in emu.transcript][-3:] == ["callback", "answer", "edited"]


async def test_pressing_a_button_that_is_not_there_is_a_script_error(
    emu: BotApiEmulator, app: App
) -> None:
    resident = emu.add_user("王芳")
    emu.send_text(resident, resident.id, "你好")
    shown = await emu.wait_for_bot_message(resident.id)

    with pytest.raises(LookupError, match="no inline button"):
        emu.press_button(resident, resident.id, shown.message_id, "nope")


async def test_unescaped_html_surfaces_as_bad_request(emu: BotApiEmulator, app: App) -> None:
    resident = emu.add_user("王芳")
    emu.send_text(resident, resident.id, "3号楼 <电梯> 停了")

    await emu.wait_for_bot_message(resident.id, containing=ERROR_REPLY)

    (error,) = app.bot_data["errors"]
    assert isinstance(error, BadRequest)
    # PTB strips "Bad Request: " and re-capitalises what is left.
    assert error.message == (
        'Can\'t parse entities: unsupported start tag "电梯" at byte offset 21'
    )
    assert [m.text for m in emu.bot_messages(resident.id)] == [ERROR_REPLY]


@pytest.mark.parametrize(
    ("text", "kwargs", "expected"),
    [
        ("<p>段落</p>", {"parse_mode": "HTML"}, 'unsupported start tag "p"'),
        ("<b>粗体", {"parse_mode": "HTML"}, "can't find end tag"),
        ("x" * 4097, {}, "Message is too long"),
        ("   ", {}, "Message text is empty"),
    ],
)
async def test_bad_text_is_rejected_like_telegram(
    emu: BotApiEmulator, app: App, text: str, kwargs: dict[str, str], expected: str
) -> None:
    resident = emu.add_user("王芳")
    with pytest.raises(BadRequest, match=expected):
        await app.bot.send_message(resident.id, text, **kwargs)


async def test_editing_without_change_is_not_modified(emu: BotApiEmulator, app: App) -> None:
    resident = emu.add_user("王芳")
    sent = await app.bot.send_message(resident.id, "<b>状态</b>：已受理", parse_mode="HTML")

    with pytest.raises(BadRequest, match="Message is not modified"):
        await app.bot.edit_message_text(
            "<strong>状态</strong>：已受理", resident.id, sent.message_id, parse_mode="HTML"
        )


@pytest.mark.parametrize(
    ("error", "expected"),
    [("retry_after", RetryAfter), ("network", NetworkError), ("server_error", NetworkError)],
)
async def test_injected_faults_raise_ptb_exceptions(
    emu: BotApiEmulator, app: App, error: str, expected: type[Exception]
) -> None:
    resident = emu.add_user("王芳")
    emu.fail_next("sendMessage", error=error, retry_after=7)

    with pytest.raises(expected) as raised:
        await app.bot.send_message(resident.id, "第一次")
    assert type(raised.value) is expected
    if isinstance(raised.value, RetryAfter):
        assert raised.value.retry_after == timedelta(seconds=7)

    await app.bot.send_message(resident.id, "第二次")  # only the next call fails
    assert [m.text for m in emu.bot_messages(resident.id)] == ["第二次"]


async def test_fail_next_zero_times_cancels_pending_faults(emu: BotApiEmulator, app: App) -> None:
    resident = emu.add_user("王芳")
    emu.fail_next("sendMessage", error="network", times=50)
    emu.fail_next("sendMessage", error="network", times=0)

    await app.bot.send_message(resident.id, "恢复了")


async def test_blocked_user_is_forbidden(emu: BotApiEmulator, app: App) -> None:
    resident = emu.add_user("王芳")
    emu.block_bot(resident)

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await app.bot.send_message(resident.id, "您的诉求已受理")
    await emu.drained()  # the my_chat_member "kicked" update reached the bot


async def test_user_who_never_started_the_bot_cannot_be_messaged(
    emu: BotApiEmulator, app: App
) -> None:
    staff = emu.add_user("赵主任", started=False)

    with pytest.raises(Forbidden, match="can't initiate conversation"):
        await app.bot.send_message(staff.id, "新诉求待处理")


async def test_deleted_or_unknown_chat_is_not_found(emu: BotApiEmulator, app: App) -> None:
    group = emu.add_group("红旗社区工作群")
    emu.delete_chat(group.id)

    for chat_id in (group.id, -100999):
        with pytest.raises(BadRequest, match="Chat not found"):
            await app.bot.send_message(chat_id, "通知")


async def test_redelivered_update_arrives_with_the_same_id(emu: BotApiEmulator, app: App) -> None:
    resident = emu.add_user("王芳")
    emu.send_text(resident, resident.id, "第一条")
    first = await emu.wait_for_bot_message(resident.id)
    await emu.drained()

    update_id = emu.redeliver_last_update()
    await emu.wait_for_bot_message(resident.id, after=first.message_id)
    await emu.drained()

    assert app.bot_data["update_ids"] == [update_id, update_id]


async def test_forum_topics(emu: BotApiEmulator, app: App) -> None:
    staff = emu.add_user("赵主任")
    forum = emu.add_group("街道诉求督办", forum=True, members=[staff])
    plain = emu.add_group("红旗社区工作群", members=[staff])

    topic = await app.bot.create_forum_topic(forum.id, "诉求 2026-0001")
    in_topic = await app.bot.send_message(
        forum.id, "新诉求", message_thread_id=topic.message_thread_id
    )
    answer = emu.send_text(staff, forum.id, "已接单", thread_id=topic.message_thread_id)

    assert emu.topics(forum.id) == [
        {
            "message_thread_id": topic.message_thread_id,
            "name": "诉求 2026-0001",
            "icon_color": 0x6FB9F0,
        },
    ]
    assert in_topic.message_thread_id == topic.message_thread_id
    assert in_topic.is_topic_message
    assert answer.thread_id == topic.message_thread_id
    echoed = await emu.wait_for_bot_message(forum.id, containing="已接单")
    assert echoed.thread_id == topic.message_thread_id  # PTB saw is_topic_message
    with pytest.raises(BadRequest, match="The chat is not a forum"):
        await app.bot.create_forum_topic(plain.id, "诉求")
    with pytest.raises(BadRequest, match="Message thread not found"):
        await app.bot.send_message(forum.id, "x", message_thread_id=9999)


async def test_document_upload_round_trip(emu: BotApiEmulator, app: App) -> None:
    resident = emu.add_user("王芳")
    original = "漏水照片说明\n".encode() * 100
    emu.send_document(resident, resident.id, "说明.txt", data=original)

    copy = await emu.wait_for_bot_message(resident.id)

    assert copy.kind == "document"
    assert copy.file_name == "copy-说明.txt"
    assert copy.file_bytes == original
    assert copy.text == "副本"


async def test_bot_media_by_upload_and_by_file_id(emu: BotApiEmulator, app: App) -> None:
    resident = emu.add_user("王芳")
    theirs = emu.send_photo(resident, resident.id)
    await emu.drained()
    their_file_id = theirs.content["photo"][-1]["file_id"]

    uploaded = await app.bot.send_photo(
        resident.id, photo=b"\xff\xd8fake", caption="<b>现场</b>", parse_mode="HTML"
    )
    forwarded = await app.bot.send_photo(resident.id, photo=their_file_id)

    assert uploaded.caption == "现场" and uploaded.caption_entities[0].type == "bold"
    assert forwarded.photo[-1].file_id == their_file_id
    assert emu.last_bot_message(resident.id).file_bytes == SAMPLE_JPEG
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await app.bot.send_document(resident.id, document="no-such-file-id")
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await app.bot.send_photo(resident.id, photo=their_file_id, caption="长" * 1025)


async def test_get_file_download(emu: BotApiEmulator, app: App) -> None:
    resident = emu.add_user("王芳")
    photo = emu.send_photo(resident, resident.id, caption="积水")
    largest = photo.content["photo"][-1]

    telegram_file = await app.bot.get_file(largest["file_id"])

    assert telegram_file.file_path.startswith(emu.base_file_url)
    assert bytes(await telegram_file.download_as_bytearray()) == SAMPLE_JPEG
    async with httpx.AsyncClient() as client:
        missing = await client.get(f"{emu.base_file_url}{emu.token}/photos/nope.jpg")
    assert missing.status_code == 404


async def test_unknown_method_is_loud(
    emu: BotApiEmulator, app: App, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="tgemu"):
        with pytest.raises(EndPointNotFound):
            await app.bot.do_api_request("frobnicateChat", api_kwargs={"chat_id": 1})
        async with httpx.AsyncClient() as client:
            raw = await client.post(f"{emu.base_url}{emu.token}/frobnicateChat")

    assert raw.status_code == 404
    assert raw.json() == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method not supported by the emulator",
    }
    assert "frobnicateChat" in caplog.text


async def test_every_user_message_kind_parses_in_ptb(emu: BotApiEmulator, app: App) -> None:
    resident = emu.add_user("王芳")
    group = emu.add_group("红旗社区工作群", members=[resident])
    emu.send_photo(resident, resident.id, caption="积水")
    emu.send_location(resident, resident.id, 39.9042, 116.4074)
    emu.send_voice(resident, resident.id, duration=12)
    emu.send_contact(resident, resident.id, "+8613800000000", own=False, first_name="张三")
    emu.send_sticker(resident, resident.id)
    emu.bot_added_to_group(group.id, resident)

    greeting = await emu.wait_for_bot_message(group.id)
    await emu.wait_for(lambda: len(emu.bot_messages(resident.id)) == 5, what="five replies")

    assert greeting.text == "大家好（administrator）"
    assert [m.text for m in emu.bot_messages(resident.id)] == [
        "收到 photo [90x68, 800x600] 积水",
        "收到 location 39.9042,116.4074",
        "收到 voice 12s",
        "收到 contact +8613800000000 user_id=None",
        "收到 sticker 👍",
    ]
    assert "errors" not in app.bot_data


async def test_reply_keyboard_and_own_contact(emu: BotApiEmulator, app: App) -> None:
    resident = emu.add_user("王芳", "李")
    keyboard = ReplyKeyboardMarkup([[KeyboardButton("分享手机号", request_contact=True)]])
    await app.bot.send_message(resident.id, "请分享手机号", reply_markup=keyboard)

    assert emu.reply_keyboard(resident.id) == [["分享手机号"]]

    shared = emu.send_contact(resident, resident.id, "+8613800000000")

    reply = await emu.wait_for_bot_message(resident.id, after=shared.message_id)
    assert reply.text == f"收到 contact +8613800000000 user_id={resident.id}"
    await app.bot.send_message(resident.id, "谢谢", reply_markup=ReplyKeyboardRemove())
    assert emu.reply_keyboard(resident.id) is None


async def test_chat_lookups_and_leaving(emu: BotApiEmulator, app: App) -> None:
    staff = emu.add_user("赵主任")
    resident = emu.add_user("王芳")
    group = emu.add_group("红旗社区工作群", members=[resident], admins=[staff])

    chat = await app.bot.get_chat(group.id)
    admin = await app.bot.get_chat_member(group.id, staff.id)
    member = await app.bot.get_chat_member(group.id, resident.id)
    itself = await app.bot.get_chat_member(group.id, emu.bot.id)
    await app.bot.send_chat_action(group.id, "typing")
    assert await app.bot.leave_chat(group.id)

    assert (chat.title, chat.type) == ("红旗社区工作群", "supergroup")
    assert (admin.status, member.status, itself.status) == (
        "administrator",
        "member",
        "administrator",
    )
    with pytest.raises(Forbidden, match="bot is not a member of the supergroup chat"):
        await app.bot.send_message(group.id, "还在吗")
    emu.send_text(resident, group.id, "机器人走了？")  # stored, but the bot no longer sees it
    await emu.drained()


async def test_commands_round_trip(emu: BotApiEmulator, app: App) -> None:
    await app.bot.set_my_commands([("start", "开始"), ("my", "我的诉求")])

    commands = await app.bot.get_my_commands()

    assert [(c.command, c.description) for c in commands] == [("start", "开始"), ("my", "我的诉求")]
    assert emu.my_commands()[1] == {"command": "my", "description": "我的诉求"}


async def test_wait_for_timeout_explains_itself(emu: BotApiEmulator, app: App) -> None:
    resident = emu.add_user("王芳")
    await app.bot.send_message(resident.id, "在吗")

    with pytest.raises(TimeoutError, match=r"(?s)Last API calls:.*sendMessage"):
        await emu.wait_for(lambda: False, timeout=0.05)


# --- transport, without PTB -----------------------------------------------------------------


async def test_long_poll_wakes_on_new_update_and_offset_confirms(emu: BotApiEmulator) -> None:
    resident = emu.add_user("王芳")
    url = f"{emu.base_url}{emu.token}/getUpdates"
    async with httpx.AsyncClient() as client:
        poll = asyncio.create_task(client.post(url, data={"timeout": "30"}))
        await emu.wait_for(lambda: any(method == "getUpdates" for method, _ in emu.calls))
        emu.send_text(resident, resident.id, "/start")
        first = (await poll).json()["result"]
        (update,) = first
        assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]

        again = (await client.post(url, data={"timeout": "0"})).json()["result"]
        assert again == first  # unconfirmed updates are sent again

        confirmed = (await client.post(url, data={"offset": str(update["update_id"] + 1)})).json()
        assert confirmed == {"ok": True, "result": []}
    await emu.drained(timeout=0.1)


async def test_a_second_long_poll_ends_the_first_with_conflict(emu: BotApiEmulator) -> None:
    url = f"{emu.base_url}{emu.token}/getUpdates"
    async with httpx.AsyncClient() as client:
        first = asyncio.create_task(client.post(url, data={"timeout": "30"}))
        await emu.wait_for(lambda: len(emu.calls) == 1)
        second = await client.post(url, data={"timeout": "0"})
        ended = await first

    assert second.json() == {"ok": True, "result": []}
    assert ended.status_code == 409
    assert "terminated by other getUpdates request" in ended.json()["description"]


async def test_webhook_delivery(emu: BotApiEmulator) -> None:
    received: list[tuple[dict[str, Any], str | None]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(
            (await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        )
        return web.Response()

    server = web.Application()
    server.router.add_post("/hook", hook)
    runner = web.AppRunner(server)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with httpx.AsyncClient() as client:
            api = f"{emu.base_url}{emu.token}"
            answer = await client.post(
                f"{api}/setWebhook",
                data={"url": f"http://127.0.0.1:{port}/hook", "secret_token": "s3"},
            )
            assert answer.json() == {"ok": True, "result": True}
            resident = emu.add_user("王芳")
            emu.send_text(resident, resident.id, "你好")
            await emu.drained()
            conflict = await client.post(f"{api}/getUpdates")
            info = (await client.post(f"{api}/getWebhookInfo")).json()["result"]
    finally:
        await runner.cleanup()

    ((update, secret),) = received
    assert update["message"]["text"] == "你好"
    assert secret == "s3"
    assert conflict.status_code == 409
    assert info["url"].endswith("/hook") and info["pending_update_count"] == 0
