"""Fixtures the domain tests share (see tests/domain.py for the office itself)."""

from __future__ import annotations

import pytest


@pytest.fixture
def wired(deps, monkeypatch):
    """The CLI builds its Deps through bot.wiring; hand it the module's ``deps`` instead."""
    import bot.wiring

    monkeypatch.setattr(bot.wiring, "build_deps", lambda config, **_: deps)
    return deps
