"""退单 / 派单异议: a handling group returns a petition that is not theirs; a dispatcher rules.

The dispatcher is the community's triage group when it has one (other than the group that
returned it), otherwise the street's supervisors' groups. The ruling is due within
``Settings.return_ruling``; the sweep reminds the dispatcher once when it is late. The
resident's deadlines keep running all along: a return is the office's business.

A ruling either upholds the dispatch (the petition goes back to the group that returned
it, to be handled) or overturns it: another group of the community, another category (the
group routing picks), or another community of the street.
"""

from __future__ import annotations

import html
import logging
from datetime import datetime

from sqlmodel import Session

from nlp import mask_personal_data
from reception import texts
from reception.errors import InvalidInput, NotAllowed, NotFound
from reception.handling.desk import Desk
from reception.petition import callback_data, outbox
from reception.petition.callback_data import CardAction
from reception.petition.cards import fmt_time
from reception.petition.events import Actor, Note
from reception.petition.routing import route
from reception.petition.states import OPEN_STATUSES, Action, next_status
from storage import practice_queries, queries
from storage.db import transaction
from storage.enums import DraftKind, ReturnReason, Ruling, ScopeKind
from storage.models import Correction, Draft, Petition, PetitionReturn, Staff, StaffGroup
from storage.tables import saved_id

log = logging.getLogger(__name__)

_OPEN = sorted(OPEN_STATUSES)


def reason_kind(reason: str) -> ReturnReason:
    """Which kind of return the staff member's words describe (texts.RETURN_REASON_WORDS)."""
    for kind, words in texts.RETURN_REASON_WORDS.items():
        if any(word in reason for word in words):
            return ReturnReason(kind)
    return ReturnReason.OTHER


