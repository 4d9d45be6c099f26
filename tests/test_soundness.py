"""False statements that once got through, or nearly: each must now be refused.

Found by review; every case here is false (or true and once wrongly refused) at a concrete
point, so a verifier that passed it would be lying.
"""

from __future__ import annotations

from sympy import Derivative, Eq, Function, I, KroneckerDelta, Sum, Symbol, exp, log, sqrt

from derive import Context, Definition, Verifier
from derive.derivations.softmax_ce import L, N, S, context, i, j, k, p, y, z

k2 = Symbol("k", integer=True)
M = Symbol("M", integer=True, positive=True)
x = Symbol("x")
f = Function("f")
V = Verifier(context(N))


def refused(proof):
    return not proof.verified


def test_delta_outside_the_range_does_not_collapse():
    assert refused(Verifier(Context(size=N)).prove(Sum(KroneckerDelta(k2, 0) * x, (k2, 1, N)), x))
    inner = Sum(KroneckerDelta(k2, j) * y[k2], (k2, 1, M))
    assert refused(V.prove(Sum(inner, (j, 1, N)), Sum(y[j], (j, 1, N))))
    assert refused(V.prove(Sum(KroneckerDelta(k, i) * y[k], (k, 2, N)) * f(x), y[i] * f(x)))


def test_mixed_derivative_holds_each_variable_in_turn():
    assert refused(V.prove(Derivative(Derivative(L, p[i]), z[j]), 0))
    assert V.prove(Derivative(Derivative(L, p[i]), z[j]), Derivative(-y[i] / p[i], z[j])).verified


def test_opaque_inside_opaque_uses_the_chain_rule():
    T = Symbol("T")
    nested = Verifier(Context((*context(N).definitions, Definition(T, log(S), opaque=True)), N))
    assert refused(nested.prove(Derivative(T, z[i]), 0))
    assert nested.prove(Derivative(T, z[i]), p[i]).verified


def test_conditions_are_used_only_when_they_determine_a_term():
    assert refused(Verifier().prove(y[2], 0, [Eq(y[1] * y[2] + x, x)]))


def test_exponentials_are_not_assumed_positive():
    assert refused(Verifier().prove(sqrt(exp(2 * I * x)), exp(I * x)))


def test_unknown_functions_still_get_a_numeric_check():
    g = Function("g")
    proof = Verifier().prove(
        Derivative(f(x) / g(x), x), Derivative(f(x), x) / g(x) - f(x) * Derivative(g(x), x) / g(x) ** 2
    )
    assert proof.verified and "numeric" in proof.method


def test_true_statements_are_not_refused():
    # Splitting a sum's range is beyond the normal form: not proven, but never "refuted".
    peeled = V.prove(L + y[N] * log(p[N]), -Sum(y[k] * log(p[k]), (k, 1, N - 1)))
    assert not peeled.verified and peeled.counterexample is None
    assert V.prove(y[i] + (x + 1) ** 3, y[3] + x**3 + 3 * x**2 + 3 * x + 1, [Eq(i, 3)]).verified


def test_non_relations_are_refused_as_conditions():
    proof = Verifier().prove(x, x, [True])
    assert refused(proof) and "unsupported condition" in proof.reason


def test_a_side_that_is_exactly_zero_still_gets_its_numeric_look():
    # evalf can only bound an exact zero (-0.e-166); such a side was once taken for "cannot be
    # evaluated", and the second look silently skipped every statement equal to 0.
    from sympy import Integer

    concrete = Verifier(context(Integer(3)))
    row_sum = p[1] * (1 - p[1]) - p[1] * p[2] - p[1] * p[3]
    proof = concrete.prove(row_sum, row_sum.expand())
    assert proof.verified and "numeric check" in proof.method


def test_a_bounded_zero_is_zero_when_compared():
    from sympy import Float

    from derive.verify import _close

    bounded = (exp(Symbol("a", real=True)) * 0).evalf(30) + Float("-1e-166", 1)
    assert _close(bounded, Float(0))
    assert not _close(bounded, Float("0.5"))
    assert not _close(Float("0.5"), bounded)


def test_a_condition_applies_to_the_indices_a_definition_brings_in():
    # y_k := δ_kr brings in r; under i = r the loss keeps the term of class i.
    r = Symbol("r", integer=True, positive=True)
    labels = Context((*context(N).definitions[:1], Definition(y[k], KroneckerDelta(k, r))), N)
    loss = Verifier(Context((*labels.definitions, Definition(L, -Sum(y[k] * log(p[k]), (k, 1, N)))), N))
    assert loss.prove(Derivative(L, p[r]), -1 / p[i], [Eq(i, r)]).verified
    assert refused(loss.prove(Derivative(L, p[r]), 1 / p[i], [Eq(i, r)]))
