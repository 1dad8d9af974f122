"""The weekly digest: numbers per scope, grid, category and staff; topics; clusters; sending.

The office: 红旗社区 (grids g1: buildings 1–5, g2: 6–10) and 青年社区, both in 新华街道.
This week is 16–22 November 2026; the digest is made on Monday 23rd at 09:00 Beijing time.
"""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from nlp.topics import TopicRules
from reception.errors import InvalidInput, NotAllowed
from reception.handling.access import Access
from reception.reports.digest import Digests
from reception.reports.digest_text import TELEGRAM_TEXT_LIMIT
from reception.reports.topics import Cluster, recurring_clusters, top_topics
from storage.models import Outbox
from tests.reception.report_fixtures import add, add_staff, bj, group, hours, make_deps, petition

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def deps(tmp_path):
    return make_deps(tmp_path)


@pytest.fixture
def digests(deps):
    return Digests(deps, Access(deps))


@pytest.fixture
def office(deps):
    """Two weeks of petitions; see the module docstring for the calendar."""
    wang = add_staff(deps, 501, "王芳")
    li = add_staff(deps, 502, "李强")
    odd = add_staff(deps, 503, "张<三>")
    leak = dict(category="物业管理", building="3", grid_code="g1", keywords=["漏水"])
    noise = dict(category="噪音扰民", building="7", grid_code="g2", keywords=["装修"])
    on_time = lambda at: dict(first_response_at=at + hours(1), respond_due=at + hours(24),  # noqa: E731
                              resolve_due=at + hours(72))
    this_week = [
        petition(bj(2026, 11, 16, 10), **leak, **on_time(bj(2026, 11, 16, 10)), status="closed",
                 handler_staff_id=wang, resolved_at=bj(2026, 11, 17), rating="satisfied",
                 tokens=["漏水", "楼顶", "物业"], text="楼顶漏水，物业不管"),
        petition(bj(2026, 11, 17, 10), **leak, **on_time(bj(2026, 11, 17, 10)), status="claimed",
                 handler_staff_id=wang, tokens=["漏水", "天花板", "问题"],
                 text="天花板又渗水了，什么问题"),  # overdue now
        petition(bj(2026, 11, 18, 10), **noise, **on_time(bj(2026, 11, 18, 10)), status="closed",
                 handler_staff_id=odd, resolved_at=bj(2026, 11, 19), rating="basic",
                 tokens=["噪音", "装修"], text="楼上装修噪音扰民"),
        petition(bj(2026, 11, 22, 21), **noise, respond_due=bj(2026, 11, 24, 8, 30),
                 resolve_due=bj(2026, 12, 2, 8, 30), tokens=["噪音", "广场舞"],
                 text="广场舞太吵，晚上睡不着"),
        petition(bj(2026, 11, 18, 9), community_code="qingnian", grid_code=None, category="邻里纠纷",
                 building="2", tokens=["邻居", "吵架"], respond_due=bj(2026, 11, 30)),
    ]
    last_week = [
        petition(bj(2026, 11, 9, 10), **leak, **on_time(bj(2026, 11, 9, 10)), status="closed",
                 handler_staff_id=wang, resolved_at=bj(2026, 11, 10), rating="satisfied",
                 tokens=["漏水"]),
        petition(bj(2026, 11, 10, 10), category="水电气暖", building="1", status="closed",
                 handler_staff_id=li, respond_due=bj(2026, 11, 10, 14), resolve_due=bj(2026, 11, 11, 10),
                 first_response_at=bj(2026, 11, 10, 15), resolved_at=bj(2026, 11, 12), rating="unsatisfied",
                 tokens=["停水"]),
    ]
    # Five weeks back: outside the four-week window for recurring problems.
    old = [petition(bj(2026, 10, 19, 10), **noise, status="closed", resolved_at=bj(2026, 10, 20))]
    add(deps, *this_week, *last_week, *old)


def test_community_digest_counts_and_rates(digests, office):
    digest = digests.weekly(scope_kind="community", scope_code="hongqi")
    current, previous = digest.current, digest.previous
    assert (current.received, current.responded_on_time, current.respond_expected) == (4, 3, 3)
    assert (current.resolved, current.resolved_on_time, current.resolve_expected) == (2, 2, 3)
    assert (current.overdue, current.rated, current.satisfied, current.basic) == (1, 2, 1, 1)
    assert current.response_rate == 1.0
    assert current.resolution_rate == pytest.approx(2 / 3)
    assert current.satisfaction_rate == pytest.approx(0.95)
    assert (previous.received, previous.responded_on_time, previous.resolved_on_time) == (2, 1, 1)
    assert (previous.response_rate, previous.resolution_rate) == (0.5, 1.0)
    assert previous.satisfaction_rate == 0.5
    assert digest.period_start.isoformat() == "2026-11-16T00:00:00+08:00"
    assert digest.period_end.isoformat() == "2026-11-23T00:00:00+08:00"


