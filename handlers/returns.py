"""退单, referrals to departments and 延期申请: commands, the rulings' and approvals' buttons,
and messages in a department's group (reception.handling.returns, referrals, extensions)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from handlers.common import Context, answer_press, args_text, drop_keyboard, refuse, say
from handlers.staff import _args, _call
from reception import texts
from reception.errors import ReceptionError
from reception.petition import callback_data
from reception.petition.callback_data import CardAction

# The buttons this module answers (registered before the card buttons).
BUTTONS = (CardAction.RETURN, CardAction.UPHOLD, CardAction.OVERTURN_GROUP, CardAction.OVERTURN_CATEGORY,
           CardAction.OVERTURN_COMMUNITY, CardAction.REFERRAL_DONE, CardAction.EXTEND_APPROVE,
           CardAction.EXTEND_REFUSE)
PATTERN = "^" + callback_data.CARD_PREFIX + "(" + "|".join(str(a) for a in BUTTONS) + "):"


async def give_back(update: Update, context: Context) -> None:
    """/return <number> <reason>: this petition is not ours."""
    if (parts := await _args(update, context, 2, texts.RETURN_USAGE)) is not None:
        await _call(update, context, lambda s: s.returns.give_back, chat=True, number=parts[0],
                    reason=parts[1])


async def refer(update: Update, context: Context) -> None:
    """/refer <number> <department> [what the department should know]"""
    usage = context.runtime.services.referrals.usage()
    if (parts := await _args(update, context, 2, usage)) is not None:
        department, _, note = parts[1].partition(" ")
        await _call(update, context, lambda s: s.referrals.refer, chat=True, number=parts[0],
                    department=department, note=note.strip())


async def referral_done(update: Update, context: Context) -> None:
    """/refdone <number> <what the department reported>"""
    if (parts := await _args(update, context, 2, texts.REFDONE_USAGE)) is not None:
        await _call(update, context, lambda s: s.referrals.staff_done, chat=True, number=parts[0],
                    note=parts[1])


async def extend(update: Update, context: Context) -> None:
    """/extend <number> <working days> <reason>"""
    usage = context.runtime.services.extensions.usage()
    if (parts := await _args(update, context, 3, usage)) is not None:
        await _call(update, context, lambda s: s.extensions.ask, chat=True, number=parts[0],
                    days=parts[1], reason=parts[2])


async def button(update: Update, context: Context) -> None:
    """维持原派 / 改派 on a return, 已办结 in a department's group, 批准 / 不批准 an extension."""
    rt, query, user, chat = context.runtime, update.callback_query, update.effective_user, update.effective_chat
    if query is None or user is None or chat is None:
        return
    services, user_id, chat_id = rt.services, user.id, chat.id
    try:
        press = callback_data.parse_card(query.data)
        pid, target = press.petition_id, press.target or 0
        match press.action:
            case CardAction.RETURN:  # the reason is asked for; the card keeps its buttons
                prompt = await rt.call(services.returns.prompt, tg_user_id=user_id,
                                       chat_id=chat_id, petition_id=pid)
                await answer_press(update, prompt)
                return
            case CardAction.UPHOLD:
                answer = await rt.call(services.returns.uphold, tg_user_id=user_id,
                                       chat_id=chat_id, petition_id=pid)
            case CardAction.OVERTURN_GROUP:
                answer = await rt.call(services.returns.overturn, tg_user_id=user_id,
                                       chat_id=chat_id, petition_id=pid, to_chat_id=target)
            case CardAction.OVERTURN_CATEGORY:
                answer = await rt.call(services.returns.overturn, tg_user_id=user_id,
                                       chat_id=chat_id, petition_id=pid, to_category_index=target)
            case CardAction.OVERTURN_COMMUNITY:
                answer = await rt.call(services.returns.overturn, tg_user_id=user_id,
                                       chat_id=chat_id, petition_id=pid, to_community_index=target)
            case CardAction.REFERRAL_DONE:
                answer = await rt.call(services.referrals.department_done, chat_id=chat_id,
                                       sender=user.full_name, petition_id=pid, referral_id=target)
            case CardAction.EXTEND_APPROVE | CardAction.EXTEND_REFUSE:
                answer = await rt.call(services.extensions.decide, tg_user_id=user_id,
                                       chat_id=chat_id, petition_id=pid, extension_id=target,
                                       approve=press.action is CardAction.EXTEND_APPROVE)
            case _:
                return
    except ReceptionError as error:
        await refuse(update, error)
        return
    await answer_press(update, answer)
    await drop_keyboard(update)
    await say(update, answer)


async def department_message(update: Update, context: Context) -> None:
    """A message in a department's group: a reply to a referral reaches the handling group.

    Other groups' messages go on to the staff handlers (this one runs in an earlier group).
    """
    rt, message, user = context.runtime, update.effective_message, update.effective_user
    if message is None or user is None:
        return
    replied = message.reply_to_message
    try:
        answer = await rt.call(rt.services.referrals.department_message, chat_id=message.chat_id,
                               sender=user.full_name,
                               replied_text=(replied.text or replied.caption or "") if replied else None,
                               text=message.text or message.caption or args_text(update))
    except ReceptionError as error:
        await refuse(update, error)
        raise ApplicationHandlerStop from None
    if answer is None:
        return  # not a department's group
    if answer:
        await say(update, answer)
    raise ApplicationHandlerStop
