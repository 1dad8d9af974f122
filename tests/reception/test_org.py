"""org.toml: building coordinates name the building of a shared location."""

from __future__ import annotations

import pytest

from reception.errors import OrganisationError
from reception.org import Organisation


def org_with(locations: dict) -> Organisation:
    return Organisation.from_mapping({
        "districts": {"d": {"name": "区"}}, "streets": {"s": {"name": "街道", "district": "d"}},
        "communities": {"c": {"name": "社区", "street": "s", "grids": {"g1": {
            "name": "一网格", "buildings": ["1", "2"], "locations": locations}}}},
    })


def test_building_at_finds_the_nearest_building_within_the_radius():
    org = org_with({"1": [39.9100, 116.4000], "2": [39.9104, 116.4000]})
    grid, building = org.building_at("c", 39.91035, 116.4000)
    assert (grid.code, building) == ("g1", "2")
    assert org.building_at("c", 39.92, 116.40) is None  # about 1 km away


@pytest.mark.parametrize("point", [[39.9], "39.9,116.4", [91, 116.4]])
def test_a_bad_coordinate_names_the_key(point):
    with pytest.raises(OrganisationError, match=r"communities\.c\.grids\.g1\.locations\.1"):
        org_with({"1": point})


def org_with_departments(departments: dict) -> Organisation:
    return Organisation.from_mapping({
        "districts": {"d": {"name": "区"}}, "streets": {"s": {"name": "街道", "district": "d"}},
        "communities": {"c": {"name": "社区", "street": "s"}}, "departments": departments,
    })


def test_a_department_is_found_by_code_name_or_a_kind_only_it_has():
    org = org_with_departments({
        "power": {"name": "供电公司", "kind": "供电", "chat_id": -100123, "contact": "95598"},
        "water": {"name": "自来水公司", "kind": "供水"},
        "water2": {"name": "二次供水站", "kind": "供水"},
    })
    assert org.department_named("power").name == "供电公司"
    assert org.department_named("供电公司").code == "power"
    assert org.department_named("供电").code == "power"
    assert org.department_named("供水") is None, "two have that kind: say which"
    assert org.department_of_chat(-100123).code == "power"
    assert org.department_of_chat(-1) is None


@pytest.mark.parametrize(("body", "key"), [
    ({"kind": "供电"}, r"departments\.power\.name"),
    ({"name": "供电公司", "chat_id": "-100"}, r"departments\.power\.chat_id"),
    ({"name": "供电公司", "contact": 95598}, r"departments\.power"),
])
def test_a_bad_department_names_the_key(body, key):
    with pytest.raises(OrganisationError, match=key):
        org_with_departments({"power": body})
