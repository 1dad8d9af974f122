"""The digest as a Telegram message: HTML with only <b> and <i>, within 4096 characters.

Every piece of data (names, categories, words, buildings) is escaped here. Each line is
complete in itself (no tag spans a line break), so cutting at a line boundary keeps the
HTML valid.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reception.reports import texts as t
from reception.reports.metrics import MIN_SAMPLE, Rates, rate_change
from reception.reports.topics import CLUSTER_MINIMUM, Cluster

TELEGRAM_TEXT_LIMIT = 4096
_LIST_LIMITS = (12, 8, 5, 3)  # lines per breakdown, tried in turn until the text fits


@dataclass(frozen=True)
class Section:
    header: str
    current: Mapping[str, Rates]
    previous: Mapping[str, Rates]


def render(
    *,
    title: str,
    subtitle: str,
    current: Rates,
    previous: Rates,
    sections: Sequence[Section],
    top_topics: Sequence[tuple[str, int]],
    clusters: Sequence[Cluster],
    place_names: Mapping[str, str],
    basic_weight: float,
    min_sample: int = MIN_SAMPLE,
    practice: Sequence[str] = (),
    extra: Sequence[str] = (),
) -> str:
    """The digest's HTML; breakdowns shrink until the text fits in one Telegram message.

    A rate computed over fewer than ``min_sample`` cases is shown as its counts ("1/1 件").
    """
    for limit in _LIST_LIMITS:
        lines = [f"<b>{html.escape(title)}</b>", f"<i>{html.escape(subtitle)}</i>", ""]
        lines += _overview(current, previous, min_sample)
        if any(section.current or section.previous for section in sections):
            lines += ["", t.DIGEST_GROUP_LEGEND.format(minimum=min_sample)]
        for section in sections:
            lines += _section(section, limit, min_sample)
        lines += _topics(top_topics)
        lines += _clusters(clusters[:limit], place_names)
        lines += (["", *practice] if practice else [])  # reception.reports.practice
        lines += list(extra)  # complete lines, escaped by their maker (reports.returns_counts)
        lines += ["", t.DIGEST_FOOTNOTE.format(basic=_number(basic_weight))]
        text = "\n".join(lines)
        if len(text) <= TELEGRAM_TEXT_LIMIT:
            return text
    return _cut(text)


def plain(text: str) -> str:
    """The digest without markup, for a terminal or a log."""
    return html.unescape(re.sub(r"</?(?:b|i|code)>", "", text))


def percent(value: float | None) -> str:
    if value is None:
        return t.NO_RATE
    return f"{_number(round(value * 100, 1))}%"


def shown_rate(rates: Rates, field: str, min_sample: int = MIN_SAMPLE) -> str:
    """The rate as a percentage, or under ``min_sample`` cases its counts ("1/1 件")."""
    part, whole = rates.basis(field)
    if whole == 0:
        return t.NO_RATE
    if whole < min_sample:
        return t.SMALL_SAMPLE.format(part=part, whole=whole)
    return percent(getattr(rates, field))


def trusted(rates: Rates, field: str, min_sample: int = MIN_SAMPLE) -> float | None:
    """The rate when it rests on at least ``min_sample`` cases, else None (no comparison)."""
    return getattr(rates, field) if rates.basis(field)[1] >= min_sample else None


def _overview(current: Rates, previous: Rates, min_sample: int) -> list[str]:
    lines = [t.DIGEST_OVERVIEW]
    if current.received == 0:
        lines.append(t.DIGEST_NOTHING)
    counts = {name: getattr(current, name) for name in _COUNT_FIELDS}
    counts.update({f"p_{name}": getattr(previous, name) for name in _COUNT_FIELDS})
    lines.append(t.DIGEST_COUNTS.format(**counts))
    for name, field in _RATE_FIELDS:
        whole = current.basis(field)[1]
        basis = (t.SMALL_SAMPLE_NOTE.format(minimum=min_sample) if 0 < whole < min_sample
                 else t.RATE_BASIS_LABELS[field].format(n=whole))
        lines.append(t.DIGEST_RATE_LINE.format(
            name=name, value=shown_rate(current, field, min_sample), basis=basis,
            previous=shown_rate(previous, field, min_sample),
            change=_change(trusted(current, field, min_sample), trusted(previous, field, min_sample)),
        ))
    return lines


_COUNT_FIELDS = ("received", "responded_on_time", "resolved", "resolved_on_time", "overdue",
                 "reopened", "rated")
_RATE_FIELDS = ((t.RATE_RESPONSE, "response_rate"), (t.RATE_RESOLUTION, "resolution_rate"),
                (t.RATE_SATISFACTION, "satisfaction_rate"))


def _change(current: float | None, previous: float | None) -> str:
    points = rate_change(current, previous)
    if points is None:
        return ""
    if points == 0:
        return "，持平"
    arrow = "↑" if points > 0 else "↓"
    return f"，{arrow}{_number(abs(points))}个百分点"


def _section(section: Section, limit: int, min_sample: int) -> list[str]:
    names = sorted(
        set(section.current) | set(section.previous),
        key=lambda n: (-_received(section.current, n), -_received(section.previous, n), n),
    )
    if not names:
        return []
    lines = ["", section.header]
    for name in names[:limit]:
        now, before = section.current.get(name, Rates()), section.previous.get(name, Rates())
        lines.append(t.DIGEST_GROUP_LINE.format(
            name=html.escape(name), received=now.received, p_received=before.received,
            **{key: _compared(now, before, field, min_sample) for key, field in _GROUP_RATES},
        ))
    if len(names) > limit:
        lines.append(t.DIGEST_MORE.format(count=len(names) - limit))
    return lines


_GROUP_RATES = (("response", "response_rate"), ("resolution", "resolution_rate"),
                ("satisfaction", "satisfaction_rate"))


def _compared(now: Rates, before: Rates, field: str, min_sample: int) -> str:
    """The rate and, when both weeks have enough cases, its change in points: "60%（↓40）";
    under ``min_sample`` cases the counts: "1/2 件"."""
    shown = shown_rate(now, field, min_sample)
    points = rate_change(trusted(now, field, min_sample), trusted(before, field, min_sample))
    if points is None:
        return shown
    if points == 0:
        return f"{shown}（±0）"
    return f"{shown}（{'↑' if points > 0 else '↓'}{_number(abs(points))}）"


def _received(rates: Mapping[str, Rates], name: str) -> int:
    found = rates.get(name)
    return found.received if found else 0


def _topics(top_topics: Sequence[tuple[str, int]]) -> list[str]:
    if not top_topics:
        return []
    items = "　".join(
        t.DIGEST_HOT_TOPIC_ITEM.format(phrase=html.escape(phrase), count=count)
        for phrase, count in top_topics
    )
    return ["", t.DIGEST_HOT_TOPICS, items]


def _clusters(clusters: Sequence[Cluster], place_names: Mapping[str, str]) -> list[str]:
    lines = ["", t.DIGEST_CLUSTERS.format(minimum=CLUSTER_MINIMUM)]
    if not clusters:
        return [*lines, t.DIGEST_NO_CLUSTERS]
    for cluster in clusters:
        place = t.NO_BUILDING_PLACE.format(
            community=place_names.get(cluster.community_code, ""), building=cluster.building
        )
        numbers = "、".join(cluster.numbers[-3:]) + ("等" if cluster.count > 3 else "")
        lines.append(t.DIGEST_CLUSTER_LINE.format(
            place=html.escape(place), topic=html.escape(cluster.topic), count=cluster.count,
            numbers=html.escape(numbers),
        ))
    return lines


def _number(value: float) -> str:
    """0.9 -> "0.9", 100.0 -> "100", 87.5 -> "87.5"."""
    return f"{value:.1f}".removesuffix(".0")


def _cut(text: str) -> str:
    head = text[: TELEGRAM_TEXT_LIMIT - 2]
    return head[: head.rfind("\n")] + "\n…"
