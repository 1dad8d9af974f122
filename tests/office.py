"""A community office on the emulator: an admin, staff, two groups, a supervisors' group.

Everything is set up the way a real office would: invite codes from the CLI's domain call,
/join in a private chat, /bind in each group.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session, select

from bot.harness import Harness
from storage.models import Draft, Outbox, Petition, PetitionEvent, Resident
from tgemu import BotApiEmulator

NUMBER = re.compile(r"MY-\d{8}-\d{4}")  # a petition's public number


@dataclass
class Office:
    harness: Harness
    emu: BotApiEmulator
    admin: object
    staff: object
    staff2: object
    supervisor: object
    outsider: object
    main_group: object
    parking_group: object
    street_group: object

    async def say(self, user, chat_id: int, text: str, **kwargs):
        message = self.emu.send_text(user, chat_id, text, **kwargs)
        await self.harness.settle()
        return message

    async def submit(self, user, text: str) -> str:
        """A resident's message that becomes a petition; returns its number."""
        await self.say(user, user.id, text)
        confirmation = self.last_text(user.id)
        assert "已受理" in confirmation, confirmation
        found = NUMBER.search(confirmation)
        assert found is not None, confirmation
        return found.group(0)

    async def press(self, user, chat_id: int, message_id: int, data: str) -> dict:
        query_id = self.emu.press_button(user, chat_id, message_id, data)
        await self.harness.settle()
        return self.emu.callback_answers.get(query_id, {})

    async def press_forged(self, user, chat_id: int, message_id: int, data: str) -> dict:
        """Press ``data`` under a bot message, as a modified client can, or as a button of an
        older version's card does: data the bot may never have put there.

        The emulator presses only buttons a message has, so for the press the message carries
        one with ``data``; its own keyboard is back before the bot sees the update.
        """
        message = next(m for m in self.emu.messages(chat_id) if m.message_id == message_id)
        markup = message.reply_markup
        message.reply_markup = {"inline_keyboard": [[{"text": "forged", "callback_data": data}]]}
        try:
            query_id = self.emu.press_button(user, chat_id, message_id, data)
        finally:
            message.reply_markup = markup
        await self.harness.settle()
        return self.emu.callback_answers.get(query_id, {})

    def card(self, chat_id: int, number: str):
        """The bot's card for a petition in a chat (the message whose text starts with it)."""
        for message in self.emu.bot_messages(chat_id):
            if message.text.startswith(f"📋 {number}"):
                return message
        raise AssertionError(f"no card for {number} in chat {chat_id}")

    def find_card(self, number: str):
        """The responsible group's card, whichever group the petition was routed to."""
        for chat in (self.main_group, self.parking_group, self.street_group):
            for message in self.emu.bot_messages(chat.id):
                if message.text.startswith(f"📋 {number}") and message.buttons:
                    return chat.id, message
        raise AssertionError(f"no actionable card for {number}")

    def last_text(self, chat_id: int) -> str:
        return self.emu.last_bot_message(chat_id).text

    def button(self, message, label: str) -> str:
        for row in message.buttons:
            for text, data in row:
                if text == label or text.startswith(label):
                    return data
        raise AssertionError(f"no button {label!r} on message: {message.buttons}")


async def open_office(harness: Harness) -> Office:
    emu = harness.emulator
    access = harness.services.access
    admin = emu.add_user(first_name="李主任")
    staff = emu.add_user(first_name="张网格员")
    staff2 = emu.add_user(first_name="赵专干")
    supervisor = emu.add_user(first_name="孙督办")
    outsider = emu.add_user(first_name="路人甲")
    members = [admin, staff, staff2, outsider]
    main_group = emu.add_group("红旗社区民愿工作群", members=members)
    parking_group = emu.add_group("红旗社区停车协调组", members=members)
    street_group = emu.add_group("新华街道督办群", members=[supervisor, outsider])
    for user, role, scope in ((admin, "admin", "hongqi"), (staff, "staff", "hongqi"),
                              (staff2, "staff", "hongqi"), (supervisor, "admin", "xinhua")):
        code = access.create_invite(role=role, scope_code=scope)
        emu.send_text(user, user.id, f"/join {code}")
    await harness.settle()
    office = Office(harness, emu, admin, staff, staff2, supervisor, outsider,
                    main_group, parking_group, street_group)
    await office.say(admin, main_group.id, "/bind hongqi")
    await office.say(admin, parking_group.id, "/bind hongqi 停车交通")
    await office.say(supervisor, street_group.id, "/bind xinhua")
    return office


def snapshot(harness: Harness) -> dict:
    """Everything a press or a message could change: petitions, their timeline, queued
    sends, drafts, residents (compare two to show that nothing changed)."""
    with Session(harness.services.deps.engine) as session:
        return {
            "petitions": [p.model_dump() for p in session.exec(select(Petition).order_by(Petition.id))],
            "events": len(session.exec(select(PetitionEvent)).all()),
            "outbox": len(session.exec(select(Outbox)).all()),
            "drafts": [d.model_dump() for d in session.exec(select(Draft))],
            "residents": [r.model_dump() for r in session.exec(select(Resident).order_by(Resident.id))],
        }
