"""Interval arithmetic over SymPy expressions: an enclosure of every value an expression takes
when each of its symbols ranges over an interval (the numbers that round to a printed entry).

The walk knows the operations a worked example uses (sums, products, whole and half powers,
exp, log, tanh); anything else is :class:`NotEvaluable`, never a guess. mpmath rounds each
endpoint outwards, so an enclosure holds the exact value.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import mpmath
from sympy import Add, E, Expr, Integer, Mul, Pow, Rational, S, Symbol, exp, log, tanh

#: Deepest expression walked; the reader bounds its own depth, this bounds the walk over it.
MAX_DEPTH = 200
#: Digits of the arithmetic: far below any place a post prints.
DIGITS = 30

Interval = mpmath.iv.mpf


class NotEvaluable(Exception):
    """An expression the walk does not know (a name without a value, a Σ to N)."""


@contextmanager
def precision() -> Iterator[None]:
    """mpmath's interval context has no ``workdps``: its precision is set and put back."""
    kept = mpmath.iv.dps
    mpmath.iv.dps = DIGITS
    try:
        yield
    finally:
        mpmath.iv.dps = kept


def around(number: Rational, slack: Rational = S.Zero) -> Interval:
    """The interval [number − slack, number + slack], endpoints rounded outwards."""
    low, high = _exact(number - slack), _exact(number + slack)
    return mpmath.iv.mpf([low.a, high.b])


def _exact(number) -> Interval:
    number = Rational(number)
    return mpmath.iv.mpf(int(number.p)) / mpmath.iv.mpf(int(number.q))


def enclosure(expr: Expr, intervals: dict[str, Interval], depth: int = 0) -> Interval:
    """An interval that holds the value of ``expr`` whatever value in its interval each symbol
    (named in ``intervals``) takes."""
    if depth > MAX_DEPTH:
        raise NotEvaluable("an expression nested too deep")
    if isinstance(expr, Symbol):
        if expr.name not in intervals:
            raise NotEvaluable(expr.name)
        return intervals[expr.name]
    if expr is E:
        return mpmath.iv.e
    if isinstance(expr, Rational):
        return _exact(expr)
    if isinstance(expr, Pow) and expr.exp == Rational(1, 2):
        return mpmath.iv.sqrt(enclosure(expr.base, intervals, depth + 1))
    if isinstance(expr, Pow) and isinstance(expr.exp, Integer):
        base = enclosure(expr.base, intervals, depth + 1)
        power = int(expr.exp)
        return base**power if power >= 0 else 1 / base**-power
    parts = [enclosure(arg, intervals, depth + 1) for arg in expr.args]
    if isinstance(expr, Add):
        return _fold(parts, lambda a, b: a + b)
    if isinstance(expr, Mul):
        return _fold(parts, lambda a, b: a * b)
    if isinstance(expr, exp):
        return mpmath.iv.exp(parts[0])
    if isinstance(expr, log):
        return mpmath.iv.log(parts[0])
    if isinstance(expr, tanh):
        # 1 − 2/(e^{2x} + 1) names x once, so the enclosure is as tight as the argument's.
        return 1 - 2 / (mpmath.iv.exp(2 * parts[0]) + 1)
    raise NotEvaluable(type(expr).__name__)


def _fold(parts: list[Interval], combine) -> Interval:
    total = parts[0]
    for part in parts[1:]:
        total = combine(total, part)
    return total


def apart(a: Interval, b: Interval) -> bool:
    """Whether no number lies in both: mpmath's comparison of intervals is True only when every
    value of one lies below every value of the other."""
    return (a < b) is True or (a > b) is True
