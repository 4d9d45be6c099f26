"""softmax-jacobian: J = diag(p) − p pᵀ and its true properties are proven; pᵀ J = 0ᵀ is refuted."""

from __future__ import annotations

import datetime
from dataclasses import replace

import pytest
from conftest import broken, evaluated, proven_once
from sympy import Add, Derivative, Dummy, KroneckerDelta, Matrix, Mul, Sum, zeros
from sympy.matrices.expressions import DiagMatrix, MatAdd, MatMul, Transpose, ZeroMatrix

from derive.derivations.softmax_ce import y
from derive.derivations.softmax_jacobian import (
    FALSE_LEFT_NULL,
    MATRIX_FORM,
    ONES_LEFT_NULL,
    ROWS_SUM_TO_ZERO,
    SYMMETRIC,
    N,
    build,
    i,
    j,
    jacobian,
    jacobian_context,
    ones,
    p,
    p_vector,
    z,
)
from derive.document import prove
from derive.errors import StepNotProven
from derive.notation import PRESETS
from derive.pipeline import publish
from derive.targets import TARGETS
from derive.verify import Verifier

DATE = datetime.date(2026, 11, 21)


@pytest.fixture(scope="module")
def proven():
    return proven_once("softmax-jacobian", 3)


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    return Verifier(jacobian_context(N))


def _chain(equations, name: str):
    """The first and last expression of a chain, and its equations."""
    found = [e for e in equations if e.chain == name]
    return found[0].lhs, found[-1].rhs, found


def test_every_step_is_proven_and_the_results_are_the_claimed_ones(proven):
    assert all(e.proof.verified for e in proven.equations)
    lhs, rhs, _ = _chain(proven.equations, "softmax-jacobian")
    assert (lhs, evaluated(rhs)) == (Derivative(p[i], z[j]), p[i] * (KroneckerDelta(i, j) - p[j]))
    lhs, rhs, equations = _chain(proven.equations, "jacobian-matrix")
    assert (lhs, rhs) == (jacobian, MATRIX_FORM)
    assert MatAdd(DiagMatrix(p_vector), -p_vector * p_vector.T) == MATRIX_FORM
    assert "generic indices, symbolic, for all N" in equations[0].proof.method
    # The properties that hold, each the first and last expression of its chain.
    assert _chain(proven.equations, "jacobian-symmetric")[:2] == SYMMETRIC == (Transpose(jacobian), jacobian)
    assert _chain(proven.equations, "jacobian-row-sums")[:2] == ROWS_SUM_TO_ZERO
    assert (MatMul(jacobian, ones), ZeroMatrix(N, 1)) == ROWS_SUM_TO_ZERO
    assert _chain(proven.equations, "jacobian-left-null")[:2] == ONES_LEFT_NULL
    assert tuple(side.doit() for side in ONES_LEFT_NULL) == (MatMul(ones.T, jacobian), ZeroMatrix(1, N))
    lhs, rhs, _ = _chain(proven.equations, "p-times-jacobian-entry")
    squares = Sum(p[i] ** 2, (i, 1, N))
    assert evaluated(rhs) == p[j] * (p[j] - squares)


def test_the_worked_example_writes_out_the_jacobian_and_checks_it_exactly():
    n = 4
    document = build(n)
    equations = prove(replace(document, chains=[c for c in document.chains if c.name.startswith("example")]))
    written = Matrix(n, n, lambda a, b: p[a + 1] * (KroneckerDelta(a, b) - p[b + 1]))
    lhs, rhs, _ = _chain(equations, "example-jacobian")
    assert lhs == Matrix(n, n, lambda a, b: Derivative(p[a + 1], z[b + 1]))
    assert evaluated(rhs).applyfunc(lambda e: e.expand()) == written.applyfunc(lambda e: e.expand())
    for name, zero in (("example-row-sums", zeros(n, 1)), ("example-left-null", zeros(1, n))):
        assert _chain(equations, name)[1] == zero
    assert all("exact" in e.proof.method for e in equations)


