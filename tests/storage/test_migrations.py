"""Schema migrations: an empty database and ones made by the versions before migrations reach the
newest revision with their rows; the models and the migrations agree; a newer database is refused.

Each case runs on SQLite and on PostgreSQL (one throwaway cluster for the module).
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, select

from bot.cli import main
from bot.config import load_config
from bot.wiring import build_deps
from storage import migrations, search
from storage.db import StorageError, make_engine, transaction
from storage.models import Petition, PetitionEvent, Resident
from tests.reception.pg_server import PgServer, postgres_server

# The versions before migrations whose databases offices may have: the last (bb67da8) and an
# earlier one (80be9e0: no ladder or community indexes, four indexes bb67da8 retired).
LAST, EARLIER = "bb67da8", "80be9e0"
RETIRED = {"ix_petition_open_respond": "status, respond_due", "ix_petition_open_resolve": "status, resolve_due",
           "ix_petition_open_respond_remind": "status, respond_remind_at",
           "ix_petition_open_resolve_remind": "status, resolve_remind_at"}
ADDED = ("ix_petition_community_created", "ix_petition_community_status", "ix_petition_ladder_respond_due",
         "ix_petition_ladder_respond_remind", "ix_petition_ladder_resolve_due", "ix_petition_ladder_resolve_remind")
AT = datetime(2026, 11, 23, 1, 0)  # naive UTC, as the columns store it


@pytest.fixture(scope="module")
def pg() -> Iterator[PgServer]:
    with postgres_server() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'minyuan.db'}"
        return
    with request.getfixturevalue("pg").database() as database:
        yield database


@pytest.fixture
def engine(url) -> Iterator[Engine]:
    engine = make_engine(url)
    yield engine
    engine.dispose()


def made_before_migrations(engine: Engine, version: str = LAST) -> None:
    """The schema a version before migrations made: on SQLite the very DDL it ran (saved from its
    create_all), on PostgreSQL the baseline's frozen tables (with the earlier version's indexes)."""
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            snapshot = Path(__file__).with_name(f"schema_{version}.sqlite.sql")
            raw.executescript(snapshot.read_text(encoding="utf-8"))  # type: ignore[attr-defined]
        finally:
            raw.close()
        return
    migrations.scripts().get_revision("0001").module.schema().create_all(engine)
    if version == EARLIER:
        with engine.begin() as connection:
            for name in ADDED:
                connection.execute(text(f"DROP INDEX {name}"))
            for name, columns in RETIRED.items():
                connection.execute(text(f"CREATE INDEX {name} ON petition ({columns})"))


def petition_indexes(engine: Engine) -> set[str]:
    return {index["name"] for index in inspect(engine).get_indexes("petition")}


def some_rows(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO resident (id, tg_user_id, name, username, community_code, blocked_bot, "
            "created_at) VALUES (1, 5000000001, '王芳', 'wangfang', 'hongqi', false, :at)"), {"at": AT})
        connection.execute(text(
            "INSERT INTO petition (id, number, channel, status, community_code, street_code, "
            "resident_id, category, confidence, keywords, tokens, urgent, urgent_words, complex, "
            "triage, text, reopen_count, created_at, last_message_at, respond_step, resolve_step, "
            "overdue, version) VALUES (1, 'MY-20261123-0001', 'telegram', 'submitted', 'hongqi', "
            "'xinhua', 1, '房屋维修', 1.0, '[\"漏水\"]', '[]', false, '[]', false, false, "
            "'楼上漏水', 0, :at, :at, 0, 0, false, 0)"), {"at": AT})
        connection.execute(text(
            "INSERT INTO petitionevent (petition_id, at, actor_kind, action, to_status, detail) "
            "VALUES (1, :at, 'resident', 'submit', 'submitted', '{}')"), {"at": AT})


def tables(engine: Engine) -> set[str]:
    """Our tables (without alembic's, and without SQLite's FTS5 table and its shadows)."""
    return {name for name in inspect(engine).get_table_names()
            if name != "alembic_version" and not search.is_search_object(name)}


def test_an_empty_database_is_created_at_the_newest_revision(engine):
    done = migrations.upgrade(engine)
    assert (done.before, done.after, done.pre_migration) == (None, migrations.head(), False)
    assert done.describe() == f"database created at revision {migrations.head()}"
    assert tables(engine) == set(SQLModel.metadata.tables)
    assert migrations.current(engine).describe() == f"{migrations.head()} (head)"
    assert migrations.upgrade(engine).describe() == f"database schema is current (revision {migrations.head()})"


def test_the_baseline_makes_exactly_the_schema_of_the_release_before_migrations(tmp_path):
    """Statement by statement, what SQLite keeps of every CREATE (columns in order, constraints)."""
    made = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    old = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        migrations.upgrade(made, to="0001")
        made_before_migrations(old, LAST)
        assert _ddl(made) - _ddl(old) == {"CREATE TABLE alembic_version ( version_num VARCHAR(32) NOT NULL, "
                                          "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num) )"}
        assert _ddl(old) <= _ddl(made) and len(_ddl(old)) == 52
    finally:
        made.dispose()
        old.dispose()


def _ddl(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL")).scalars()
        return {" ".join(statement.split()) for statement in rows}


def test_the_models_and_the_migrations_agree(engine):
    """Fails when a model gains a column, index or table that no revision makes."""
    migrations.upgrade(engine)
    with engine.connect() as connection:
        assert migrations.differences(connection) == []


@pytest.mark.parametrize("version", [LAST, EARLIER])
def test_a_database_of_a_version_before_migrations_keeps_its_rows(engine, version, caplog):
    made_before_migrations(engine, version)
    some_rows(engine)
    assert (set(RETIRED) <= petition_indexes(engine)) == (version == EARLIER)
    assert migrations.current(engine).describe().startswith("none (made by a release before migrations)")

    with caplog.at_level(logging.INFO, logger="bot.wiring"):
        build_deps(load_config().with_database(_url(engine))).engine.dispose()  # every start-up
    assert f"database upgraded from the release before migrations to {migrations.head()}" in caplog.messages

    assert migrations.current(engine).revision == migrations.head()
    assert set(ADDED) <= petition_indexes(engine) and not set(RETIRED) & petition_indexes(engine)
    with transaction(engine) as session:
        petition = session.get(Petition, 1)
        assert petition is not None and petition.number == "MY-20261123-0001"
        assert petition.keywords == ["漏水"] and petition.created_at == AT.replace(tzinfo=UTC)
        assert session.get(Resident, 1).name == "王芳"
        assert len(session.exec(select(PetitionEvent)).all()) == 1
    with engine.connect() as connection:
        assert migrations.differences(connection) == []


def test_an_older_database_gets_the_table_and_index_it_lacks(engine):
    made_before_migrations(engine)
    with engine.begin() as connection:  # an earlier release still: no calendar_day, no sweep index
        connection.execute(text("DROP TABLE calendar_day"))
        connection.execute(text("DROP INDEX ix_petition_ladder_respond_remind"))
    done = migrations.upgrade(engine)
    assert done.pre_migration and done.after == migrations.head()
    assert "calendar_day" in tables(engine)
    assert "ix_petition_ladder_respond_remind" in petition_indexes(engine)
    with engine.connect() as connection:
        assert migrations.differences(connection) == []


def test_a_missing_migration_is_reported_by_check(engine, url, capsys):
    migrations.upgrade(engine)
    with engine.begin() as connection:  # as if the model had a column no revision adds
        connection.execute(text("ALTER TABLE petition DROP COLUMN version"))
    assert migrations.check(engine) == ["add_column petition.version"]
    assert main(["db", "check", "--db", url]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "models and migrations differ: add_column petition.version" in err


def test_check_compares_the_models_with_migrations_run_from_nothing(capsys):
    assert migrations.check() == []
    assert main(["db", "check"]) == 0
    assert capsys.readouterr().out == "models and migrations agree\n"


def test_a_database_newer_than_the_code_is_refused_in_one_line(engine, url, tmp_path, capsys):
    migrations.upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(migrations.SchemaTooNew, match="revision 9999, which this minyuan does not know"):
        migrations.upgrade(engine)
    assert main(["db", "current", "--db", url]) == 1
    assert capsys.readouterr().out.startswith("9999: newer than this minyuan knows")

    config_file = _config_file(tmp_path, url)  # start-up refuses too: one line, exit 2
    assert main(["--config", str(config_file), "invite", "--role", "admin", "--scope", "hongqi"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "database error" in err and "9999" in err
    with engine.connect() as connection:  # and changed nothing
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "9999"


def test_two_processes_starting_together_upgrade_once(engine, url):
    """PostgreSQL: the upgrade holds an advisory lock; the second one finds the schema current."""
    if engine.dialect.name != "postgresql":
        pytest.skip("one SQLite file is one process's")
    results: list[object] = []
    start = threading.Barrier(2)

    def start_up() -> None:
        other = make_engine(url)
        try:
            start.wait()
            results.append(migrations.upgrade(other).describe())
        except Exception as exc:  # collected; asserted below
            results.append(exc)
        finally:
            other.dispose()

    threads = [threading.Thread(target=start_up) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(map(str, results)) == [f"database created at revision {migrations.head()}",
                                         f"database schema is current (revision {migrations.head()})"]


@pytest.mark.parametrize("bad", ["not a url", "postgresql+psycopg://u:secret@127.0.0.1:1/x",
                                 "sqlite:////no/such/folder/x.db"])
def test_a_bad_database_url_is_one_line(bad, capsys):
    assert main(["db", "upgrade", "--db", bad]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("数据库错误 / database error: ")
    assert "secret" not in err and "Traceback" not in err


LAGGING = '''"""A migration directory that lags behind the models: petition.version dropped."""
from alembic import op

revision = "{revision}"
down_revision = "{down}"
branch_labels = depends_on = None


def upgrade():
    with op.batch_alter_table("petition") as batch:
        batch.drop_column("version")


def downgrade():
    pass
'''


@pytest.fixture
def lagging_migrations(tmp_path, monkeypatch) -> Path:
    """A copy of the migrations whose newest revision the models do not follow (never the tree's)."""
    folder = tmp_path / "migrations"
    shutil.copytree(migrations.HERE, folder, ignore=shutil.ignore_patterns("__pycache__"))
    head = migrations.head()
    lagging = f"{int(head) + 1:04d}"
    (folder / "versions" / f"{lagging}_drop_version.py").write_text(
        LAGGING.format(revision=lagging, down=head), encoding="utf-8")
    monkeypatch.setattr(migrations, "HERE", folder)
    migrations.scripts.cache_clear()
    yield folder
    migrations.scripts.cache_clear()


def test_a_revision_is_written_from_what_the_models_add(lagging_migrations, tmp_path):
    shipped = sorted(p.name for p in (lagging_migrations / "versions").glob("0*.py"))
    lagging = migrations.head()
    after = f"{int(lagging) + 1:04d}"
    assert migrations.check() == ["add_column petition.version"]
    written = migrations.revision("add petition.version")
    assert written == lagging_migrations / "versions" / f"{after}_add_petition_version.py"
    assert "batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False))" in written.read_text()
    assert migrations.head() == after and migrations.check() == []
    with pytest.raises(StorageError, match="nothing to add"):
        migrations.revision("again")
    assert sorted(p.name for p in (lagging_migrations / "versions").glob("0*.py")) == sorted(
        [*shipped, f"{after}_add_petition_version.py"])


def test_two_revisions_with_one_number_are_refused(lagging_migrations):
    lagging = migrations.head()
    down = f"{int(lagging) - 1:04d}"
    (lagging_migrations / "versions" / f"{lagging}_another.py").write_text(
        LAGGING.format(revision=lagging, down=down), encoding="utf-8")
    migrations.scripts.cache_clear()
    with pytest.raises(StorageError, match=f"Revision {lagging} is present more than once"):
        migrations.head()


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _config_file(tmp_path: Path, url: str) -> Path:
    shipped = load_config()
    path = tmp_path / "config.toml"
    path.write_text(shipped.path.read_text(encoding="utf-8")
                    .replace('url = "sqlite:///minyuan.db"', f'url = "{url}"')
                    .replace('organisation = "org.toml"', f'organisation = "{shipped.reception.organisation}"'),
                    encoding="utf-8")
    return path
