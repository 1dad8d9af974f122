"""The office's numbers: counts and the three rates over a week's petitions. Pure functions.

Who is counted (the *cohort*): petitions received in ``[period_start, period_end)`` and by
``now``, except merged duplicates (counted once, through the petition they were merged into)
and petitions the resident withdrew before anyone took them (cancelled). Everything about
the cohort is measured *as of* ``now``, so last week's figures firm up as its petitions are
answered; a digest shows both weeks as they stand when it is made.

The definitions (docs/reports.md repeats them for the office):

- **received** (受理): the cohort's size.
- **responded** (已响应): the resident heard from the office: ``first_response_at`` (a reply,
  a question, a claim notice or the result), or, for a rejected petition, the rejection.
- **responded on time** (按时响应): responded at or before ``respond_due`` (no due: on time).
- **respond expected** (应响应): responded, or not responded with ``respond_due`` passed.
  Petitions still inside their response window are neither in nor against the rate.
- **resolved** (已办结): ``resolved_at`` is set. A reopened petition is not resolved until it
  is resolved again; a rejected one is never resolved.
- **resolved on time** (按时办结): resolved at or before ``resolve_due`` (the current one: a
  reopened petition runs a fresh clock).
- **resolve expected** (应办结): not rejected, and resolved or with ``resolve_due`` passed
  (while a petition waits for the resident its clock is stopped at ``paused_at``).
- **overdue** (超期): a deadline was missed: the response came after ``respond_due`` or has not
  come and ``respond_due`` passed; or the petition (not rejected) was resolved after
  ``resolve_due`` or is unresolved past it; or the deadline sweep marked it ``overdue``.
- **reopened** (重新办理): ``reopen_count`` > 0.
- **rated** (已评价): has a rating; split into satisfied / basic / unsatisfied. A petition the
  resident did not rate counts the call-back's outcome (回访: 满意/基本满意/不满意) instead;
  the resident's own rating always wins, and 联系不上 counts as no rating.

- **响应率** response rate = responded on time ÷ respond expected.
- **解决率** resolution rate = resolved ÷ resolve expected.
- **满意率** satisfaction rate = Σ weight(rating) ÷ rated, with hotline weights by default:
  满意 1.0, 基本满意 0.9, 不满意 0.
A rate is ``None`` when its denominator is zero. Every rate is shown with the count it is
computed over (``basis``); under ``MIN_SAMPLE`` of them the reports show the count, not a
percentage (one rating of 满意 is not "满意率 100%").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from storage.enums import CallbackOutcome, Rating, Status
from storage.models import Petition

# 12345 hotline assessments weigh 基本满意 at 0.9 of 满意.
DEFAULT_WEIGHTS: Mapping[str, float] = {Rating.SATISFIED: 1.0, Rating.BASIC: 0.9,
                                         Rating.UNSATISFIED: 0.0}

# Not in the cohort: a duplicate counts through its original; a withdrawal is not a case.
EXCLUDED_STATUSES = frozenset({Status.MERGED, Status.CANCELLED})
RATINGS = tuple(Rating)
MIN_SAMPLE = 5  # fewer cases than this: the count is shown, not a percentage
# rate -> (its numerator's count, its denominator), for showing the count behind a rate
RATE_BASIS = {"response_rate": ("responded_on_time", "respond_expected"),
              "resolution_rate": ("resolved", "resolve_expected"),
              "satisfaction_rate": ("pleased", "rated")}


@dataclass(frozen=True)
class Rates:
    received: int = 0
    responded: int = 0
    responded_on_time: int = 0
    respond_expected: int = 0
    resolved: int = 0
    resolved_on_time: int = 0
    resolve_expected: int = 0
    rejected: int = 0
    overdue: int = 0
    reopened: int = 0
    rated: int = 0
    satisfied: int = 0
    basic: int = 0
    unsatisfied: int = 0
    response_rate: float | None = None
    resolution_rate: float | None = None
    satisfaction_rate: float | None = None

    @property
    def pleased(self) -> int:
        """Rated 满意 or 基本满意."""
        return self.satisfied + self.basic

    def basis(self, rate: str) -> tuple[int, int]:
        """(numerator count, denominator) behind ``rate``, e.g. (3, 4) for 3 of 4 on time."""
        numerator, denominator = RATE_BASIS[rate]
        return getattr(self, numerator), getattr(self, denominator)


def compute_rates(
    petitions: Iterable[Petition],
    *,
    period_start: datetime,
    period_end: datetime,
    now: datetime,
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
) -> Rates:
    """Count the cohort received in ``[period_start, period_end)`` as of ``now``.

    All datetimes must be aware. See the module docstring for every definition.
    """
    counts: dict[str, int] = defaultdict(int)
    satisfaction_points = 0.0
    for petition in petitions:
        if not in_cohort(petition, period_start=period_start, period_end=period_end, now=now):
            continue
        counts["received"] += 1
        rejected = petition.status == Status.REJECTED
        counts["rejected"] += rejected
        _count_response(counts, petition, now)
        if not rejected:
            _count_resolution(counts, petition, now)
        if is_overdue(petition, now):
            counts["overdue"] += 1
        counts["reopened"] += petition.reopen_count > 0
        rating = _rating(petition, now)
        if rating is not None:
            counts["rated"] += 1
            counts[rating] += 1
            satisfaction_points += weights.get(rating, 0.0)
    return Rates(
        **counts,
        response_rate=_ratio(counts["responded_on_time"], counts["respond_expected"]),
        resolution_rate=_ratio(counts["resolved"], counts["resolve_expected"]),
        satisfaction_rate=_ratio(satisfaction_points, counts["rated"]),
    )


def rates_from_counts(counts: Mapping[str, int], *,
                      weights: Mapping[str, float] = DEFAULT_WEIGHTS) -> Rates:
    """Rates from a cohort's counts counted elsewhere (storage.rates, by the database)."""
    points = sum(counts.get(rating, 0) * weights.get(rating, 0.0) for rating in RATINGS)
    return Rates(
        **{name: int(value) for name, value in counts.items()},
        response_rate=_ratio(counts.get("responded_on_time", 0), counts.get("respond_expected", 0)),
        resolution_rate=_ratio(counts.get("resolved", 0), counts.get("resolve_expected", 0)),
        satisfaction_rate=_ratio(points, counts.get("rated", 0)),
    )


