"""Fixtures the domain tests share (see tests/domain.py for the office itself)."""

from __future__ import annotations

import pytest

from tests.clocks import bj
from tests.domain import seeded


@pytest.fixture
def office(tmp_path):
    """The seeded domain office on Monday 23 November 2026, 09:00 (a module may define its own)."""
    with seeded(tmp_path, bj(2026, 11, 23, 9)) as office:
        yield office


@pytest.fixture
def wired(deps, monkeypatch):
    """The CLI builds its Deps through bot.wiring; hand it the module's ``deps`` instead."""
    import bot.wiring

    monkeypatch.setattr(bot.wiring, "build_deps", lambda config, **_: deps)
    return deps
