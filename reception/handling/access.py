"""Who may do what: invite codes, staff registration, binding groups, scope checks."""

from __future__ import annotations

import html
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from reception import texts
from reception.deps import Deps
from reception.errors import InvalidInput, NotAllowed, NotFound
from reception.petition import outbox
from reception.petition.routing import route
from reception.petition.states import Status
from storage import queries
from storage.db import transaction
from storage.enums import Role, ScopeKind
from storage.models import InviteCode, Petition, Staff, StaffGroup
from storage.tables import saved_id

ROLES = tuple(Role)
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


@dataclass(frozen=True)
class BindResult:
    text: str
    routed: int


class Access:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def create_invite(
        self, *, role: str, scope_code: str, days: int = 7, note: str = ""
    ) -> str:
        """A one-time invite code for a staff member of a community, street or district."""
        if role not in ROLES:  # typed at a command line
            raise InvalidInput(f"role must be one of {', '.join(ROLES)}")
        scope_kind = self._scope_kind(scope_code)
        code = "-".join(
            "".join(secrets.choice(_CODE_ALPHABET) for _ in range(4)) for _ in range(2)
        )
        now = self.deps.clock.now()
        with transaction(self.deps.engine) as session:
            session.add(InviteCode(
                code=code, role=Role(role), scope_kind=scope_kind, scope_code=scope_code, note=note,
                created_at=now, expires_at=now + timedelta(days=days),
            ))
        return code

    def join(self, *, tg_user_id: int, name: str, code: str) -> str:
        """Redeem an invite; return the welcome text."""
        now = self.deps.clock.now()
        with transaction(self.deps.engine) as session:
            existing = queries.staff_by_tg(session, tg_user_id)
            if existing and existing.active:
                return texts.JOIN_ALREADY.format(
                    scope=self._scope_name(existing.scope_kind, existing.scope_code),
                    role=texts.ROLE_LABELS[existing.role],
                )
            invite = session.get(InviteCode, code.strip().upper())
            if invite is None or invite.used_at is not None or invite.expires_at < now:
                raise NotFound(texts.JOIN_BAD_CODE)
            invite.used_by, invite.used_at = tg_user_id, now
            staff = existing or Staff(tg_user_id=tg_user_id, name=name, role=invite.role,
                                      scope_kind=invite.scope_kind, scope_code=invite.scope_code,
                                      joined_at=now)
            staff.name, staff.role, staff.active = name, invite.role, True
            staff.scope_kind, staff.scope_code = invite.scope_kind, invite.scope_code
            session.add(staff)
            return texts.JOIN_OK.format(
                name=html.escape(name),
                scope=self._scope_name(invite.scope_kind, invite.scope_code),
                role=texts.ROLE_LABELS[invite.role],
            )

    def bind(self, *, tg_user_id: int, chat_id: int, title: str, is_forum: bool,
             args: list[str]) -> BindResult:
        """Bind a group to a scope, optionally to some categories or grids (admins only)."""
        with transaction(self.deps.engine) as session:  # who asks, before what they ask for:
            if self.require_staff(session, tg_user_id).role != Role.ADMIN:  # no codes for others
                raise NotAllowed(texts.NOT_ADMIN)
        if not args:
            raise InvalidInput(texts.BIND_USAGE)
        now = self.deps.clock.now()
        code, options = args[0], args[1:]
        scope_kind = self._scope_kind(code)
        categories, grids, triage = self._bind_options(code, scope_kind, options)
        with transaction(self.deps.engine) as session:
            staff = self.require_staff(session, tg_user_id)
            if staff.role != Role.ADMIN or not self._covers(staff, scope_kind, code):
                raise NotAllowed(texts.NOT_ADMIN)
            group = queries.group_by_chat(session, chat_id) or StaffGroup(
                chat_id=chat_id, scope_kind=scope_kind, scope_code=code, bound_by=tg_user_id,
                bound_at=now,
            )
            group.title, group.is_forum, group.active = title, is_forum, True
            group.scope_kind, group.scope_code = scope_kind, code
            group.categories, group.grids, group.triage = categories, grids, triage
            group.bound_by, group.bound_at = tg_user_id, now
            session.add(group)
            session.flush()
            routed = self._route_unassigned(session, code) if scope_kind == ScopeKind.COMMUNITY else 0
            filters = "".join([
                f"（分类：{'、'.join(categories)}）" if categories else "",
                f"（网格：{'、'.join(grids)}）" if grids else "",
                "（分诊）" if triage else "",
            ])
            text = texts.BIND_OK.format(scope=self._scope_name(scope_kind, code), filters=filters)
            if routed:
                text += texts.BIND_ROUTED_PENDING.format(count=routed)
            return BindResult(text=text, routed=routed)

    def _route_unassigned(self, session: Session, community_code: str) -> int:
        """Petitions that arrived before any group was bound now go to their group."""
        now = self.deps.clock.now()
        pending = queries.open_petitions(
            session, communities=[community_code], statuses=[Status.SUBMITTED], limit=500,
        )
        routed = 0
        for petition in pending:
            if petition.group_chat_id is not None:
                continue
            group = route(session, self.deps.org, community_code=community_code,
                          category=petition.category, grid_code=petition.grid_code,
                          triage=petition.triage)
            if group is not None:
                petition.group_chat_id = group.chat_id
                outbox.card(session, chat_id=group.chat_id, petition_id=saved_id(petition), now=now)
                routed += 1
        return routed

    # --- checks used by every staff action ----------------------------------------------
    def require_staff(self, session: Session, tg_user_id: int) -> Staff:
        staff = queries.staff_by_tg(session, tg_user_id)
        if staff is None or not staff.active:
            raise NotAllowed(texts.NOT_STAFF)
        return staff

    def require_scope(self, staff: Staff, petition: Petition, *, chat_id: int | None = None,
                      session: Session | None = None) -> None:
        """The petition lies in the staff member's scope and, when ``chat_id`` names the chat
        the action came from, in that chat's scope too (see ``chat_scope``)."""
        if not self.deps.org.scope_contains(
            scope_kind=staff.scope_kind, scope_code=staff.scope_code,
            community_code=petition.community_code,
        ):
            raise NotAllowed(texts.NOT_IN_SCOPE)
        if (chat_id is not None and session is not None
                and petition.community_code not in self.chat_scope(session, staff, chat_id)):
            raise NotAllowed(texts.NOT_IN_CHAT_SCOPE)

    def chat_scope(self, session: Session, staff: Staff, chat_id: int) -> list[str]:
        """The communities a staff member may act on, or show, in this chat.

        A private chat with the bot: the staff member's own scope. A group: only a bound
        one, and only the communities both the group and the staff member hold, so nothing of
        a petition reaches a group it does not belong to, and nobody acts for another
        community from its group. Raises NotAllowed with a short text that reveals nothing.
        """
        mine = self.communities_of(staff)
        if chat_id == staff.tg_user_id:
            return mine
        group = queries.group_by_chat(session, chat_id)
        if group is None or not group.active:
            raise NotAllowed(texts.GROUP_NOT_BOUND)
        shared = [code for code in self.communities_of(group) if code in mine]
        if not shared:
            raise NotAllowed(texts.NOT_YOUR_GROUP)
        return shared

    def report_owner(self, session: Session, staff: Staff, chat_id: int) -> Staff | StaffGroup:
        """Whose scope a report asked for in this chat covers (/digest, /export).

        A group's scope when the staff member's own scope covers the whole group; their own
        scope in a private chat or in a wider group (the street's, which covers it too).
        Raises NotAllowed for an unbound group and another community's group (``chat_scope``).
        """
        self.chat_scope(session, staff, chat_id)
        group = queries.group_by_chat(session, chat_id)
        if chat_id == staff.tg_user_id or group is None:
            return staff
        covered = set(self.communities_of(group)) <= set(self.communities_of(staff))
        return group if covered else staff

    def require_chat(self, *, tg_user_id: int, chat_id: int) -> None:
        """Raise NotAllowed (a short text that reveals nothing) unless the person is active
        staff who may use staff commands in this chat."""
        with transaction(self.deps.engine) as session:
            self.chat_scope(session, self.require_staff(session, tg_user_id), chat_id)

    def staff_in_chat(self, *, tg_user_id: int, chat_id: int) -> bool:
        """Whether the person is active staff who may use staff commands in this chat."""
        with transaction(self.deps.engine) as session:
            staff = queries.staff_by_tg(session, tg_user_id)
            if staff is None or not staff.active:
                return False
            try:
                self.chat_scope(session, staff, chat_id)
            except NotAllowed:
                return False
            return True

    def communities_of(self, staff: Staff | StaffGroup) -> list[str]:
        return [
            code for code in self.deps.org.communities
            if self.deps.org.scope_contains(scope_kind=staff.scope_kind,
                                            scope_code=staff.scope_code, community_code=code)
        ]

    def _covers(self, staff: Staff, scope_kind: ScopeKind, code: str) -> bool:
        if scope_kind == ScopeKind.COMMUNITY:
            return self.deps.org.scope_contains(scope_kind=staff.scope_kind,
                                                scope_code=staff.scope_code, community_code=code)
        if scope_kind == ScopeKind.STREET:
            return (staff.scope_kind, staff.scope_code) == (ScopeKind.STREET, code) or (
                staff.scope_kind == ScopeKind.DISTRICT
                and self.deps.org.streets[code].district == staff.scope_code
            )
        return (staff.scope_kind, staff.scope_code) == (scope_kind, code)

    def _scope_kind(self, code: str) -> ScopeKind:
        org = self.deps.org
        if code in org.communities:
            return ScopeKind.COMMUNITY
        if code in org.streets:
            return ScopeKind.STREET
        if code in org.districts:
            return ScopeKind.DISTRICT
        raise InvalidInput(texts.BIND_UNKNOWN.format(
            code=html.escape(code), communities="、".join(org.communities),
            streets="、".join(org.streets),
        ))

    def _scope_name(self, scope_kind: ScopeKind, code: str) -> str:
        return html.escape(self.deps.org.scope_name(scope_kind, code))

    def _bind_options(self, code: str, scope_kind: ScopeKind,
                      options: list[str]) -> tuple[list[str], list[str], bool]:
        categories: list[str] = []
        grids: list[str] = []
        triage = False
        known = self.deps.analyzer.categories
        for option in options:
            if option in ("分诊", "triage"):
                triage = True
            elif option.split(":", 1)[0].split("：", 1)[0] in ("网格", "grid"):
                grid = option.replace("：", ":").split(":", 1)[1]
                community = self.deps.org.communities.get(code)
                if scope_kind != ScopeKind.COMMUNITY or community is None or grid not in {
                    g.code for g in community.grids
                }:
                    names = "、".join(g.code for g in community.grids) if community else "—"
                    raise InvalidInput(texts.BIND_UNKNOWN_GRID.format(
                        grid=html.escape(grid), community=html.escape(code), grids=names))
                grids.append(grid)
            elif option in known:
                categories.append(option)
            else:
                raise InvalidInput(texts.BIND_UNKNOWN_CATEGORY.format(
                    category=html.escape(option), categories="、".join(known)))
        return categories, grids, triage
