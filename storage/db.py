"""Engine and session factory. SQLite (embedded default) and PostgreSQL behave the same."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlmodel import Session, create_engine

from storage import models  # noqa: F401  (registers the tables)

log = logging.getLogger(__name__)


class StorageError(Exception):
    """A database problem a user can act on (a bad URL, a server that does not answer, a schema
    newer than the code); its message is one line."""


def shown_url(url: str | URL) -> str:
    """The URL as it may be printed: the password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a database URL)"


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine; SQLite gets WAL and a busy timeout so several connections coexist.

    Raises StorageError for a URL that names no database or a driver that is not installed.
    """
    try:
        return _make_engine(url, echo=echo)
    except (ArgumentError, ImportError) as exc:
        raise StorageError(f"cannot use the database URL {shown_url(url)}: {exc}") from exc


def _make_engine(url: str, *, echo: bool) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # psycopg prepares a statement run five times, and PostgreSQL then may plan it once for any
    # parameters: for a scope's IN list and a period that generic plan can read a district's
    # whole history (the desk's overview went from 0.25 s to 0.5 s on its sixth call, see
    # benchmarks/bench_desk.py). Every call is planned for its own values instead.
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=5,
                         connect_args={"options": "-c plan_cache_mode=force_custom_plan"})


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class WalCheckpointer:
    """Moves an SQLite database's WAL checkpoints off the thread that commits.

    SQLite checkpoints automatically inside the commit that grows the WAL past 1,000 pages, and
    in WAL mode with synchronous=NORMAL that is the only step that waits for the disk (the WAL
    and the database file are synced). At 50 petitions/s that is twice a second; on a busy disk
    such a commit stalls for 0.1-1 s, and every petition queued behind the one database thread
    with it. While this runs, the engine's connections do no automatic checkpoint and a thread
    of its own runs a PASSIVE checkpoint every `interval` seconds, which blocks neither readers
    nor writers. Commits stay as durable as before; only the copying into the database file
    moves. `stop()` ends the thread and closes the pooled connections; new ones checkpoint
    automatically again.
    """

    def __init__(self, engine: Engine, *, interval: float = 1.0) -> None:
        if engine.dialect.name != "sqlite":
            raise ValueError("WAL checkpoints are an SQLite matter")
        self._engine = engine
        self._interval = interval
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        event.listen(self._engine, "connect", _no_autocheckpoint)
        self._engine.dispose()  # pooled connections reopen through the listener
        self._thread = threading.Thread(target=self._run, name="minyuan-wal", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stopping.set()
        self._thread.join()
        self._thread = None
        event.remove(self._engine, "connect", _no_autocheckpoint)
        # Connections opened from now on checkpoint automatically again.
        self._engine.dispose()

    def checkpoint(self) -> tuple[int, int, int]:
        """One PASSIVE checkpoint: (1 if it could not finish, WAL frames, frames copied)."""
        with self._engine.connect() as connection:
            busy, frames, copied = connection.exec_driver_sql(
                "PRAGMA wal_checkpoint(PASSIVE)").one()
        return busy, frames, copied

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            try:
                self.checkpoint()
            except Exception:  # the next round tries again; commits are unaffected
                log.exception("WAL checkpoint failed")


def _no_autocheckpoint(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def refresh_statistics(engine: Engine) -> None:
    """Give SQLite's query planner fresh statistics (PostgreSQL's autovacuum keeps its own).

    Without them SQLite takes any index on an ``IN`` list for selective, and sorts a
    district's whole history to show its newest 30. ``analysis_limit`` samples each index
    (https://sqlite.org/lang_analyze.html#approx), so this takes milliseconds at any size."""
    if engine.dialect.name != "sqlite":
        return
    with engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA analysis_limit=1000")
        connection.exec_driver_sql("ANALYZE")


def create_schema(engine: Engine) -> None:
    """Bring the database to the newest schema: ``storage.migrations.upgrade``, for callers that
    need no report of what it did (tests, benchmarks)."""
    from storage.migrations import upgrade  # it imports this module

    upgrade(engine)


class _TransactionSession(Session):
    """A session that holds on to every object it loads or stores until it closes.

    SQLAlchemy's identity map references objects weakly, so an object the caller no longer
    holds is read again by the next ``session.get``; a transaction here is short, and
    reading each row once within it is what the domain code expects (see SQLAlchemy's
    "Session Referencing Behavior").
    """


@event.listens_for(_TransactionSession, "loaded_as_persistent")
@event.listens_for(_TransactionSession, "pending_to_persistent")
def _hold(session: Session, instance: object) -> None:
    session.info.setdefault("held", []).append(instance)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session whose work commits on success and rolls back on error."""
    with _TransactionSession(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
