"""derive's printer and derive's reader agree: what ``derive.printing.latex`` prints, ``read_latex``
reads back as the same expression.

The property: for a random SymPy expression in the vocabulary of derivation posts, built from the
reader's own symbols (so names and assumptions match), one reading of ``latex(expr)`` is ``expr``
(structurally, or equal in value: ``expand`` of the difference is 0, or ``simplify`` of it after
``doit``). Nothing derive prints may be refused (``Unreadable``).

Ambiguity. Read on its own, the printer's ``x \\left(1 + y\\right)`` is an application x(1 + y) or
a product x·(1 + y): a name followed by a bracket is the one construct of the printer the reader
reads two ways without a post around it, and the only choice a reading of printer output may
report. Given what a post tells it (every name of the expression is used on its own, as
``learn_names`` would find in a post that defines it), there is exactly one reading.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st
from sympy import (
    Add,
    Derivative,
    Expr,
    Indexed,
    IndexedBase,
    Integer,
    KroneckerDelta,
    Rational,
    S,
    Sum,
    Symbol,
    exp,
    expand,
    log,
    simplify,
    sqrt,
    tanh,
)

from derive import Unreadable, read_latex
from derive.check.reader import PostNames
from derive.printing import MAX_TERMS, latex

# -- the reader's own symbols ---------------------------------------------------------------------


def index(name: str) -> Symbol:
    """An index letter (i, j, k, n, m, c, t) as the reader builds it."""
    return Symbol(name, integer=True, positive=True)


i, j, k, n, m, c, t = (index(name) for name in "ijknmct")
#: The size of a vector, the upper limit of every sum: ``N`` is a positive integer to the reader.
N = Symbol("N", integer=True, positive=True)
x, y, a, b, u, w, L = (Symbol(name) for name in ("x", "y", "a", "b", "u", "w", "L"))
theta, lam = Symbol("θ"), Symbol("λ")
z, p, y_ = IndexedBase("z"), IndexedBase("p"), IndexedBase("y")

# Plain scalars. Left out by design: e (e^{…} is exp, a bare e is Euler's number), d (the d of
# dx in a fraction), and σ, which the reader takes for the logistic function when it stands
# before a bracket (σ(1 + x)) in a post that never writes σ on its own.
PLAIN = (x, y, a, b, u, w, L, theta, lam)
INDICES = (i, j, k, n, m, c, t)
FAMILIES = (z, p, y_)
#: The indices a sum runs over, from 1 to N.
SUM_INDICES = (k, n)


# -- expressions in the vocabulary of derivation posts ----------------------------------------


def _is_finite_and_real(expr: Expr) -> bool:
    return not expr.has(S.ComplexInfinity, S.NaN, S.Infinity, S.NegativeInfinity, S.ImaginaryUnit)


def _is_printed_whole(expr: Expr) -> bool:
    """False when the printer elides terms on purpose: a sum of more than MAX_TERMS terms is
    printed with ``\\cdots`` in the middle, which says less than the expression."""
    return all(len(add.args) <= MAX_TERMS for add in expr.atoms(Add) | ({expr} if expr.is_Add else set()))


def _valid(expr: Expr) -> bool:
    return _is_finite_and_real(expr) and _is_printed_whole(expr)


numbers = st.one_of(
    st.integers(min_value=-3, max_value=9).map(Integer),
    st.tuples(st.integers(min_value=-5, max_value=5), st.integers(min_value=2, max_value=5)).map(
        lambda pq: Rational(*pq)
    ),
)
plain_symbols = st.sampled_from(PLAIN)
entries = st.builds(
    Indexed,
    st.sampled_from(FAMILIES),
    st.one_of(st.sampled_from(INDICES), st.integers(min_value=1, max_value=3).map(Integer)),
)
deltas = st.sampled_from((KroneckerDelta(i, j), KroneckerDelta(i, k), KroneckerDelta(j, n)))
leaves = st.one_of(plain_symbols, entries, numbers, deltas, st.just(N), st.sampled_from(INDICES))

#: Exponents of a power: small integers, as derivations write them.
exponents = st.sampled_from((-3, -2, -1, 2, 3, 4)).map(Integer)


def _summand_strategy(summation_index: Symbol) -> st.SearchStrategy[Expr]:
    """The body of a sum over ``summation_index``: an expression in z_k, p_k and plain symbols."""
    own_entries = st.builds(Indexed, st.sampled_from(FAMILIES), st.just(summation_index))
    summand_leaves = st.one_of(own_entries, own_entries, plain_symbols, numbers)
    return st.recursive(
        summand_leaves,
        lambda inner: st.one_of(
            st.builds(lambda f, g: f + g, inner, inner),
            st.builds(lambda f, g: f * g, inner, inner),
            st.builds(lambda f, e: f**e, inner, exponents),
            st.builds(exp, inner),
            st.builds(log, inner),
        ),
        max_leaves=4,
    ).filter(lambda body: body.has(summation_index) and _valid(body))


sums = st.sampled_from(SUM_INDICES).flatmap(
    lambda index: _summand_strategy(index).map(lambda body: Sum(body, (index, 1, N)))
)


@st.composite
def derivatives(draw, inner: st.SearchStrategy[Expr]) -> Expr:
    """An unevaluated ∂f/∂v of an expression f by a plain symbol v in it (or an entry z_i)."""
    function = draw(inner.filter(lambda f: f.free_symbols & set(PLAIN) or f.atoms(Indexed)))
    variables = sorted((s for s in function.free_symbols if s in PLAIN), key=str)
    variables += sorted(function.atoms(Indexed), key=str)
    variable = draw(st.sampled_from(variables))
    order = draw(st.sampled_from((1, 1, 1, 2)))
    return Derivative(function, (variable, order))


def _extend(inner: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    return st.one_of(
        st.builds(lambda f, g: f + g, inner, inner),
        st.builds(lambda f, g: f - g, inner, inner),
        st.builds(lambda f, g: f * g, inner, inner),
        st.builds(lambda f, g: f / g, inner, inner),
        st.builds(lambda f: -f, inner),
        st.builds(lambda f, e: f**e, inner, exponents),
        st.builds(exp, inner),
        st.builds(log, inner),
        st.builds(tanh, inner),
        st.builds(sqrt, inner),
        sums,
        derivatives(inner),
    )


expressions = st.recursive(leaves, _extend, max_leaves=10).filter(_valid)


# -- reading back -------------------------------------------------------------------------------


def same_value(expected: Expr, read) -> bool:
    """``read`` is ``expected``: the same tree, or a difference that works out to 0."""
    if expected == read:
        return True
    try:
        difference = expected - read
        if expand(difference) == 0:
            return True
        return simplify(difference.doit()) == 0
    except (TypeError, ValueError, AttributeError):
        return False


def names_used_alone(expr: Expr) -> PostNames:
    """What a post around ``expr`` says of its names: each is used on its own (``p_`` for p_i)."""
    values = {s.name for s in expr.free_symbols if isinstance(s, Symbol) and not s.is_integer}
    values |= {f"{entry.base}_" for entry in expr.atoms(Indexed)}
    return PostNames(values=frozenset(values))


APPLICATION_OR_PRODUCT = re.compile(r".+\(…\): an application or a product")


def assert_reads_back(expr: Expr) -> None:
    printed = latex(expr)
    note(f"printed: {printed}")
    try:
        reading = read_latex(printed)
    except Unreadable as error:
        pytest.fail(f"{expr!r} printed as {printed!r} is refused: {error}")
    note(f"readings: {reading.expressions}")
    assert any(same_value(expr, r) for r in reading.expressions), (expr, printed, reading)
    if len(reading.expressions) > 1:
        assert reading.ambiguities, reading
        assert all(APPLICATION_OR_PRODUCT.fullmatch(a) for a in reading.ambiguities), (printed, reading)
    in_context = read_latex(printed, names=names_used_alone(expr))
    assert len(in_context.expressions) == 1, (expr, printed, in_context)
    assert same_value(expr, in_context.expressions[0]), (expr, printed, in_context)


# -- the property -------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None, derandomize=True)
@given(expressions)
def test_printer_output_reads_back_as_the_printed_expression(expr: Expr) -> None:
    assert_reads_back(expr)


# -- concrete cases ------------------------------------------------------------------------------

CONCRETE = [
    pytest.param(x + y, "x + y", id="sum"),
    pytest.param(x / y, "\\frac{x}{y}", id="fraction"),
    pytest.param(x**-2, "\\frac{1}{x^{2}}", id="negative-power"),
    pytest.param(exp(z[i]), "e^{z_i}", id="exp-of-entry"),
    pytest.param(log(p[j]) * y_[k], "y_k \\log p_j", id="log-of-entry"),
    pytest.param(log(x + 1), "\\log\\left(1 + x\\right)", id="log-of-sum"),
    pytest.param(tanh(x), "\\tanh{\\left(x \\right)}", id="tanh"),
    pytest.param(Rational(1, 2) * x, "\\frac{1}{2} x", id="half"),
    pytest.param(exp(x) * exp(y), "e^{x} \\cdot e^{y}", id="dotted-exponentials"),
    pytest.param(KroneckerDelta(i, j), "\\delta_{ij}", id="kronecker"),
    pytest.param(Sum(exp(z[k]), (k, 1, N)), "\\sum_{k=1}^{N} e^{z_k}", id="sum-over-k"),
    pytest.param(
        exp(z[i]) / Sum(exp(z[k]), (k, 1, N)), "\\frac{e^{z_i}}{\\sum_{k=1}^{N} e^{z_k}}", id="softmax"
    ),
    pytest.param(Derivative(x**2, x), "\\frac{\\partial}{\\partial x} \\left(x^{2}\\right)", id="derivative"),
    pytest.param(Derivative(log(x), x), "\\frac{\\partial \\log x}{\\partial x}", id="derivative-of-log"),
    pytest.param(
        p[i] * (KroneckerDelta(i, j) - p[j]),
        "\\left(- p_j + \\delta_{ij}\\right) p_i",
        id="softmax-jacobian-entry",
    ),
]


@pytest.mark.parametrize(("expr", "printed"), CONCRETE)
def test_printed_example_reads_back(expr: Expr, printed: str) -> None:
    assert latex(expr) == printed
    assert read_latex(printed).expressions == (expr,)


def test_name_before_a_bracket_reads_both_ways_without_a_post() -> None:
    """``x (1 + y)`` on its own is x applied to 1 + y or x times 1 + y; a post that uses x on its
    own settles it."""
    expr = x * (y + 1)
    printed = latex(expr)
    assert printed == "x \\left(1 + y\\right)"
    assert expr in read_latex(printed).expressions
    assert len(read_latex(printed).expressions) == 2
    assert read_latex(printed, names=PostNames(values=frozenset({"x"}))).expressions == (expr,)
