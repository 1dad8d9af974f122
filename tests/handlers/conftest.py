"""The handlers are tested through the real Application over the emulator: the same office
as the end-to-end tests (one definition of each fixture, tests/e2e/conftest.py)."""

from __future__ import annotations

from tests.e2e.conftest import harness, office, resident

__all__ = ["harness", "office", "resident"]