class Returns:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.deps = desk.deps
        desk.draft_takers[DraftKind.RETURN] = self._from_draft

    # --- returning ---------------------------------------------------------------------
    def prompt(self, *, tg_user_id: int, chat_id: int, petition_id: int) -> str:
        """The card's 退单 button: ask the staff member for the reason (their next message)."""
        with self.desk._acting(tg_user_id, chat_id=chat_id, petition_id=petition_id) as (
                session, staff, petition):
            self._may_return(session, staff, petition, chat_id)
            now = self.deps.clock.now()
            draft = session.get(Draft, (tg_user_id, chat_id)) or Draft(
                tg_user_id=tg_user_id, chat_id=chat_id, kind=DraftKind.RETURN, created_at=now)
            draft.kind, draft.petition_id = DraftKind.RETURN, petition.id
            session.add(draft)
            text = texts.PROMPT_RETURN.format(name=html.escape(staff.name), number=petition.number)
            outbox.message(session, chat_id=chat_id, text=text, now=now,
                           petition_id=petition.id, in_thread_of=petition.id)
            return text.split(texts.CLAUSE_BREAK)[0]

    def _from_draft(self, *, tg_user_id: int, chat_id: int, petition_id: int | None,
                    text: str) -> str:
        return self.give_back(tg_user_id=tg_user_id, chat_id=chat_id, petition_id=petition_id,
                              reason=text)

    def give_back(self, *, tg_user_id: int, reason: str, number: str | None = None,
                  petition_id: int | None = None, chat_id: int | None = None) -> str:
        """/return: the petition's group (or its handler) says it is not theirs."""
        if not reason.strip():
            raise InvalidInput(texts.RETURN_USAGE)
        with self.desk._acting(tg_user_id, chat_id=chat_id, number=number,
                               petition_id=petition_id) as (session, staff, petition):
            self._may_return(session, staff, petition, chat_id)
            dispatchers, triage = self._dispatchers(session, petition)
            if not dispatchers:
                raise InvalidInput(texts.RETURN_NO_DISPATCHER)
            now = self.deps.clock.now()
            kind = reason_kind(reason)
            from_group = petition.group_chat_id
            self.desk._apply(session, petition, Action.RETURN, staff, reason=reason,
                             reason_kind=kind, from_group=from_group)
            due = self.deps.deadlines.due(now, self.deps.settings.return_ruling)
            returned = PetitionReturn(
                petition_id=saved_id(petition), from_chat_id=from_group, staff_id=staff.id or 0,
                reason_kind=kind, reason=reason, created_at=now, due_at=due)
            session.add(returned)
            group = queries.group_by_chat(session, from_group) if from_group else None
            text = texts.RETURN_TO_DISPATCHER.format(
                number=petition.number, category=html.escape(petition.category),
                community=html.escape(self.deps.org.community(petition.community_code).name),
                group=html.escape(group.title if group else "—"), name=html.escape(staff.name),
                kind=texts.RETURN_REASON_KINDS[kind],
                reason=html.escape(mask_personal_data(reason)), due=self._fmt(due))
            buttons = self._ruling_buttons(session, petition, from_group)
            for dispatcher in dispatchers:
                outbox.card(session, chat_id=dispatcher, petition_id=saved_id(petition), now=now)
                outbox.message(session, chat_id=dispatcher, text=text, now=now,
                               petition_id=saved_id(petition), buttons=buttons,
                               in_thread_of=saved_id(petition))
            who = texts.RETURN_DISPATCHER_TRIAGE if triage else texts.RETURN_DISPATCHER_STREET
            return texts.RETURN_OK.format(number=petition.number, kind=texts.RETURN_REASON_KINDS[kind],
                                          dispatcher=who, due=self._fmt(due))

    # --- ruling ------------------------------------------------------------------------
    def uphold(self, *, tg_user_id: int, chat_id: int, petition_id: int) -> str:
        """维持原派: back to the group that returned it."""
        with transaction(self.deps.engine) as session:
            staff, petition, returned = self._ruling(session, tg_user_id, chat_id, petition_id)
            now = self.deps.clock.now()
            group = queries.group_by_chat(session, returned.from_chat_id or 0)
            title = group.title if group else "—"
            if group is not None and group.active:
                petition.group_chat_id = group.chat_id
            self.desk._apply(session, petition, Action.UPHOLD, staff, target=title)
            returned.ruling, returned.ruled_at, returned.ruled_by = Ruling.UPHELD, now, staff.id
            returned.target = title
            if petition.group_chat_id:
                outbox.message(session, chat_id=petition.group_chat_id, now=now,
                               petition_id=saved_id(petition), in_thread_of=saved_id(petition),
                               text=texts.RETURN_UPHELD_TO_GROUP.format(
                                   number=petition.number, name=html.escape(staff.name),
                                   due=self._fmt(petition.resolve_due)))
            return texts.RETURN_UPHELD.format(number=petition.number, group=html.escape(title))

    def overturn(self, *, tg_user_id: int, chat_id: int, petition_id: int,
                 to_chat_id: int | None = None, to_category_index: int | None = None,
                 to_community_index: int | None = None) -> str:
        """改派: to another group, category or community; the resident is told."""
        with transaction(self.deps.engine) as session:
            staff, petition, returned = self._ruling(session, tg_user_id, chat_id, petition_id)
            now = self.deps.clock.now()
            old_group = petition.group_chat_id
            if to_category_index is not None:
                target = self._to_category(session, petition, staff, to_category_index)
            elif to_community_index is not None:
                target = self._to_community(session, petition, to_community_index)
            else:
                group = queries.group_by_chat(session, to_chat_id or 0)
                if (group is None or not group.active or group.scope_code != petition.community_code
                        or group.chat_id == returned.from_chat_id):  # that is upholding it
                    raise NotFound(texts.BUTTON_INVALID)  # unbound since the choice was offered
                petition.group_chat_id = group.chat_id
                target = texts.REASSIGN_TARGET_GROUP.format(title=group.title)
            self.desk._apply(session, petition, Action.OVERTURN, staff, target=target,
                             category=petition.category, to_group=petition.group_chat_id,
                             from_group=old_group, community=petition.community_code)
            returned.ruling, returned.ruled_at, returned.ruled_by = Ruling.OVERTURNED, now, staff.id
            returned.target = target
            if old_group and old_group != petition.group_chat_id:
                outbox.message(session, chat_id=old_group, now=now, petition_id=saved_id(petition),
                               in_thread_of=saved_id(petition),
                               text=texts.RETURN_OVERTURNED_TO_GROUP.format(
                                   number=petition.number, target=html.escape(target),
                                   name=html.escape(staff.name)))
            self.desk._tell_resident(session, petition, texts.REASSIGNED_TO_RESIDENT.format(
                number=petition.number, target=html.escape(target)))
            return texts.RETURN_OVERTURNED.format(number=petition.number, target=html.escape(target))

    # --- the sweep: late rulings ---------------------------------------------------------
    def remind_late_rulings(self) -> int:
        """Remind the dispatcher once about each return whose ruling is past due."""
        now = self.deps.clock.now()
        reminded = 0
        with transaction(self.deps.engine) as session:
            for returned, petition in practice_queries.late_returns(session, now=now, statuses=_OPEN):
                if not practice_queries.claim_return_reminder(session, saved_id(returned)):
                    continue
                dispatchers, _ = self._dispatchers(session, petition, exclude=returned.from_chat_id)
                for chat in dispatchers:
                    outbox.message(session, chat_id=chat, now=now, petition_id=saved_id(petition),
                                   text=texts.RETURN_LATE_TO_DISPATCHER.format(
                                       number=petition.number, due=self._fmt(returned.due_at)))
                self.desk.lifecycle.note(session, petition, Note.RETURN_LATE, actor=Actor.system())
                reminded += 1
        return reminded

    # --- helpers -----------------------------------------------------------------------
    @staticmethod
    def _may_return(session: Session, staff: Staff, petition: Petition, chat_id: int | None) -> None:
        """Its group, or its handler in private; open and not already waiting for a ruling."""
        in_its_group = chat_id is not None and chat_id == petition.group_chat_id
        its_handler = chat_id == staff.tg_user_id and petition.handler_staff_id == staff.id
        if not (in_its_group or its_handler):
            raise NotAllowed(texts.RETURN_NOT_YOURS)
        next_status(Action.RETURN, petition.status)  # refuse before anything is written
        if practice_queries.pending_return(session, saved_id(petition)) is not None:
            raise InvalidInput(texts.RETURN_PENDING.format(number=petition.number))

    def _dispatchers(self, session: Session, petition: Petition,
                     exclude: int | None = None) -> tuple[list[int], bool]:
        """The chats that rule on a return, and whether they are the triage group's."""
        skip = petition.group_chat_id if exclude is None else exclude
        triage = [g.chat_id for g in queries.active_groups(
            session, scope_kind=ScopeKind.COMMUNITY, scope_code=petition.community_code)
            if g.triage and g.chat_id != skip]
        if triage:
            return triage, True
        street = [g.chat_id for g in queries.active_groups(
            session, scope_kind=ScopeKind.STREET, scope_code=petition.street_code)]
        if street:
            return street, False
        district = self.deps.org.district_of(petition.community_code).code
        return [g.chat_id for g in queries.active_groups(
            session, scope_kind=ScopeKind.DISTRICT, scope_code=district)], False

    def _ruling_buttons(self, session: Session, petition: Petition,
                        from_group: int | None) -> outbox.Buttons:
        pid = saved_id(petition)
        rows: outbox.Buttons = [[(texts.RETURN_UPHOLD_BUTTON, callback_data.card(CardAction.UPHOLD, pid))]]
        for group in queries.active_groups(session, scope_kind=ScopeKind.COMMUNITY,
                                           scope_code=petition.community_code):
            if group.chat_id != from_group and not group.triage:
                rows.append([(texts.RETURN_TO_GROUP_BUTTON.format(title=group.title or group.chat_id),
                              callback_data.card(CardAction.OVERTURN_GROUP, pid, group.chat_id))])
        neighbours: list[tuple[str, str]] = []
        for index, code in enumerate(self.deps.org.communities):
            community = self.deps.org.communities[code]
            if code != petition.community_code and community.street == petition.street_code:
                neighbours.append((texts.RETURN_TO_COMMUNITY_BUTTON.format(name=community.name),
                                   callback_data.card(CardAction.OVERTURN_COMMUNITY, pid, index)))
        rows.extend(neighbours[i:i + 2] for i in range(0, len(neighbours), 2))
        categories = [(category, callback_data.card(CardAction.OVERTURN_CATEGORY, pid, index))
                      for index, category in enumerate(self.deps.analyzer.categories)
                      if category != petition.category]
        rows.extend(categories[i:i + 3] for i in range(0, len(categories), 3))
        return rows

    def _ruling(self, session: Session, tg_user_id: int, chat_id: int,
                petition_id: int) -> tuple[Staff, Petition, PetitionReturn]:
        """Who rules, on what: raises NotAllowed unless a dispatcher other than the returner."""
        access = self.desk.access
        staff = access.require_staff(session, tg_user_id)
        access.chat_scope(session, staff, chat_id)
        petition = session.get(Petition, petition_id)
        if petition is None:
            raise NotFound(texts.BUTTON_INVALID)
        access.require_scope(staff, petition, session=session, chat_id=chat_id)
        returned = practice_queries.pending_return(session, petition_id)
        if returned is None:
            raise InvalidInput(texts.RETURN_NOTHING_PENDING.format(number=petition.number))
        if staff.id == returned.staff_id or not self._is_dispatcher(session, staff, chat_id,
                                                                    returned):
            raise NotAllowed(texts.RETURN_NOT_DISPATCHER)
        return staff, petition, returned

    @staticmethod
    def _is_dispatcher(session: Session, staff: Staff, chat_id: int,
                       returned: PetitionReturn) -> bool:
        if staff.scope_kind in (ScopeKind.STREET, ScopeKind.DISTRICT):
            return True  # the street's (or district's) supervisors, in their group or in private
        group: StaffGroup | None = queries.group_by_chat(session, chat_id)
        return (group is not None and group.triage and group.active
                and group.chat_id != returned.from_chat_id)

    def _to_category(self, session: Session, petition: Petition, staff: Staff, index: int) -> str:
        categories = self.deps.analyzer.categories
        if not 0 <= index < len(categories):
            raise InvalidInput(texts.BUTTON_INVALID)  # a choice offered by an older version
        category = categories[index]
        session.add(Correction(petition_id=saved_id(petition), text=petition.text,
                               from_category=petition.category, to_category=category,
                               staff_id=staff.id, at=self.deps.clock.now()))
        petition.category, petition.triage = category, False
        group = route(session, self.deps.org, community_code=petition.community_code,
                      category=category, grid_code=petition.grid_code, triage=False)
        petition.group_chat_id = group.chat_id if group else petition.group_chat_id
        return texts.REASSIGN_TARGET_CATEGORY.format(category=category)

    def _to_community(self, session: Session, petition: Petition, index: int) -> str:
        codes = list(self.deps.org.communities)
        if not 0 <= index < len(codes):
            raise InvalidInput(texts.BUTTON_INVALID)
        community = self.deps.org.communities[codes[index]]
        if community.street != petition.street_code or community.code == petition.community_code:
            raise InvalidInput(texts.BUTTON_INVALID)
        petition.community_code, petition.grid_code, petition.triage = community.code, None, False
        group = route(session, self.deps.org, community_code=community.code,
                      category=petition.category, grid_code=None, triage=False)
        petition.group_chat_id = group.chat_id if group else None  # waits for /bind otherwise
        return texts.RETURN_TARGET_COMMUNITY.format(name=community.name)

    def _fmt(self, when: datetime | None) -> str:
        return fmt_time(when, self.deps.settings.tz)
