"""Similarity of two petitions' content tokens, for duplicate detection.

The domain decides which open petitions to compare (same building, still open); this module
only says how alike two token sets are. Jaccard over jieba content words is transparent
(staff can see the shared words) and, for messages of a few dozen words, as good as SimHash.
"""

from __future__ import annotations


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard similarity |a ∩ b| / |a ∪ b| in 0..1; 0.0 when either set is empty."""
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def shared_words(a: frozenset[str], b: frozenset[str]) -> tuple[str, ...]:
    """The words two petitions have in common, sorted, to show why they were matched."""
    return tuple(sorted(a & b))
