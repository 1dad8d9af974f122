"""The organisation structure: district -> street -> community -> grid, loaded from TOML.

The file is edited by the office, not by programmers, so every error names the table and key.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reception.errors import OrganisationError
from reception.petition import callback_data
from storage.enums import ScopeKind


@dataclass(frozen=True)
class Grid:
    code: str
    name: str
    community: str
    buildings: frozenset[str]
    # Where buildings stand, (building, latitude, longitude): a resident's shared location
    # names the building (Organisation.building_at). Optional in org.toml.
    locations: tuple[tuple[str, float, float], ...] = ()


@dataclass(frozen=True)
class Community:
    code: str
    name: str
    street: str
    address: str
    grids: tuple[Grid, ...]
    # Local emergency numbers over config.toml's ([emergency.numbers]): gas = "…", property = "…"
    emergency_numbers: dict[str, str] = field(default_factory=dict)
    # Staff alerted in private at once about an urgent petition, by the name they joined
    # with; empty: the community's administrators.
    on_duty: tuple[str, ...] = ()
    # Staff who call residents back after resolution (回访员), by the name they joined with.
    callers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Street:
    code: str
    name: str
    district: str


@dataclass(frozen=True)
class District:
    code: str
    name: str


@dataclass(frozen=True)
class Department:
    """A body outside the community that petitions are referred to (供电, 燃气, 城管…).

    With ``chat_id`` the bot posts a masked card in the department's Telegram group, where
    its people reply and mark it done; without, staff get a referral sheet to send.
    """

    code: str
    name: str
    kind: str  # 供电 | 燃气 | 自来水 | 城管 | 派出所 | …
    chat_id: int | None = None
    contact: str = ""  # phone, e-mail, address: printed on the referral sheet


@dataclass(frozen=True)
class Organisation:
    districts: dict[str, District]
    streets: dict[str, Street]
    communities: dict[str, Community]
    departments: dict[str, Department] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Organisation:
        """Read an organisation file. Raises OrganisationError naming the bad key."""
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise OrganisationError(f"{path}: {exc}") from exc
        return cls.from_mapping(data, source=str(path))

    @classmethod
    def from_mapping(cls, data: dict[str, Any], *, source: str = "organisation") -> Organisation:
        districts = {
            code: District(code=code, name=_name(body, f"districts.{code}", source))
            for code, body in data.get("districts", {}).items()
        }
        streets: dict[str, Street] = {}
        for code, body in data.get("streets", {}).items():
            district = body.get("district", "")
            if district not in districts:
                raise OrganisationError(
                    f"{source}: streets.{code}.district: unknown district {district!r}"
                )
            streets[code] = Street(code, _name(body, f"streets.{code}", source), district)
        communities: dict[str, Community] = {}
        for code, body in data.get("communities", {}).items():
            street = body.get("street", "")
            if street not in streets:
                raise OrganisationError(
                    f"{source}: communities.{code}.street: unknown street {street!r}"
                )
            try:
                callback_data.community(code)  # residents choose their community with a button
            except ValueError:
                raise OrganisationError(
                    f"{source}: communities.{code}: a code must not contain ':' and must fit in "
                    f"{callback_data.LIMIT_BYTES - len(callback_data.COMMUNITY_PREFIX)} bytes"
                ) from None
            grids = tuple(
                Grid(
                    code=grid_code,
                    name=_name(grid, f"communities.{code}.grids.{grid_code}", source),
                    community=code,
                    buildings=frozenset(str(b) for b in grid.get("buildings", [])),
                    locations=_locations(grid, f"communities.{code}.grids.{grid_code}", source),
                )
                for grid_code, grid in body.get("grids", {}).items()
            )
            communities[code] = Community(
                code=code,
                name=_name(body, f"communities.{code}", source),
                street=street,
                address=str(body.get("address", "")),
                grids=grids,
                emergency_numbers=_numbers(body.get("emergency_numbers", {}),
                                           f"communities.{code}.emergency_numbers", source),
                on_duty=_names(body.get("on_duty", []), f"communities.{code}.on_duty", source),
                callers=_names(body.get("callers", []), f"communities.{code}.callers", source),
            )
        if not communities:
            raise OrganisationError(f"{source}: no [communities.<code>] table")
        departments = {code: _department(code, body, source)
                       for code, body in data.get("departments", {}).items()}
        return cls(districts=districts, streets=streets, communities=communities,
                   departments=departments)

    def department_named(self, word: str) -> Department | None:
        """The department a staff member named: by code, name, or kind when only one has it."""
        word = word.strip()
        for department in self.departments.values():
            if word in (department.code, department.name):
                return department
        of_kind = [d for d in self.departments.values() if d.kind == word]
        return of_kind[0] if len(of_kind) == 1 else None

    def department_of_chat(self, chat_id: int) -> Department | None:
        return next((d for d in self.departments.values() if d.chat_id == chat_id), None)

    def community(self, code: str) -> Community:
        try:
            return self.communities[code]
        except KeyError:
            raise OrganisationError(f"unknown community {code!r}") from None

    def grid_for(self, community_code: str, building: str | None) -> Grid | None:
        """The grid a building belongs to, or None when unknown."""
        if not building:
            return None
        for grid in self.community(community_code).grids:
            if building in grid.buildings:
                return grid
        return None

    def building_at(
        self, community_code: str, latitude: float, longitude: float
    ) -> tuple[Grid, str] | None:
        """The nearest building with coordinates in org.toml, if within BUILDING_RADIUS_M."""
        best: tuple[float, Grid, str] | None = None
        for grid in self.community(community_code).grids:
            for building, lat, lon in grid.locations:
                distance = _metres(latitude, longitude, lat, lon)
                if distance <= BUILDING_RADIUS_M and (best is None or distance < best[0]):
                    best = (distance, grid, building)
        return (best[1], best[2]) if best else None

    def grid(self, community_code: str, grid_code: str | None) -> Grid | None:
        if not grid_code:
            return None
        return next((g for g in self.community(community_code).grids if g.code == grid_code), None)

    def street_of(self, community_code: str) -> Street:
        return self.streets[self.community(community_code).street]

    def district_of(self, community_code: str) -> District:
        return self.districts[self.street_of(community_code).district]

    def communities_of_street(self, street_code: str) -> list[Community]:
        return [c for c in self.communities.values() if c.street == street_code]

    def scopes(self, scope_kind: ScopeKind) -> Mapping[str, Community | Street | District]:
        """The communities, streets or districts, by code: what a scope of this kind names."""
        table: dict[ScopeKind, Mapping[str, Community | Street | District]] = {
            ScopeKind.COMMUNITY: self.communities, ScopeKind.STREET: self.streets,
            ScopeKind.DISTRICT: self.districts}
        return table[scope_kind]

    def scope_name(self, scope_kind: ScopeKind, scope_code: str) -> str:
        return self.scopes(scope_kind)[scope_code].name

    def communities_in(self, scope_kind: ScopeKind, scope_code: str) -> list[str]:
        """The codes of the communities a scope holds, in org.toml's order."""
        return [code for code in self.communities
                if self.scope_contains(scope_kind=scope_kind, scope_code=scope_code,
                                       community_code=code)]

    def scope_contains(self, *, scope_kind: ScopeKind, scope_code: str, community_code: str) -> bool:
        """Whether a community lies within a staff member's or group's scope."""
        if scope_kind == ScopeKind.COMMUNITY:
            return scope_code == community_code
        if scope_kind == ScopeKind.STREET:
            return self.street_of(community_code).code == scope_code
        if scope_kind == ScopeKind.DISTRICT:
            return self.district_of(community_code).code == scope_code
        return False


