"""The supervisors' desk, read side: today's overview, the petition list, one petition.

Every call starts from the signed-in staff member's Telegram id and sees only their scope
(community, street or district, see reception.handling.access). Rates use the digest's
definitions (reception.reports.metrics) over the last 7 days and the 7 days before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from nlp import mask_personal_data
from reception.deps import Deps
from reception.errors import InvalidInput, NotFound
from reception.handling.access import Access
from reception.petition.cards import ACTION_LABELS, address_of, resident_label
from reception.petition.events import Actor, Note, record
from reception.petition.states import OPEN_STATUSES, status_label
from reception.reports import texts as t
from reception.reports.digest import Digest, Digests
from reception.reports.digest_text import shown_rate, trusted
from reception.reports.metrics import Rates, local_midnight, rate_change, rates_from_counts
from reception.reports.register import Register
from storage import board as board_queries
from storage import queries
from storage.board import COUNT_CAP, Filters, Listed
from storage.db import transaction
from storage.enums import ActorKind, MessageKind
from storage.models import Petition, PetitionMessage, Resident, Staff
from storage.rates import rate_counts_of_two
from storage.tables import saved_id

PAGE_SIZE = 30
__all__ = ["COUNT_CAP", "PAGE_SIZE", "Board"]
REGISTER_MAX_DAYS = 366  # one download; longer periods go through `minyuan register`
RATE_NAMES = ("response_rate", "resolution_rate", "satisfaction_rate")
_OPEN = sorted(OPEN_STATUSES)


@dataclass(frozen=True)
class CommunityRates:
    code: str
    name: str
    rates: dict[str, float | None]
    ranks: dict[str, int | None]
    changes: dict[str, float | None]
    shown: dict[str, str]  # the rate with the count behind it, or under the minimum its counts


@dataclass(frozen=True)
class Overview:
    scope_name: str
    counts: dict[str, int]
    communities: list[CommunityRates]
    min_sample: int


@dataclass(frozen=True)
class Building:
    name: str
    open: int
    late: int


@dataclass(frozen=True)
class GridPlan:
    code: str
    name: str
    buildings: list[Building]


@dataclass(frozen=True)
class CommunityPlan:
    code: str
    name: str
    grids: list[GridPlan]
    open: int
    late: int


@dataclass(frozen=True)
class Attachment:
    """A file the resident sent with the petition; ``file_id`` stays on the server."""

    id: int
    kind: MessageKind
    label: str
    at: datetime
    caption: str  # masked, as the text is
    file_id: str = field(repr=False)

    @property
    def is_photo(self) -> bool:
        return self.kind == MessageKind.PHOTO


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
    attachments: list[Attachment] = field(default_factory=list)


class Board:
    def __init__(self, deps: Deps, access: Access, *, register: Register, digests: Digests) -> None:
        self.deps = deps
        self.access = access
        self._register = register
        self._digests = digests

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
            # Counted by the database, per community, both weeks in one pass: a district's
            # fortnight is many rows.
            last_week, this_week = rate_counts_of_two(session, start=now - 2 * week, split=now - week,
                                                      end=now, now=now, communities=communities)
        weights = self._digests.weights
        current = {code: rates_from_counts(this_week.get(code, {}), weights=weights) for code in communities}
        previous = {code: rates_from_counts(last_week.get(code, {}), weights=weights)
                    for code in communities}
        ranks: dict[str, dict[str, int | None]] = {code: {} for code in communities}
        minimum = self._digests.min_sample
        for name in RATE_NAMES:
            # Ranked only on rates that rest on enough cases.
            ordered = sorted((getattr(r, name), code) for code, r in current.items()
                             if trusted(r, name, minimum) is not None)
            ordered.reverse()
            for code in communities:
                value = trusted(current[code], name, minimum)
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
                changes={n: rate_change(trusted(current[code], n, minimum),
                                        trusted(previous[code], n, minimum)) for n in RATE_NAMES},
                shown={n: _with_basis(current[code], n, minimum) for n in RATE_NAMES},
            ) for code in communities],
            min_sample=minimum,
        )

    def petitions(self, *, tg_user_id: int, filters: Filters, page: int = 1
                  ) -> tuple[list[Listed], int]:
        """One page of the petitions in the viewer's scope that match ``filters``, and how
        many match (COUNT_CAP + 1 standing for "more than COUNT_CAP")."""
        now = self.deps.clock.now()
        with transaction(self.deps.engine) as session:
            staff = self.access.require_staff(session, tg_user_id)
            communities = self.access.communities_of(staff)
            if filters.community and filters.community not in communities:
                return [], 0  # another scope's community: nothing, as if it had none
            return board_queries.petition_page(
                session, communities=communities, filters=filters, open_statuses=_OPEN, now=now,
                offset=(max(page, 1) - 1) * PAGE_SIZE, limit=PAGE_SIZE, viewer_staff_id=staff.id)

    def plan(self, *, tg_user_id: int) -> list[CommunityPlan]:
        """Every grid and building of the viewer's communities (org.toml), with open and late
        petitions; petitions whose building is in no grid's list are shown apart."""
        now = self.deps.clock.now()
        with transaction(self.deps.engine) as session:
            staff = self.access.require_staff(session, tg_user_id)
            communities = self.access.communities_of(staff)
            counts = board_queries.open_by_building(session, communities=communities,
                                                    open_statuses=_OPEN, now=now)
        per: dict[tuple[str, str], tuple[int, int]] = {}
        for community, _grid, building, total, late in counts:
            key = (community, building or "")
            before = per.get(key, (0, 0))
            per[key] = (before[0] + total, before[1] + late)
        plans = []
        for code in communities:
            place = self.deps.org.communities[code]
            placed: set[str] = set()
            grids = []
            for grid in place.grids:
                names = sorted(grid.buildings, key=_building_order)
                placed.update(names)
                grids.append(GridPlan(grid.code, grid.name, [
                    Building(name, *per.get((code, name), (0, 0))) for name in names]))
            stray = sorted((b for (c, b) in per if c == code and b not in placed), key=_building_order)
            if stray:
                grids.append(GridPlan("", t.DESK_UNPLACED, [
                    Building(name or "—", *per[(code, name)]) for name in stray]))
            mine = [v for (c, _), v in per.items() if c == code]
            plans.append(CommunityPlan(code, place.name, grids,
                                       sum(v[0] for v in mine), sum(v[1] for v in mine)))
        return plans

    def register_file(self, *, tg_user_id: int, start: date, end: date, out_dir: Path) -> Path:
        """The reception register (xlsx, masked) of the viewer's scope for ``start``..``end``.

        Raises InvalidInput for a period that runs backwards, into the future or over
        REGISTER_MAX_DAYS.
        """
        today = self.deps.clock.now().astimezone(self.deps.settings.tz).date()
        if end < start:
            raise InvalidInput(t.DESK_PERIOD_BACKWARDS)
        if start > today:
            raise InvalidInput(t.DESK_PERIOD_FUTURE)
        if (end - start).days + 1 > REGISTER_MAX_DAYS:
            raise InvalidInput(t.DESK_PERIOD_TOO_LONG.format(days=REGISTER_MAX_DAYS))
        with transaction(self.deps.engine) as session:
            staff = self.access.require_staff(session, tg_user_id)
            communities = self.access.communities_of(staff)
            scope = staff.scope_code
        out = Path(out_dir) / f"register-{scope}-{start:%Y%m%d}-{min(end, today):%Y%m%d}.xlsx"
        return self._register.workbook(start=start, end=min(end, today), out=out,
                                       communities=communities)

    def digest(self, *, tg_user_id: int, week_of: date, out_dir: Path) -> Digest:
        """The weekly digest (text and chart) of the viewer's scope for the local week that
        holds ``week_of``; the current week counts up to now. Raises InvalidInput for a
        day in the future."""
        tz = self.deps.settings.tz
        if week_of > self.deps.clock.now().astimezone(tz).date():
            raise InvalidInput(t.DESK_PERIOD_FUTURE)
        with transaction(self.deps.engine) as session:
            staff = self.access.require_staff(session, tg_user_id)
            scope_kind, scope_code = staff.scope_kind, staff.scope_code
        # weekly() reports the week before the Monday on or before its week_ending.
        return self._digests.weekly(scope_kind=scope_kind, scope_code=scope_code,
                                    week_ending=local_midnight(week_of + timedelta(days=7), tz),
                                    out_dir=out_dir)

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
                       actor=Actor(ActorKind.STAFF, staff.id, staff.name), at=self.deps.clock.now(),
                       channel="web")
            resident = session.get(Resident, petition.resident_id) if petition.resident_id else None
            handler = session.get(Staff, petition.handler_staff_id) if petition.handler_staff_id else None
            org = self.deps.org
            grid = org.grid(petition.community_code, petition.grid_code)
            label = resident_label(resident, petition, masked=not unmasked)
            address = address_of(petition)
            files = [_attachment(m, unmasked=unmasked)
                     for m in board_queries.attachments(session, petition_id=saved_id(petition))]
            events = [(e.at, ACTION_LABELS.get(e.action, e.action),
                       str(e.detail.get("actor_name", "")))
                      for e in queries.timeline(session, saved_id(petition))]
            return PetitionView(
                petition=petition, status_label=status_label(petition.status),
                community=org.community(petition.community_code).name,
                grid=grid.name if grid else "—",
                resident=label + (f" · {address}" if address and unmasked else ""),
                text=petition.text if unmasked else mask_personal_data(petition.text),
                handler=handler.name if handler else "—", is_handler=is_handler,
                unmasked=unmasked, late=_late(petition, self.deps.clock.now()), timeline=events,
                attachments=files)

    def attachment(self, *, tg_user_id: int, petition_id: int, attachment_id: int) -> Attachment:
        """One file of a petition the viewer may see; raises NotFound (also for another scope's)."""
        with transaction(self.deps.engine) as session:
            staff = self.access.require_staff(session, tg_user_id)
            petition = session.get(Petition, petition_id)
            if petition is None:
                raise NotFound(t.DESK_NO_ATTACHMENT)
            self.access.require_scope(staff, petition)
            for message in board_queries.attachments(session, petition_id=petition_id):
                if message.id == attachment_id:
                    return _attachment(message, unmasked=False)
            raise NotFound(t.DESK_NO_ATTACHMENT)


