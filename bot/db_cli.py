"""`minyuan db ...`: the schema's revision, upgrading it, and checking models against migrations."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from bot.config import load_config

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

DB_HELP = "database URL (default: database.url from the config)"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `db` command and its actions to the main parser."""
    db = subparsers.add_parser(
        "db", help="the database schema: upgrade it, show its revision, check the migrations",
        description="Schema migrations (Alembic, shipped in storage/migrations). Every start-up "
                    "upgrades the database too; these commands do it by hand.")
    actions = db.add_subparsers(title="actions", metavar="ACTION", dest="action", required=True)

    upgrade = actions.add_parser(
        "upgrade", help="bring the database to the newest revision (a database made before "
                        "migrations is recognised and kept)")
    upgrade.add_argument("--db", metavar="URL", help=DB_HELP)
    upgrade.set_defaults(func=upgrade_command)

    current = actions.add_parser("current", help="print the database's revision and the newest one")
    current.add_argument("--db", metavar="URL", help=DB_HELP)
    current.set_defaults(func=current_command)

    check = actions.add_parser(
        "check", help="exit 1 when the models and the migrations differ (a revision is missing)")
    check.add_argument("--db", metavar="URL",
                       help="compare this database, at the newest revision, with the models "
                            "(default: a scratch SQLite database upgraded from nothing)")
    check.set_defaults(func=check_command)

    revision = actions.add_parser(
        "revision", help="(developers) write the next revision from what the models add")
    revision.add_argument("-m", "--message", required=True,
                          help="what the revision does, e.g. \"add petition.source\"")
    revision.set_defaults(func=revision_command)


def upgrade_command(args: argparse.Namespace) -> int:
    from storage.migrations import upgrade

    with _engine(args) as engine:
        print(upgrade(engine).describe())
    return 0


def current_command(args: argparse.Namespace) -> int:
    from storage.migrations import current

    with _engine(args) as engine:
        state = current(engine)
    print(state.describe())
    return 0 if state.known else 1


def check_command(args: argparse.Namespace) -> int:
    from storage.migrations import check

    if args.db:
        with _engine(args) as engine:
            differences = check(engine)
    else:
        differences = check()
    if differences:
        print(f"models and migrations differ: {'; '.join(differences)} "
              "(add a revision: python3 -m bot db revision -m \"...\")", file=sys.stderr)
        return 1
    print("models and migrations agree")
    return 0


def revision_command(args: argparse.Namespace) -> int:
    from storage.migrations import revision

    path = revision(args.message)
    print(f"wrote {path}; read it (autogenerate misses renames and data moves), then run the tests")
    return 0


@contextmanager
def _engine(args: argparse.Namespace) -> Iterator[Engine]:
    from storage.db import make_engine

    engine = make_engine(args.db or load_config(args.config).database.url)
    try:
        yield engine
    finally:
        engine.dispose()
