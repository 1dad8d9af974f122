"""Configuration: read once from config.toml into frozen dataclasses, validated at load.

Every error names the key that is wrong, so an operator can fix the file without reading code.
Secrets (the bot token, the webhook secret) come from environment variables named in the file.
"""

from __future__ import annotations

import builtins
import os
import tomllib
from dataclasses import dataclass, field, replace
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reception.reports.metrics import DEFAULT_WEIGHTS
from storage.enums import ScopeKind

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config.toml"


class ConfigError(ValueError):
    """config.toml (or a file it names) is missing or has a bad value."""


@dataclass(frozen=True)
class DatabaseConfig:
    url: str


@dataclass(frozen=True)
class TelegramConfig:
    base_url: str
    base_file_url: str
    token_env: str
    mode: str
    webhook_url: str
    webhook_listen: str
    webhook_port: int
    webhook_secret_env: str

    def token(self) -> str:
        """Return the bot token from the environment.

        Raises ConfigError when the variable is unset.
        """
        value = os.environ.get(self.token_env, "").strip()
        if not value:
            raise ConfigError(
                f"telegram.token_env: environment variable {self.token_env} is not set "
                "(put the token from @BotFather there; `minyuan demo` needs none)"
            )
        return value


@dataclass(frozen=True)
class ReceptionConfig:
    organisation: Path
    timezone: str
    number_prefix: str
    merge_window_seconds: int
    reopen_days: int
    max_text_chars: int
    stray_expire_hours: int = 24  # an unexplained stray message is closed (a voice note filed) after this


@dataclass(frozen=True)
class CallbackConfig:
    """回访: when a resolved petition goes on the call-back list."""

    unrated_days: int = 3
    sample_percent: int = 10


@dataclass(frozen=True)
class VisitConfig:
    """民情日记: each staff member's weekly norm of home visits."""

    half_days: int = 4
    households: int = 10


@dataclass(frozen=True)
class NlpConfig:
    rules: str
    userdict: Path | None
    triage_threshold: float
    duplicate_threshold: float
    duplicate_days: int


@dataclass(frozen=True)
class DeadlineConfig:
    limits: dict[str, Any]
    office_hours: tuple[tuple[time, time], ...]
    extra_holidays: tuple[Any, ...]
    extra_workdays: tuple[Any, ...]
    reminder_share: float
    second_escalation_hours: float


@dataclass(frozen=True)
class EmergencyConfig:
    """Urgent petitions: the numbers residents are told to call, and the repeat alert."""

    numbers: dict[str, str] = field(default_factory=dict)  # over the national defaults
    repeat_minutes: int = 10  # alert again this often until someone claims it; 0: never
    safety: Path | None = None  # the hazard -> advice file; None: the shipped one


@dataclass(frozen=True)
class ScheduleConfig:
    sweep_seconds: int
    outbox_seconds: int
    weekly_digest_cron: str
    morning_brief: time


