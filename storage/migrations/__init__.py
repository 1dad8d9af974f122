"""Schema migrations with Alembic, driven from code: no alembic.ini, so an installed package upgrades.

The revisions live in ``versions/`` next to this file (shipped as package data); ``env.py`` runs
them on a connection this module hands over. Every start-up calls ``upgrade``:

- an empty database gets the baseline and every later revision;
- a database made by a release before migrations (our tables, no ``alembic_version``) is
  recognised: the baseline creates only what it lacks (as ``create_all`` did), then the later
  revisions run and the version is stamped;
- a database already at the newest revision is left alone;
- a database stamped with a revision this code does not know (a newer release wrote it) is
  refused with ``SchemaTooNew``: running old code on it would corrupt it.

On PostgreSQL the upgrade holds an advisory lock, so two processes starting together do not
both run it. On SQLite foreign keys are off while it runs (batch migrations copy tables) and
checked before the commit.
"""

from __future__ import annotations

import functools
import logging
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString

from storage import search
from storage.db import StorageError, make_engine, shown_url
from storage.search import is_search_object
from storage.types import EnumString, UTCDateTime

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
# pg_advisory_xact_lock key: "miny" in ASCII, so it is recognisable in pg_locks.
_PG_LOCK = 0x6D696E79


class SchemaTooNew(StorageError):
    """The database carries a revision this version of minyuan does not know."""


@dataclass(frozen=True)
class Upgrade:
    """What ``upgrade`` found and left: revisions before and after."""

    before: str | None  # None: no alembic_version (empty, or a release before migrations)
    after: str
    pre_migration: bool = False  # it had our tables but no alembic_version

    def describe(self) -> str:
        if self.before == self.after:
            return f"database schema is current (revision {self.after})"
        if self.pre_migration:
            return f"database upgraded from the release before migrations to {self.after}"
        if self.before is None:
            return f"database created at revision {self.after}"
        return f"database upgraded from {self.before} to {self.after}"


@dataclass(frozen=True)
class State:
    """Where a database stands, for ``minyuan db current``."""

    revision: str | None
    head: str
    pre_migration: bool
    known: bool

    def describe(self) -> str:
        if not self.known:
            return (f"{self.revision}: newer than this minyuan knows (its newest is {self.head}); "
                    "upgrade minyuan")
        if self.revision == self.head:
            return f"{self.head} (head)"
        if self.revision is None:
            made = "made by a release before migrations" if self.pre_migration else "empty"
            return f"none ({made}); `minyuan db upgrade` brings it to {self.head}"
        return f"{self.revision}, behind {self.head}; `minyuan db upgrade` brings it there"


def context_options() -> dict[str, Any]:
    """How revisions are compared and rendered; env.py and ``check`` use the same options."""
    return {
        "render_as_batch": True,  # SQLite alters a table by copying it; batch ops do that
        "compare_type": True,
        "render_item": _render_item,
        "include_object": _include_object,
    }


def _include_object(obj: object, name: str | None, kind: str, reflected: bool, compare_to: object) -> bool:
    # The search index is dialect-specific DDL (revision 0004, storage.search), not in the models:
    # SQLite's FTS5 table with its shadow tables, PostgreSQL's GIN trigram index.
    return not (reflected and compare_to is None and kind in ("table", "index") and is_search_object(name))


def _render_item(kind: str, obj: object, _context: object) -> str | bool:
    # Revisions name plain SQLAlchemy types, so they never depend on code that may change later.
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    if kind == "type" and isinstance(obj, (AutoString, EnumString)):
        return "sa.String()"
    return False


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("path_separator", "os")
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.set_main_option("truncate_slug_length", "40")
    config.attributes["connection"] = connection
    return config


@functools.cache
def scripts() -> ScriptDirectory:
    """The revisions, read once per process (every start-up and every test database asks).

    Raises StorageError when two files carry one revision id (two branches each added 0002):
    alembic only warns and keeps one of them, and the other's change would never run.
    """
    directory = ScriptDirectory.from_config(alembic_config())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        directory.revision_map.heads  # noqa: B018  (reads every revision file now)
    for warning in caught:
        if "present more than once" in str(warning.message):
            raise StorageError(f"{warning.message} in {HERE / 'versions'}: renumber one of them "
                               "and set its down_revision to the other")
    return directory


def head() -> str:
    """The newest revision this code knows."""
    heads = scripts().get_heads()
    if len(heads) != 1:  # two branches each added a revision: one must be rebased on the other
        raise StorageError(f"the migrations have {len(heads)} heads ({', '.join(heads)}); "
                           "give one of them the other as down_revision")
    return heads[0]


