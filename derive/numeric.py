"""A numeric check a reader can reproduce: the formula's gradient beside finite differences.

Plain floating point, no SymPy: the point is an independent second opinion on the result.
The softmax may carry a temperature T (it sees z/T, and the gradient is (p − y)/T), and the
one-hot label may be smoothed by ε (y = (1 − ε) one-hot + ε/n); the defaults are neither.
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
    #: How the label is printed: a whole number for one-hot labels, more digits when smoothed.
    label_format: str = ".0f"

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
            f"{self.label:{self.label_format}}",
            f"{self.formula:.6f}",
            f"{self.finite_difference:.6f}",
            f"{self.difference:.1e}",
        )


def softmax(logits: list[float]) -> list[float]:
    top = max(logits)
    weights = [math.exp(v - top) for v in logits]
    total = sum(weights)
    return [w / total for w in weights]


def cross_entropy(logits: list[float], labels: list[float], temperature: float = 1.0) -> float:
    """−Σ_k y_k log p_k with p the softmax of the logits divided by ``temperature``."""
    probabilities = softmax([v / temperature for v in logits])
    return -sum(label * math.log(prob) for label, prob in zip(labels, probabilities, strict=True) if label)


@dataclass(frozen=True)
class GradientCheck:
    """The rows of the check, with what a reader needs to redo it."""

    seed: int
    step: float
    rows: tuple[GradientRow, ...]
    temperature: float = 1.0
    smoothing: float = 0.0


def gradient_check(
    n: int, seed: int = SEED, *, temperature: float = 1.0, smoothing: float = 0.0
) -> GradientCheck:
    """Logits drawn with a fixed seed, a one-hot label, and both gradients for each class.

    The formula is ∂L/∂z_i = (p_i − y_i)/T, with p the softmax of z/T; a ``smoothing`` ε
    turns the one-hot label into (1 − ε) one-hot + ε/n. With neither, it is p_i − y_i.
    """
    rng = random.Random(seed)
    logits = [round(rng.uniform(-2.0, 2.0), 2) for _ in range(n)]
    labels = [0.0] * n
    labels[rng.randrange(n)] = 1.0
    if smoothing:
        labels = [(1 - smoothing) * label + smoothing / n for label in labels]
    probabilities = softmax([v / temperature for v in logits])
    rows = []
    for index in range(n):
        up = logits.copy()
        down = logits.copy()
        up[index] += STEP
        down[index] -= STEP
        loss_up, loss_down = (cross_entropy(shifted, labels, temperature) for shifted in (up, down))
        slope = (loss_up - loss_down) / (2 * STEP)
        rows.append(
            GradientRow(
                index=index + 1,
                logit=logits[index],
                probability=probabilities[index],
                label=labels[index],
                formula=(probabilities[index] - labels[index]) / temperature,
                finite_difference=slope,
                label_format=".4f" if smoothing else ".0f",
            )
        )
    return GradientCheck(seed=seed, step=STEP, rows=tuple(rows), temperature=temperature, smoothing=smoothing)
