"""The tiny bot the emulator tests drive: echo, a button, a document round trip."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from tgemu import BotApiEmulator

ERROR_REPLY = "抱歉，出错了"
MEDIA = filters.PHOTO | filters.LOCATION | filters.VOICE | filters.CONTACT | filters.Sticker.ALL


async def record_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Remember every update id, duplicates included."""
    context.bot_data.setdefault("update_ids", []).append(update.update_id)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet."""
    await update.effective_message.reply_text("欢迎使用民愿接待室")


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Echo the text with a button. Deliberately unescaped, to show the HTML check biting."""
    await update.effective_message.reply_text(
        f"<b>echo</b>: {update.effective_message.text}",
        parse_mode="HTML",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("收到", callback_data="ack")]]),
    )


async def acknowledge(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the button and replace the message."""
    query = update.callback_query
    await query.answer("已收到")
    await query.edit_message_text("已确认")


async def echo_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Download the document and upload it back under a new name."""
    document = update.effective_message.document
    telegram_file = await document.get_file()
    data = await telegram_file.download_as_bytearray()
    await update.effective_message.reply_document(
        document=bytes(data), filename=f"copy-{document.file_name}", caption="副本"
    )


def _describe(message: Message) -> str:
    if message.photo:
        sizes = ", ".join(f"{p.width}x{p.height}" for p in message.photo)
        return f"photo [{sizes}] {message.caption}"
    if message.location:
        return f"location {message.location.latitude:.4f},{message.location.longitude:.4f}"
    if message.voice:
        return f"voice {message.voice.duration.total_seconds():.0f}s"
    if message.contact:
        return f"contact {message.contact.phone_number} user_id={message.contact.user_id}"
    if message.sticker:
        return f"sticker {message.sticker.emoji}"
    return "unknown"


async def describe_media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say what arrived, as PTB parsed it."""
    await update.effective_message.reply_text(f"收到 {_describe(update.effective_message)}")


async def greet_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say hello when added to a group."""
    change = update.my_chat_member
    if change.chat.type != "private" and change.new_chat_member.status in (
        "member",
        "administrator",
    ):
        await context.bot.send_message(change.chat.id, f"大家好（{change.new_chat_member.status}）")


async def remember_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Keep the error for the test, then tell the user (an API call the test can wait for)."""
    context.bot_data.setdefault("errors", []).append(context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, ERROR_REPLY)


def build_app(emu: BotApiEmulator) -> Application[Any, Any, Any, Any, Any, Any]:
    app = (
        ApplicationBuilder()
        .token(emu.token)
        .base_url(emu.base_url)
        .base_file_url(emu.base_file_url)
        .build()
    )
    app.add_handler(TypeHandler(Update, record_update), group=-1)
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(MessageHandler(filters.Document.ALL, echo_document))
    app.add_handler(CallbackQueryHandler(acknowledge))
    app.add_handler(MessageHandler(MEDIA, describe_media))
    app.add_handler(ChatMemberHandler(greet_group, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_error_handler(remember_error)
    return app
