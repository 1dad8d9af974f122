"""Fixtures shared by every test: an injected clock, a config on a fresh database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.config import load_config
from reception.clock import ManualClock

# Monday 23 November 2026, 09:00 in Shanghai: a working day, inside office hours.
MONDAY_MORNING = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MONDAY_MORNING)


@pytest.fixture
def config(tmp_path):
    """The shipped config.toml, on a fresh SQLite file, writing reports under tmp_path."""
    base = load_config()
    return replace(base.with_database(f"sqlite:///{tmp_path / 'minyuan.db'}"),
                   reports_dir=tmp_path / "reports")
