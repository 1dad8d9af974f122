"""Staff in their group chats: buttons on cards, replies to cards, and commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from handlers.common import Context, answer_press, args_text, drop_keyboard, refuse, say
from reception import texts
from reception.errors import ReceptionError
from reception.petition import callback_data
from reception.petition.callback_data import CardAction
from storage.enums import DraftKind, MessageKind

if TYPE_CHECKING:
    from bot.wiring import Services


# The card buttons that ask for a result or a reason, and what the desk then waits for.
_PROMPTS = {CardAction.RESOLVE: DraftKind.RESOLVE, CardAction.REJECT: DraftKind.REJECT}


async def card_button(update: Update, context: Context) -> None:
    """认领 / 转派 / 办结 / 驳回 / 合并 on a petition card, and the reassign choices."""
    rt, query, user, chat = context.runtime, update.callback_query, update.effective_user, update.effective_chat
    if query is None or user is None or chat is None:  # a press on an inline-mode message has no chat
        return
    desk, user_id, chat_id = rt.services.desk, user.id, chat.id
    try:
        press = callback_data.parse_card(query.data)
        pid, target = press.petition_id, press.target
        match press.action:
            case CardAction.CLAIM:
                answer = await rt.call(desk.claim, tg_user_id=user_id, chat_id=chat_id,
                                       petition_id=pid)
            case CardAction.RESOLVE | CardAction.REJECT:
                answer = await rt.call(desk.prompt, tg_user_id=user_id, chat_id=chat_id,
                                       petition_id=pid, kind=_PROMPTS[press.action])
            case CardAction.REASSIGN:
                prompt, rows = await rt.run(desk.reassign_options, tg_user_id=user_id,
                                               chat_id=chat_id, petition_id=pid)
                markup = InlineKeyboardMarkup(
                    [[InlineKeyboardButton(label, callback_data=data) for label, data in row]
                     for row in rows])
                if isinstance(query.message, Message):
                    await query.message.reply_text(prompt, reply_markup=markup, do_quote=False)
                else:  # the card is no longer accessible to the bot: the choices go to the chat
                    await context.bot.send_message(chat_id, prompt, reply_markup=markup)
                answer = prompt
            case CardAction.TO_GROUP:
                answer = await rt.call(desk.reassign, tg_user_id=user_id, chat_id=chat_id,
                                       petition_id=pid, to_chat_id=target)
            case CardAction.TO_CATEGORY:
                answer = await rt.call(desk.reassign, tg_user_id=user_id, chat_id=chat_id,
                                       petition_id=pid, to_category_index=target)
            case CardAction.MERGE:
                answer = await rt.call(desk.merge, tg_user_id=user_id, chat_id=chat_id,
                                       duplicate=pid, into=target)
            case CardAction.URGENT:
                answer = await rt.call(rt.services.urgency.mark_urgent, tg_user_id=user_id,
                                       chat_id=chat_id, petition_id=pid)
            case CardAction.NOT_URGENT:
                answer = await rt.call(rt.services.urgency.prompt_routine, tg_user_id=user_id,
                                       chat_id=chat_id, petition_id=pid)
    except ReceptionError as error:
        await refuse(update, error)
        return
    await answer_press(update, answer)
    if press.action in (CardAction.TO_GROUP, CardAction.TO_CATEGORY):
        await drop_keyboard(update)


async def group_message(update: Update, context: Context) -> None:
    """A staff message: the answer to a 办结/驳回 prompt, or a reply to a petition card."""
    rt, message, user = context.runtime, update.effective_message, update.effective_user
    if message is None or user is None:
        return
    desk = rt.services.desk
    text = message.text or message.caption or ""
    try:
        if message.text:
            answer = await rt.call(desk.take_draft, tg_user_id=user.id, chat_id=message.chat_id,
                                   text=message.text)
            if answer is not None:
                await say(update, answer)
                return
        replied_to = message.reply_to_message
        if replied_to is None:
            return
        kind, file_id = MessageKind.TEXT, None
        if message.photo:
            kind, file_id = MessageKind.PHOTO, message.photo[-1].file_id
        elif message.document:
            kind, file_id = MessageKind.DOCUMENT, message.document.file_id
        elif message.voice:
            kind, file_id = MessageKind.VOICE, message.voice.file_id
        answer = await rt.call(
            desk.reply, tg_user_id=user.id, chat_id=message.chat_id,
            reply_to_message_id=replied_to.message_id,
            thread_id=message.message_thread_id, message_id=message.message_id, kind=kind,
            text=text, file_id=file_id)
    except ReceptionError as error:
        await refuse(update, error)
        return
    if answer:
        await say(update, answer)


async def bind(update: Update, context: Context) -> None:
    """/bind <community|street> [categories…] [网格:g1] [分诊]"""
    rt, chat, user = context.runtime, update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    try:
        result = await rt.call(rt.services.access.bind, tg_user_id=user.id,
                               chat_id=chat.id, title=chat.title or "", is_forum=bool(chat.is_forum),
                               args=list(context.args or []))
    except ReceptionError as error:
        await refuse(update, error)
        return
    await say(update, result.text)


async def open_list(update: Update, context: Context) -> None:
    """/open: what is waiting in this group's scope."""
    await _answer(update, context, "open_list", chat=True)


async def show(update: Update, context: Context) -> None:
    """/show <number>: the card and timeline of one petition."""
    if (parts := await _args(update, context, 1, texts.SHOW_USAGE)) is not None:
        await _answer(update, context, "show", chat=True, number=parts[0])


