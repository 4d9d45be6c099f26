"""The printer writes LaTeX the way a person does."""

from __future__ import annotations

from sympy import (
    Add,
    Derivative,
    Function,
    IndexedBase,
    KroneckerDelta,
    Matrix,
    Mul,
    Pow,
    Sum,
    Symbol,
    exp,
    log,
    symbols,
)

from derive.algebra import SumExcept
from derive.printing import latex

i, j, k = symbols("i j k", integer=True)
z, p, y = IndexedBase("z"), IndexedBase("p"), IndexedBase("y")
N, L, S = symbols("N L S")


def test_subscripts_are_plain():
    assert latex(z[i]) == "z_i"
    assert latex(z[12]) == "z_{12}"
    W = IndexedBase("W")
    assert latex(W[i, j]) == "W_{ij}" and latex(W[1, 2]) == "W_{1,2}"
    assert latex(KroneckerDelta(i, j)) == r"\delta_{ij}" and latex(KroneckerDelta(i, 12)) == r"\delta_{12,i}"


def test_every_derivative_uses_partial():
    assert latex(Derivative(L, z[i])) == r"\frac{\partial L}{\partial z_i}"
    assert latex(Derivative(log(p[k]), p[i])) == r"\frac{\partial \log p_k}{\partial p_i}"
    assert latex(Derivative(exp(z[i]) / S, z[i])) == (
        r"\frac{\partial}{\partial z_i} \left(\frac{e^{z_i}}{S}\right)"
    )


def test_powers_of_exponentials_are_bracketed():
    assert latex(Pow(exp(z[i]), 2, evaluate=False)) == r"\left(e^{z_i}\right)^{2}"


def test_terms_stay_in_the_order_they_were_built():
    built = Add(
        Mul(exp(z[i]), S, evaluate=False), Mul(-1, exp(z[i]), exp(z[i]), evaluate=False), evaluate=False
    )
    assert latex(built) == r"e^{z_i} \cdot S - e^{z_i} \cdot e^{z_i}"
    assert latex(Add(p[i], -y[i], evaluate=False)) == "p_i - y_i"
    assert latex(Add(-y[i], p[i], evaluate=False)) == "- y_i + p_i"


def test_sum_except_and_log():
    summand = Mul(y[j], p[i], evaluate=False)
    assert latex(SumExcept(summand, (j, 1, N), i)) == r"\sum_{j \neq i} y_j p_i"
    assert latex(-Sum(y[i] * log(p[i]), (i, 1, N))) == r"- \sum_{i=1}^{N} y_i \log p_i"


def test_long_sums_and_large_matrices_are_elided():
    total = Add(*(exp(z[m]) for m in range(1, 51)), evaluate=False)
    assert latex(total) == r"e^{z_1} + e^{z_2} + \cdots + e^{z_{49}} + e^{z_{50}}"
    printed = latex(Matrix(10, 10, lambda a, b: p[a + 1] * p[b + 1]))
    assert r"\ddots" in printed and r"\vdots" in printed and "p_{10}" in printed
    assert printed.count(r"\\") == 3


def test_function_values_print_as_written():
    x = Symbol("x")
    f, g = Function("f")(x), Function("g")(x)
    assert latex(Derivative(f, x)) == r"\frac{\partial f(x)}{\partial x}"
    assert latex(g**2) == "g(x)^{2}"
