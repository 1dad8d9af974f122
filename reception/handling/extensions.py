"""延期申请: the handler asks for more working days; an approver decides with one tap.

Who approves is configuration (``Settings.extension_approver``): ``street``, the street's
supervisors (their groups get the request; any street- or district-scoped administrator or
supervisor may decide), or ``community``, the community's head (its administrators, in
the petition's own group). Nobody decides on their own request. An approval moves the resolve
deadline by the deadline calculator (working days from the deadline it replaces), so
reminders, lateness and the rates count against the approved date; the resident is told it.
"""

from __future__ import annotations

import html
from datetime import datetime

from sqlmodel import Session

from nlp import mask_personal_data
from reception import texts
from reception.deadlines.calculator import Limit
from reception.errors import InvalidInput, NotAllowed, NotFound
from reception.handling.desk import Desk
from reception.petition import callback_data, outbox
from reception.petition.callback_data import CardAction
from reception.petition.cards import fmt_time
from reception.petition.states import Action, next_status
from storage import practice_queries, queries
from storage.db import transaction
from storage.enums import Decision, Role, ScopeKind
from storage.models import Extension, Petition, Staff
from storage.tables import saved_id

APPROVER_ROLES = (Role.ADMIN, Role.SUPERVISOR)


class Extensions:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.deps = desk.deps

    def usage(self) -> str:
        return texts.EXTEND_USAGE.format(max_days=self.deps.settings.extension_max_days)

    def ask(self, *, tg_user_id: int, days: str, reason: str, number: str | None = None,
            petition_id: int | None = None, chat_id: int | None = None) -> str:
        """/extend: the handler asks for ``days`` more working days, before the deadline."""
        most = self.deps.settings.extension_max_days
        if not days.isdigit() or not 1 <= int(days) <= most:
            raise InvalidInput(texts.EXTEND_BAD_DAYS.format(max_days=most))
        if not reason.strip():
            raise InvalidInput(self.usage())
        with self.desk._acting(tg_user_id, chat_id=chat_id, number=number,
                               petition_id=petition_id) as (session, staff, petition):
            next_status(Action.EXTEND, petition.status)
            if petition.handler_staff_id != staff.id:
                raise NotAllowed(texts.EXTEND_NOT_HANDLER)
            now = self.deps.clock.now()
            if petition.resolve_due is None or now >= petition.resolve_due:
                raise InvalidInput(texts.EXTEND_TOO_LATE.format(
                    number=petition.number, due=self._fmt(petition.resolve_due)))
            if practice_queries.pending_extension(session, saved_id(petition)) is not None:
                raise InvalidInput(texts.EXTEND_PENDING.format(number=petition.number))
            approver = texts.EXTEND_APPROVERS[self.deps.settings.extension_approver]
            chats = self._approver_chats(session, petition)
            if not chats:
                raise InvalidInput(texts.EXTEND_NO_APPROVER.format(approver=approver))
            count = int(days)
            self.desk._apply(session, petition, Action.EXTEND, staff, days=count, reason=reason)
            extension = Extension(petition_id=saved_id(petition), staff_id=staff.id or 0,
                                  days=count, reason=reason, created_at=now,
                                  old_due=petition.resolve_due)
            session.add(extension)
            session.flush()
            new_due = self.deps.deadlines.due(petition.resolve_due, Limit(count, "wd"))
            text = texts.EXTEND_TO_APPROVER.format(
                number=petition.number, category=html.escape(petition.category),
                community=html.escape(self.deps.org.community(petition.community_code).name),
                name=html.escape(staff.name), days=count,
                reason=html.escape(mask_personal_data(reason)),
                due=self._fmt(petition.resolve_due), new_due=self._fmt(new_due))
            pid, eid = saved_id(petition), saved_id(extension)
            buttons = [[(texts.EXTEND_APPROVE_BUTTON, callback_data.card(CardAction.EXTEND_APPROVE, pid, eid)),
                        (texts.EXTEND_REFUSE_BUTTON, callback_data.card(CardAction.EXTEND_REFUSE, pid, eid))]]
            for chat in chats:
                outbox.message(session, chat_id=chat, text=text, now=now, petition_id=pid,
                               buttons=buttons,
                               in_thread_of=pid if chat == petition.group_chat_id else None)
            return texts.EXTEND_OK.format(number=petition.number, days=count, approver=approver,
                                          due=self._fmt(petition.resolve_due))

    def decide(self, *, tg_user_id: int, chat_id: int, petition_id: int, extension_id: int,
               approve: bool) -> str:
        """批准 / 不批准 pressed by an approver."""
        with transaction(self.deps.engine) as session:
            access = self.desk.access
            staff = access.require_staff(session, tg_user_id)
            access.chat_scope(session, staff, chat_id)
            petition = session.get(Petition, petition_id)
            extension = session.get(Extension, extension_id)
            if petition is None or extension is None or extension.petition_id != petition_id:
                raise NotFound(texts.BUTTON_INVALID)
            access.require_scope(staff, petition, session=session, chat_id=chat_id)
            if not self._may_approve(staff) or staff.id == extension.staff_id:
                raise NotAllowed(texts.EXTEND_NOT_APPROVER.format(
                    approver=texts.EXTEND_APPROVERS[self.deps.settings.extension_approver]))
            if extension.decision is not None:
                raise InvalidInput(texts.EXTEND_ALREADY_DECIDED)
            now = self.deps.clock.now()
            extension.decided_at, extension.decided_by = now, staff.id
            if not approve:
                self.desk._apply(session, petition, Action.EXTEND_REFUSE, staff, days=extension.days)
                extension.decision = Decision.REFUSED
                self._tell_group(session, petition, texts.EXTEND_REFUSED_TO_GROUP.format(
                    number=petition.number, name=html.escape(staff.name),
                    due=self._fmt(petition.resolve_due)))
                return texts.EXTEND_REFUSED.format(number=petition.number,
                                                   due=self._fmt(petition.resolve_due))
            new_due = self.deps.deadlines.due(petition.resolve_due or now, Limit(extension.days, "wd"))
            due = self._fmt(new_due)
            self.desk.lifecycle.apply(session, petition, Action.EXTEND_APPROVE,
                                      actor=self.desk._actor(staff), extend_by=extension.days,
                                      days=extension.days,
                                      target=texts.EXTEND_TIMELINE.format(days=extension.days, due=due))
            extension.decision, extension.new_due = Decision.APPROVED, petition.resolve_due
            self._tell_group(session, petition, texts.EXTEND_APPROVED_TO_GROUP.format(
                number=petition.number, name=html.escape(staff.name), days=extension.days, due=due))
            self.desk._tell_resident(session, petition, texts.EXTEND_APPROVED_TO_RESIDENT.format(
                number=petition.number, reason=html.escape(mask_personal_data(extension.reason)),
                days=extension.days, due=due))
            return texts.EXTEND_APPROVED.format(number=petition.number, days=extension.days, due=due)

    def decide_pending(self, *, tg_user_id: int, chat_id: int, petition_id: int,
                       approve: bool) -> str:
        """The desk's 批准 / 不批准: on the petition's pending request, if there is one."""
        with transaction(self.deps.engine) as session:
            pending = practice_queries.pending_extension(session, petition_id)
            extension_id = saved_id(pending) if pending is not None else None
        if extension_id is None:
            raise InvalidInput(texts.EXTEND_NONE_PENDING)
        return self.decide(tg_user_id=tg_user_id, chat_id=chat_id, petition_id=petition_id,
                           extension_id=extension_id, approve=approve)

    # --- helpers -------------------------------------------------------------------------
    def _approver_chats(self, session: Session, petition: Petition) -> list[int]:
        if self.deps.settings.extension_approver == ScopeKind.COMMUNITY:
            return [petition.group_chat_id] if petition.group_chat_id else []
        return [g.chat_id for g in queries.active_groups(
            session, scope_kind=ScopeKind.STREET, scope_code=petition.street_code)]

    def _may_approve(self, staff: Staff) -> bool:
        if staff.role not in APPROVER_ROLES:
            return False
        if self.deps.settings.extension_approver == ScopeKind.COMMUNITY:
            return staff.scope_kind == ScopeKind.COMMUNITY and staff.role == Role.ADMIN
        return staff.scope_kind in (ScopeKind.STREET, ScopeKind.DISTRICT)

    def _tell_group(self, session: Session, petition: Petition, text: str) -> None:
        if petition.group_chat_id:
            outbox.message(session, chat_id=petition.group_chat_id, text=text,
                           now=self.deps.clock.now(), petition_id=saved_id(petition),
                           in_thread_of=saved_id(petition))

    def _fmt(self, when: datetime | None) -> str:
        return fmt_time(when, self.deps.settings.tz)
