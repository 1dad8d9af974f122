"""The weekly digest: last week's numbers for a community (or, aggregated, a street).

Sent on Monday morning (the schedule is the composition root's business) to every active
community group and street group, and on demand with /digest. The numbers are defined in
``reception.reports.metrics``; the words in ``reception.reports.texts``.
"""

from __future__ import annotations

import html
import logging
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, cast

from sqlmodel import Session

from reception.errors import InvalidInput
from reception.petition import outbox
from reception.reports import texts as t
from reception.reports.digest_text import Section, plain, render
from reception.reports.metrics import (
    DEFAULT_WEIGHTS,
    MIN_SAMPLE,
    Rates,
    in_cohort,
    rates_from_counts,
    week_bounds,
)
from reception.reports.practice import practice_lines
from reception.reports.returns_counts import ReturnsCounts, returns_counts
from reception.reports.topics import Cluster, recurring_clusters, top_topics
from storage import queries
from storage import rates as rate_queries
from storage import reports as report_queries
from storage.db import transaction
from storage.enums import Rating, ScopeKind
from storage.models import Petition
from storage.rates import GroupCounts

if TYPE_CHECKING:
    from reception.deps import Deps
    from reception.handling.access import Access

log = logging.getLogger(__name__)

CLUSTER_WINDOW = timedelta(days=28)
WEEKLY_SCOPE_KINDS = (ScopeKind.COMMUNITY, ScopeKind.STREET)


@dataclass(frozen=True)
class Digest:
    title: str
    text: str  # Telegram HTML (<b>, <i>), at most 4096 characters
    chart_path: Path | None
    current: Rates
    previous: Rates
    by_grid: dict[str, Rates]
    by_category: dict[str, Rates]
    by_staff: dict[str, Rates]
    top_topics: list[tuple[str, int]]
    clusters: list[Cluster]
    scope_kind: ScopeKind
    scope_code: str
    period_start: datetime  # local Monday 00:00
    period_end: datetime  # the next Monday 00:00 (exclusive)
    as_of: datetime
    previous_by_grid: dict[str, Rates] = field(default_factory=dict)
    previous_by_category: dict[str, Rates] = field(default_factory=dict)
    previous_by_staff: dict[str, Rates] = field(default_factory=dict)
    # Street and district digests also break down by community.
    by_community: dict[str, Rates] = field(default_factory=dict)
    previous_by_community: dict[str, Rates] = field(default_factory=dict)
    # 退单 per group and their rulings, referrals per department, extensions (the week's).
    returns: ReturnsCounts = field(default_factory=ReturnsCounts)

    @property
    def plain_text(self) -> str:
        return plain(self.text)


