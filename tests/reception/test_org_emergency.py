"""org.toml's emergency keys: local numbers and the on-duty roster, checked at load."""

from __future__ import annotations

import pytest

from reception.errors import OrganisationError
from reception.org import Organisation


def org(**community) -> dict:
    return {
        "districts": {"d": {"name": "区"}},
        "streets": {"s": {"name": "街道", "district": "d"}},
        "communities": {"c": {"name": "社区", "street": "s", **community}},
    }


def test_numbers_and_roster_are_read():
    loaded = Organisation.from_mapping(org(on_duty=["李主任"], emergency_numbers={"gas": " 96777 "}))
    community = loaded.community("c")
    assert community.on_duty == ("李主任",) and community.emergency_numbers == {"gas": "96777"}


def test_both_are_optional():
    community = Organisation.from_mapping(org()).community("c")
    assert community.on_duty == () and community.emergency_numbers == {}


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ({"on_duty": "李主任"}, r"communities\.c\.on_duty"),
        ({"on_duty": [""]}, r"communities\.c\.on_duty"),
        ({"emergency_numbers": {"gas": 96777}}, r"communities\.c\.emergency_numbers"),
        ({"emergency_numbers": ["96777"]}, r"communities\.c\.emergency_numbers"),
    ],
)
def test_a_bad_value_names_the_key(extra, key):
    with pytest.raises(OrganisationError, match=key):
        Organisation.from_mapping(org(**extra))
