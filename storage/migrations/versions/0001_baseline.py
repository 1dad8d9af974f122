"""Baseline: the schema of the last version before migrations (main at bb67da8), every table and index.

An empty database gets all of it. A database that version made gets nothing; one an earlier
version made gets what it lacks (a table, an index added since) and loses the indexes retired
since, as ``create_schema`` did at start-up; then it is stamped, and later revisions run on it
like on any other. The tables are written out here, frozen, rather than taken from
storage.models: the models move on, this does not.
Datetimes are plain DateTime columns (storage.types.UTCDateTime is a DateTime on the wire).

Revision 0001; the first.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The statuses in which a deadline clock counts, as that release's partial indexes spelled them.
_RESOLVE_RUNNING = "status IN ('claimed', 'reopened', 'submitted') AND paused_at IS NULL"
_RESPOND_RUNNING = f"{_RESOLVE_RUNNING} AND first_response_at IS NULL"

# Indexes earlier versions made that the release before migrations had retired (the deadline
# sweep's old (status, deadline) pairs, replaced by the partial ix_petition_ladder_* indexes).
RETIRED_INDEXES = {
    "petition": ("ix_petition_open_respond", "ix_petition_open_resolve",
                 "ix_petition_open_respond_remind", "ix_petition_open_resolve_remind"),
}


def _partial(name: str, columns: list[str], where: str) -> sa.Index:
    return sa.Index(name, *columns, sqlite_where=sa.text(where), postgresql_where=sa.text(where))


@functools.cache
def schema() -> sa.MetaData:
    """The tables as the release before migrations made them (built once: every test database
    runs this)."""
    metadata = sa.MetaData()
    sa.Table(
        "calendar_day", metadata,
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("workday", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    sa.Table(
        "dailycounter", metadata,
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    sa.Table(
        "draft", metadata,
        sa.Column("tg_user_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("petition_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("tg_user_id", "chat_id"),
    )
    sa.Table(
        "inboxupdate", metadata,
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(), nullable=True),
        sa.Column("handled_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("update_id"),
        sa.Index("ix_inbox_due", "status", "next_attempt_at"),
        sa.Index("ix_inboxupdate_handled_at", "handled_at"),
    )
    sa.Table(
        "invitecode", metadata,
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("scope_kind", sa.String(), nullable=False),
        sa.Column("scope_code", sa.String(), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_by", sa.BigInteger(), nullable=True),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("code"),
    )
    sa.Table(
        "resident", metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tg_user_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("username", sa.String(), nullable=False),
        sa.Column("community_code", sa.String(), nullable=True),
        sa.Column("building", sa.String(), nullable=True),
        sa.Column("unit", sa.String(), nullable=True),
        sa.Column("room", sa.String(), nullable=True),
        sa.Column("phone", sa.String(), nullable=True),
        sa.Column("phone_consent_at", sa.DateTime(), nullable=True),
        sa.Column("blocked_bot", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tg_user_id"),
        sa.Index("ix_resident_community_code", "community_code"),
    )
    sa.Table(
        "staff", metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tg_user_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("scope_kind", sa.String(), nullable=False),
        sa.Column("scope_code", sa.String(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tg_user_id"),
        sa.Index("ix_staff_scope_code", "scope_code"),
    )
    sa.Table(
        "staffgroup", metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("scope_kind", sa.String(), nullable=False),
        sa.Column("scope_code", sa.String(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("grids", sa.JSON(), nullable=False),
        sa.Column("triage", sa.Boolean(), nullable=False),
        sa.Column("is_forum", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("bound_by", sa.BigInteger(), nullable=False),
        sa.Column("bound_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chat_id"),
        sa.Index("ix_staffgroup_scope_code", "scope_code"),
    )
    sa.Table(
        "petition", metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("community_code", sa.String(), nullable=False),
        sa.Column("street_code", sa.String(), nullable=False),
        sa.Column("grid_code", sa.String(), nullable=True),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("visitor_name", sa.String(), nullable=True),
        sa.Column("visitor_phone", sa.String(), nullable=True),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("runner_up", sa.String(), nullable=True),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("tokens", sa.JSON(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("urgent_words", sa.JSON(), nullable=False),
        sa.Column("complex", sa.Boolean(), nullable=False),
        sa.Column("triage", sa.Boolean(), nullable=False),
        sa.Column("building", sa.String(), nullable=True),
        sa.Column("unit", sa.String(), nullable=True),
        sa.Column("room", sa.String(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("group_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("handler_staff_id", sa.Integer(), nullable=True),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("reject_reason", sa.String(), nullable=True),
        sa.Column("rating", sa.String(), nullable=True),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_message_at", sa.DateTime(), nullable=False),
        sa.Column("first_response_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("rated_at", sa.DateTime(), nullable=True),
        sa.Column("resolve_started_at", sa.DateTime(), nullable=True),
        sa.Column("respond_due", sa.DateTime(), nullable=True),
        sa.Column("resolve_due", sa.DateTime(), nullable=True),
        sa.Column("paused_at", sa.DateTime(), nullable=True),
        sa.Column("respond_remind_at", sa.DateTime(), nullable=True),
        sa.Column("resolve_remind_at", sa.DateTime(), nullable=True),
        sa.Column("respond_step", sa.Integer(), nullable=False),
        sa.Column("resolve_step", sa.Integer(), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["resident_id"], ["resident.id"]),
        sa.ForeignKeyConstraint(["handler_staff_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["merged_into_id"], ["petition.id"]),
        sa.ForeignKeyConstraint(["duplicate_of_id"], ["petition.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.Index("ix_petition_building", "community_code", "building", "id"),
        sa.Index("ix_petition_community_created", "community_code", "created_at"),
        sa.Index("ix_petition_community_status", "community_code", "status"),
        # The deadline sweep's partial indexes: only rows whose clock is counting.
        _partial("ix_petition_ladder_respond_due", ["respond_step", "respond_due"], _RESPOND_RUNNING),
        _partial("ix_petition_ladder_respond_remind", ["respond_remind_at"],
                 f"{_RESPOND_RUNNING} AND respond_step = 0"),
        _partial("ix_petition_ladder_resolve_due", ["resolve_step", "resolve_due"], _RESOLVE_RUNNING),
        _partial("ix_petition_ladder_resolve_remind", ["resolve_remind_at"],
                 f"{_RESOLVE_RUNNING} AND resolve_step = 0"),
        sa.Index("ix_petition_category", "category"),
        sa.Index("ix_petition_community_code", "community_code"),
        sa.Index("ix_petition_created_at", "created_at"),
        sa.Index("ix_petition_duplicate_of_id", "duplicate_of_id"),
        sa.Index("ix_petition_grid_code", "grid_code"),
        sa.Index("ix_petition_group_chat_id", "group_chat_id"),
        sa.Index("ix_petition_handler_staff_id", "handler_staff_id"),
        sa.Index("ix_petition_merged_into_id", "merged_into_id"),
        sa.Index("ix_petition_number", "number", unique=True),
        sa.Index("ix_petition_overdue", "overdue"),
        sa.Index("ix_petition_resident_id", "resident_id"),
        sa.Index("ix_petition_resident_last", "resident_id", "last_message_at"),
        sa.Index("ix_petition_resolved_at", "resolved_at"),
        sa.Index("ix_petition_status", "status"),
        sa.Index("ix_petition_street_code", "street_code"),
    )
    sa.Table(
        "weblogin", metadata,
        sa.Column("token_hash", sa.String(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("token_hash"),
        sa.Index("ix_weblogin_staff_id", "staff_id"),
    )
    sa.Table(
        "websession", metadata,
        sa.Column("token_hash", sa.String(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("csrf", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("token_hash"),
        sa.Index("ix_websession_staff_id", "staff_id"),
    )
    sa.Table(
        "cardmessage", metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("petition_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("thread_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("petition_id", "chat_id"),
        sa.ForeignKeyConstraint(["petition_id"], ["petition.id"]),
        sa.Index("ix_cardmessage_chat_id", "chat_id"),
        sa.Index("ix_cardmessage_petition_id", "petition_id"),
    )
    sa.Table(
        "correction", metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("petition_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("from_category", sa.String(), nullable=False),
        sa.Column("to_category", sa.String(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["petition_id"], ["petition.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.Index("ix_correction_petition_id", "petition_id"),
    )
    sa.Table(
        "outbox", metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("petition_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["petition_id"], ["petition.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.Index("ix_outbox_due", "status", "next_attempt_at"),
    )
    sa.Table(
        "petitionevent", metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("petition_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_kind", sa.String(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("from_status", sa.String(), nullable=True),
        sa.Column("to_status", sa.String(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["petition_id"], ["petition.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.Index("ix_petitionevent_at", "at"),
        sa.Index("ix_petitionevent_petition_id", "petition_id"),
    )
    sa.Table(
        "petitionmessage", metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("petition_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("file_id", sa.String(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chat_id", "message_id", "direction"),
        sa.ForeignKeyConstraint(["petition_id"], ["petition.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.Index("ix_petitionmessage_petition_id", "petition_id"),
    )
    return metadata


def upgrade() -> None:
    create_missing(op.get_bind(), schema())


def downgrade() -> None:
    schema().drop_all(op.get_bind())


def create_missing(connection: sa.Connection, metadata: sa.MetaData) -> None:
    """Create the tables the database lacks, and the indexes an existing table lacks; drop the
    indexes an earlier version made that were retired since.

    ``create_all`` skips a table that exists, indexes included; a database made by an earlier
    version would then lack an index a query relies on (the deadline sweep's, say).
    """
    existing = set(sa.inspect(connection).get_table_names())
    metadata.create_all(connection)
    inspector = sa.inspect(connection)
    for table in metadata.sorted_tables:
        if table.name not in existing or not table.indexes:
            continue
        present = {index["name"] for index in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in present:
                index.create(connection)
        for name in RETIRED_INDEXES.get(table.name, ()):
            if name in present:
                op.drop_index(name, table_name=table.name)
