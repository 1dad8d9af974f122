"""The staff side: claim, reply, ask, reassign, resolve, reject, merge, walk-ins."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlmodel import Session

from nlp import mask_personal_data
from reception import texts
from reception.deps import Deps
from reception.errors import InvalidInput, NotFound
from reception.handling.access import Access
from reception.handling.filing import Filing
from reception.handling.lifecycle import Lifecycle
from reception.petition import callback_data, outbox
from reception.petition.callback_data import CardAction
from reception.petition.cards import (
    CARD_TEXT_LIMIT,
    address_of,
    fmt_time,
    list_line,
    render_card,
    render_timeline,
    resident_label,
)
from reception.petition.events import Actor
from reception.petition.routing import route
from reception.petition.states import OPEN_STATUSES, Action, Status, next_status, status_label
from storage import queries
from storage.db import transaction
from storage.enums import ActorKind, Channel, Direction, DraftKind, MessageKind, Rating, ScopeKind
from storage.models import Correction, Draft, Petition, PetitionMessage, Resident, Staff
from storage.tables import saved_id

_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


class Desk:
    def __init__(self, deps: Deps, access: Access, filing: Filing | None = None) -> None:
        self.deps = deps
        self.access = access
        self.lifecycle = Lifecycle(deps)
        self.filing = filing or Filing(deps)
        # Other services' prompts answered by the staff member's next message, by draft kind
        # (a return's reason: reception.handling.returns registers "return"; the reason for
        # 取消紧急: reception.handling.urgency registers "noturgent").
        self.draft_takers: dict[str, Callable[..., str]] = {}

    # --- claiming and replying ---------------------------------------------------------
    def claim(self, *, tg_user_id: int, petition_id: int, chat_id: int | None = None) -> str:
        with self._acting(tg_user_id, chat_id=chat_id, petition_id=petition_id) as (session, staff, petition):
            if petition.status == Status.CLAIMED and petition.handler_staff_id:
                handler = session.get(Staff, petition.handler_staff_id)
                return texts.ALREADY_CLAIMED.format(name=handler.name if handler else "—")
            self._apply(session, petition, Action.CLAIM, staff)
            self._contact_to_handler(session, petition, staff)
            self._tell_resident(session, petition, texts.CLAIMED_TO_RESIDENT.format(number=petition.number))
            return texts.CLAIMED_BY_YOU.format(number=petition.number)

    def reply(self, *, tg_user_id: int, chat_id: int, reply_to_message_id: int | None,
              thread_id: int | None, message_id: int, kind: MessageKind, text: str,
              file_id: str | None) -> str | None:
        """A staff message replying to a card goes to the resident. None: not about a petition."""
        with transaction(self.deps.engine) as session:
            petition = None
            if reply_to_message_id is not None:
                petition = queries.petition_by_message(
                    session, chat_id=chat_id, message_id=reply_to_message_id)
            if petition is None or queries.inbound_seen_staff(
                    session, chat_id=chat_id, message_id=message_id):
                return None
            staff = self.access.require_staff(session, tg_user_id)
            self.access.require_scope(staff, petition, session=session, chat_id=chat_id)
            status = petition.status
            if not status.is_open:
                return texts.REPLY_NOT_OPEN.format(number=petition.number, label=status_label(status))
            now = self.deps.clock.now()
            if status in (Status.SUBMITTED, Status.REOPENED):
                self._apply(session, petition, Action.CLAIM, staff)
                self._contact_to_handler(session, petition, staff)
            session.add(PetitionMessage(
                petition_id=saved_id(petition), direction=Direction.STAFF, chat_id=chat_id, message_id=message_id,
                kind=kind, text=text, file_id=file_id, staff_id=staff.id, created_at=now))
            community = self.deps.org.community(petition.community_code)
            body = texts.STAFF_REPLY_TO_RESIDENT.format(
                community=html.escape(community.name), office=texts.OFFICE,
                number=petition.number, text=html.escape(text) if text else texts.SEE_PHOTO)
            for resident_chat, pid in self._resident_chats(session, petition):
                if kind in (MessageKind.PHOTO, MessageKind.DOCUMENT, MessageKind.VOICE) and file_id:
                    outbox.media(session, chat_id=resident_chat, media_kind=kind, file_id=file_id,
                                 caption=body, now=now, petition_id=pid)
                else:
                    outbox.message(session, chat_id=resident_chat, text=body, now=now, petition_id=pid)
            # After the resident's copy: the card edit follows the message it reports.
            self._apply(session, petition, Action.REPLY, staff, text=text, kind=kind)
            return texts.REPLY_SENT

    def ask(self, *, tg_user_id: int, number: str, question: str, chat_id: int | None = None) -> str:
        if not question.strip():
            raise InvalidInput(texts.ASK_USAGE)
        with self._acting(tg_user_id, chat_id=chat_id, number=number) as (session, staff, petition):
            self._apply(session, petition, Action.ASK, staff, text=question)
            community = self.deps.org.community(petition.community_code)
            self._tell_resident(session, petition, texts.STAFF_ASK_RESIDENT.format(
                community=html.escape(community.name), office=texts.OFFICE,
                number=petition.number, text=html.escape(question)))
            return texts.ASK_OK.format(number=petition.number)

    # --- resolve / reject via a prompt or a command --------------------------------------
    def prompt(self, *, tg_user_id: int, chat_id: int, petition_id: int, kind: DraftKind) -> str:
        """The 办结/驳回 buttons ask the staff member for the result or the reason."""
        with self._acting(tg_user_id, chat_id=chat_id, petition_id=petition_id) as (session, staff, petition):
            next_status(Action.RESOLVE if kind == DraftKind.RESOLVE else Action.REJECT, petition.status)
            draft = session.get(Draft, (tg_user_id, chat_id)) or Draft(
                tg_user_id=tg_user_id, chat_id=chat_id, kind=kind, created_at=self.deps.clock.now())
            draft.kind, draft.petition_id = kind, petition.id
            session.add(draft)
            template = texts.PROMPT_RESULT if kind == DraftKind.RESOLVE else texts.PROMPT_REASON
            text = template.format(name=html.escape(staff.name), number=petition.number)
            outbox.message(session, chat_id=chat_id, text=text, now=self.deps.clock.now(),
                           petition_id=petition.id, in_thread_of=petition.id)
            return text.split(texts.CLAUSE_BREAK)[0]

    def take_draft(self, *, tg_user_id: int, chat_id: int, text: str) -> str | None:
        """A staff member's plain message answering a prompt; None when no prompt is pending."""
        with transaction(self.deps.engine) as session:
            draft = session.get(Draft, (tg_user_id, chat_id))
            if draft is None or draft.kind not in (DraftKind.RESOLVE, DraftKind.REJECT, *self.draft_takers):
                return None
            session.delete(draft)
            kind, petition_id = draft.kind, draft.petition_id
        if kind in self.draft_takers:
            return self.draft_takers[kind](tg_user_id=tg_user_id, chat_id=chat_id,
                                           petition_id=petition_id, text=text)
        if kind == DraftKind.RESOLVE:
            return self.resolve(tg_user_id=tg_user_id, chat_id=chat_id, petition_id=petition_id,
                                result=text)
        return self.reject(tg_user_id=tg_user_id, chat_id=chat_id, petition_id=petition_id,
                           reason=text)

    def skip(self, *, tg_user_id: int, chat_id: int) -> str:
        with transaction(self.deps.engine) as session:
            draft = session.get(Draft, (tg_user_id, chat_id))
            if draft is not None:
                session.delete(draft)
        return texts.PROMPT_CANCELLED

    def resolve(self, *, tg_user_id: int, result: str, petition_id: int | None = None,
                number: str | None = None, chat_id: int | None = None) -> str:
        if not result.strip():
            raise InvalidInput(texts.RESOLVE_USAGE)
        with self._acting(tg_user_id, chat_id=chat_id, petition_id=petition_id,
                          number=number) as (session, staff, petition):
            self._apply(session, petition, Action.RESOLVE, staff, result=result)
            petition.result = result
            buttons = [[(label, callback_data.rating(saved_id(petition), Rating(code)))
                        for label, code in texts.RATE_BUTTONS]]
            self._tell_resident(
                session, petition,
                texts.RESOLVED_TO_RESIDENT.format(number=petition.number, result=html.escape(result)),
                buttons=buttons, followers=texts.RESOLVED_TO_FOLLOWER.format(
                    number=petition.number, result=html.escape(result)))
            return texts.RESOLVED_OK.format(number=petition.number)

    def reject(self, *, tg_user_id: int, reason: str, petition_id: int | None = None,
               number: str | None = None, chat_id: int | None = None) -> str:
        if not reason.strip():
            raise InvalidInput(texts.REJECT_USAGE)
        with self._acting(tg_user_id, chat_id=chat_id, petition_id=petition_id,
                          number=number) as (session, staff, petition):
            self._apply(session, petition, Action.REJECT, staff, reason=reason)
            petition.reject_reason = reason
            community = self.deps.org.community(petition.community_code)
            self._tell_resident(session, petition, texts.REJECTED_TO_RESIDENT.format(
                number=petition.number, reason=html.escape(reason),
                address=html.escape(community.address or community.name)))
            return texts.REJECTED_OK.format(number=petition.number)

    # --- reassigning and merging ---------------------------------------------------------
    def reassign_options(self, *, tg_user_id: int, petition_id: int,
                         chat_id: int | None = None) -> tuple[str, outbox.Buttons]:
        with self._acting(tg_user_id, chat_id=chat_id, petition_id=petition_id) as (session, _staff, petition):
            next_status(Action.REASSIGN, petition.status)
            rows: outbox.Buttons = []
            for group in queries.active_groups(session, scope_kind=ScopeKind.COMMUNITY,
                                               scope_code=petition.community_code):
                if group.chat_id != petition.group_chat_id:
                    label = texts.REASSIGN_TO_GROUP.format(title=group.title or group.chat_id)
                    rows.append([(label, callback_data.card(CardAction.TO_GROUP, saved_id(petition),
                                                            group.chat_id))])
            categories = self.deps.analyzer.categories
            row: list[tuple[str, str]] = []
            for index, category in enumerate(categories):
                if category != petition.category:
                    row.append((category, callback_data.card(CardAction.TO_CATEGORY, saved_id(petition),
                                                             index)))
                if len(row) == 3:
                    rows.append(row)
                    row = []
            if row:
                rows.append(row)
            if not rows:
                raise InvalidInput(texts.REASSIGN_NOTHING)
            return texts.REASSIGN_CHOOSE.format(number=petition.number), rows

    def reassign(self, *, tg_user_id: int, petition_id: int, to_chat_id: int | None = None,
                 to_category_index: int | None = None, chat_id: int | None = None) -> str:
        with self._acting(tg_user_id, chat_id=chat_id, petition_id=petition_id) as (
                session, staff, petition):
            now = self.deps.clock.now()
            old_group = petition.group_chat_id
            if to_category_index is not None:
                categories = self.deps.analyzer.categories
                if not 0 <= to_category_index < len(categories):
                    raise InvalidInput(texts.BUTTON_INVALID)  # a choice offered by an older version
                category = categories[to_category_index]
                session.add(Correction(petition_id=saved_id(petition), text=petition.text,
                                       from_category=petition.category, to_category=category,
                                       staff_id=staff.id, at=now))
                petition.category, petition.triage = category, False
                group = route(session, self.deps.org, community_code=petition.community_code,
                              category=category, grid_code=petition.grid_code, triage=False)
                new_chat = group.chat_id if group else old_group
                target = texts.REASSIGN_TARGET_CATEGORY.format(category=category)
            else:
                group = queries.group_by_chat(session, to_chat_id or 0)
                if group is None or not group.active or group.scope_code != petition.community_code:
                    raise NotFound(texts.BUTTON_INVALID)  # unbound since the choice was offered
                new_chat, target = group.chat_id, texts.REASSIGN_TARGET_GROUP.format(title=group.title)
            petition.group_chat_id = new_chat
            self._apply(session, petition, Action.REASSIGN, staff, target=target,
                       category=petition.category, to_group=new_chat, from_group=old_group)
            self._tell_resident(session, petition, texts.REASSIGNED_TO_RESIDENT.format(
                number=petition.number, target=html.escape(target)))
            return texts.REASSIGNED.format(number=petition.number, target=target)

    def merge(self, *, tg_user_id: int, duplicate: str | int, into: str | int,
              chat_id: int | None = None) -> str:
        by_id = isinstance(duplicate, int)
        with self._acting(tg_user_id, chat_id=chat_id,
                          petition_id=duplicate if isinstance(duplicate, int) else None,
                          number=None if by_id else str(duplicate)) as (session, staff, dup):
            original = (session.get(Petition, into) if isinstance(into, int)
                        else queries.petition_by_number(session, into))
            if original is None and isinstance(into, int):
                raise NotFound(texts.BUTTON_INVALID)
            if original is None:
                raise NotFound(texts.NO_SUCH_PETITION.format(number=html.escape(str(into))))
            self.access.require_scope(staff, original, session=session, chat_id=chat_id)
            if original.id == dup.id:
                raise InvalidInput(texts.MERGE_SELF)
            if not original.status.is_open:
                raise InvalidInput(texts.MERGE_CLOSED_TARGET.format(number=original.number))
            self._apply(session, dup, Action.MERGE, staff, original=original,
                        target=original.number)
            self._tell_resident(session, dup, texts.MERGED_TO_RESIDENT.format(
                number=dup.number, into=original.number))
            return texts.MERGED_OK.format(dup=dup.number, into=original.number)

    def mark_complex(self, *, tg_user_id: int, number: str, chat_id: int | None = None) -> str:
        with self._acting(tg_user_id, chat_id=chat_id, number=number) as (session, staff, petition):
            self._apply(session, petition, Action.MARK_COMPLEX, staff)
            return texts.COMPLEX_OK.format(number=petition.number,
                                           resolve_by=_fmt(self.deps, petition.resolve_due))

    def walkin(self, *, tg_user_id: int, chat_id: int, text: str) -> str:
        """Register a visit at the desk (or a phone call) into the same register."""
        with transaction(self.deps.engine) as session:
            staff = self.access.require_staff(session, tg_user_id)
            communities = self.access.chat_scope(session, staff, chat_id)
            if len(communities) != 1:
                raise InvalidInput(texts.GROUP_NOT_BOUND)
            phone = _PHONE.search(text)
            channel = Channel.PHONE if text.startswith(texts.WALKIN_PHONE_PREFIXES) else Channel.WALKIN
            petition = self.filing.new_petition(
                session, community=communities[0], text=text, actor=self._actor(staff),
                channel=channel, visitor_phone=phone.group(0) if phone else None,
            )
            self.lifecycle.note(session, petition, Action.WALKIN, actor=self._actor(staff),
                                text=texts.WALKIN_NOTE.format(name=staff.name))
            return texts.WALKIN_OK.format(number=petition.number)

    # --- reading -------------------------------------------------------------------------
    def open_list(self, *, tg_user_id: int, chat_id: int) -> str:
        """Open petitions the staff member may see; in a community group, that group's only."""
        with transaction(self.deps.engine) as session:
            staff = self.access.require_staff(session, tg_user_id)
            communities = self.access.chat_scope(session, staff, chat_id)
            group = queries.group_by_chat(session, chat_id)
            only_here = (group.chat_id if group is not None and group.scope_kind == ScopeKind.COMMUNITY
                         and chat_id != staff.tg_user_id else None)
            petitions = queries.open_petitions(session, communities=communities,
                                               statuses=list(OPEN_STATUSES), group_chat_id=only_here)
            if not petitions:
                return texts.OPEN_EMPTY
            tz = self.deps.settings.tz
            return "\n".join([texts.OPEN_HEADER.format(count=len(petitions))]
                             + [list_line(p, tz) for p in petitions])

    def show(self, *, tg_user_id: int, chat_id: int, number: str) -> str:
        with self._acting(tg_user_id, chat_id=chat_id, number=number) as (session, _staff, petition):
            card = render_card(session, self.deps, petition, chat_id=chat_id)
            shown = card.text + "\n\n" + render_timeline(session, self.deps, petition)
            if len(petition.text) <= CARD_TEXT_LIMIT:
                return shown
            # The card shows the start; the resident was told the whole text can be read. The
            # outbox sends it after the card, in as many messages as Telegram needs.
            now = self.deps.clock.now()
            outbox.message(session, chat_id=chat_id, now=now,
                           text=shown + "\n" + texts.SHOW_FULL_TEXT_NOTE)
            outbox.message(session, chat_id=chat_id, now=now, text=texts.SHOW_FULL_TEXT.format(
                number=petition.number, length=len(petition.text),
                text=html.escape(mask_personal_data(petition.text))))
            return ""

    # --- plumbing -------------------------------------------------------------------------
    def _acting(self, tg_user_id: int, *, chat_id: int | None, petition_id: int | None = None,
                number: str | None = None) -> _Acting:
        return _Acting(self, tg_user_id, chat_id, petition_id, number)

    def _apply(self, session: Session, petition: Petition, action: Action, staff: Staff,
               **detail: Any) -> None:
        self.lifecycle.apply(session, petition, action, actor=self._actor(staff), **detail)

    def _resident_chats(self, session: Session, petition: Petition) -> list[tuple[int, int]]:
        resident = session.get(Resident, petition.resident_id) if petition.resident_id else None
        return [(resident.tg_user_id, saved_id(petition))] if resident else []

    def _tell_resident(self, session: Session, petition: Petition, text: str, *,
                       buttons: outbox.Buttons | None = None, followers: str | None = None) -> None:
        now = self.deps.clock.now()
        for chat_id, pid in self._resident_chats(session, petition):
            outbox.message(session, chat_id=chat_id, text=text, now=now, petition_id=pid, buttons=buttons)
        if followers:
            for follower in queries.merged_into(session, saved_id(petition)):
                for chat_id, pid in self._resident_chats(session, follower):
                    outbox.message(session, chat_id=chat_id, text=followers, now=now, petition_id=pid)

    def _contact_to_handler(self, session: Session, petition: Petition, staff: Staff) -> None:
        resident = session.get(Resident, petition.resident_id) if petition.resident_id else None
        phone = (resident.phone if resident else petition.visitor_phone) or texts.NO_PHONE
        text = texts.CONTACT_TO_HANDLER.format(
            number=petition.number, category=html.escape(petition.category),
            name=html.escape(resident_label(resident, petition, masked=False).split(" ")[0]),
            phone=html.escape(phone), address=html.escape(address_of(petition) or texts.ADDRESS_NOT_GIVEN))
        outbox.message(session, chat_id=staff.tg_user_id, text=text, now=self.deps.clock.now(),
                       petition_id=None, protect=True)

    @staticmethod
    def _actor(staff: Staff) -> Actor:
        return Actor(ActorKind.STAFF, staff.id, staff.name)