def upgrade(engine: Engine, *, to: str = "head") -> Upgrade:
    """Bring the database to the newest revision (or to revision ``to``); raises
    ``SchemaTooNew``, ``StorageError``."""
    with _connect(engine) as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # outside a transaction, or SQLite ignores it
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
                state = _state(connection)
                if not state.known:
                    raise SchemaTooNew(
                        f"the database is at revision {state.revision}, which this minyuan does not "
                        f"know (its newest is {state.head}): a newer release wrote it; upgrade "
                        "minyuan, or use another database")
                if state.revision != (state.head if to == "head" else to):
                    _run_to_head(connection, to)
                    search.ensure(connection)
                    if sqlite:
                        _check_foreign_keys(connection)
                after = _revision(connection)
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()
    assert after is not None
    return Upgrade(before=state.revision, after=after, pre_migration=state.pre_migration)


def current(engine: Engine) -> State:
    """Where the database stands; changes nothing."""
    with _connect(engine) as connection:
        return _state(connection)


def check(engine: Engine | None = None) -> list[str]:
    """What the models have that the migrations do not make (or the reverse); [] when they agree.

    Without an engine the migrations run on a scratch SQLite database; with one, that database
    (which must be at the newest revision) is compared.
    """
    if engine is None:
        with _scratch() as scratch:
            return check(scratch)
    with _connect(engine) as connection:
        state = _state(connection)
        if state.revision != state.head:
            raise StorageError(f"the database is at {state.revision or 'no revision'}, not "
                               f"{state.head}: run `minyuan db upgrade` first")
        return [_describe_diff(diff) for diff in differences(connection)]


def differences(connection: Connection) -> list[Any]:
    """alembic's compare_metadata between the models and this database."""
    context = MigrationContext.configure(connection, opts=context_options())
    found: list[Any] = compare_metadata(context, SQLModel.metadata)
    return found


def revision(message: str) -> Path:
    """Write the next revision, autogenerated from what the models have that the migrations lack.

    Compared against a scratch SQLite database at the newest revision; review the file it
    writes (autogenerate misses renames and data moves) and run the tests.
    """
    if not message.strip():
        raise StorageError("a revision needs a message (-m \"add petition.source\")")
    with _scratch() as engine:
        if not check(engine):
            raise StorageError("the models and the migrations agree: there is nothing to add")
        with engine.begin() as connection:
            script = command.revision(alembic_config(connection), message=message,
                                      autogenerate=True, rev_id=_next_rev_id())
    scripts.cache_clear()
    assert script is not None and not isinstance(script, list)
    return Path(script.path)


def _run_to_head(connection: Connection, to: str = "head") -> None:
    """``alembic upgrade head`` (or ``to``) on this connection, with the revisions already read."""
    directory = scripts()

    def steps(revision: Any, _context: Any) -> Any:
        return directory._upgrade_revs(to, revision)  # what alembic's command.upgrade runs

    with EnvironmentContext(alembic_config(connection), directory, fn=steps, destination_rev=to):
        directory.run_env()


def _next_rev_id() -> str:
    numbers = [int(rev.revision) for rev in scripts().walk_revisions() if rev.revision.isdigit()]
    return f"{max(numbers, default=0) + 1:04d}"


def _state(connection: Connection) -> State:
    revision = _revision(connection)
    directory = scripts()
    newest = head()
    known = True
    if revision is not None:
        try:
            directory.get_revision(revision)
        except CommandError:
            known = False
    ours = set(SQLModel.metadata.tables) & set(inspect(connection).get_table_names())
    return State(revision=revision, head=newest, pre_migration=revision is None and bool(ours),
                 known=known)


def _revision(connection: Connection) -> str | None:
    heads = MigrationContext.configure(connection).get_current_heads()
    return heads[0] if heads else None


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        table, rowid, parent, _ = broken[0]
        raise StorageError(f"the upgrade left {len(broken)} rows pointing nowhere "
                           f"({table} row {rowid} -> {parent}); nothing was changed")


@contextmanager
def _connect(engine: Engine) -> Iterator[Connection]:
    try:
        connection = engine.connect()
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise StorageError(f"cannot open the database {shown_url(engine.url)}: {reason}") from exc
    with connection:
        yield connection


@contextmanager
def _scratch() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory(prefix="minyuan-migrations-") as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'scratch.db'}")
        try:
            upgrade(engine)
            yield engine
        finally:
            engine.dispose()


def _describe_diff(diff: Any) -> str:
    """One alembic diff, shortly: ('add_column', None, 'petition', Column('x')) -> 'add_column petition.x'."""
    if isinstance(diff, list):  # modify_* diffs come as a list of tuples
        return "; ".join(_describe_diff(d) for d in diff)
    kind, *rest = diff
    names: list[str] = []
    for item in rest:
        name = getattr(item, "name", None) if not isinstance(item, str) else item
        table = getattr(getattr(item, "table", None), "name", None)
        if name and table and name != table:
            name = f"{table}.{name}"
        if name:
            names.append(str(name))
    shown = [n for n in names if not any(o != n and o.startswith(f"{n}.") for o in names)]
    return " ".join([kind, *dict.fromkeys(shown)])
