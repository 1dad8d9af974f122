"""The Core side of the SQLModel tables, for the statements written in SQLAlchemy Core."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import Table
from sqlmodel import SQLModel


def table_of(model: type[SQLModel]) -> Table:
    """The ``Table`` behind a SQLModel table class.

    SQLModel's metaclass sets ``__table__`` on every ``table=True`` class but declares it
    nowhere, so a type checker cannot see it; this is the one place that reaches for it.
    """
    table: Table = model.__table__  # type: ignore[attr-defined]  # set at run time, undeclared
    return table


class _Saved(Protocol):
    id: int | None


def saved_id(row: _Saved) -> int:
    """The primary key of a row that has been flushed (SQLModel types ``id`` as optional).

    Raises ValueError for a row that was never flushed, which would be a bug of the caller.
    """
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: flush it first")
    return row.id
