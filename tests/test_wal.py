"""The WAL checkpointer takes SQLite's checkpoints off the committing thread, and gives them back."""

from __future__ import annotations

import threading

import pytest

from storage.db import WalCheckpointer, create_schema, make_engine

PAGES = 1200  # more than the 1,000 at which SQLite would checkpoint inside a commit


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    create_schema(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE scratch (data BLOB)")
    yield engine
    engine.dispose()


def _autocheckpoint(engine) -> int:
    with engine.connect() as connection:
        return connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one()


def _write_pages(engine, pages: int) -> None:
    for _ in range(pages):  # one commit per page-sized row, as petitions commit one by one
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO scratch VALUES (randomblob(4000))")


def test_commits_leave_checkpoints_to_the_checkpointer(engine):
    checkpointer = WalCheckpointer(engine, interval=3600)  # the test checkpoints by hand
    checkpointer.start()
    try:
        assert _autocheckpoint(engine) == 0
        _write_pages(engine, PAGES)
        busy, frames, copied = checkpointer.checkpoint()
        assert busy == 0
        assert frames > PAGES  # no commit checkpointed on the way
        assert copied == frames
    finally:
        checkpointer.stop()
    assert _autocheckpoint(engine) == 1000  # SQLite's default is back


def test_without_the_checkpointer_sqlite_checkpoints_in_commits(engine):
    _write_pages(engine, PAGES)
    with engine.connect() as connection:
        _, frames, _ = connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
    assert frames < PAGES


def test_the_thread_checkpoints_until_stopped(engine):
    rounds = threading.Semaphore(0)

    class Counting(WalCheckpointer):
        def checkpoint(self) -> tuple[int, int, int]:
            result = super().checkpoint()
            rounds.release()
            return result

    checkpointer = Counting(engine, interval=0.001)
    checkpointer.start()
    try:
        assert all(rounds.acquire(timeout=10) for _ in range(3))
    finally:
        checkpointer.stop()
    assert not any(t.name == "minyuan-wal" for t in threading.enumerate())


def test_only_for_sqlite():
    class FakeDialect:
        name = "postgresql"

    class FakeEngine:
        dialect = FakeDialect()

    with pytest.raises(ValueError, match="SQLite"):
        WalCheckpointer(FakeEngine())  # type: ignore[arg-type]