def test_which_left_null_statement_holds(verifier):
    """1ᵀ J = 0ᵀ is proven; pᵀ J = 0ᵀ is refuted with a counterexample, and what is true instead."""
    assert verifier.prove(*ONES_LEFT_NULL).verified
    assert verifier.prove(*SYMMETRIC).verified and verifier.prove(*ROWS_SUM_TO_ZERO).verified
    refuted = verifier.prove(*FALSE_LEFT_NULL)
    assert not refuted.verified and refuted.counterexample is not None
    assert refuted.counterexample.lhs != refuted.counterexample.rhs == "0"
    true_instead = MatAdd(
        MatMul(p_vector.T, DiagMatrix(p_vector)), -MatMul(p_vector.T, p_vector, p_vector.T), evaluate=False
    )
    assert verifier.prove(FALSE_LEFT_NULL[0], true_instead).verified


def test_the_post_states_the_refutation_it_computed(proven):
    post = publish(proven, date=DATE).post
    value = proven.document.math["refuted_value"]
    assert f"{float(value):.6g}"[:6] in post and "not zero" in post


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (Transpose(DiagMatrix(p_vector)), DiagMatrix(p_vector)),  # true: needs the cases a = b and a ≠ b
        (KroneckerDelta(i, j) * p[i], KroneckerDelta(i, j) * p[j]),
    ],
)
def test_a_kronecker_delta_is_proven_case_by_case(verifier, left, right):
    assert verifier.prove(left, right).verified


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (Transpose(DiagMatrix(p_vector)), MatAdd(DiagMatrix(p_vector), p_vector * p_vector.T)),
        (KroneckerDelta(i, j) * p[i], p[j]),
        (Transpose(MATRIX_FORM), MatAdd(DiagMatrix(p_vector), p_vector * p_vector.T)),
    ],
)
def test_the_cases_do_not_prove_a_wrong_statement(verifier, left, right):
    proof = verifier.prove(left, right)
    assert not proof.verified and proof.counterexample is not None


def test_a_sum_with_several_limits_is_normalized_one_limit_at_a_time(verifier):
    a, b = Dummy("a", integer=True), Dummy("b", integer=True)
    twice = Sum(y[a] * y[b], (a, 1, N), (b, 1, N))
    assert len(twice.limits) == 2
    assert verifier.prove(twice, Sum(y[a], (a, 1, N)) * Sum(y[b], (b, 1, N))).verified
    assert not verifier.prove(twice, Sum(y[a], (a, 1, N))).verified
    # The probabilities sum to one, so for them the same pair of sides is equal.
    assert verifier.prove(Sum(p[a] * p[b], (a, 1, N), (b, 1, N)), Sum(p[a], (a, 1, N))).verified


@pytest.mark.parametrize(
    ("chain", "position", "wrong"),
    [
        # (diag p)ᵀ + (p pᵀ)ᵀ: the sign of the outer product flipped
        ("jacobian-symmetric", 1, MatAdd(Transpose(DiagMatrix(p_vector)), Transpose(p_vector * p_vector.T))),
        ("jacobian-row-sums", 2, MatAdd(p_vector, p_vector, evaluate=False)),  # p + p
        ("jacobian-left-null", 0, MatMul(p_vector.T, Transpose(jacobian), evaluate=False)),  # pᵀ for 1ᵀ
        ("jacobian-entry", 0, Mul(p[i], Add(KroneckerDelta(i, j), p[j], evaluate=False), evaluate=False)),
    ],
)
def test_a_broken_step_is_caught_and_named(chain, position, wrong):
    with pytest.raises(StepNotProven, match=rf"\[{chain}: "):
        prove(broken(build(2), chain, position, wrong))


def test_the_post_renders_for_every_notation_language_and_target(proven):
    for notation in PRESETS.values():
        assert "\\operatorname{diag}" in publish(proven, date=DATE, notation=notation).post
    for lang in ("en", "ko", "zh"):
        for target in ("hugo", "latex", "html"):
            post = publish(proven, date=DATE, target=TARGETS[target], lang=lang).post
            assert f"{len(proven.equations)}" in post