def test_breakdowns_compare_with_last_week(digests, office):
    digest = digests.weekly(scope_kind="community", scope_code="hongqi")
    received = lambda table: {k: r.received for k, r in table.items()}  # noqa: E731
    assert received(digest.by_grid) == {"第一网格": 2, "第二网格": 2}
    assert received(digest.previous_by_grid) == {"第一网格": 2}
    assert received(digest.by_category) == {"物业管理": 2, "噪音扰民": 2}
    assert received(digest.previous_by_category) == {"物业管理": 1, "水电气暖": 1}
    assert received(digest.by_staff) == {"王芳": 2, "张<三>": 1, "未认领": 1}
    assert received(digest.previous_by_staff) == {"王芳": 1, "李强": 1}
    assert digest.by_staff["王芳"].resolution_rate == 0.5
    assert digest.by_community == {}


def test_topics_and_recurring_clusters(digests, office):
    digest = digests.weekly(scope_kind="community", scope_code="hongqi")
    # A problem with its place, counted per petition however it was worded.
    assert digest.top_topics == [("3号楼 漏水渗水", 2), ("7号楼 噪音扰民", 2)]
    assert "热点问题" in digest.text and "3号楼 漏水渗水（2 件）" in digest.text
    assert [(c.building, c.kind, c.topic, c.count) for c in digest.clusters] == [
        ("3", "category", "物业管理", 3)  # the 漏水 keyword cluster repeats it and is dropped
    ]


def test_text_is_telegram_safe_html(digests, office):
    text = digests.weekly(scope_kind="community", scope_code="hongqi").text
    assert len(text) <= TELEGRAM_TEXT_LIMIT
    assert set(re.findall(r"<[^>]*>", text)) <= {"<b>", "</b>", "<i>", "</i>"}
    assert "张&lt;三&gt;" in text
    assert "红旗社区3号楼 · 物业管理：3 次" in text


def test_rates_show_the_count_behind_them(deps, office):
    # An office that accepts a percentage over a single case (min_sample 1) sees it with its count.
    text = Digests(deps, Access(deps), min_sample=1).weekly(scope_kind="community", scope_code="hongqi").text
    assert "响应率 <b>100%</b>（应响应 3 件；上周 50%，↑50个百分点）" in text
    assert "解决率 <b>66.7%</b>（应办结 3 件；上周 100%，↓33.3个百分点）" in text
    assert "满意率 <b>95%</b>（评价 2 件；上周 50%，↑45个百分点）" in text
    assert "· 王芳：受理 2（1）｜响应 100%（±0）｜解决 50%（↓50）｜满意 100%（±0）" in text


def test_a_small_sample_shows_its_counts_not_a_percentage(digests, office):
    # The default minimum is five cases; this week has three or fewer behind every rate.
    text = digests.weekly(scope_kind="community", scope_code="hongqi").text
    assert "响应率 <b>3/3 件</b>（不足5件，不计比率；上周 1/2 件）" in text
    assert "满意率 <b>2/2 件</b>（不足5件，不计比率；上周 1/2 件）" in text
    assert "· 王芳：受理 2（1）｜响应 2/2 件｜解决 1/2 件｜满意 1/1 件" in text
    assert "100%" not in text.split("以下各项")[0], "no bare percentage over three cases"


def test_chart_is_a_png(digests, office, deps):
    digest = digests.weekly(scope_kind="community", scope_code="hongqi")
    assert digest.chart_path is not None
    assert digest.chart_path.parent == deps.settings.reports_dir
    assert digest.chart_path.read_bytes().startswith(PNG_MAGIC)


def test_street_digest_aggregates_communities(digests, office):
    digest = digests.weekly(scope_kind="street", scope_code="xinhua")
    assert digest.current.received == 5
    assert {k: r.received for k, r in digest.by_community.items()} == {"红旗社区": 4, "青年社区": 1}
    assert "红旗社区·第一网格" in digest.by_grid
    assert "青年社区·未划分网格" in digest.by_grid
    assert digest.title.startswith("新华街道")


def test_week_ending_picks_an_earlier_week(digests, office):
    digest = digests.weekly(scope_kind="community", scope_code="hongqi",
                            week_ending=bj(2026, 11, 16, 12))
    assert digest.period_start.day == 9
    assert (digest.current.received, digest.previous.received) == (2, 0)


def test_an_empty_week_still_reads_well(digests):
    digest = digests.weekly(scope_kind="community", scope_code="qingnian")
    assert digest.current.response_rate is None
    assert "本周没有受理诉求" in digest.text
    assert "响应率 <b>—</b>（应响应 0 件；上周 —）" in digest.text
    assert digest.chart_path is not None and digest.chart_path.is_file()


def test_unknown_scope(digests):
    with pytest.raises(InvalidInput):
        digests.weekly(scope_kind="community", scope_code="nowhere")


