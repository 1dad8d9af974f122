"""The office's practice beyond the core loop: call-backs (回访), the knowledge base and
templates, home visits (民情日记), 每月一题."""

from __future__ import annotations

from telegram import Update

from handlers.common import Context, answer_press, args_text, drop_keyboard, refuse, say
from handlers.staff import _args, _call
from reception import texts
from reception.errors import ReceptionError
from reception.petition import callback_data
from reception.reports import texts as rtexts


async def callbacks(update: Update, context: Context) -> None:
    """/callbacks: the call-backs waiting for this caller, each with its outcome buttons."""
    await _call(update, context, lambda s: s.callbacks.pending, chat=True)


async def callback(update: Update, context: Context) -> None:
    """/callback <number> <outcome> [note]: record how a call-back went."""
    if (parts := await _args(update, context, 2, texts.CALLBACK_USAGE)) is not None:
        outcome, _, note = parts[1].partition(" ")
        await _call(update, context, lambda s: s.callbacks.record, chat=True, number=parts[0],
                    outcome=outcome, note=note)


async def callback_button(update: Update, context: Context) -> None:
    """满意 / 基本满意 / 不满意 / 联系不上 under an entry of the call-back list."""
    rt, query, user, chat = context.runtime, update.callback_query, update.effective_user, update.effective_chat
    if query is None or user is None or chat is None:
        return
    try:
        press = callback_data.parse_call_back(query.data)
        answer = await rt.call(rt.services.callbacks.record_press, tg_user_id=user.id,
                               chat_id=chat.id, callback_id=press.callback_id, outcome=press.outcome)
    except ReceptionError as error:
        await refuse(update, error)
        return
    await answer_press(update, answer)
    await drop_keyboard(update)


async def knowledge_button(update: Update, context: Context) -> None:
    """仍需人工处理 / 已解决 under a knowledge-base answer."""
    rt, query, user = context.runtime, update.callback_query, update.effective_user
    if query is None or user is None:
        return
    try:
        press = callback_data.parse_knowledge(query.data)
        answer = await rt.call(rt.services.knowledge.decide, tg_user_id=user.id,
                               question_id=press.question_id, choice=press.choice)
    except ReceptionError as error:
        await refuse(update, error)
        return
    await answer_press(update, answer)
    await drop_keyboard(update)


async def template(update: Update, context: Context) -> None:
    """/tpl: the saved answers; /tpl <name> in reply to a card sends one to the resident."""
    message = update.effective_message
    name = args_text(update)
    if message is None:
        return
    if not name:
        await _call(update, context, lambda s: s.knowledge.templates, chat=True)
        return
    replied = message.reply_to_message
    await _call(update, context, lambda s: s.knowledge.send_template, chat=True, name=name,
                reply_to_message_id=replied.message_id if replied else None,
                message_id=message.message_id, thread_id=message.message_thread_id)


async def visit(update: Update, context: Context) -> None:
    """/visit <household> <what was done> [问题:<what was found>]: log a home visit."""
    message = update.effective_message
    if message is None or (parts := await _args(update, context, 1, texts.VISIT_USAGE)) is None:
        return
    await _call(update, context, lambda s: s.visits.log, chat=True, message_id=message.message_id,
                text=parts[0])


async def visits(update: Update, context: Context) -> None:
    """/visits: this week's visits against the norm."""
    await _call(update, context, lambda s: s.visits.week, chat=True)


async def visit_button(update: Update, context: Context) -> None:
    """将走访内容登记为诉求 under a logged visit."""
    rt, query, user, chat = context.runtime, update.callback_query, update.effective_user, update.effective_chat
    if query is None or user is None or chat is None:
        return
    try:
        visit_id = callback_data.parse_visit(query.data)
        answer = await rt.call(rt.services.visits.file, tg_user_id=user.id, chat_id=chat.id,
                               visit_id=visit_id)
    except ReceptionError as error:
        await refuse(update, error)
        return
    await answer_press(update, answer)
    await drop_keyboard(update)


async def monthly(update: Update, context: Context) -> None:
    """/monthly [YYYY-MM]: the month's recurring problems (每月一题) for this chat's scope."""
    await _call(update, context, lambda s: s.monthly.on_demand, chat=True,
                month=args_text(update))


async def topic(update: Update, context: Context) -> None:
    """/topic, /topic pick N [YYYY-MM], /topic done ID 结果: the street's 每月一题."""
    words = args_text(update).split(maxsplit=2)
    if not words:
        await _call(update, context, lambda s: s.monthly.topics, chat=True)
    elif words[0] == "pick" and len(words) >= 2 and words[1].isdigit():
        await _call(update, context, lambda s: s.monthly.pick, chat=True, index=int(words[1]),
                    month=words[2] if len(words) > 2 else "")
    elif words[0] == "done" and len(words) == 3 and words[1].lstrip("#").isdigit():
        await _call(update, context, lambda s: s.monthly.done, chat=True,
                    topic_id=int(words[1].lstrip("#")), result=words[2])
    else:
        await say(update, rtexts.TOPIC_USAGE)
