"""Duplicate detection: do two petitions report one problem at one place?

The domain decides which open petitions to compare (same building, recent, still open); this
module says whether two of them report one problem (`link`: the same place and the same named
problem, however worded, see nlp/topics.py) and how alike their words are (`similarity`,
Jaccard over jieba content words: transparent, staff can see the shared words).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from nlp.data import short_text
from nlp.topics import TopicRules, same_place


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard similarity |a ∩ b| / |a ∪ b| in 0..1; 0.0 when either set is empty."""
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def shared_words(a: frozenset[str], b: frozenset[str]) -> tuple[str, ...]:
    """The words two petitions have in common, sorted, to show why they were matched."""
    return tuple(sorted(a & b))


# One lines this alike (character pairs) are one letter posted twice, whatever places were read
# from them: a place name in a long letter is read less reliably than its title is copied.
SAME_LINE = 0.8


@dataclass(frozen=True)
class Signature:
    """What two petitions are compared on: where, what problem, which words, which category."""

    places: tuple[str, ...]
    problems: frozenset[str]
    words: frozenset[str]  # content words, synonyms replaced by their group's word
    category: str
    building: str | None = None
    line: frozenset[str] = frozenset()  # character pairs of its one line (title or first sentence)


@dataclass(frozen=True)
class Link:
    """Why two petitions look like one problem reported twice."""

    place: str | None
    problems: tuple[str, ...]
    words: tuple[str, ...]
    score: float


def signature(rules: TopicRules, *, text: str, tokens: Iterable[str], category: str,
              building: str | None = None) -> Signature:
    """A petition's signature: its places and main problems (`TopicRules`), its words with
    synonyms merged, and the character pairs of its one line (title or first sentence)."""
    return Signature(
        places=rules.places_of(text, building=building),
        problems=frozenset(rules.main_problems(text)),
        words=rules.canonical(frozenset(tokens)), category=category, building=building,
        line=_bigrams(short_text(text)),
    )


def _bigrams(line: str) -> frozenset[str]:
    chars = [c for c in line if c.isalnum()]
    return frozenset(a + b for a, b in pairwise(chars))


def link(a: Signature, b: Signature, *, threshold: float = 0.3,
         wording_alone: float = 0.6) -> Link | None:
    """A link when ``a`` and ``b`` report the same problem at the same place, else None.

    Two buildings that differ are never one problem, nor two places named that differ. At a
    shared place (a building, a gate, a named estate) the same named problem links them
    however they are worded, and so do words that agree to ``threshold`` (Jaccard, synonyms
    merged) within one category, or one lines (titles, first sentences) whose character pairs
    agree to ``threshold``.
    Without a shared place only near-identical wording (``wording_alone``) links them.
    """
    if a.building and b.building and a.building != b.building:
        return None
    score = similarity(a.words, b.words)
    line = similarity(a.line, b.line)
    shared = tuple(sorted(a.words & b.words))
    problems = tuple(sorted(a.problems & b.problems))
    place = next((p for p in a.places for q in b.places if same_place(p, q)), None)
    if place is not None and place.endswith("号楼") and _named(a) and _named(b) and next(
            (p for p in _named(a) for q in _named(b) if same_place(p, q)), None) is None:
        place = None  # the same building number in two estates
    if place is not None:
        if problems or line >= threshold or (a.category == b.category and score >= threshold):
            return Link(place=place, problems=problems, words=shared, score=score)
        return None
    if _named(a) and _named(b) and line < SAME_LINE:
        return None  # both say where, not the same place, and not in the same words
    if max(score, line) >= wording_alone or (
            problems and a.category == b.category and score >= threshold):
        return Link(place=None, problems=problems, words=shared, score=score)
    return None


def _named(s: Signature) -> tuple[str, ...]:
    return tuple(p for p in s.places if not p.endswith("号楼"))