def test_a_crowded_week_fits_one_message(deps, digests):
    rows = [petition(bj(2026, 11, 17, 10), category=f"类别{i:02d}<&>", building=str(i % 10),
                     tokens=[f"话题{i}"], handler_staff_id=add_staff(deps, 900 + i, f"员工{i:02d}"))
            for i in range(80)]
    add(deps, *rows)
    text = digests.weekly(scope_kind="community", scope_code="hongqi").text
    assert len(text) <= TELEGRAM_TEXT_LIMIT
    assert "另有" in text
    assert "&lt;&amp;&gt;" in text


def outbox_rows(deps, chat_id=None):
    with Session(deps.engine) as session:
        query = select(Outbox).order_by(Outbox.id)
        if chat_id is not None:
            query = query.where(Outbox.chat_id == chat_id)
        return list(session.exec(query))


def test_queue_weekly_sends_chart_and_text_to_each_group(deps, digests, office):
    add(deps, group(-1001, "community", "hongqi"), group(-1002, "community", "hongqi"),
        group(-2001, "street", "xinhua"), group(-3001, "community", "qingnian", active=False),
        group(-4001, "district", "heping"))
    assert digests.queue_weekly() == 6
    rows = outbox_rows(deps)
    assert {r.chat_id for r in rows} == {-1001, -1002, -2001}
    first = [r for r in rows if r.chat_id == -1001]
    assert [r.kind for r in first] == ["upload", "message"]
    assert first[0].payload["as_photo"] is True
    assert first[0].payload["caption"].startswith("红旗社区")
    assert first[1].payload["text"].startswith("<b>红旗社区")
    street = [r for r in rows if r.chat_id == -2001]
    assert street[1].payload["text"].startswith("<b>新华街道")


def test_on_demand_is_for_staff_only(deps, digests, office):
    with pytest.raises(NotAllowed):
        digests.on_demand(tg_user_id=777, chat_id=777)
    assert outbox_rows(deps) == []


def test_on_demand_uses_the_group_scope_else_the_staff_scope(deps, digests, office):
    add(deps, group(-2001, "street", "xinhua"))
    # A community's staff member asking in the street's group sees only their community:
    # a group's scope applies only to staff whose own scope covers it.
    in_group = digests.on_demand(tg_user_id=501, chat_id=-2001)
    assert (in_group.scope_kind, in_group.scope_code) == ("community", "hongqi")
    private = digests.on_demand(tg_user_id=501, chat_id=501)
    assert (private.scope_kind, private.scope_code) == ("community", "hongqi")
    assert [r.kind for r in outbox_rows(deps, 501)] == ["upload", "message"]
    assert [r.kind for r in outbox_rows(deps, -2001)] == ["upload", "message"]


def test_keyword_cluster_across_categories():
    rows = [petition(bj(2026, 11, d, 10), building="5", category=c, keywords=["电梯", "维修"])
            for d, c in ((2, "物业管理"), (9, "其他"), (16, "物业管理"))]
    assert recurring_clusters(rows) == [Cluster(
        community_code="hongqi", building="5", kind="keyword", topic="电梯", count=3,
        numbers=tuple(p.number for p in rows), last_at=rows[-1].created_at,
    )]


def test_top_topics_count_petitions_not_repeats():
    topics = TopicRules.load()
    rows = [petition(bj(2026, 11, 16), building="3", text="电梯坏了，电梯坏了，电梯又坏了"),
            petition(bj(2026, 11, 17), building="3", text="3号楼电梯故障，晚上很大声"),
            petition(bj(2026, 11, 18), text="单元楼晚上噪音扰民")]
    assert top_topics(rows, topics=topics) == [("3号楼 电梯故障", 2)]
    assert top_topics(rows, topics=topics, minimum=1) == [("3号楼 电梯故障", 2), ("噪音扰民", 1)]


def digest_cli(*argv: str):
    import argparse

    from bot import reports_cli

    parser = argparse.ArgumentParser()
    parser.add_argument("--config")
    reports_cli.register(parser.add_subparsers())
    return parser.parse_args(["digest", *argv])


def test_cli_digest_prints_plain_text_and_writes_the_chart(wired, office, tmp_path, capsys):
    args = digest_cli("--scope", "hongqi", "--week-ending", "2026-11-22", "--out",
                      str(tmp_path / "charts"))
    assert args.func(args) == 0
    printed = capsys.readouterr()
    assert printed.out.startswith("红旗社区民愿接待室周报（11月16日—11月22日）")
    assert "<b>" not in printed.out and "张<三>" in printed.out
    assert (tmp_path / "charts" / "digest-hongqi-20261116.png").is_file()


def test_cli_digest_defaults_to_the_only_district(wired, office, capsys):
    args = digest_cli("--week-ending", "2026-11-15")
    assert args.func(args) == 0
    assert capsys.readouterr().out.startswith("和平区民愿接待室周报（11月9日—11月15日）")


def test_cli_digest_unknown_scope(wired, capsys):
    args = digest_cli("--scope", "atlantis")
    assert args.func(args) == 2
    assert "hongqi" in capsys.readouterr().err
