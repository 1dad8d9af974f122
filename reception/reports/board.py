"""The supervisors' desk, read side: today's overview, the petition list, one petition.

Every call starts from the signed-in staff member's Telegram id and sees only their scope
(community, street or district, see reception.handling.access). Rates use the digest's
definitions (reception.reports.metrics) over the last 7 days and the 7 days before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from nlp import mask_personal_data
from reception.deps import Deps
from reception.errors import NotFound
from reception.handling.access import Access
from reception.petition.cards import ACTION_LABELS, address_of, resident_label
from reception.petition.events import Actor, Note, record
from reception.petition.states import OPEN_STATUSES, Status
from reception.reports.metrics import compute_rates, local_midnight, rate_change
from storage import board as board_queries
from storage import queries
from storage.board import Filters
from storage.db import transaction
from storage.models import Petition, Resident, Staff

PAGE_SIZE = 30
RATE_NAMES = ("response_rate", "resolution_rate", "satisfaction_rate")
_OPEN = sorted(OPEN_STATUSES)


@dataclass(frozen=True)
class CommunityRates:
    code: str
    name: str
    rates: dict[str, float | None]
    ranks: dict[str, int | None]
    changes: dict[str, float | None]


@dataclass(frozen=True)
class Overview:
    scope_name: str
    counts: dict[str, int]
    communities: list[CommunityRates]


@dataclass(frozen=True)
class PetitionView:
    petition: Petition
    status_label: str
    community: str
    grid: str
    resident: str
    text: str
    handler: str
    is_handler: bool
    unmasked: bool
    late: bool  # open and past a deadline, whether or not the sweep has marked it yet
    timeline: list[tuple[datetime, str, str]] = field(default_factory=list)


class Board:
    def __init__(self, deps: Deps, access: Access) -> None:
        self.deps = deps
        self.access = access

    def overview(self, *, tg_user_id: int) -> Overview:
        tz, now = self.deps.settings.tz, self.deps.clock.now()
        today = now.astimezone(tz).date()
        day_start, day_end = local_midnight(today, tz), local_midnight(today + timedelta(days=1), tz)
        week = timedelta(days=7)
        with transaction(self.deps.engine) as session:
            staff = self.access.require_staff(session, tg_user_id)
            communities = self.access.communities_of(staff)
            counts = board_queries.counts(session, communities=communities, open_statuses=_OPEN,
                                          now=now, day_start=day_start, day_end=day_end)
            rows = board_queries.rate_rows(session, communities=communities,
                                           since=now - 2 * week, until=now)
        per: dict[str, list] = {code: [] for code in communities}
        for row in rows:
            per[row.community_code].append(row)
        current, previous = {}, {}
        for code, members in per.items():
            current[code] = compute_rates(members, period_start=now - week, period_end=now, now=now)
            previous[code] = compute_rates(members, period_start=now - 2 * week,
                                           period_end=now - week, now=now)
        ranks: dict[str, dict[str, int | None]] = {code: {} for code in communities}
        for name in RATE_NAMES:
            ordered = sorted((getattr(r, name), code) for code, r in current.items()
                             if getattr(r, name) is not None)
            ordered.reverse()
            for code in communities:
                value = getattr(current[code], name)
                ranks[code][name] = (1 + sum(1 for v, _ in ordered if v > value)
                                     if value is not None else None)
        org = self.deps.org
        return Overview(
            scope_name=self.access._scope_name(staff.scope_kind, staff.scope_code),
            counts=counts,
            communities=[CommunityRates(
                code=code, name=org.communities[code].name,
                rates={n: getattr(current[code], n) for n in RATE_NAMES},
                ranks=ranks[code],
                changes={n: rate_change(getattr(current[code], n), getattr(previous[code], n))
                         for n in RATE_NAMES},
            ) for code in communities],
        )

    def petitions(self, *, tg_user_id: int, filters: Filters, page: int = 1
                  ) -> tuple[list[Petition], int]:
        """One page of the petitions in the viewer's scope that match ``filters``."""
        now = self.deps.clock.now()
        with transaction(self.deps.engine) as session:
            staff = self.access.require_staff(session, tg_user_id)
            communities = self.access.communities_of(staff)
            if filters.community and filters.community not in communities:
                return [], 0  # another scope's community: nothing, as if it had none
            return board_queries.petition_page(
                session, communities=communities, filters=filters, open_statuses=_OPEN, now=now,
                offset=(max(page, 1) - 1) * PAGE_SIZE, limit=PAGE_SIZE)

    def petition(self, *, tg_user_id: int, petition_id: int, reveal: bool = False) -> PetitionView:
        """One petition; contact data unmasked only for its handler who asked (recorded)."""
        with transaction(self.deps.engine) as session:
            staff = self.access.require_staff(session, tg_user_id)
            petition = session.get(Petition, petition_id)
            if petition is None:
                raise NotFound("没有找到这件诉求。")
            self.access.require_scope(staff, petition)
            is_handler = petition.handler_staff_id == staff.id
            unmasked = reveal and is_handler
            if unmasked:
                record(session, petition, action=Note.VIEW_CONTACT,
                       actor=Actor("staff", staff.id, staff.name), at=self.deps.clock.now(),
                       channel="web")
            resident = session.get(Resident, petition.resident_id) if petition.resident_id else None
            handler = session.get(Staff, petition.handler_staff_id) if petition.handler_staff_id else None
            org = self.deps.org
            grid = org.grid(petition.community_code, petition.grid_code)
            label = resident_label(resident, petition, masked=not unmasked)
            address = address_of(petition)
            events = [(e.at, ACTION_LABELS.get(e.action, e.action),
                       str(e.detail.get("actor_name", "")))
                      for e in queries.timeline(session, petition.id)]
            return PetitionView(
                petition=petition, status_label=Status(petition.status).label,
                community=org.community(petition.community_code).name,
                grid=grid.name if grid else "—",
                resident=label + (f" · {address}" if address and unmasked else ""),
                text=petition.text if unmasked else mask_personal_data(petition.text),
                handler=handler.name if handler else "—", is_handler=is_handler,
                unmasked=unmasked, late=_late(petition, self.deps.clock.now()), timeline=events)


def _late(petition: Petition, now: datetime) -> bool:
    """The list's 超期 filter, for one petition (storage.board._late)."""
    if not Status(petition.status).is_open:
        return False
    return bool(petition.overdue
                or (petition.resolve_due is not None and petition.resolve_due < now)
                or (petition.first_response_at is None and petition.respond_due is not None
                    and petition.respond_due < now))
