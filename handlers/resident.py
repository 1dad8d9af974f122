"""Residents in a private chat with the bot."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update, WebAppInfo

from handlers.common import (
    Context,
    answer_press,
    args_text,
    display_name,
    drop_keyboard,
    inbound_from,
    refuse,
    say,
)
from reception import texts
from reception.errors import InvalidInput, ReceptionError
from reception.handling.signin import LINK_TTL
from reception.petition import callback_data


async def start(update: Update, context: Context) -> None:
    """Register the resident; a deep-link payload names their community."""
    rt, user = context.runtime, update.effective_user
    if user is None:
        return
    payload = context.args[0] if context.args else ""
    await rt.call(rt.services.intake.start, tg_user_id=user.id, name=user.full_name,
                  username=user.username or "", payload=payload)


async def help_command(update: Update, context: Context) -> None:
    """Explain what residents can do."""
    await say(update, texts.HELP_RESIDENT)


async def choose_community(update: Update, context: Context) -> None:
    """A community button from the welcome message."""
    rt, query, user = context.runtime, update.callback_query, update.effective_user
    if query is None or user is None:
        return
    communities = rt.services.deps.org.communities
    try:
        code = callback_data.parse_community(query.data, known=communities)
        await rt.call(rt.services.intake.choose_community, tg_user_id=user.id,
                      name=user.full_name, username=user.username or "", code=code)
    except ReceptionError as error:
        await refuse(update, error)
        return
    community = communities[code]
    await query.answer(texts.COMMUNITY_SET.format(community=community.name).replace("<b>", "").replace("</b>", ""))


async def submit(update: Update, context: Context) -> None:
    """Any message from a resident becomes (part of) a petition."""
    rt, message = context.runtime, update.effective_message
    if message is None:
        return
    inbound = inbound_from(message)
    try:
        if inbound is None:
            raise InvalidInput(texts.UNSUPPORTED_MESSAGE)
        result = await rt.run(rt.services.intake.submit, inbound)
    except ReceptionError as error:
        await refuse(update, error)
        return
    rt.delivery.take(result.sends)  # claimed in the petition's own transaction


async def submit_held(update: Update, context: Context) -> None:
    """就这样提交: the held voice note becomes the petition as it is."""
    rt, query = context.runtime, update.callback_query
    if query is None or update.effective_user is None:
        return
    try:
        callback_data.parse_submit_held(query.data or "")
        result = await rt.run(rt.services.intake.submit_held, tg_user_id=update.effective_user.id)
    except ReceptionError as error:
        await refuse(update, error)
        return
    rt.delivery.take(result.sends)
    await answer_press(update, result.number or "")
    await drop_keyboard(update)


async def edited(update: Update, context: Context) -> None:
    """The resident edited a message they sent: the petition follows the new words."""
    rt = context.runtime
    if update.edited_message is None:
        return
    inbound = inbound_from(update.edited_message)
    if inbound is None:
        return
    try:
        await rt.call(rt.services.intake.edit, inbound)
    except ReceptionError as error:
        await refuse(update, error)


async def contact(update: Update, context: Context) -> None:
    """The resident shared a phone number with the contact button."""
    rt, message, user = context.runtime, update.effective_message, update.effective_user
    if message is None or message.contact is None or user is None:
        return
    own = message.contact.user_id == user.id
    try:
        await rt.call(rt.services.intake.set_phone, tg_user_id=user.id,
                      phone=message.contact.phone_number, own=own)
    except ReceptionError as error:
        await refuse(update, error)


async def address(update: Update, context: Context) -> None:
    """/address 3号楼2单元501"""
    rt, user = context.runtime, update.effective_user
    if user is None:
        return
    try:
        await rt.call(rt.services.intake.set_address, tg_user_id=user.id,
                      text=args_text(update))
    except ReceptionError as error:
        await refuse(update, error)


async def my_petitions(update: Update, context: Context) -> None:
    """/my: the resident's own petitions."""
    rt, user = context.runtime, update.effective_user
    if user is None:
        return
    await say(update, await rt.run(rt.services.intake.my_petitions,
                                   tg_user_id=user.id))


async def status(update: Update, context: Context) -> None:
    """/status <number>: one of the resident's petitions with its timeline."""
    rt, number, user = context.runtime, args_text(update), update.effective_user
    if user is None:
        return
    if not number:
        await say(update, texts.STATUS_USAGE)
        return
    try:
        await say(update, await rt.run(rt.services.intake.status,
                                       tg_user_id=user.id, number=number))
    except ReceptionError as error:
        await refuse(update, error)


async def cancel(update: Update, context: Context) -> None:
    """/cancel <number>: withdraw a petition nobody has handled yet."""
    rt, number, user = context.runtime, args_text(update), update.effective_user
    if user is None:
        return
    if not number:
        await say(update, texts.CANCEL_USAGE)
        return
    try:
        await rt.call(rt.services.intake.cancel, tg_user_id=user.id, number=number)
    except ReceptionError as error:
        await refuse(update, error)


async def rate(update: Update, context: Context) -> None:
    """满意 / 基本满意 / 不满意 buttons under a resolved petition."""
    rt, query, user = context.runtime, update.callback_query, update.effective_user
    if query is None or user is None:
        return
    try:
        press = callback_data.parse_rating(query.data)
        reply = await rt.call(rt.services.feedback.rate, tg_user_id=user.id,
                              petition_id=press.petition_id, rating=press.rating)
    except ReceptionError as error:
        await refuse(update, error)
        return
    await answer_press(update, reply.split("\n")[0])
    await drop_keyboard(update)


async def join(update: Update, context: Context) -> None:
    """/join <invite code>: become registered staff."""
    rt, code, user = context.runtime, args_text(update), update.effective_user
    if user is None:
        return
    if not code:
        await say(update, texts.JOIN_USAGE)
        return
    try:
        await say(update, await rt.run(rt.services.access.join, tg_user_id=user.id,
                                       name=display_name(update), code=code))
    except ReceptionError as error:
        await refuse(update, error)


async def web_login(update: Update, context: Context) -> None:
    """/web: a one-time link to the supervisors' desk, and a button to open it in Telegram."""
    rt, message, user = context.runtime, update.effective_message, update.effective_user
    if message is None or user is None:
        return
    if not rt.web_url:
        await say(update, texts.WEB_DISABLED)
        return
    try:
        token = await rt.run(rt.services.signin.issue_link, tg_user_id=user.id)
    except ReceptionError as error:
        await refuse(update, error)
        return
    url = f"{rt.web_url}/login/{token}"
    rows = [[InlineKeyboardButton(texts.WEB_OPEN_BUTTON, url=url)]]
    if rt.web_url.startswith("https://"):  # Telegram opens Mini Apps over HTTPS only
        rows.append([InlineKeyboardButton(texts.WEB_APP_BUTTON, web_app=WebAppInfo(f"{rt.web_url}/app"))])
    minutes = int(LINK_TTL.total_seconds() // 60)
    await message.reply_html(
        texts.WEB_LINK.format(minutes=minutes, url=url), reply_markup=InlineKeyboardMarkup(rows),
        do_quote=False, link_preview_options=LinkPreviewOptions(is_disabled=True))