def _attachment(message: PetitionMessage, *, unmasked: bool) -> Attachment:
    return Attachment(id=saved_id(message), kind=message.kind,
                      label=t.DESK_ATTACHMENT_KINDS.get(message.kind, t.DESK_ATTACHMENT_KINDS[MessageKind.DOCUMENT]),
                      at=message.created_at,
                      caption=message.text if unmasked else mask_personal_data(message.text),
                      file_id=message.file_id or "")


def _with_basis(rates: Rates, name: str, minimum: int) -> str:
    """"87.5%（8件）", or under the minimum sample "2/3 件", or "—"."""
    shown = shown_rate(rates, name, minimum)
    whole = rates.basis(name)[1]
    return f"{shown}（{whole}件）" if whole >= minimum else shown


def _building_order(name: str) -> tuple[int, str]:
    """Buildings in number order (2 before 10), names without a number after them."""
    digits = "".join(ch for ch in name if ch.isdigit())
    return (int(digits) if digits else 10**9, name)


def _late(petition: Petition, now: datetime) -> bool:
    """The list's 超期 filter, for one petition (storage.board._late)."""
    if not petition.status.is_open:
        return False
    return bool(petition.overdue
                or (petition.resolve_due is not None and petition.resolve_due < now)
                or (petition.first_response_at is None and petition.respond_due is not None
                    and petition.respond_due < now))
