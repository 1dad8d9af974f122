"""petition.search_text and its full-text index

Revision 0005, after 0004; made 2026-12-03 12:16:15.541281.

SQLite: an FTS5 table with the trigram tokenizer over petition.search_text (external
content, three triggers); PostgreSQL: pg_trgm and a GIN trigram index. The statements are
written out here, frozen; storage.search re-makes SQLite's triggers after every upgrade
with the same text. The column is filled at start-up (reception.petition.searchable: the
masked text is made by nlp, which a migration does not import).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UP = (
    "CREATE VIRTUAL TABLE petition_fts USING fts5(search_text, content='petition', "
    "content_rowid='id', tokenize='trigram')",
    """CREATE TRIGGER IF NOT EXISTS petition_fts_insert AFTER INSERT ON petition
WHEN new.search_text IS NOT NULL BEGIN
  INSERT INTO petition_fts(rowid, search_text) VALUES (new.id, new.search_text);
END""",
    """CREATE TRIGGER IF NOT EXISTS petition_fts_delete AFTER DELETE ON petition
WHEN old.search_text IS NOT NULL BEGIN
  INSERT INTO petition_fts(petition_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END""",
    """CREATE TRIGGER IF NOT EXISTS petition_fts_update AFTER UPDATE OF search_text ON petition BEGIN
  INSERT INTO petition_fts(petition_fts, rowid, search_text)
    SELECT 'delete', old.id, old.search_text WHERE old.search_text IS NOT NULL;
  INSERT INTO petition_fts(rowid, search_text) SELECT new.id, new.search_text WHERE new.search_text IS NOT NULL;
END""",
)
SQLITE_DOWN = ("DROP TRIGGER IF EXISTS petition_fts_insert", "DROP TRIGGER IF EXISTS petition_fts_delete",
               "DROP TRIGGER IF EXISTS petition_fts_update", "DROP TABLE IF EXISTS petition_fts")
PG_UP = ("CREATE EXTENSION IF NOT EXISTS pg_trgm",
         "CREATE INDEX ix_petition_search_trgm ON petition USING gin (search_text gin_trgm_ops)")
PG_DOWN = ("DROP INDEX IF EXISTS ix_petition_search_trgm",)


def _run(statements: Sequence[str]) -> None:
    for statement in statements:
        op.execute(sa.text(statement))


def upgrade() -> None:
    with op.batch_alter_table('petition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=True))
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_UP)
    elif dialect == "postgresql":
        _run(PG_UP)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    _run(SQLITE_DOWN if dialect == "sqlite" else PG_DOWN if dialect == "postgresql" else ())
    with op.batch_alter_table('petition', schema=None) as batch_op:
        batch_op.drop_column('search_text')
