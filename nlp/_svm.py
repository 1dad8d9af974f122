"""A small one-vs-rest linear SVM in pure Python, used only by `learn` (no numpy at run time).

It is liblinear's default solver (L2-regularised squared hinge loss, dual coordinate descent;
Hsieh et al., "A Dual Coordinate Descent Method for Large-scale Linear SVM", ICML 2008) on
sparse rows; the bias is an extra constant feature, as in liblinear.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

SparseRow = tuple[tuple[int, ...], tuple[float, ...]]


@dataclass(frozen=True)
class LinearModel:
    """Per class: a dense weight list over the feature indices, and a bias."""

    classes: tuple[str, ...]
    weights: tuple[list[float], ...]
    biases: tuple[float, ...]


def train_ovr(
    rows: Sequence[SparseRow],
    labels: Sequence[str],
    *,
    n_features: int,
    cost: Sequence[float],
    max_passes: int = 30,
    tolerance: float = 0.1,
    seed: int = 0,
) -> LinearModel:
    """Train one binary SVM per class; `cost[i]` is row i's C (class balance, corrections)."""
    classes = tuple(sorted(set(labels)))
    bias_index = n_features
    with_bias = [((*idx, bias_index), (*val, 1.0)) for idx, val in rows]
    norms = [sum(v * v for v in val) for _, val in with_bias]
    weights, biases = [], []
    for category in classes:
        signs = [1.0 if label == category else -1.0 for label in labels]
        w = _train_binary(with_bias, signs, norms, cost, n_features + 1,
                          max_passes=max_passes, tolerance=tolerance, seed=seed)
        biases.append(w.pop())
        weights.append(w)
    return LinearModel(classes, tuple(weights), tuple(biases))


def _train_binary(
    rows: Sequence[SparseRow],
    signs: Sequence[float],
    norms: Sequence[float],
    cost: Sequence[float],
    size: int,
    *,
    max_passes: int,
    tolerance: float,
    seed: int,
) -> list[float]:
    w = [0.0] * size
    alpha = [0.0] * len(rows)
    diag = [0.5 / c for c in cost]  # D_ii of the squared hinge loss
    order = list(range(len(rows)))
    shuffle = random.Random(seed).shuffle
    for _ in range(max_passes):
        shuffle(order)
        worst_up, worst_down = float("-inf"), float("inf")
        for i in order:
            idx, val = rows[i]
            y = signs[i]
            gradient = y * sum(w[j] * v for j, v in zip(idx, val, strict=True)) - 1.0
            gradient += diag[i] * alpha[i]
            projected = min(gradient, 0.0) if alpha[i] == 0.0 else gradient
            worst_up, worst_down = max(worst_up, projected), min(worst_down, projected)
            if projected == 0.0:
                continue
            old = alpha[i]
            alpha[i] = max(old - gradient / (norms[i] + diag[i]), 0.0)
            step = (alpha[i] - old) * y
            for j, v in zip(idx, val, strict=True):
                w[j] += step * v
        if worst_up - worst_down < tolerance:
            break
    return w
