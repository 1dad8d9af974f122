"""What the domain services need, gathered once at start-up and passed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from nlp import Analyzer
from reception.clock import Clock
from reception.deadlines.calculator import DeadlineCalculator
from reception.org import Organisation


@dataclass(frozen=True)
class Settings:
    number_prefix: str = "MY"
    timezone: str = "Asia/Shanghai"
    merge_window: timedelta = timedelta(minutes=2)
    reopen_days: int = 7
    max_text_chars: int = 2000
    triage_threshold: float = 0.35
    duplicate_threshold: float = 0.3
    reminder_share: float = 0.75
    second_escalation: timedelta = timedelta(hours=24)
    reports_dir: Path = Path("reports")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Deps:
    engine: Engine
    clock: Clock
    org: Organisation
    analyzer: Analyzer
    deadlines: DeadlineCalculator
    settings: Settings
