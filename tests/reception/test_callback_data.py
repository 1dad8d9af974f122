"""The callback-data protocol: what is built parses back, buttons already sent still parse,
and anything else is a BadCallbackData, never a ValueError or IndexError."""

from __future__ import annotations

import pytest

from reception import texts
from reception.errors import OrganisationError, ReceptionError
from reception.org import Organisation
from reception.petition import callback_data as cd
from reception.petition.callback_data import BadCallbackData, CardAction, CardPress, RatingPress

COMMUNITIES = {"hongqi", "qingnian"}


@pytest.mark.parametrize(("data", "press"), [
    # Exactly what cards sent before this module existed carry.
    ("p:claim:12", CardPress(CardAction.CLAIM, 12)),
    ("p:reassign:12", CardPress(CardAction.REASSIGN, 12)),
    ("p:resolve:12", CardPress(CardAction.RESOLVE, 12)),
    ("p:reject:12", CardPress(CardAction.REJECT, 12)),
    ("p:to:12:-1001234567890", CardPress(CardAction.TO_GROUP, 12, -1001234567890)),
    ("p:cat:12:0", CardPress(CardAction.TO_CATEGORY, 12, 0)),
    ("p:merge:12:7", CardPress(CardAction.MERGE, 12, 7)),
])
def test_buttons_already_sent_keep_working(data, press):
    assert cd.parse_card(data) == press
    assert cd.card(press.action, press.petition_id, press.target) == data


def test_rating_and_community_round_trip():
    assert cd.rating(12, "basic") == "r:12:basic"
    assert cd.parse_rating("r:12:basic") == RatingPress(12, "basic")
    assert cd.community("hongqi") == "c:hongqi"
    assert cd.parse_community("c:hongqi", known=COMMUNITIES) == "hongqi"


@pytest.mark.parametrize("data", [
    None, "", "p:", "p:claim", "p:claim:", "p:claim:abc", "p:claim:12:3", "p:claim:0",
    "p:claim:-5", "p:claim: 12", "p:claim:+12", "p:claim:1_2", "p:claim:١٢", "p:claim:12.0",
    "p:claim:99999999999999999999", "p:claim:9223372036854775808", "p:fly:12", "p:CLAIM:12",
    "p:to:12", "p:to:12:x", "p:to:12:-5:1", "p:cat:12", "p:cat:12:-1", "p:merge:12",
    "p:merge:12:0", "r:12:satisfied", "p:claim:1" + "0" * 60, "p:" + "谢" * 30,
])
def test_bad_card_data_is_refused(data):
    with pytest.raises(BadCallbackData) as caught:
        cd.parse_card(data)
    assert str(caught.value) == texts.BUTTON_INVALID
    assert caught.value.reason
    assert isinstance(caught.value, ReceptionError)  # handlers already answer these politely


@pytest.mark.parametrize("data", [
    "r:", "r:12", "r:12:", "r:abc:satisfied", "r:12:excellent", "r:12:satisfied:1", "r:0:basic",
    "r:-1:basic", "p:claim:12",
])
def test_bad_rating_data_is_refused(data):
    with pytest.raises(BadCallbackData):
        cd.parse_rating(data)


@pytest.mark.parametrize("data", ["c:", "c:atlantis", "c:hongqi:x", "c:HONGQI", "r:hongqi"])
def test_unknown_community_is_refused(data):
    with pytest.raises(BadCallbackData):
        cd.parse_community(data, known=COMMUNITIES)


def test_building_checks_telegrams_64_bytes():
    longest_id = 2**63 - 1
    assert len(cd.card(CardAction.MERGE, longest_id, longest_id).encode()) <= cd.LIMIT_BYTES
    assert len(cd.card(CardAction.TO_GROUP, longest_id, -longest_id).encode()) <= cd.LIMIT_BYTES
    assert cd.community("x" * 62)
    with pytest.raises(cd.CallbackDataTooLong):
        cd.community("x" * 63)
    with pytest.raises(cd.CallbackDataTooLong):
        cd.community("社区" * 11)  # 66 bytes in UTF-8, though only 22 characters


@pytest.mark.parametrize(("build", "args"), [
    (cd.card, (CardAction.CLAIM, 1, 2)),  # claim takes no target
    (cd.card, (CardAction.MERGE, 1)),  # merge needs one
    (cd.rating, (1, "excellent")),
    (cd.community, ("a:b",)),
    (cd.community, ("",)),
])
def test_building_refuses_what_could_not_be_parsed_back(build, args):
    with pytest.raises(ValueError):
        build(*args)


def test_an_organisation_file_with_a_code_too_long_for_a_button_is_explained():
    data = {
        "districts": {"d": {"name": "区"}},
        "streets": {"s": {"name": "街道", "district": "d"}},
        "communities": {"c" * 70: {"name": "社区", "street": "s"}},
    }
    with pytest.raises(OrganisationError, match=r"communities\.c+: .*62 bytes"):
        Organisation.from_mapping(data)


def test_practice_buttons_round_trip():
    assert cd.parse_call_back(cd.call_back(7, "unreachable")) == cd.CallBackPress(7, "unreachable")
    assert cd.parse_knowledge(cd.knowledge(9, "file")) == cd.KnowledgePress(9, "file")
    assert cd.parse_visit(cd.visit(11)) == 11


@pytest.mark.parametrize(("parse", "data"), [
    (cd.parse_call_back, "b:7"), (cd.parse_call_back, "b:7:happy"), (cd.parse_call_back, "b:x:basic"),
    (cd.parse_call_back, "b:0:basic"), (cd.parse_knowledge, "k:3:maybe"), (cd.parse_knowledge, "k:3"),
    (cd.parse_visit, "v:"), (cd.parse_visit, "v:1:2"), (cd.parse_visit, "p:claim:1"),
])
def test_bad_practice_buttons_are_refused(parse, data):
    with pytest.raises(BadCallbackData):
        parse(data)
