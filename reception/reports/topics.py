"""What residents talk about: the week's hot topics and problems that keep coming back.

Both work on stored rows: hot topics read ``Petition.text`` and ``building`` with the topics
file (nlp/rules/topics.toml: "3号楼 电梯故障"); recurring clusters read ``keywords`` (the
analyzer's, best first), ``building`` and ``category``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from nlp.topics import TopicRules, hot_topics
from storage.models import Petition

# Words that are in almost every petition and say nothing about its topic.
TOPIC_STOPWORDS = frozenset({
    "问题", "情况", "反映", "希望", "要求", "请求", "麻烦", "谢谢", "感谢", "你好", "您好",
    "小区", "社区", "居民", "业主", "住户", "我家", "家里", "楼下", "楼上", "号楼", "单元",
    "处理", "解决", "现在", "已经", "一直", "经常", "每天", "总是", "还是", "没有", "不能",
    "可以", "一下", "时候", "这个", "那个", "我们", "他们", "有人", "尽快", "及时",
})
CLUSTER_MINIMUM = 3
TOPIC_MINIMUM = 2  # a phrase of one petition only is that petition's detail, not a topic


@dataclass(frozen=True)
class Cluster:
    """The same building and topic, again and again (``kind``: category or keyword)."""

    community_code: str
    building: str
    kind: str  # category | keyword
    topic: str
    count: int
    numbers: tuple[str, ...]
    last_at: datetime


def top_topics(
    petitions: Iterable[Petition], *, topics: TopicRules, limit: int = 8,
    minimum: int = TOPIC_MINIMUM,
) -> list[tuple[str, int]]:
    """The problems reported in the most petitions, with their place: "3号楼 电梯故障",
    "东门 占道经营", or the problem alone when the petition names no place ("停水").

    A phrase is a named problem of the topics file (what residents call it in many words:
    "电梯又坏了" and "电梯一直停在一楼不动" are both 电梯故障), so general words ("晚上",
    "单元楼", "很大") never rank. Each petition counts a phrase once, so one long message
    does not drown out ten short ones; only phrases of at least ``minimum`` petitions are
    topics. Ties are broken by the phrase itself, so the order is stable.
    """
    return hot_topics(topics, ((p.text, p.building) for p in petitions),
                      minimum=minimum, limit=limit)


def recurring_clusters(
    petitions: Iterable[Petition], *, minimum: int = CLUSTER_MINIMUM, limit: int = 8
) -> list[Cluster]:
    """(building, category) and (building, top keyword) pairs seen ``minimum`` times or more.

    The caller passes the window (the last four weeks). A keyword cluster with exactly the
    petitions of a category cluster says nothing new and is left out. Biggest first.
    """
    groups: dict[tuple[str, str, str, str], list[Petition]] = defaultdict(list)
    for petition in petitions:
        if not petition.building:
            continue
        place = (petition.community_code, petition.building)
        groups[(*place, "category", petition.category)].append(petition)
        keyword = _top_keyword(petition)
        if keyword:
            groups[(*place, "keyword", keyword)].append(petition)
    clusters: list[Cluster] = []
    seen: set[tuple[str, str, frozenset[str]]] = set()
    # Category clusters first, so a keyword cluster repeating one is the one dropped.
    for (community, building, kind, topic), members in sorted(
        groups.items(), key=lambda item: (item[0][2] != "category", item[0])
    ):
        if len(members) < minimum:
            continue
        numbers = frozenset(p.number for p in members)
        if (community, building, numbers) in seen:
            continue
        seen.add((community, building, numbers))
        ordered = sorted(members, key=lambda p: p.created_at)
        clusters.append(Cluster(
            community_code=community, building=building, kind=kind, topic=topic,
            count=len(members), numbers=tuple(p.number for p in ordered),
            last_at=ordered[-1].created_at,
        ))
    clusters.sort(key=lambda c: (-c.count, c.kind != "category", c.community_code, c.building))
    return clusters[:limit]


def _top_keyword(petition: Petition) -> str | None:
    for word in petition.keywords:
        if len(word) > 1 and word not in TOPIC_STOPWORDS:
            return word
    return None
