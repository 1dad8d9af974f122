"""What the desk's search reads of a petition: its number and its text as everyone in scope
sees it (masked), kept on ``petition.search_text`` by a flush hook so no write can forget it.

Registered on import (``reception/__init__.py`` imports this module, so any use of the domain
has it). Rows written with SQLAlchemy Core bypass the hook; ``fill_missing`` (run at every
start-up) sets the ones that have none.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from nlp import mask_personal_data
from storage import search
from storage.models import Petition


def searchable(number: str, text: str) -> str:
    return f"{number}\n{mask_personal_data(text)}"


@event.listens_for(Session, "before_flush")
def _keep_search_text(session: Session, _context: Any, _instances: Any) -> None:
    for petition in (*session.new, *session.dirty):
        if not isinstance(petition, Petition):
            continue
        state = inspect(petition)
        changed = (state.pending or petition.search_text is None
                   or state.attrs.text.history.has_changes() or state.attrs.number.history.has_changes())
        if changed:
            made = searchable(petition.number, petition.text)
            if petition.search_text != made:
                petition.search_text = made


def fill_missing(engine: Engine) -> int:
    """``search_text`` for the rows that have none; how many were filled."""
    with engine.begin() as connection:
        return search.fill(connection, searchable)
