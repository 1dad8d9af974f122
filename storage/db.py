"""Engine and session factory. SQLite (embedded default) and PostgreSQL behave the same."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

from storage import models  # noqa: F401  (registers the tables)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine; SQLite gets WAL and a busy timeout so several connections coexist."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=5)


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_schema(engine: Engine) -> None:
    """Create missing tables, and indexes a newer version added to existing ones (idempotent).

    `create_all` skips a table that exists, indexes included; a database made by an earlier
    version would then lack an index a query now relies on (the deadline sweep's, say).
    """
    with engine.begin() as connection:
        existing = set(inspect(connection).get_table_names())
        SQLModel.metadata.create_all(connection)
        inspector = inspect(connection)
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in existing or not table.indexes:
                continue
            present = {index["name"] for index in inspector.get_indexes(table.name)}
            for index in table.indexes:
                if index.name not in present:
                    index.create(connection)


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