BUILDING_RADIUS_M = 60.0  # a phone's location indoors is off by tens of metres


def _locations(grid: dict[str, Any], key: str, source: str) -> tuple[tuple[str, float, float], ...]:
    """``locations = { "3" = [39.9101, 116.4003] }``: a building's latitude and longitude."""
    found = []
    for building, point in dict(grid.get("locations", {})).items():
        try:
            lat, lon = (float(v) for v in point)
        except (TypeError, ValueError):
            raise OrganisationError(
                f"{source}: {key}.locations.{building}: expected [latitude, longitude]") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise OrganisationError(f"{source}: {key}.locations.{building}: not a coordinate")
        found.append((str(building), lat, lon))
    return tuple(found)


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance on the Earth's surface (haversine; plenty for a neighbourhood)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


def _name(body: object, key: str, source: str) -> str:
    if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not body["name"]:
        raise OrganisationError(f"{source}: {key}.name: missing")
    return str(body["name"])


def _numbers(value: object, key: str, source: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise OrganisationError(f'{source}: {key}: expected a table like gas = "96777"')
    return {str(k): v.strip() for k, v in value.items()}


def _names(value: object, key: str, source: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise OrganisationError(f'{source}: {key}: expected a list of staff names')
    return tuple(v.strip() for v in value)


def _department(code: str, body: object, source: str) -> Department:
    key = f"departments.{code}"
    name = _name(body, key, source)
    assert isinstance(body, dict)  # _name checked it
    chat_id = body.get("chat_id")
    if chat_id is not None and (isinstance(chat_id, bool) or not isinstance(chat_id, int)):
        raise OrganisationError(f"{source}: {key}.chat_id: expected the group's chat id, a number")
    kind, contact = body.get("kind", ""), body.get("contact", "")
    if not isinstance(kind, str) or not isinstance(contact, str):
        raise OrganisationError(f"{source}: {key}: kind and contact are text")
    return Department(code=code, name=name, kind=kind.strip(), chat_id=chat_id,
                      contact=contact.strip())
