"""The composition root: config -> domain dependencies and services."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.engine import Engine

from bot.config import Config, ConfigError
from nlp import Analyzer
from nlp.answers import AnswerBook
from nlp.safety import SafetyRules
from reception.clock import Clock, SystemClock
from reception.deadlines.calculator import DeadlineCalculator, DeadlinePolicy, Limit
from reception.deadlines.workdays import WorkCalendar
from reception.deps import NATIONAL_EMERGENCY_NUMBERS, Deps, Settings
from reception.handling.access import Access
from reception.handling.callbacks import CallBacks
from reception.handling.desk import Desk
from reception.handling.extensions import Extensions
from reception.handling.feedback import Feedback
from reception.handling.filing import Filing
from reception.handling.inbox import Inbox
from reception.handling.intake import Intake
from reception.handling.knowledge import Knowledge
from reception.handling.referrals import Referrals
from reception.handling.returns import Returns
from reception.handling.roster import Roster
from reception.handling.signin import SignIn
from reception.handling.urgency import Urgency
from reception.handling.visits import Visits
from reception.org import Organisation
from reception.petition.searchable import fill_missing
from reception.reports.board import Board
from reception.reports.digest import Digests
from reception.reports.metrics import MIN_SAMPLE
from reception.reports.monthly import Monthly
from reception.reports.register import Register
from reception.supervision.calendar_watch import refresh_official_days
from reception.supervision.escalation import Escalation
from storage import search
from storage.db import make_engine, refresh_statistics
from storage.migrations import upgrade

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Services:
    deps: Deps
    intake: Intake
    access: Access
    desk: Desk
    feedback: Feedback
    escalation: Escalation
    digests: Digests
    register: Register
    inbox: Inbox
    signin: SignIn
    board: Board
    callbacks: CallBacks
    knowledge: Knowledge
    visits: Visits
    monthly: Monthly
    urgency: Urgency
    roster: Roster
    returns: Returns
    referrals: Referrals
    extensions: Extensions


def work_calendar(config: Config) -> WorkCalendar:
    """The working-day calendar the deadlines count in, with the config's extra dates."""
    return WorkCalendar(
        tz=config.reception.timezone,
        office_hours=config.deadlines.office_hours,
        extra_holidays=_dates(config.deadlines.extra_holidays, "deadlines.extra_holidays"),
        extra_workdays=_dates(config.deadlines.extra_workdays, "deadlines.extra_workdays"),
    )


def build_deps(config: Config, *, clock: Clock | None = None, engine: Engine | None = None) -> Deps:
    """Load everything the domain needs once: database, organisation, rules, calendar."""
    if engine is None:
        engine = make_engine(config.database.url)
        try:
            log.info("%s", upgrade(engine).describe())  # refuses a database newer than this code
        except BaseException:
            engine.dispose()
            raise
    else:
        log.info("%s", upgrade(engine).describe())
    calendar = work_calendar(config)
    settings = Settings(
        number_prefix=config.reception.number_prefix,
        timezone=config.reception.timezone,
        merge_window=timedelta(seconds=config.reception.merge_window_seconds),
        stray_expiry=timedelta(hours=config.reception.stray_expire_hours),
        reopen_days=config.reception.reopen_days,
        max_text_chars=config.reception.max_text_chars,
        triage_threshold=config.nlp.triage_threshold,
        duplicate_threshold=config.nlp.duplicate_threshold,
        duplicate_window=timedelta(days=config.nlp.duplicate_days),
        reminder_share=config.deadlines.reminder_share,
        second_escalation=timedelta(hours=config.deadlines.second_escalation_hours),
        reports_dir=config.reports_dir,
        emergency_numbers={**NATIONAL_EMERGENCY_NUMBERS, **config.emergency.numbers},
        emergency_repeat=timedelta(minutes=config.emergency.repeat_minutes),
        callback_unrated_days=config.callbacks.unrated_days,
        callback_sample_percent=config.callbacks.sample_percent,
        visit_half_days=config.visits.half_days,
        visit_households=config.visits.households,
        return_ruling=Limit.parse(config.practice.return_ruling),
        referral_limit=Limit.parse(config.practice.referral_limit),
        extension_max_days=config.practice.extension_max_days,
        extension_approver=config.practice.extension_approver,
    )
    deps = Deps(
        engine=engine,
        clock=clock or SystemClock(),
        org=Organisation.load(config.reception.organisation),
        analyzer=Analyzer.load(config.nlp.rules, userdict=config.nlp.userdict),
        deadlines=DeadlineCalculator(
            policy=DeadlinePolicy.from_mapping(config.deadlines.limits), calendar=calendar
        ),
        settings=settings,
        safety=SafetyRules.load(config.emergency.safety) if config.emergency.safety
        else SafetyRules.load(),
        answers=AnswerBook.load(config.answers) if config.answers else AnswerBook.load(),
    )
    refresh_official_days(deps)  # the notices imported with `minyuan calendar import`
    filled = fill_missing(engine)  # rows of a release before search: once, then none are left
    if filled:
        log.info("made %d petitions searchable", filled)
    refresh_statistics(engine)  # and daily (bot.scheduling)
    with engine.connect() as connection:
        if not search.chinese_indexed(connection):
            log.warning("this PostgreSQL database's LC_CTYPE is C: the desk's search cannot index "
                        "Chinese (create the database with LC_CTYPE C.UTF-8 or zh_CN.UTF-8)")
    return deps

def build(config: Config, *, clock: Clock | None = None) -> Services:
    """Everything the bot runs on, from one config file."""
    return build_services(build_deps(config, clock=clock),
                          satisfaction_weights=config.satisfaction_weights,
                          min_sample=config.min_sample)


def build_services(deps: Deps, *, satisfaction_weights: dict[str, float] | None = None,
                   min_sample: int = MIN_SAMPLE) -> Services:
    access = Access(deps)
    filing = Filing(deps)  # one duplicate-token cache for residents' messages and walk-ins
    digests = Digests(deps, access, weights=satisfaction_weights, min_sample=min_sample)
    register = Register(deps, access)
    intake, desk = Intake(deps, filing), Desk(deps, access, filing)
    referrals = Referrals(desk)
    returns = Returns(desk)
    return Services(
        deps=deps,
        intake=intake,
        access=access,
        desk=desk,
        feedback=Feedback(deps),
        escalation=Escalation(deps, access, practice_sweeps=(returns.remind_late_rulings,
                                                             referrals.sweep)),
        digests=digests,
        register=register,
        inbox=Inbox(deps),
        signin=SignIn(deps, access),
        board=Board(deps, access, register=register, digests=digests),
        callbacks=CallBacks(deps, access, desk),
        knowledge=Knowledge(deps, access, intake, desk),
        visits=Visits(deps, access, filing),
        monthly=Monthly(deps, access),
        urgency=Urgency(deps, desk),
        roster=Roster(deps, access),
        returns=returns,
        referrals=referrals,
        extensions=Extensions(desk),
    )


def _dates(values: tuple[object, ...], key: str) -> list[date]:
    out = []
    for value in values:
        if isinstance(value, date):
            out.append(value)
            continue
        try:
            out.append(date.fromisoformat(str(value)))
        except ValueError as exc:
            raise ConfigError(f"{key}: {value!r} is not a date (YYYY-MM-DD)") from exc
    return out
