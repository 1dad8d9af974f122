"""Alembic's environment: run by every `storage.migrations` command, never imported otherwise.

The caller hands over an open connection (``config.attributes["connection"]``) so that the
upgrade runs inside the caller's transaction and lock; see ``storage.migrations.upgrade``.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from storage.migrations import context_options

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through storage.migrations (minyuan db ...), not alembic's CLI")

context.configure(connection=connection, target_metadata=SQLModel.metadata, **context_options())
with context.begin_transaction():
    context.run_migrations()