async def resolve(update: Update, context: Context) -> None:
    """/resolve <number> <result>"""
    if (parts := await _args(update, context, 2, texts.RESOLVE_USAGE)) is not None:
        await _answer(update, context, "resolve", chat=True, number=parts[0], result=parts[1])


async def reject(update: Update, context: Context) -> None:
    """/reject <number> <reason>"""
    if (parts := await _args(update, context, 2, texts.REJECT_USAGE)) is not None:
        await _answer(update, context, "reject", chat=True, number=parts[0], reason=parts[1])


async def ask(update: Update, context: Context) -> None:
    """/ask <number> <question>: ask the resident; the clock pauses."""
    if (parts := await _args(update, context, 2, texts.ASK_USAGE)) is not None:
        await _answer(update, context, "ask", chat=True, number=parts[0], question=parts[1])


async def mark_complex(update: Update, context: Context) -> None:
    """/complex <number>: the longer resolve limit applies."""
    if (parts := await _args(update, context, 1, texts.COMPLEX_USAGE)) is not None:
        await _answer(update, context, "mark_complex", chat=True, number=parts[0])


async def merge(update: Update, context: Context) -> None:
    """/merge <duplicate> <into>"""
    if (parts := await _args(update, context, 2, texts.MERGE_USAGE)) is not None:
        await _answer(update, context, "merge", chat=True, duplicate=parts[0], into=parts[1].split()[0])


async def walkin(update: Update, context: Context) -> None:
    """/walkin <what the visitor said>: register a desk or phone visit."""
    if (parts := await _args(update, context, 1, texts.WALKIN_USAGE)) is not None:
        await _answer(update, context, "walkin", chat=True, text=parts[0])


async def skip(update: Update, context: Context) -> None:
    """/skip: drop a pending 办结/驳回 prompt."""
    await _answer(update, context, "skip", chat=True)


async def overdue(update: Update, context: Context) -> None:
    """/overdue: what is late in this group's (or the staff member's) scope."""
    await _call(update, context, lambda s: s.escalation.overdue_list, chat=True)


async def digest(update: Update, context: Context) -> None:
    """/digest: last week's digest with its chart, now (it arrives through the outbox)."""
    await _call(update, context, lambda s: s.digests.on_demand, chat=True, reply=False)


async def export(update: Update, context: Context) -> None:
    """/export: this month's reception register as a spreadsheet."""
    await _call(update, context, lambda s: s.register.export_for_chat, chat=True, reply=False)


async def staff_help(update: Update, context: Context) -> None:
    """/help: the staff commands for staff who may use them here; residents' help otherwise."""
    rt, chat, user = context.runtime, update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    is_staff = await rt.run(rt.services.access.staff_in_chat, tg_user_id=user.id,
                            chat_id=chat.id)
    private = chat.type == "private"
    if is_staff:
        await say(update, texts.STAFF_HELP_PRIVATE if private else texts.STAFF_HELP)
    else:
        await say(update, texts.HELP_RESIDENT if private else texts.GROUP_HELP_PUBLIC)


async def _answer(update: Update, context: Context, method: str, *,
                  chat: bool = False, **kwargs: object) -> None:
    """Call a staff desk method by name and answer with what it returns."""
    await _call(update, context, lambda s: getattr(s.desk, method), chat=chat, reply=True, **kwargs)


async def _call(update: Update, context: Context,
                pick: Callable[[Services], Callable[..., object]], *, chat: bool = False,
                reply: bool = True, **kwargs: object) -> None:
    """One domain call on behalf of the sender; a refusal is explained, nothing changes."""
    rt, user = context.runtime, update.effective_user
    if user is None:
        return
    if chat:
        if update.effective_chat is None:
            return
        kwargs["chat_id"] = update.effective_chat.id
    try:
        answer = await rt.call(pick(rt.services), tg_user_id=user.id, **kwargs)
    except ReceptionError as error:
        await refuse(update, error)
        return
    if reply and answer:
        await say(update, str(answer))


async def _args(update: Update, context: Context, count: int,
                usage: str) -> list[str] | None:
    """The command's arguments split into ``count`` parts (the last keeps its spaces).

    Without them, the usage goes only to staff who may use the command here; anyone else
    gets the same short refusal as for the command itself (a staff command's usage, with its
    examples, is nothing to post in a 业主群)."""
    text = args_text(update)
    parts = text.split(maxsplit=count - 1) if text else []
    if len(parts) < count:
        rt, user, chat = context.runtime, update.effective_user, update.effective_chat
        if user is None or chat is None:
            return None
        try:
            await rt.run(rt.services.access.require_chat, tg_user_id=user.id, chat_id=chat.id)
        except ReceptionError as error:
            await refuse(update, error)
            return None
        await say(update, usage)
        return None
    return parts


async def urgent(update: Update, context: Context) -> None:
    """/urgent <number>: handle it as an emergency (advice, alerts, urgent limits)."""
    if (parts := await _args(update, context, 1, texts.URGENT_USAGE)) is not None:
        await _call(update, context, lambda s: s.urgency.mark_urgent, chat=True,
                    number=parts[0].split()[0])


async def not_urgent(update: Update, context: Context) -> None:
    """/noturgent <number> <reason>: routine limits again; the reason goes on the timeline."""
    if (parts := await _args(update, context, 2, texts.NOTURGENT_USAGE)) is not None:
        await _call(update, context, lambda s: s.urgency.mark_routine, chat=True,
                    number=parts[0], reason=parts[1])


async def duty(update: Update, context: Context) -> None:
    """/duty [on|off] [@name] [date]: who is on duty, or put someone on or off the roster."""
    await _call(update, context, lambda s: s.roster.duty, chat=True, args=args_text(update))
