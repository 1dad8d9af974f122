"""create_schema brings a database made by an earlier version up to the current tables and indexes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from storage.db import create_schema, make_engine
from tests.reception.pg_server import PgServer, postgres_server


@pytest.fixture(scope="module")
def pg() -> Iterator[PgServer]:
    with postgres_server() as server:
        yield server


def _indexes(engine) -> set[tuple[str, str]]:
    """(table, index) for every index, except those PostgreSQL makes for unique constraints."""
    inspector = inspect(engine)
    return {
        (table, index["name"])
        for table in inspector.get_table_names()
        for index in inspector.get_indexes(table)
        if "duplicates_constraint" not in index
    }


def _expected() -> set[tuple[str, str]]:
    return {(t.name, i.name) for t in SQLModel.metadata.sorted_tables for i in t.indexes}


def check_an_older_database_gets_what_it_lacks(url: str) -> None:
    engine = make_engine(url)
    try:
        create_schema(engine)
        expected = _expected()
        assert expected and _indexes(engine) == expected
        # What an earlier version left behind: an index and a whole table missing.
        dropped_table, dropped_index = sorted(expected)[0]
        other = next(t for t in SQLModel.metadata.sorted_tables
                     if t.name != dropped_table and not t.foreign_key_constraints
                     and not any(fk.column.table is t for fk in _all_foreign_keys()))
        with engine.begin() as connection:
            connection.execute(text(f'DROP INDEX "{dropped_index}"'))
            connection.execute(text(f'DROP TABLE "{other.name}"'))
        assert (dropped_table, dropped_index) not in _indexes(engine)

        create_schema(engine)
        assert _indexes(engine) == expected
        assert other.name in inspect(engine).get_table_names()
        create_schema(engine)  # and again: nothing to do, no error
        assert _indexes(engine) == expected

        # An index a later version retired goes; the ladder's replaced (status, deadline) pair.
        with engine.begin() as connection:
            connection.execute(text(
                "CREATE INDEX ix_petition_open_respond ON petition (status, respond_due)"))
        create_schema(engine)
        assert _indexes(engine) == expected
    finally:
        engine.dispose()


def _all_foreign_keys():
    return [fk for table in SQLModel.metadata.sorted_tables for fk in table.foreign_keys]


def test_sqlite(tmp_path):
    check_an_older_database_gets_what_it_lacks(f"sqlite:///{tmp_path / 'old.db'}")


def test_postgresql(pg):
    with pg.database() as url:
        check_an_older_database_gets_what_it_lacks(url)