def rates_by(
    petitions: Iterable[Petition],
    key: Callable[[Petition], str],
    *,
    period_start: datetime,
    period_end: datetime,
    now: datetime,
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
) -> dict[str, Rates]:
    """Rates per ``key(petition)`` (grid, category, handler); groups with no cohort omitted."""
    groups: dict[str, list[Petition]] = defaultdict(list)
    for petition in petitions:
        if in_cohort(petition, period_start=period_start, period_end=period_end, now=now):
            groups[key(petition)].append(petition)
    return {
        name: compute_rates(members, period_start=period_start, period_end=period_end, now=now,
                            weights=weights)
        for name, members in groups.items()
    }


def in_cohort(petition: Petition, *, period_start: datetime, period_end: datetime,
              now: datetime) -> bool:
    created = petition.created_at
    return (
        period_start <= created < period_end
        and created <= now
        and petition.status not in EXCLUDED_STATUSES
    )


def week_bounds(moment: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The local Monday-to-Sunday week before the Monday 00:00 on or before ``moment``.

    Returned as aware datetimes in ``tz``: ``[start, end)``, 7 local days long.
    """
    local_day = moment.astimezone(tz).date()
    monday = local_day - timedelta(days=local_day.weekday())
    return local_midnight(monday - timedelta(days=7), tz), local_midnight(monday, tz)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def rate_change(current: float | None, previous: float | None) -> float | None:
    """Change in percentage points, or None when either week has no rate."""
    if current is None or previous is None:
        return None
    return round((current - previous) * 100, 1)


def _count_response(counts: dict[str, int], petition: Petition, now: datetime) -> None:
    answered = _response_at(petition, now)
    due = petition.respond_due
    if answered is not None:
        counts["responded"] += 1
        counts["respond_expected"] += 1
        counts["responded_on_time"] += due is None or answered <= due
    elif due is not None and due < now:
        counts["respond_expected"] += 1


def _count_resolution(counts: dict[str, int], petition: Petition, now: datetime) -> None:
    resolved = _resolved_at(petition, now)
    due = petition.resolve_due
    if resolved is not None:
        counts["resolved"] += 1
        counts["resolve_expected"] += 1
        counts["resolved_on_time"] += due is None or resolved <= due
    elif due is not None and due < _resolve_clock_end(petition, now):
        counts["resolve_expected"] += 1


def is_overdue(petition: Petition, now: datetime) -> bool:
    """Whether a deadline was missed (the module docstring's *overdue*), as of ``now``."""
    if petition.overdue:
        return True
    respond_due = petition.respond_due
    if respond_due is not None and (_response_at(petition, now) or now) > respond_due:
        return True
    if petition.status == Status.REJECTED or petition.resolve_due is None:
        return False
    end = _resolved_at(petition, now) or _resolve_clock_end(petition, now)
    return end > petition.resolve_due


def _response_at(petition: Petition, now: datetime) -> datetime | None:
    answered = petition.first_response_at
    if answered is None and petition.status == Status.REJECTED:
        answered = petition.closed_at
    return answered if answered is not None and answered <= now else None


def _resolved_at(petition: Petition, now: datetime) -> datetime | None:
    resolved = petition.resolved_at
    return resolved if resolved is not None and resolved <= now else None


def _resolve_clock_end(petition: Petition, now: datetime) -> datetime:
    """Where an unresolved petition's resolve clock stands: stopped while it waits."""
    paused = petition.paused_at
    return paused if paused is not None and paused <= now else now


def _rating(petition: Petition, now: datetime) -> Rating | None:
    """The resident's rating; when there is none, the call-back's outcome (回访) in its place
    (联系不上 is no rating); either only once given by ``now``."""
    if petition.rating in RATINGS and (petition.rated_at is None or petition.rated_at <= now):
        return petition.rating
    outcome = petition.callback_outcome
    if (outcome is not None and outcome != CallbackOutcome.UNREACHABLE
            and petition.callback_at is not None and petition.callback_at <= now):
        return Rating(outcome)  # the other outcomes are the ratings
    return None


def _ratio(numerator: float, denominator: int) -> float | None:
    return numerator / denominator if denominator else None