class _Acting:
    """A transaction in which a registered, in-scope staff member acts on one petition."""

    def __init__(self, desk: Desk, tg_user_id: int, chat_id: int | None, petition_id: int | None,
                 number: str | None) -> None:
        self.desk, self.tg_user_id, self.chat_id = desk, tg_user_id, chat_id
        self.petition_id, self.number = petition_id, number
        self._tx = transaction(desk.deps.engine)

    def __enter__(self) -> tuple[Session, Staff, Petition]:
        session = self._tx.__enter__()
        try:
            staff = self.desk.access.require_staff(session, self.tg_user_id)
            if self.chat_id is not None:  # the chat first: an unbound group learns nothing
                self.desk.access.chat_scope(session, staff, self.chat_id)
            petition = (session.get(Petition, self.petition_id) if self.petition_id is not None
                        else queries.petition_by_number(session, self.number or ""))
            if petition is None and self.petition_id is not None:
                raise NotFound(texts.BUTTON_INVALID)  # ids come from buttons: an old or forged one
            if petition is None:
                raise NotFound(texts.NO_SUCH_PETITION.format(number=html.escape(self.number or "")))
            self.desk.access.require_scope(staff, petition, session=session, chat_id=self.chat_id)
        except BaseException as exc:
            self._tx.__exit__(type(exc), exc, exc.__traceback__)
            raise
        return session, staff, petition

    def __exit__(self, *exc_info: Any) -> bool | None:
        return self._tx.__exit__(*exc_info)


def _fmt(deps: Deps, when: datetime | None) -> str:
    return fmt_time(when, deps.settings.tz)