@dataclass(frozen=True)
class WebConfig:
    """The supervisors' desk (web/): served by the bot, or apart with `minyuan web`."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = "http://127.0.0.1:8080"
    initdata_max_age_seconds: int = 3600


@dataclass(frozen=True)
class PracticeConfig:
    """退单, referrals to departments and 延期申请: their limits and who approves."""

    return_ruling: str = "4wh"  # a dispatcher rules on a return within this
    referral_limit: str = "10wd"  # a department reports a referral done within this
    extension_max_days: int = 15  # working days one extension may ask for
    extension_approver: ScopeKind = ScopeKind.STREET  # its supervisors, or COMMUNITY: its head


@dataclass(frozen=True)
class Config:
    path: Path
    database: DatabaseConfig
    telegram: TelegramConfig
    reception: ReceptionConfig
    nlp: NlpConfig
    deadlines: DeadlineConfig
    schedule: ScheduleConfig
    reports_dir: Path
    satisfaction_weights: dict[str, float] = field(default_factory=dict)
    min_sample: int = 5
    web: WebConfig = field(default_factory=WebConfig)
    emergency: EmergencyConfig = field(default_factory=EmergencyConfig)
    callbacks: CallbackConfig = field(default_factory=CallbackConfig)
    answers: Path | None = None  # the knowledge base and templates file; None: the shipped one
    visits: VisitConfig = field(default_factory=VisitConfig)
    practice: PracticeConfig = field(default_factory=PracticeConfig)

    def with_database(self, url: str) -> Config:
        return replace(self, database=DatabaseConfig(url=url))


def load_config(path: str | Path | None = None) -> Config:
    """Load and validate a config file (default: the repository's config.toml).

    Raises ConfigError naming the offending key.
    """
    config_path = Path(path or os.environ.get("MINYUAN_CONFIG") or DEFAULT_CONFIG).resolve()
    try:
        data = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {config_path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{config_path}: not valid TOML: {exc}") from exc
    return _build(data, base=config_path.parent, path=config_path)


def _build(data: dict[str, Any], *, base: Path, path: Path) -> Config:
    r = _Reader(data)
    database_url = r.str("database.url")
    if database_url.startswith("sqlite:///") and not database_url.startswith("sqlite:////"):
        relative = database_url.removeprefix("sqlite:///")
        if relative and relative != ":memory:":
            database_url = f"sqlite:///{(base / relative).resolve()}"
    timezone = r.str("reception.timezone", "Asia/Shanghai")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"reception.timezone: unknown time zone {timezone!r}") from exc
    mode = r.str("telegram.mode", "polling")
    if mode not in ("polling", "webhook"):
        raise ConfigError(f"telegram.mode: must be 'polling' or 'webhook', not {mode!r}")
    userdict = r.str("nlp.userdict", "")
    organisation = base / r.str("reception.organisation", "org.toml")
    if not organisation.is_file():
        raise ConfigError(f"reception.organisation: file not found: {organisation}")
    deadlines = r.table("deadlines")
    limits = {k: v for k, v in deadlines.items() if isinstance(v, dict)}
    _check_limits(limits)
    return Config(
        path=path,
        database=DatabaseConfig(url=database_url),
        telegram=TelegramConfig(
            base_url=r.str("telegram.base_url", "https://api.telegram.org/bot"),
            base_file_url=r.str("telegram.base_file_url", "https://api.telegram.org/file/bot"),
            token_env=r.str("telegram.token_env", "MINYUAN_BOT_TOKEN"),
            mode=mode,
            webhook_url=r.str("telegram.webhook_url", ""),
            webhook_listen=r.str("telegram.webhook_listen", "0.0.0.0"),
            webhook_port=r.int("telegram.webhook_port", 8443),
            webhook_secret_env=r.str("telegram.webhook_secret_env", "MINYUAN_WEBHOOK_SECRET"),
        ),
        reception=ReceptionConfig(
            organisation=organisation,
            timezone=timezone,
            number_prefix=r.str("reception.number_prefix", "MY"),
            merge_window_seconds=r.int("reception.merge_window_seconds", 120, minimum=0),
            reopen_days=r.int("reception.reopen_days", 7, minimum=0),
            max_text_chars=r.int("reception.max_text_chars", 2000, minimum=100),
            stray_expire_hours=r.int("reception.stray_expire_hours", 24, minimum=0),
        ),
        nlp=NlpConfig(
            rules=_resolve_rules(r.str("nlp.rules", "community"), base),
            userdict=(base / userdict) if userdict else None,
            triage_threshold=r.float("nlp.triage_threshold", 0.35, lo=0.0, hi=1.0),
            duplicate_threshold=r.float("nlp.duplicate_threshold", 0.3, lo=0.0, hi=1.0),
            duplicate_days=r.int("nlp.duplicate_days", 30, minimum=1),
        ),
        deadlines=DeadlineConfig(
            limits=limits,
            office_hours=tuple(
                _parse_span(s, "deadlines.office_hours")
                for s in r.list("deadlines.office_hours", ["08:30-12:00", "13:30-17:30"])
            ),
            extra_holidays=tuple(r.list("deadlines.extra_holidays", [])),
            extra_workdays=tuple(r.list("deadlines.extra_workdays", [])),
            reminder_share=r.float("deadlines.reminder_share", 0.75, lo=0.05, hi=0.99),
            second_escalation_hours=r.float("deadlines.second_escalation_hours", 24, lo=0),
        ),
        schedule=ScheduleConfig(
            sweep_seconds=r.int("schedule.sweep_seconds", 60, minimum=1),
            outbox_seconds=r.int("schedule.outbox_seconds", 5, minimum=1),
            weekly_digest_cron=r.str("schedule.weekly_digest_cron", "0 9 * * mon"),
            morning_brief=_parse_time(r.str("schedule.morning_brief", "08:30"), "schedule.morning_brief"),
        ),
        reports_dir=(base / r.str("reports.dir", "reports")).resolve(),
        satisfaction_weights=_weights(r.table("reports.satisfaction_weights")),
        min_sample=r.int("reports.min_sample", 5, minimum=1),
        web=_web(r),
        emergency=_emergency(r, base),
        callbacks=_callbacks(r),
        answers=_answers(r, base),
        visits=VisitConfig(half_days=r.int("visits.half_days", 4, minimum=0),
                           households=r.int("visits.households", 10, minimum=0)),
        practice=_practice(r),
    )


def _answers(r: _Reader, base: Path) -> Path | None:
    from nlp.answers import AnswerBook
    from nlp.rules import RulesError

    name = r.str("knowledge.answers", "")
    path = (base / name).resolve() if name else None
    try:
        AnswerBook.load(path) if path else AnswerBook.load()
    except RulesError as exc:
        raise ConfigError(f"knowledge.answers: {exc}") from exc
    return path


def _callbacks(r: _Reader) -> CallbackConfig:
    sample = r.int("callbacks.sample_percent", 10, minimum=0)
    if sample > 100:
        raise ConfigError(f"callbacks.sample_percent: must be at most 100, got {sample}")
    return CallbackConfig(unrated_days=r.int("callbacks.unrated_days", 3, minimum=1),
                          sample_percent=sample)


def _practice(r: _Reader) -> PracticeConfig:
    from reception.deadlines.calculator import Limit

    limits = {"returns.ruling_limit": r.str("returns.ruling_limit", "4wh"),
              "referrals.limit": r.str("referrals.limit", "10wd")}
    for key, text in limits.items():
        try:
            Limit.parse(text)
        except ValueError as exc:
            raise ConfigError(f"{key}: {exc}") from None
    approver = r.str("extensions.approver", ScopeKind.STREET)
    if approver not in (ScopeKind.STREET, ScopeKind.COMMUNITY):
        raise ConfigError(f"extensions.approver: must be 'street' or 'community', not {approver!r}")
    return PracticeConfig(
        return_ruling=limits["returns.ruling_limit"], referral_limit=limits["referrals.limit"],
        extension_max_days=r.int("extensions.max_days", 15, minimum=1),
        extension_approver=ScopeKind(approver))


def _web(r: _Reader) -> WebConfig:
    enabled = r._get("web.enabled", False)
    if not isinstance(enabled, bool):
        raise ConfigError(f"web.enabled: expected true or false, got {enabled!r}")
    public_url = r.str("web.public_url", "http://127.0.0.1:8080").rstrip("/")
    if not public_url.startswith(("http://", "https://")):
        raise ConfigError(f"web.public_url: must start with http:// or https://, got {public_url!r}")
    return WebConfig(enabled=enabled, host=r.str("web.host", "127.0.0.1"),
                     port=r.int("web.port", 8080, minimum=1), public_url=public_url,
                     initdata_max_age_seconds=r.int("web.initdata_max_age_seconds", 3600, minimum=1))


def _emergency(r: _Reader, base: Path) -> EmergencyConfig:
    from nlp.rules import RulesError
    from nlp.safety import SafetyRules

    safety_name = r.str("emergency.safety", "")
    safety = (base / safety_name).resolve() if safety_name else None
    try:
        rules = SafetyRules.load(safety) if safety else SafetyRules.load()
    except RulesError as exc:
        raise ConfigError(f"emergency.safety: {exc}") from exc
    numbers = r.table("emergency.numbers")
    for key, value in numbers.items():
        if key not in rules.labels:
            raise ConfigError(f"emergency.numbers.{key}: unknown number; "
                              f"use one of {', '.join(sorted(rules.labels))}")
        if not isinstance(value, str):
            raise ConfigError(f"emergency.numbers.{key}: expected a string, got {value!r}")
    return EmergencyConfig(numbers={k: v.strip() for k, v in numbers.items()},
                           repeat_minutes=r.int("emergency.repeat_minutes", 10, minimum=0),
                           safety=safety)


def _weights(table: dict[str, Any]) -> dict[str, float]:
    """满意率 weights per rating (hotline practice: 满意 1, 基本满意 0.9, 不满意 0)."""
    weights = dict(DEFAULT_WEIGHTS)
    for key, value in table.items():
        if key not in weights:
            raise ConfigError(f"reports.satisfaction_weights.{key}: unknown rating "
                              "(use satisfied, basic, unsatisfied)")
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ConfigError(f"reports.satisfaction_weights.{key}: must be a number from 0 to 1")
        weights[key] = float(value)
    return weights


def _resolve_rules(value: str, base: Path) -> str:
    if "/" in value or value.endswith(".toml"):
        path = (base / value).resolve()
        if not path.is_file():
            raise ConfigError(f"nlp.rules: rules file not found: {path}")
        return str(path)
    return value


def _check_limits(limits: dict[str, Any]) -> None:
    from reception.deadlines.calculator import DeadlinePolicy

    try:
        DeadlinePolicy.from_mapping(limits)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc


def _parse_time(text: str, key: str) -> time:
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise ConfigError(f"{key}: expected HH:MM, got {text!r}") from exc


def _parse_span(text: str, key: str) -> tuple[time, time]:
    start, sep, end = str(text).partition("-")
    if not sep:
        raise ConfigError(f"{key}: expected 'HH:MM-HH:MM', got {text!r}")
    span = (_parse_time(start, key), _parse_time(end, key))
    if span[0] >= span[1]:
        raise ConfigError(f"{key}: {text!r} ends before it starts")
    return span


class _Reader:
    """Typed access to nested TOML tables by dotted key, with errors that name the key."""

    _MISSING = object()

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def _get(self, key: str, default: Any) -> Any:
        node: Any = self._data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                if default is self._MISSING:
                    raise ConfigError(f"{key}: missing")
                return default
            node = node[part]
        return node

    def table(self, key: str) -> dict[str, Any]:
        value = self._get(key, {})
        if not isinstance(value, dict):
            raise ConfigError(f"{key}: expected a table")
        return value

    def str(self, key: str, default: Any = _MISSING) -> str:
        value = self._get(key, default)
        if not isinstance(value, str):
            raise ConfigError(f"{key}: expected a string, got {value!r}")
        return value

    def int(self, key: builtins.str, default: Any = _MISSING, *, minimum: int | None = None) -> int:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key}: expected a whole number, got {value!r}")
        if minimum is not None and value < minimum:
            raise ConfigError(f"{key}: must be at least {minimum}, got {value}")
        return value

    def float(
        self, key: builtins.str, default: Any = _MISSING, *, lo: float | None = None, hi: float | None = None
    ) -> float:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{key}: expected a number, got {value!r}")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise ConfigError(f"{key}: must be between {lo} and {hi}, got {value}")
        return float(value)

    def list(self, key: builtins.str, default: Any = _MISSING) -> list[Any]:
        value = self._get(key, default)
        if not isinstance(value, list):
            raise ConfigError(f"{key}: expected a list, got {value!r}")
        return value