class Digests:
    def __init__(self, deps: Deps, access: Access, *,
                 weights: Mapping[str, float] | None = None, min_sample: int = MIN_SAMPLE) -> None:
        self.deps = deps
        self.access = access
        self.weights = dict(weights or DEFAULT_WEIGHTS)
        self.min_sample = min_sample

    def weekly(self, *, scope_kind: ScopeKind, scope_code: str, week_ending: datetime | None = None,
               out_dir: Path | None = None) -> Digest:
        """The digest of the local week before the Monday 00:00 on or before ``week_ending``.

        ``week_ending`` defaults to now. Raises InvalidInput for an unknown scope.
        """
        tz = self.deps.settings.tz
        now = self.deps.clock.now()
        start, end = week_bounds(week_ending or now, tz)
        previous_start = start - timedelta(days=7)
        communities = self._communities(scope_kind, scope_code)
        weeks = ((start, end), (previous_start, start))  # this week, last week
        with transaction(self.deps.engine) as session:
            # The rates and every breakdown, both weeks: counted by the database (GROUP BY).
            groups = rate_queries.week_breakdown(session, weeks=weeks, now=now,
                                                 communities=communities)
            staff = queries.staff_names(session, [g.handler_staff_id for g in groups])
            # Rows of DIGEST_COLUMNS, for the hot topics and the recurring clusters.
            petitions = cast("list[Petition]", report_queries.petitions_received(
                session, since=end - CLUSTER_WINDOW, until=end, communities=communities
            ))
            practice = practice_lines(session, self.deps, communities=communities,
                                      since=start, until=end)
            disputes = returns_counts(session, self.deps.org, since=start, until=end,
                                      communities=communities, now=now)

        def both(key: Callable[[GroupCounts], str]) -> tuple[dict[str, Rates], dict[str, Rates]]:
            return (_rates_by(groups, key, week=0, weights=self.weights),
                    _rates_by(groups, key, week=1, weights=self.weights))

        multi = scope_kind != ScopeKind.COMMUNITY
        by_grid, previous_by_grid = both(
            lambda g: self._grid_label(g.community_code, g.grid_code, qualified=multi))
        by_category, previous_by_category = both(lambda g: g.category)
        by_staff, previous_by_staff = both(
            lambda g: staff.get(g.handler_staff_id or 0, t.NO_HANDLER))
        by_community, previous_by_community = (
            both(lambda g: self.deps.org.community(g.community_code).name) if multi else ({}, {})
        )
        current, previous = (_rates_by(groups, lambda _: "", week=week, weights=self.weights)
                             .get("", Rates()) for week in (0, 1))
        cohort = [p for p in petitions
                  if in_cohort(p, period_start=start, period_end=end, now=now)]
        window = [p for p in petitions
                  if in_cohort(p, period_start=end - CLUSTER_WINDOW, period_end=end, now=now)]
        topics = top_topics(cohort, topics=self.deps.topics)
        clusters = recurring_clusters(window)

        scope_name = self._scope_name(scope_kind, scope_code)
        last_day = end - timedelta(days=1)
        title = t.DIGEST_TITLE.format(scope=scope_name, office=t.OFFICE,
                                      start=_md(start), end=_md(last_day))
        subtitle = t.DIGEST_SUBTITLE.format(start=_ymd(start), end=_ymd(last_day),
                                            as_of=f"{_ymd(now.astimezone(tz))} "
                                                  f"{now.astimezone(tz):%H:%M}")
        sections = [Section(t.DIGEST_BY_GRID, by_grid, previous_by_grid),
                    Section(t.DIGEST_BY_CATEGORY, by_category, previous_by_category),
                    Section(t.DIGEST_BY_STAFF, by_staff, previous_by_staff)]
        if multi:
            sections.insert(0, Section(t.DIGEST_BY_COMMUNITY, by_community,
                                       previous_by_community))
        text = render(
            title=title, subtitle=subtitle, current=current, previous=previous,
            sections=sections, top_topics=topics, clusters=clusters,
            place_names={code: c.name for code, c in self.deps.org.communities.items()},
            basic_weight=self.weights.get(Rating.BASIC, 0.0), min_sample=self.min_sample,
            practice=practice,
            extra=disputes.lines(),
        )
        chart = self._chart(out_dir or self.deps.settings.reports_dir,
                            f"digest-{scope_code}-{start:%Y%m%d}.png", title=title,
                            by_category=by_category, previous_by_category=previous_by_category,
                            current=current, previous=previous)
        return Digest(
            title=title, text=text, chart_path=chart, current=current, previous=previous,
            by_grid=by_grid, by_category=by_category, by_staff=by_staff, top_topics=topics,
            clusters=clusters, scope_kind=scope_kind, scope_code=scope_code,
            period_start=start, period_end=end, as_of=now,
            previous_by_grid=previous_by_grid, previous_by_category=previous_by_category,
            previous_by_staff=previous_by_staff, by_community=by_community,
            previous_by_community=previous_by_community, returns=disputes,
        )

    def queue_weekly(self) -> int:
        """Queue last week's digest to every active community and street group.

        Each group gets the chart (as a photo) and the text; groups sharing a scope share
        one computation. Returns the number of messages queued.
        """
        with transaction(self.deps.engine) as session:
            groups = report_queries.active_groups_of_kinds(session, WEEKLY_SCOPE_KINDS)
        digests: dict[tuple[str, str], Digest | None] = {}
        for group in groups:
            key = (group.scope_kind, group.scope_code)
            if key not in digests:
                try:
                    digests[key] = self.weekly(scope_kind=key[0], scope_code=key[1])
                except InvalidInput:
                    # The organisation file no longer has this scope; the group is stale.
                    log.warning("weekly digest skipped for %s %s: unknown scope", *key)
                    digests[key] = None
        queued = 0
        now = self.deps.clock.now()
        with transaction(self.deps.engine) as session:
            for group in groups:
                digest = digests[(group.scope_kind, group.scope_code)]
                if digest is not None:
                    queued += _queue(session, digest, chat_id=group.chat_id, now=now)
        log.info("weekly digest: %d messages queued for %d groups", queued, len(groups))
        return queued

    def on_demand(self, *, tg_user_id: int, chat_id: int) -> Digest:
        """/digest: last week's digest for this group's scope, else the staff member's scope.

        Raises NotAllowed when the user is not active staff.
        """
        with transaction(self.deps.engine) as session:
            staff = self.access.require_staff(session, tg_user_id)
            owner = self.access.report_owner(session, staff, chat_id)
            scope_kind, scope_code = owner.scope_kind, owner.scope_code
        digest = self.weekly(scope_kind=scope_kind, scope_code=scope_code)
        with transaction(self.deps.engine) as session:
            _queue(session, digest, chat_id=chat_id, now=self.deps.clock.now())
        return digest

    # --- helpers ---------------------------------------------------------------------------
    def _communities(self, scope_kind: ScopeKind, scope_code: str) -> list[str]:
        org = self.deps.org
        if scope_code not in org.scopes(scope_kind):
            raise InvalidInput(f"unknown {scope_kind} {scope_code!r}")
        return org.communities_in(scope_kind, scope_code)

    def _scope_name(self, scope_kind: ScopeKind, scope_code: str) -> str:
        return self.deps.org.scope_name(scope_kind, scope_code)

    def _grid_label(self, community_code: str, grid_code: str | None, *, qualified: bool) -> str:
        grid = self.deps.org.grid(community_code, grid_code)
        name = grid.name if grid else t.NO_GRID
        if qualified:
            return f"{self.deps.org.community(community_code).name}·{name}"
        return name

    def _chart(self, out_dir: Path, filename: str, *, title: str, by_category: dict[str, Rates],
               previous_by_category: dict[str, Rates], current: Rates, previous: Rates) -> Path | None:
        empty = Rates()
        categories = sorted(
            ((name, now.received, now.resolved, now.overdue,
              previous_by_category.get(name, empty).received)
             for name, now in by_category.items()),
            key=lambda item: (-item[1], item[0]),
        )
        try:
            from reception.reports.chart import render_weekly  # matplotlib loads only for charts

            return render_weekly(Path(out_dir) / filename, title=title, categories=categories,
                                 current=current, previous=previous, min_sample=self.min_sample)
        except (OSError, ValueError, RuntimeError):
            # The text still goes out; a missing picture is not worth a missing digest.
            log.exception("digest chart %s could not be drawn", filename)
            return None


def _queue(session: Session, digest: Digest, *, chat_id: int, now: datetime) -> int:
    queued = 0
    if digest.chart_path is not None:
        # The delivery worker sends captions as HTML, like every message.
        outbox.upload(session, chat_id=chat_id, path=str(digest.chart_path.resolve()),
                      caption=html.escape(digest.title), now=now, as_photo=True)
        queued += 1
    outbox.message(session, chat_id=chat_id, text=digest.text, now=now)
    return queued + 1


def _rates_by(groups: list[GroupCounts], key: Callable[[GroupCounts], str], *, week: int,
              weights: Mapping[str, float]) -> dict[str, Rates]:
    """One week's rates per ``key`` of its groups (labels that coincide are added up)."""
    totals: dict[str, Counter[str]] = {}
    for group in groups:
        if group.week == week:
            totals.setdefault(key(group), Counter()).update(group.counts)
    return {name: rates_from_counts(counts, weights=weights) for name, counts in totals.items()}


def _md(moment: datetime) -> str:
    return f"{moment.month}月{moment.day}日"


def _ymd(moment: datetime) -> str:
    return f"{moment.year}年{moment.month}月{moment.day}日"
