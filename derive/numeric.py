"""A numeric check a reader can reproduce: the formula's gradient beside finite differences.

Plain floating point, no SymPy: the point is an independent second opinion on the result.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

SEED = 7
STEP = 1e-5


@dataclass(frozen=True)
class GradientRow:
    """One class: its logit, probability, label, and the two gradients."""

    index: int
    logit: float
    probability: float
    label: float
    formula: float
    finite_difference: float

    @property
    def difference(self) -> float:
        return abs(self.formula - self.finite_difference)

    @property
    def cells(self) -> tuple[str, ...]:
        """The row as printed in a post's table, to the digits that matter."""
        return (
            str(self.index),
            f"{self.logit:.2f}",
            f"{self.probability:.6f}",
            f"{self.label:.0f}",
            f"{self.formula:.6f}",
            f"{self.finite_difference:.6f}",
            f"{self.difference:.1e}",
        )


def softmax(logits: list[float]) -> list[float]:
    top = max(logits)
    weights = [math.exp(v - top) for v in logits]
    total = sum(weights)
    return [w / total for w in weights]


def cross_entropy(logits: list[float], labels: list[float]) -> float:
    return -sum(label * math.log(prob) for label, prob in zip(labels, softmax(logits), strict=True) if label)


@dataclass(frozen=True)
class GradientCheck:
    """The rows of the check, with what a reader needs to redo it."""

    seed: int
    step: float
    rows: tuple[GradientRow, ...]


def gradient_check(n: int, seed: int = SEED) -> GradientCheck:
    """Logits drawn with a fixed seed, a one-hot label, and both gradients for each class."""
    rng = random.Random(seed)
    logits = [round(rng.uniform(-2.0, 2.0), 2) for _ in range(n)]
    labels = [0.0] * n
    labels[rng.randrange(n)] = 1.0
    probabilities = softmax(logits)
    rows = []
    for index in range(n):
        up = logits.copy()
        down = logits.copy()
        up[index] += STEP
        down[index] -= STEP
        slope = (cross_entropy(up, labels) - cross_entropy(down, labels)) / (2 * STEP)
        rows.append(
            GradientRow(
                index=index + 1,
                logit=logits[index],
                probability=probabilities[index],
                label=labels[index],
                formula=probabilities[index] - labels[index],
                finite_difference=slope,
            )
        )
    return GradientCheck(seed=seed, step=STEP, rows=tuple(rows))
