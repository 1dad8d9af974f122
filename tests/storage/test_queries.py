"""Storage queries on a small, crowded office whose answers are worked out by hand: the
petition lookups, the three rates' counts (storage/rates.py) and the desk's overview and
list (storage/board.py).

The rows are written directly, with every timestamp chosen, so that each petition sits on
one edge of a definition (docs/reports.md): answered by its rejection, late by a minute,
rated after the report's instant, paused before its deadline, outside the period, merged.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from storage import board, queries
from storage.board import Filters
from storage.db import create_schema, make_engine, transaction
from storage.enums import Direction, MessageKind, Rating, Status
from storage.models import CardMessage, Petition, PetitionMessage, Resident
from storage.rates import COUNT_NAMES, rate_counts
from tests.clocks import bj

NOW = bj(2026, 11, 23, 9)  # Monday morning; the report covers the week before
WEEK = (bj(2026, 11, 16), bj(2026, 11, 23))
OPEN = sorted({Status.SUBMITTED, Status.CLAIMED, Status.WAITING, Status.REOPENED})
GROUP = -100_1001
OTHER_GROUP = -100_1002
H = timedelta(hours=1)


def _petition(number: str, community: str, status: Status, created: datetime,
              **fields: Any) -> Petition:
    return Petition(number=number, status=status, community_code=community, street_code="xinhua",
                    category="物业服务", created_at=created,
                    last_message_at=fields.pop("last_message_at", created), **fields)


def _crowd(resident_id: int) -> list[Petition]:
    mon = bj(2026, 11, 16, 10)
    return [
        # hongqi, in the week
        _petition("H1", "hongqi", Status.CLOSED, mon, resident_id=resident_id,
                  first_response_at=mon + H, respond_due=mon + 8 * H,
                  resolved_at=mon + 30 * H, resolve_due=mon + 100 * H, closed_at=mon + 31 * H,
                  rating=Rating.SATISFIED, rated_at=mon + 31 * H, last_message_at=mon + 31 * H),
        _petition("H2", "hongqi", Status.CLAIMED, mon + 2 * H, grid_code="g1", building="3号楼",
                  first_response_at=mon + 10 * H + timedelta(minutes=1), respond_due=mon + 10 * H,
                  resolve_due=bj(2026, 11, 20, 17), handler_staff_id=None),
        _petition("H3", "hongqi", Status.REJECTED, mon + 3 * H, closed_at=mon + 4 * H,
                  respond_due=mon + 11 * H, resolve_due=mon + 120 * H, reject_reason="不属于受理范围"),
        _petition("H4", "hongqi", Status.SUBMITTED, bj(2026, 11, 22, 20), grid_code="g1",
                  building="3号楼", respond_due=bj(2026, 11, 23, 17), resolve_due=bj(2026, 12, 1, 17),
                  text="楼顶漏水100%确定"),
        _petition("H5", "hongqi", Status.MERGED, mon + 5 * H, closed_at=mon + 6 * H),
        _petition("H6", "hongqi", Status.CANCELLED, mon + 6 * H, closed_at=mon + 7 * H),
        _petition("H8", "hongqi", Status.CLOSED, mon + 8 * H, first_response_at=mon + 9 * H,
                  respond_due=mon + 16 * H, resolved_at=mon + 20 * H, resolve_due=mon + 100 * H,
                  reopen_count=1, rating=Rating.BASIC, rated_at=NOW + H),
        # hongqi, before the week: open and marked overdue by the sweep
        _petition("H7", "hongqi", Status.CLAIMED, bj(2026, 11, 10, 9), overdue=True,
                  first_response_at=bj(2026, 11, 10, 10), resolve_due=bj(2026, 11, 30, 17)),
        # hongqi, this morning: received today, due today
        _petition("H9", "hongqi", Status.SUBMITTED, bj(2026, 11, 23, 8), grid_code="g2",
                  building="5号楼", respond_due=bj(2026, 11, 23, 12), resolve_due=bj(2026, 11, 23, 17)),
        # qingnian, in the week
        _petition("Q1", "qingnian", Status.WAITING, mon, first_response_at=mon + H,
                  respond_due=mon + 8 * H, paused_at=mon + 2 * H, resolve_due=mon + 50 * H),
        _petition("Q2", "qingnian", Status.CLOSED, mon + H, first_response_at=mon + 2 * H,
                  respond_due=mon + 8 * H, resolved_at=mon + 60 * H, resolve_due=mon + 50 * H,
                  closed_at=mon + 61 * H, rating=Rating.UNSATISFIED),
    ]


@pytest.fixture
def session(tmp_path) -> Iterator[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'crowd.db'}")
    create_schema(engine)
    with transaction(engine) as writing:
        resident = Resident(tg_user_id=9001, name="王阿姨", community_code="hongqi", created_at=NOW)
        writing.add(resident)
        writing.flush()
        petitions = _crowd(resident.id)
        writing.add_all(petitions)
        writing.flush()
        by_number = {p.number: p.id for p in petitions}
        writing.add(CardMessage(petition_id=by_number["H2"], chat_id=GROUP, message_id=500,
                                created_at=NOW))
        writing.add(PetitionMessage(petition_id=by_number["H4"], direction=Direction.OUT,
                                    chat_id=GROUP, message_id=501, kind=MessageKind.TEXT,
                                    created_at=NOW))
    with Session(engine) as reading:
        yield reading
    engine.dispose()


def _number(petition: Petition | None) -> str | None:
    return petition.number if petition is not None else None


# --- looking petitions up -------------------------------------------------------------------

def test_a_petition_is_found_by_its_number_its_card_or_a_message_sent_for_it(session):
    assert _number(queries.petition_by_number(session, "H2")) == "H2"
    assert queries.petition_by_number(session, "MY-20261123-9999") is None
    assert _number(queries.petition_by_message(session, chat_id=GROUP, message_id=500)) == "H2"
    assert _number(queries.petition_by_message(session, chat_id=GROUP, message_id=501)) == "H4"
    # The same message id in another chat is another message.
    assert queries.petition_by_message(session, chat_id=OTHER_GROUP, message_id=500) is None
    assert queries.petition_by_message(session, chat_id=GROUP, message_id=502) is None


def test_statuses_come_back_as_members_not_strings(session):
    h2 = queries.petition_by_number(session, "H2")
    assert h2 is not None and h2.status is Status.CLAIMED and h2.rating is None
    number, status = queries.number_and_status(session, h2.id) or ("", None)
    assert (number, status) == ("H2", Status.CLAIMED) and type(status) is Status
    resident = queries.resident_by_tg(session, 9001)
    assert resident is not None
    latest = queries.latest_petition_of(session, resident.id)
    assert latest is not None and latest[1] is Status.CLOSED
    assert queries.status_counts(session) == {
        Status.CANCELLED: 1, Status.CLAIMED: 2, Status.CLOSED: 3, Status.MERGED: 1,
        Status.REJECTED: 1, Status.SUBMITTED: 2, Status.WAITING: 1}


def test_open_petitions_keep_to_their_communities_statuses_and_group(session):
    open_hongqi = queries.open_petitions(session, communities=["hongqi"], statuses=OPEN)
    assert [p.number for p in open_hongqi] == ["H2", "H4", "H7", "H9"]
    both = queries.open_petitions(session, communities=["hongqi", "qingnian"], statuses=OPEN, limit=2)
    assert [p.number for p in both] == ["H2", "H4"]
    assert queries.open_petitions(session, communities=["hongqi"], statuses=OPEN,
                                  group_chat_id=GROUP) == []
    h9 = queries.petition_by_number(session, "H9")
    assert h9 is not None
    h9.group_chat_id = GROUP
    session.flush()
    assert [p.number for p in queries.open_petitions_of_group(
        session, chat_id=GROUP, statuses=OPEN)] == ["H9"]
    assert queries.open_petitions_of_group(session, chat_id=GROUP, statuses=[Status.CLOSED]) == []


# --- the three rates' counts ------------------------------------------------------------------

def _counts(**nonzero: int) -> dict[str, int]:
    return {name: nonzero.get(name, 0) for name in COUNT_NAMES}


HONGQI = _counts(
    received=5,  # H1 H2 H3 H4 H8: not H5 (merged), H6 (cancelled), H7 (before), H9 (after)
    responded=4, responded_on_time=3, respond_expected=4,  # H3 answered by its rejection; H2 a minute late
    resolved=2, resolved_on_time=2, resolve_expected=3,  # H2's deadline passed; H3 rejected
    rejected=1, overdue=1, reopened=1,
    rated=1, satisfied=1,  # H8 rated only after the report's instant
)
QINGNIAN = _counts(
    received=2, responded=2, responded_on_time=2, respond_expected=2,
    resolved=1, resolve_expected=1,  # Q1 paused before its deadline: not yet expected
    overdue=1, rated=1, unsatisfied=1,
)


def test_rate_counts_per_community_follow_every_edge_of_the_definitions(session):
    counts = rate_counts(session, period_start=WEEK[0], period_end=WEEK[1], now=NOW,
                         communities=["hongqi", "qingnian"])
    assert counts == {"hongqi": HONGQI, "qingnian": QINGNIAN}


def test_rate_counts_for_the_whole_scope_are_the_communities_summed(session):
    counts = rate_counts(session, period_start=WEEK[0], period_end=WEEK[1], now=NOW,
                         communities=["hongqi", "qingnian"], by_community=False)
    assert counts == {"": {name: HONGQI[name] + QINGNIAN[name] for name in COUNT_NAMES}}


def test_rate_counts_as_of_an_earlier_instant_see_only_what_had_happened(session):
    tuesday = bj(2026, 11, 17, 9)  # H1 not resolved yet; H2's response not late yet
    counts = rate_counts(session, period_start=WEEK[0], period_end=WEEK[1], now=tuesday,
                         communities=["hongqi"])
    hongqi = counts["hongqi"]
    assert hongqi["received"] == 4  # H1 H2 H3 H8; H4 is not received yet
    assert (hongqi["resolved"], hongqi["rated"]) == (1, 0)  # H8 only; H1 rated later
    assert hongqi["responded"] == 4 and hongqi["responded_on_time"] == 3


# --- the desk's overview and list -------------------------------------------------------------

def test_the_overview_counts_today_open_late_and_due_today(session):
    counts = board.counts(session, communities=["hongqi"], open_statuses=OPEN, now=NOW,
                          day_start=bj(2026, 11, 23), day_end=bj(2026, 11, 24))
    # H9 came in and falls due today; H2 is past its deadline and H7 marked overdue.
    assert counts == {"received": 1, "open": 4, "overdue": 2, "due_today": 1}
    elsewhere = board.counts(session, communities=["qingnian"], open_statuses=OPEN, now=NOW,
                             day_start=bj(2026, 11, 23), day_end=bj(2026, 11, 24))
    assert (elsewhere["received"], elsewhere["open"], elsewhere["due_today"]) == (0, 1, 0)


def test_open_petitions_by_building_count_the_late_ones(session):
    rows = board.open_by_building(session, communities=["hongqi"], open_statuses=OPEN, now=NOW)
    assert sorted(rows, key=str) == sorted([
        ("hongqi", "g1", "3号楼", 2, 1), ("hongqi", "g2", "5号楼", 1, 0), ("hongqi", None, None, 1, 1),
    ], key=str)


@pytest.mark.parametrize(("filters", "numbers", "total"), [
    (Filters(), ["H9", "H4", "H8", "H6", "H5", "H3", "H2", "H1", "H7"], 9),
    (Filters(statuses=[Status.CLAIMED]), ["H2", "H7"], 2),
    (Filters(overdue=True), ["H2", "H7"], 2),
    (Filters(grid="g1", building="3号楼"), ["H4", "H2"], 2),
    (Filters(text="100%"), ["H4"], 1),  # % and _ are the text itself, not patterns
    (Filters(text="_"), [], 0),
    (Filters(since=bj(2026, 11, 22), until=bj(2026, 11, 23)), ["H4"], 1),
])
def test_the_list_filters_and_orders_newest_first(session, filters, numbers, total):
    page, count = board.petition_page(session, communities=["hongqi"], filters=filters,
                                      open_statuses=OPEN, now=NOW, offset=0, limit=20)
    assert ([p.number for p in page], count) == (numbers, total)


def test_the_list_pages_without_losing_or_repeating_a_petition(session):
    seen = []
    for offset in range(0, 9, 4):
        page, total = board.petition_page(session, communities=["hongqi"], filters=Filters(),
                                          open_statuses=OPEN, now=NOW, offset=offset, limit=4)
        assert total == 9
        seen += [p.number for p in page]
    assert seen == ["H9", "H4", "H8", "H6", "H5", "H3", "H2", "H1", "H7"]
