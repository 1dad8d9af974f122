"""What the analyser returns: plain frozen values the domain can store and show."""

from __future__ import annotations

from dataclasses import dataclass

EXPLAIN_KEYWORDS = 5


@dataclass(frozen=True)
class Location:
    """Where in the estate: building (楼/栋/幢), unit (单元) and room; all None when unknown."""

    building: str | None = None
    unit: str | None = None
    room: str | None = None

    def label(self) -> str:
        """Render as "3号楼2单元501室"; "" when nothing was found."""
        parts = []
        if self.building:
            parts.append(f"{self.building}号楼")
        if self.unit:
            parts.append(f"{self.unit}单元")
        if self.room:
            parts.append(f"{self.room}室")
        return "".join(parts)

    def __bool__(self) -> bool:
        return any((self.building, self.unit, self.room))


@dataclass(frozen=True)
class Decision:
    """A category with its confidence, the runner-up and the words that decided it."""

    category: str
    confidence: float
    runner_up: str | None
    runner_up_confidence: float
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Urgency:
    urgent: bool
    words: tuple[str, ...] = ()  # the live danger expressions, as written
    hazards: tuple[str, ...] = ()  # their hazards (urgent.toml's codes: gas, fire, lift …)


@dataclass(frozen=True)
class Analysis:
    decision: Decision
    urgency: Urgency
    location: Location
    masked_text: str
    tokens: frozenset[str]

    def explain(self) -> str:
        """One Chinese line for staff: "关键词：漏水、楼上；置信度 0.82；次选：物业管理"."""
        d = self.decision
        words = "、".join(d.keywords[:EXPLAIN_KEYWORDS]) or "无"
        parts = [f"关键词：{words}", f"置信度 {d.confidence:.2f}"]
        if d.runner_up:
            parts.append(f"次选：{d.runner_up}")
        if self.urgency.urgent:
            parts.append(f"紧急：{'、'.join(self.urgency.words)}")
        if self.location:
            parts.append(f"位置：{self.location.label()}")
        return "；".join(parts)
