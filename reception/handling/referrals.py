"""Departments as destinations: a petition referred on, tracked until the department is done.

``/refer`` names a department of org.toml. One with a Telegram group gets a masked card
there: its people reply to it (the reply reaches the handling group) and press 已办结. One
without gets a referral sheet (plain text, masked like everything posted in a group) that
staff send by e-mail or on paper, and staff record its answer with ``/refdone``. The
referral has its own deadline (``Settings.referral_limit``): the sweep reminds the handling
group at ``reminder_share`` of it and tells it, and the street, when it passes. The petition
stays open and on the resident's clock until staff resolve it.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from nlp import mask_personal_data
from reception import texts
from reception.errors import InvalidInput, NotAllowed, NotFound
from reception.handling.desk import Desk
from reception.org import Department
from reception.petition import callback_data, outbox
from reception.petition.callback_data import CardAction
from reception.petition.cards import address_of, fmt_time
from reception.petition.events import Actor, Note
from reception.petition.states import OPEN_STATUSES, Action, next_status
from storage import practice_queries, queries
from storage.db import transaction
from storage.enums import ActorKind, ScopeKind
from storage.models import Petition, Referral, Staff
from storage.tables import saved_id

_OPEN = sorted(str(s) for s in OPEN_STATUSES)
_NUMBER = re.compile(r"[A-Z]{1,8}-\d{8}-\d{4}")


class Referrals:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.deps = desk.deps

    def usage(self) -> str:
        return texts.REFER_USAGE.format(departments=self._known())

    # --- referring -----------------------------------------------------------------------
    def refer(self, *, tg_user_id: int, department: str, note: str = "", number: str | None = None,
              petition_id: int | None = None, chat_id: int | None = None) -> str:
        """/refer: send the petition to a department and track it."""
        found = self.deps.org.department_named(department)
        if found is None:
            raise InvalidInput(texts.REFER_UNKNOWN.format(name=html.escape(department),
                                                          departments=self._known()))
        with self.desk._acting(tg_user_id, chat_id=chat_id, number=number,
                               petition_id=petition_id) as (session, staff, petition):
            next_status(Action.REFER, petition.status)  # refuse before anything is written
            if any(r.department == found.code
                   for r in practice_queries.open_referrals(session, saved_id(petition))):
                raise InvalidInput(texts.REFER_ALREADY.format(number=petition.number,
                                                              department=html.escape(found.name)))
            now = self.deps.clock.now()
            limit = self.deps.settings.referral_limit
            due = self.deps.deadlines.due(now, limit)
            remind_at = self.deps.deadlines.reminder_at(
                start=now, due=due, limit=limit, share=self.deps.settings.reminder_share)
            self.desk._apply(session, petition, Action.REFER, staff, target=found.name,
                             department=found.code, text=note)
            referral = Referral(petition_id=saved_id(petition), department=found.code,
                                staff_id=staff.id or 0, note=note, created_at=now, due_at=due,
                                remind_at=remind_at)
            session.add(referral)
            session.flush()
            handler = session.get(Staff, petition.handler_staff_id) if petition.handler_staff_id else staff
            if found.chat_id is not None:
                outbox.message(session, chat_id=found.chat_id, now=now, petition_id=saved_id(petition),
                               text=self._card(petition, found, note, due, handler),
                               buttons=[[(texts.REFERRAL_DONE_BUTTON, callback_data.card(
                                   CardAction.REFERRAL_DONE, saved_id(petition), saved_id(referral)))]])
                answer = texts.REFER_OK_GROUP.format(number=petition.number, due=self._fmt(due),
                                                     department=html.escape(found.name))
            else:
                path = self._sheet(petition, found, note, now, due, handler)
                outbox.upload(session, chat_id=chat_id if chat_id is not None else staff.tg_user_id,
                              path=str(path), now=now, as_photo=False,
                              caption=html.escape(texts.REFERRAL_SHEET_CAPTION.format(
                                  number=petition.number, department=found.name)))
                answer = texts.REFER_OK_SHEET.format(
                    number=petition.number, department=html.escape(found.name), due=self._fmt(due),
                    contact=html.escape(found.contact or "—"))
            self.desk._tell_resident(session, petition, texts.REFERRED_TO_RESIDENT.format(
                number=petition.number, department=html.escape(found.name)))
            return answer

    # --- the department's answer ---------------------------------------------------------
    def department_done(self, *, chat_id: int, sender: str, petition_id: int,
                        referral_id: int) -> str:
        """已办结 pressed in the department's group: only that department's group may."""
        department = self.deps.org.department_of_chat(chat_id)
        with transaction(self.deps.engine) as session:
            referral = session.get(Referral, referral_id)
            if referral is None or referral.petition_id != petition_id:
                raise NotFound(texts.BUTTON_INVALID)
            if department is None or referral.department != department.code:
                raise NotAllowed(texts.REFERRAL_NOT_THIS_DEPARTMENT)
            petition = session.get(Petition, petition_id)
            if petition is None:
                raise NotFound(texts.BUTTON_INVALID)
            actor = Actor(ActorKind.DEPARTMENT, None, f"{department.name} {sender}".strip())
            return self._done(session, petition, [referral], department, actor,
                              note=texts.REFERRAL_DONE_DEFAULT_NOTE)

    def staff_done(self, *, tg_user_id: int, number: str, note: str,
                   chat_id: int | None = None) -> str:
        """/refdone: staff record that a department (without a group) reported it done."""
        if not note.strip():
            raise InvalidInput(texts.REFDONE_USAGE)
        with self.desk._acting(tg_user_id, chat_id=chat_id, number=number) as (
                session, staff, petition):
            referrals = practice_queries.open_referrals(session, saved_id(petition))
            if not referrals:
                raise InvalidInput(texts.REFERRAL_NONE_OPEN.format(number=petition.number))
            department = self.deps.org.departments.get(referrals[0].department)
            names = "、".join(self._name(r.department) for r in referrals)
            shown = department if len(referrals) == 1 and department else Department(
                code="", name=names, kind="")
            return self._done(session, petition, referrals, shown,
                              Actor(ActorKind.STAFF, staff.id, staff.name), note=note,
                              tell_group=chat_id != petition.group_chat_id)

    def department_message(self, *, chat_id: int, sender: str, replied_text: str | None,
                           text: str) -> str | None:
        """A message in a department's group; None when the chat is not a department's.

        A reply to the bot's referral card (its text names the petition) reaches the
        handling group, masked; anything else is the department's own talk and is ignored.
        """
        department = self.deps.org.department_of_chat(chat_id)
        if department is None:
            return None
        if replied_text is None:
            return ""  # the department's own conversation: not for the bot
        match = _NUMBER.search(replied_text)
        if match is None:
            return texts.REFERRAL_REPLY_NO_NUMBER
        with transaction(self.deps.engine) as session:
            petition = queries.petition_by_number(session, match.group(0))
            if petition is None or not any(
                    r.department == department.code
                    for r in practice_queries.referrals_of(session, [saved_id(petition)]).get(
                        saved_id(petition), [])):
                return texts.REFERRAL_NOT_THIS_DEPARTMENT
            now = self.deps.clock.now()
            actor = Actor(ActorKind.DEPARTMENT, None, f"{department.name} {sender}".strip())
            self.desk.lifecycle.note(session, petition, Note.DEPARTMENT_REPLY, actor=actor, text=text)
            if petition.group_chat_id:
                outbox.message(session, chat_id=petition.group_chat_id, now=now,
                               petition_id=saved_id(petition), in_thread_of=saved_id(petition),
                               text=texts.REFERRAL_REPLY_TO_GROUP.format(
                                   department=html.escape(department.name), number=petition.number,
                                   name=html.escape(sender), text=html.escape(mask_personal_data(text))))
            return texts.REFERRAL_REPLY_OK

    # --- the sweep: the referral's own deadline ------------------------------------------
    def sweep(self) -> int:
        """Remind the handling group of referrals near their deadline, and tell it and the
        street's groups when one passes; each step once (a conditional UPDATE claims it)."""
        now = self.deps.clock.now()
        taken = 0
        with transaction(self.deps.engine) as session:
            for referral, petition in practice_queries.referral_steps_due(
                    session, now=now, statuses=_OPEN):
                overdue = now >= referral.due_at
                to_step = 2 if overdue else 1
                if not practice_queries.claim_referral_step(
                        session, saved_id(referral), from_step=referral.step, to_step=to_step):
                    continue
                department = self.deps.org.departments.get(referral.department)
                name = department.name if department else referral.department
                template = texts.REFERRAL_OVERDUE if overdue else texts.REFERRAL_REMIND
                text = template.format(number=petition.number, department=html.escape(name),
                                       due=self._fmt(referral.due_at),
                                       contact=html.escape(department.contact if department else "—"))
                chats = [petition.group_chat_id] if petition.group_chat_id else []
                if overdue:
                    chats += [g.chat_id for g in queries.active_groups(
                        session, scope_kind=ScopeKind.STREET, scope_code=petition.street_code)]
                if department is not None and department.chat_id is not None:
                    chats.append(department.chat_id)
                for chat in chats:
                    outbox.message(session, chat_id=chat, text=text, now=now,
                                   petition_id=saved_id(petition),
                                   in_thread_of=saved_id(petition) if chat == petition.group_chat_id
                                   else None)
                self.desk.lifecycle.note(
                    session, petition, Note.REFERRAL_OVERDUE if overdue else Note.REFERRAL_REMIND,
                    actor=Actor.system(), target=name)
                taken += 1
        return taken

    # --- helpers -------------------------------------------------------------------------
    def _done(self, session: Session, petition: Petition, referrals: list[Referral],
              department: Department, actor: Actor, *, note: str, tell_group: bool = True) -> str:
        first = referrals[0]
        if first.done_at is not None:
            return texts.REFERRAL_DONE_ALREADY.format(department=html.escape(department.name),
                                                      at=self._fmt(first.done_at),
                                                      number=petition.number)
        if not petition.status.is_open:
            next_status(Action.REFERRAL_DONE, petition.status)  # raises with the status's words
        now = self.deps.clock.now()
        for referral in referrals:
            referral.done_at, referral.done_note, referral.done_by = now, note, actor.name
        self.desk.lifecycle.apply(session, petition, Action.REFERRAL_DONE, actor=actor,
                                  target=department.name, text=note)
        if petition.group_chat_id and tell_group:
            outbox.message(session, chat_id=petition.group_chat_id, now=now,
                           petition_id=saved_id(petition), in_thread_of=saved_id(petition),
                           text=texts.REFERRAL_DONE_TO_GROUP.format(
                               department=html.escape(department.name), number=petition.number,
                               note=html.escape(mask_personal_data(note))))
        return texts.REFERRAL_DONE_OK.format(department=html.escape(department.name),
                                             number=petition.number)

    def _card(self, petition: Petition, department: Department, note: str, due: datetime,
              handler: Staff | None) -> str:
        community = self.deps.org.community(petition.community_code)
        return texts.REFERRAL_CARD.format(
            office=texts.OFFICE, number=petition.number, category=html.escape(petition.category),
            community=html.escape(community.name), handler=html.escape(handler.name if handler else "—"),
            text=html.escape(mask_personal_data(petition.text)[:600]),
            note=html.escape(mask_personal_data(note) or "—"), due=self._fmt(due))

    def _sheet(self, petition: Petition, department: Department, note: str, now: datetime,
               due: datetime, handler: Staff | None) -> Path:
        """The printable referral sheet, masked: it is posted in the staff chat it came from."""
        community = self.deps.org.community(petition.community_code)
        text = texts.REFERRAL_SHEET.format(
            office=texts.OFFICE, number=petition.number, department=department.name,
            kind=department.kind or "—", contact=department.contact or "—", at=self._fmt(now),
            due=self._fmt(due), community=community.name, address=community.address or "—",
            category=petition.category, place=address_of(petition) or texts.ADDRESS_NOT_GIVEN,
            text=mask_personal_data(petition.text), note=mask_personal_data(note) or "—",
            handler=handler.name if handler else "—")
        folder = Path(self.deps.settings.reports_dir) / "referrals"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{petition.number}-{department.code}.txt"
        path.write_text(text, encoding="utf-8")
        return path.resolve()

    def _known(self) -> str:
        names = [d.name for d in self.deps.org.departments.values()]
        return "、".join(names) if names else texts.REFER_NO_DEPARTMENTS

    def _name(self, code: str) -> str:
        department = self.deps.org.departments.get(code)
        return department.name if department else code

    def _fmt(self, when: datetime | None) -> str:
        return fmt_time(when, self.deps.settings.tz)
