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
