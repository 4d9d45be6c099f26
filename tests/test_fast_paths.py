"""The verifier's own derivative and numeric evaluation agree with SymPy's ``diff`` and ``evalf``."""

from __future__ import annotations

import pytest
from sympy import (
    Function,
    I,
    IndexedBase,
    KroneckerDelta,
    Rational,
    Sum,
    Symbol,
    diff,
    exp,
    log,
    simplify,
    sqrt,
    symbols,
)

from derive.differentiate import derivative
from derive.evaluation import NotEvaluable, value_at

z, p, y = IndexedBase("z"), IndexedBase("p"), IndexedBase("y")
i, j, k = symbols("i j k", integer=True, positive=True)
N = Symbol("N", integer=True, positive=True)
x, S = Symbol("x"), Symbol("S")
f = Function("f")

EXPRESSIONS = [
    -Sum(y[k] * log(exp(z[k]) / Sum(exp(z[i]), (i, 1, N))), (k, 1, N)),
    exp(z[j]) / S + S**2 * log(z[1] * z[2]) - KroneckerDelta(i, j) * p[i],
    sqrt(z[1] ** 2 + 1) * (z[1] - z[2]) ** -3,
    f(z[1]) * x + Sum(z[k] * z[1], (k, 1, 3)),
    # A sum over k differentiated by z_k would capture k: left to SymPy, which says the same.
    Sum(exp(z[k]), (k, 1, N)),
]


@pytest.mark.parametrize("expr", EXPRESSIONS)
@pytest.mark.parametrize("var", [z[1], z[j], z[k], x, S])
def test_derivative_is_sympys(expr, var):
    assert simplify((derivative(expr, var) - diff(expr, var)).doit()) == 0


def test_value_is_evalfs_to_30_digits():
    a, b = symbols("a b")
    expr = log(a * exp(z[1]) / (1 + a**2)) + (a - b) ** Rational(1, 3) + KroneckerDelta(2, 2)
    point = {a: Rational(-3, 10), b: Rational(7, 10), z[1]: Rational(11, 10)}
    ours, sympys = value_at(expr, point, 30), expr.xreplace(point).evalf(30)
    assert abs(ours - sympys) < 1e-28
    assert value_at(I * a, point, 30) == (I * a).xreplace(point).evalf(30)


def test_value_leaves_what_it_does_not_know_and_refuses_undefined_points():
    with pytest.raises(NotEvaluable):
        value_at(f(x), {x: Rational(1)}, 30)
    with pytest.raises(ZeroDivisionError):
        value_at(1 / x, {x: Rational(0)}, 30)
