"""What the domain services need, gathered once at start-up and passed in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from nlp import Analyzer
from nlp.answers import AnswerBook
from nlp.safety import SafetyRules
from nlp.topics import TopicRules
from reception.clock import Clock
from reception.deadlines.calculator import DeadlineCalculator, Limit
from reception.org import Organisation
from storage.enums import ScopeKind

# Numbers that are the same all over China; gas, water and the property's duty phone are
# local and come from config.toml or org.toml. 96333: the special-equipment (lift) emergency
# line of the market regulator; 95598: State Grid's.
NATIONAL_EMERGENCY_NUMBERS: Mapping[str, str] = {
    "fire": "119", "ambulance": "120", "police": "110", "lift": "96333", "power": "95598",
}


@dataclass(frozen=True)
class Settings:
    number_prefix: str = "MY"
    timezone: str = "Asia/Shanghai"
    merge_window: timedelta = timedelta(minutes=2)
    reopen_days: int = 7
    max_text_chars: int = 2000
    triage_threshold: float = 0.35
    duplicate_threshold: float = 0.3
    duplicate_window: timedelta = timedelta(days=30)  # how far back an original may be
    reminder_share: float = 0.75
    second_escalation: timedelta = timedelta(hours=24)
    reports_dir: Path = Path("reports")
    emergency_numbers: Mapping[str, str] = field(
        default_factory=lambda: dict(NATIONAL_EMERGENCY_NUMBERS))
    emergency_repeat: timedelta = timedelta(minutes=10)  # zero: alert once
    callback_unrated_days: int = 3  # resolved and not rated this long: call the resident back
    callback_sample_percent: int = 10  # and this share of all resolved petitions
    visit_half_days: int = 4  # 民情日记: each staff member's weekly norm of half-days out
    visit_households: int = 10  # ... and of households visited
    stray_expiry: timedelta = timedelta(hours=24)  # unanswered stray drafts close; zero: never
    # The office's practice (config.toml [returns], [referrals], [extensions]).
    return_ruling: Limit = field(default_factory=lambda: Limit(4, "wh"))
    referral_limit: Limit = field(default_factory=lambda: Limit(10, "wd"))
    extension_max_days: int = 15
    extension_approver: ScopeKind = ScopeKind.STREET  # or COMMUNITY (its head approves)

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
    safety: SafetyRules = field(default_factory=SafetyRules.load)
    answers: AnswerBook = field(default_factory=AnswerBook.load)  # knowledge base, templates
    topics: TopicRules = field(default_factory=TopicRules.load)
