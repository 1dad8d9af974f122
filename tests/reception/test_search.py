"""The desk's full-text search (storage.search) on SQLite (FTS5 trigram) and PostgreSQL
(pg_trgm): what it finds, that it follows every change of a petition's text, and that it never
finds a petition by personal data the viewer may not read.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.wiring import build_services
from reception.clock import ManualClock
from reception.petition.searchable import fill_missing
from storage import search
from storage.board import Filters
from storage.db import transaction
from storage.models import Petition
from tests.clocks import bj
from tests.domain import (
    DISTRICT_TG,
    HANDLER_TG,
    QINGNIAN_TG,
    SUPERVISOR_TG,
    DomainOffice,
    make_deps,
    seed_office,
)
from tests.reception.pg_server import PgServer, postgres_server

TEXT = "3号楼电梯坏了三天，老人下不了楼。联系人：王建国，电话13812345678"


@pytest.fixture(scope="module")
def pg() -> Iterator[PgServer]:
    with postgres_server() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def office(request, tmp_path) -> Iterator[DomainOffice]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'minyuan.db'}"
        yield from _office(url)
        return
    with request.getfixturevalue("pg").database() as url:
        yield from _office(url)


def _office(url: str) -> Iterator[DomainOffice]:
    deps = make_deps(url, ManualClock(bj(2026, 11, 23, 9)))
    seed_office(deps)
    try:
        yield DomainOffice(deps)
    finally:
        deps.engine.dispose()


def found(office: DomainOffice, query: str, *, viewer: int = DISTRICT_TG) -> list[str]:
    board = build_services(office.deps).board
    rows, total = board.petitions(tg_user_id=viewer, filters=Filters(text=query))
    assert total == len(rows)
    return [row.number for row in rows]


def test_finds_words_numbers_and_short_queries(office):
    petition = office.submit(TEXT)
    other = office.submit("小区门口垃圾堆了三天没人清理", resident_tg=9002)
    assert found(office, "电梯坏") == [petition.number]  # three characters and more: the index
    assert found(office, "电梯") == [petition.number]  # two: a scan of the scope, same answer
    assert found(office, "三天") == [other.number, petition.number]  # newest first
    assert found(office, petition.number.lower()) == [petition.number]
    assert found(office, "5678") == [petition.number]  # the masked phone keeps its tail in sight
    assert found(office, "100%") == [] and found(office, '"电梯"') == []  # quoted, escaped
    assert found(office, "电梯坏", viewer=QINGNIAN_TG) == []  # another community's staff


def test_personal_data_finds_nothing_for_those_who_see_it_masked(office):
    petition = office.submit(TEXT)
    for viewer in (DISTRICT_TG, SUPERVISOR_TG, HANDLER_TG):  # nobody handles it yet
        assert found(office, "13812345678", viewer=viewer) == []
        assert found(office, "王建国", viewer=viewer) == []
    office.desk.claim(tg_user_id=HANDLER_TG, petition_id=petition.id)
    # Its handler may read the contact data, so may find the petition by it; others still not.
    assert found(office, "13812345678", viewer=HANDLER_TG) == [petition.number]
    assert found(office, "王建国", viewer=HANDLER_TG) == [petition.number]
    assert found(office, "13812345678", viewer=SUPERVISOR_TG) == []


def test_follows_every_change_of_the_text(office):
    petition = office.submit("楼道灯坏了")
    assert found(office, "水管爆") == []
    assert office.say("还有水管爆了，一直在漏") == "appended"
    assert found(office, "水管爆") == [petition.number] and found(office, "楼道灯") == [petition.number]


def test_rows_without_search_text_are_filled_at_start_up(office):
    petition = office.submit(TEXT)
    with office.deps.engine.begin() as connection:  # as a release before search left them
        connection.execute(text("UPDATE petition SET search_text = NULL"))
    assert found(office, "电梯坏") == []
    assert fill_missing(office.deps.engine) == 1 and fill_missing(office.deps.engine) == 0
    assert found(office, "电梯坏") == [petition.number]
    with transaction(office.deps.engine) as session:
        stored = session.exec(select(Petition.search_text)).one()
    assert stored is not None and "13812345678" not in stored and "王建国" not in stored


def test_sqlite_triggers_lost_in_a_table_rebuild_are_made_again(office):
    if office.deps.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's index belongs to the table")
    with office.deps.engine.begin() as connection:  # what a batch migration's copy leaves
        for name in ("insert", "delete", "update"):
            connection.execute(text(f"DROP TRIGGER petition_fts_{name}"))
        search.ensure(connection)
    petition = office.submit(TEXT)
    assert found(office, "电梯坏") == [petition.number]


def test_a_list_counts_up_to_its_cap(office):
    from storage.board import petition_page

    numbers = [office.submit(f"{n}号楼楼道灯坏了", resident_tg=9100 + n).number for n in range(1, 5)]
    with transaction(office.deps.engine) as session:
        def page(offset: int, cap: int) -> tuple[list[str], int]:
            rows, total = petition_page(session, communities=["hongqi"], filters=Filters(),
                                        open_statuses=["submitted"], now=office.clock.now(),
                                        offset=offset, limit=2, cap=cap)
            return [row.number for row in rows], total

        assert page(0, 10) == (numbers[:1:-1], 4)
        assert page(2, 2) == (numbers[1::-1], 3)  # "more than 2"; the pages still reach the end
