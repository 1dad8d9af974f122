"""Full-text search over ``petition.search_text``: one query, an index per dialect.

``search_text`` holds the number and the text as everyone in scope sees it (masked personal
data), so a match never tells a viewer what they could not read. Chinese has no spaces, so
both indexes cut text into trigrams (three characters):

- SQLite: an FTS5 table with the trigram tokenizer (SQLite 3.34+), external content over
  ``petition`` (no second copy of the text), kept in step by three triggers; a row is in
  it exactly while its ``search_text`` is not NULL (FTS5 must be told the very values it
  indexed when one is deleted, or it reports itself corrupt);
- PostgreSQL: a GIN index with pg_trgm's ``gin_trgm_ops``, which answers ``ILIKE '%…%'``.
  pg_trgm only makes trigrams of what the database's LC_CTYPE calls letters: under
  ``LC_CTYPE=C`` Chinese is not, and the search stays right but reads every row in scope
  (``minyuan db check`` cannot see this; README "The supervisors' desk" says so).

A query shorter than three characters has no trigram; it is a substring scan of the rows
in scope on both databases. Revision 0004 creates the indexes; ``ensure`` (run after every
upgrade) re-makes SQLite's triggers should a later batch migration rebuild the table.
Read-only apart from ``ensure`` and ``fill``; never commits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, func, literal_column, or_, select, text, update
from sqlalchemy.engine import Connection

from storage.models import Petition
from storage.tables import table_of

FTS_TABLE = "petition_fts"
TRIGRAM_INDEX = "ix_petition_search_trgm"
MIN_INDEXED = 3  # trigram: shorter queries have nothing for an index to look up
# A whole public number (reception.petition.numbering: PREFIX-YYYYMMDD-NNNN). Its trigrams
# ("MY-", "202"…) are in every row, so it is looked up by number instead.
_WHOLE_NUMBER = re.compile(r"[A-Za-z]{1,10}-\d{8}-\d{3,7}")

# The same statements as revision 0004 made (the migration keeps its own frozen copy).
_SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER IF NOT EXISTS petition_fts_insert AFTER INSERT ON petition
WHEN new.search_text IS NOT NULL BEGIN
  INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text);
END""",
    f"""CREATE TRIGGER IF NOT EXISTS petition_fts_delete AFTER DELETE ON petition
WHEN old.search_text IS NOT NULL BEGIN
  INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END""",
    f"""CREATE TRIGGER IF NOT EXISTS petition_fts_update AFTER UPDATE OF search_text ON petition BEGIN
  INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text)
    SELECT 'delete', old.id, old.search_text WHERE old.search_text IS NOT NULL;
  INSERT INTO {FTS_TABLE}(rowid, search_text) SELECT new.id, new.search_text WHERE new.search_text IS NOT NULL;
END""",
)


def is_search_object(name: str | None) -> bool:
    """The tables and index this module makes outside the models (autogenerate leaves them be)."""
    return bool(name) and (name == TRIGRAM_INDEX or str(name).startswith(FTS_TABLE))


def ensure(connection: Connection) -> None:
    """Re-make what a table rebuild may have dropped: SQLite drops a table's triggers when a
    batch migration copies the table, which would leave the index behind. Idempotent."""
    if connection.dialect.name == "sqlite" and connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = ?", (FTS_TABLE,)).first():
        for statement in _SQLITE_TRIGGERS:
            connection.exec_driver_sql(statement)


def chinese_indexed(connection: Connection) -> bool:
    """False on a PostgreSQL database whose LC_CTYPE gives Chinese no trigrams (``C``): the
    search is right there but cannot use its index."""
    if connection.dialect.name != "postgresql":
        return True
    grams = connection.exec_driver_sql("SELECT show_trgm('楼道灯')").scalar()
    return bool(grams)


def _escaped(query: str) -> str:
    return query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def matches(query: str, *, dialect: str, handler_staff_id: int | None = None,
            column: Callable[[str], Any] | None = None) -> ColumnElement[bool]:
    """Petitions whose number or (masked) text holds ``query``, case-insensitively (a whole
    public number finds that petition only); and, for
    ``handler_staff_id``, also those they handle whose unmasked text holds it (a handler may
    read their residents' contact data, so may find a petition by it). ``column`` names the
    petition's columns as the caller's other conditions do (storage.board)."""
    c = column or table_of(Petition).c.__getitem__
    if _WHOLE_NUMBER.fullmatch(query):  # a pasted public number: the unique index, not trigrams
        return c("number") == query.upper()
    pattern = f"%{_escaped(query)}%"
    if dialect == "sqlite" and len(query) >= MIN_INDEXED:
        phrase = '"' + query.replace('"', '""') + '"'  # FTS5: a phrase of trigrams is a substring
        found: ColumnElement[bool] = c("id").in_(
            select(literal_column("rowid")).select_from(text(FTS_TABLE))
            .where(text(f"{FTS_TABLE} MATCH :fts_query").bindparams(fts_query=phrase)))
    elif dialect == "postgresql" and len(query) >= MIN_INDEXED:
        found = c("search_text").ilike(pattern, escape="\\")
    elif dialect == "postgresql":
        # No trigram to look up: ILIKE would send the planner through the whole GIN index.
        # strpos is not an operator the index serves, so the scope's own indexes lead.
        found = func.strpos(func.lower(c("search_text")), query.lower()) > 0
    else:  # SQLite under three characters: LIKE is case-insensitive for ASCII, as FTS5 is
        found = c("search_text").like(pattern, escape="\\")
    if handler_staff_id is None:
        return found
    raw = (c("text").ilike(pattern, escape="\\") if dialect == "postgresql"
           else c("text").like(pattern, escape="\\"))
    return or_(found, and_(c("handler_staff_id") == handler_staff_id, raw))


def fill(connection: Connection, searchable: Callable[[str, str], str], *,
         batch: int = 2000) -> int:
    """Set ``search_text`` on the rows that have none (made before search existed);
    ``searchable(number, text)`` makes it. Returns how many rows it filled."""
    table = table_of(Petition)
    p = table.c
    done = 0
    while True:
        rows: Sequence[tuple[int, str, str]] = connection.execute(
            select(p.id, p.number, p.text).where(p.search_text.is_(None)).order_by(p.id).limit(batch)
        ).all()
        if not rows:
            return done
        connection.execute(update(table).where(p.id == bindparam("pid")).values(search_text=bindparam("made")),
                           [{"pid": pid, "made": searchable(number, body)} for pid, number, body in rows])
        done += len(rows)
