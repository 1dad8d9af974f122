"""Fixtures shared by every test: an injected clock, a config on a fresh database."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.config import load_config
from reception.clock import ManualClock
from tests.clocks import MONDAY_MORNING


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MONDAY_MORNING)


@pytest.fixture
def config(tmp_path):
    """The shipped config.toml, on a fresh SQLite file, writing reports under tmp_path."""
    base = load_config()
    return replace(base.with_database(f"sqlite:///{tmp_path / 'minyuan.db'}"),
                   reports_dir=tmp_path / "reports")
