"""Telegram updates -> one domain call -> reply. All handlers are registered here; order matters."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from handlers import common, practice, resident, returns, staff
from handlers.common import Context, OfficeApplication
from reception import texts
from reception.petition import callback_data

log = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE
GROUPS = filters.ChatType.GROUPS
RESIDENT_CONTENT = (
    (filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.LOCATION | filters.VOICE
    | filters.Document.ALL | filters.VIDEO
)
STAFF_CONTENT = (filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.Document.ALL | filters.VOICE


def register(application: OfficeApplication) -> None:
    """Wire every handler. Commands first, then content, then the catch-alls."""
    private_commands = {
        "start": resident.start, "my": resident.my_petitions,
        "status": resident.status, "cancel": resident.cancel, "address": resident.address,
        "join": resident.join, "web": resident.web_login,
    }
    for name, callback in private_commands.items():
        application.add_handler(CommandHandler(name, callback, filters=PRIVATE))
    # Staff commands act in a bound group of the staff member's scope, or in a private chat
    # for their own scope; anywhere else a short refusal (reception.handling.access.chat_scope).
    staff_commands = {
        "open": staff.open_list, "show": staff.show,
        "resolve": staff.resolve, "reject": staff.reject, "ask": staff.ask,
        "complex": staff.mark_complex, "merge": staff.merge, "walkin": staff.walkin,
        "skip": staff.skip, "help": staff.staff_help, "overdue": staff.overdue,
        "digest": staff.digest, "export": staff.export,
        "urgent": staff.urgent, "noturgent": staff.not_urgent, "duty": staff.duty,
        "return": returns.give_back, "refer": returns.refer, "refdone": returns.referral_done,
        "extend": returns.extend,
    }
    for name, callback in staff_commands.items():
        application.add_handler(CommandHandler(name, callback, filters=PRIVATE | GROUPS))
    application.add_handler(CommandHandler("bind", staff.bind, filters=GROUPS))
    practice_commands = {"callbacks": practice.callbacks, "callback": practice.callback,
                         "tpl": practice.template, "visit": practice.visit,
                         "visits": practice.visits, "monthly": practice.monthly,
                         "topic": practice.topic}
    for name, callback in practice_commands.items():
        application.add_handler(CommandHandler(name, callback, filters=PRIVATE | GROUPS))
    # Buttons by the prefix of their data (reception.petition.callback_data); any other press is refused.
    application.add_handler(CallbackQueryHandler(
        resident.choose_community, pattern=f"^{callback_data.COMMUNITY_PREFIX}"))
    application.add_handler(CallbackQueryHandler(resident.rate, pattern=f"^{callback_data.RATING_PREFIX}"))
    application.add_handler(CallbackQueryHandler(
        resident.submit_held, pattern=f"^{callback_data.DRAFT_PREFIX}"))
    application.add_handler(CallbackQueryHandler(returns.button, pattern=returns.PATTERN))
    application.add_handler(CallbackQueryHandler(staff.card_button, pattern=f"^{callback_data.CARD_PREFIX}"))
    application.add_handler(CallbackQueryHandler(
        practice.callback_button, pattern=f"^{callback_data.CALLBACK_PREFIX}"))
    application.add_handler(CallbackQueryHandler(
        practice.knowledge_button, pattern=f"^{callback_data.KNOWLEDGE_PREFIX}"))
    application.add_handler(CallbackQueryHandler(
        practice.visit_button, pattern=f"^{callback_data.VISIT_PREFIX}"))
    application.add_handler(CallbackQueryHandler(common.unknown_button))
    application.add_handler(MessageHandler(PRIVATE & filters.UpdateType.EDITED_MESSAGE
                                           & (filters.TEXT | filters.CAPTION), resident.edited))
    application.add_handler(MessageHandler(PRIVATE & filters.CONTACT, resident.contact))
    application.add_handler(MessageHandler(PRIVATE & RESIDENT_CONTENT & ~filters.UpdateType.EDITED,
                                           resident.submit))
    application.add_handler(MessageHandler(PRIVATE & filters.COMMAND, resident.help_command))
    application.add_handler(MessageHandler(PRIVATE & ~filters.UpdateType.EDITED, resident.submit))
    application.add_handler(MessageHandler(GROUPS & STAFF_CONTENT & ~filters.UpdateType.EDITED,
                                           staff.group_message))
    # A department's group (org.toml) first: its replies to referrals are not staff messages.
    application.add_handler(MessageHandler(GROUPS & STAFF_CONTENT & ~filters.UpdateType.EDITED,
                                           returns.department_message), group=-1)
    application.add_error_handler(on_error)


async def on_error(update: object, context: Context) -> None:
    """Log first, then let the inbox count the failure.

    A message is kept and handled again a few times, then parked for an administrator (its
    sender is told then, see reception/handling/inbox.py), so nobody is asked to send it again. A button
    press is not pressed again for the person: they get an alert now, and it is parked.
    """
    log.error("error while handling an update", exc_info=context.error)
    updates = context.runtime.updates
    query = update.callback_query if isinstance(update, Update) else None
    is_press = query is not None
    if updates is not None and context.error is not None:  # PTB sets it for error handlers
        updates.note_failure(update, context.error, retryable=not is_press)
    if query is not None:
        try:
            await query.answer(texts.GENERIC_ERROR[:200], show_alert=True)
        except Exception:  # the error may be Telegram itself being unreachable
            log.warning("could not tell the user about the error", exc_info=True)
