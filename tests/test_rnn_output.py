"""rnn-output: ∂L/∂V = Σ_τ (p_τ − y_τ) h_τᵀ is proven, and the lecture's example is reproduced."""

from __future__ import annotations

import datetime

import pytest
from conftest import broken, evaluated, proven_once
from sympy import Add, Derivative, Eq, IndexedBase, Matrix, Mul, Sum, exp, symbols
from sympy.matrices.expressions import MatAdd, MatMul, Transpose

from derive.algebra import Context
from derive.derivations.rnn_output import (
    LABELS_SUM_TO_ONE,
    RESULT_MATRIX,
    L,
    N,
    T,
    V,
    build,
    context,
    h,
    i,
    infer_inputs,
    j,
    k,
    lecture_example,
    p,
    step_loss,
    tau,
    vectors,
    weights,
    y,
    z,
)
from derive.derivations.softmax_ce import RESULT
from derive.document import prove
from derive.errors import StepNotProven
from derive.matrices import Gradient, IndexedVector, MatrixSum
from derive.notation import PRESETS
from derive.pipeline import publish
from derive.targets import TARGETS
from derive.verify import ForEach, Verifier

DATE = datetime.date(2026, 11, 21)
H = symbols("H", integer=True, positive=True)


@pytest.fixture(scope="module")
def proven():
    return proven_once("rnn-output", 2)


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    return Verifier(context(T, N, H))


def _chain(equations, name: str):
    """The first and last expression of a chain, and its equations."""
    found = [e for e in equations if e.chain == name]
    return found[0].lhs, found[-1].rhs, found


def test_every_step_is_proven_and_the_results_are_the_claimed_ones(proven):
    assert all(e.proof.verified for e in proven.equations)
    probabilities, labels, hidden = vectors(tau)
    outer = MatMul(MatAdd(probabilities, -labels), Transpose(hidden))
    lhs, rhs, equations = _chain(proven.equations, "matrix-form")
    assert (lhs, rhs) == (Gradient(L, weights), MatrixSum(outer, (tau, 1, T))) == RESULT_MATRIX.args
    assert LABELS_SUM_TO_ONE in equations[-1].conditions
    assert "generic indices, symbolic, for all N" in equations[-1].proof.method
    lhs, rhs, _ = _chain(proven.equations, "sum-over-steps")
    assert (lhs, evaluated(rhs)) == (
        Derivative(L, V[i, j]),
        Sum((p[tau, i] - y[tau, i]) * h[tau, j], (tau, 1, T)),
    )
    # softmax-ce's result, at step τ: ∂L_τ/∂z_τi = p_τi − y_τi.
    lhs, rhs, _ = _chain(proven.equations, "step-softmax-ce")
    at_step = {z[i]: z[tau, i], p[i]: p[tau, i], y[i]: y[tau, i], L: step_loss[tau]}
    assert (lhs, evaluated(rhs)) == tuple(side.xreplace(at_step) for side in RESULT.args)


def test_the_lecture_example_is_reproduced_to_its_printed_digits():
    assert infer_inputs() == (1, 3)  # word 1, then word 3
    example = lecture_example(2)
    first, second = example.forward

    def rounded(values):
        return tuple(round(v, 3) for v in values)

    assert rounded(first.hidden) == (0.094, 0.134)
    assert rounded(second.hidden) == (0.150, -0.019)
    assert rounded(first.logits) == (-0.008, -0.009, 0.006)
    assert rounded(first.probabilities) == (0.332, 0.332, 0.337)
    assert rounded(second.logits) == (-0.022, 0.010, -0.022)  # printed with 0.33 as its first entry
    assert rounded(second.probabilities) == (0.330, 0.341, 0.330)
    assert (first.target, second.target) == (3, 1)
    for entry in example.gradient:
        assert abs(entry.formula - entry.finite_difference) < 1e-8


def test_longer_sequences_repeat_the_inputs_and_predict_the_next_one():
    example = lecture_example(5)
    assert example.inputs == (1, 3, 1, 3, 1)
    assert [step.target for step in example.forward] == [3, 1, 3, 1, 3]
    assert example.forward[:2] == lecture_example(2).forward


def test_the_post_shows_the_computed_numbers(proven):
    post = publish(proven, date=DATE).post
    for cells in ("(-0.008, -0.009, 0.006)", "(0.330, 0.341, 0.330)", "(-0.022, 0.010, -0.022)"):
        assert cells in post
    gradient = proven.document.data["gradient"]
    assert all(" | ".join(entry.cells) in post for entry in gradient)


def test_the_worked_example_is_proven_exactly(proven):
    lhs, rhs, equations = _chain(proven.equations, "example-gradient")
    assert lhs == Matrix(3, 2, lambda a, b: Derivative(L, V[a + 1, b + 1]))
    assert all("exact" in e.proof.method for e in equations)
    # With the targets put in: y_1 is word 3 and y_2 is word 1.
    expected = Matrix(
        3, 2, lambda a, b: sum((p[t, a + 1] - int(a + 1 == (3, 1)[t - 1])) * h[t, b + 1] for t in (1, 2))
    )
    assert evaluated(rhs).expand() == expected.expand()


def test_labels_of_every_step_are_a_condition_for_each_step(verifier):
    """ForEach: Σ_k y_τk = 1 at every τ proves the summed statement; at one τ it does not."""
    summed = Sum(Derivative(step_loss[tau], V[i, j]), (tau, 1, T))
    claim = Sum((p[tau, i] - y[tau, i]) * h[tau, j], (tau, 1, T))
    assert verifier.prove(summed, claim, (LABELS_SUM_TO_ONE,)).verified
    assert not verifier.prove(summed, claim, (Eq(Sum(y[tau, k], (k, 1, N)), 1),)).verified
    wrong = Sum((y[tau, i] - p[tau, i]) * h[tau, j], (tau, 1, T))
    refuted = verifier.prove(summed, wrong, (LABELS_SUM_TO_ONE,))
    assert not refuted.verified and refuted.counterexample is not None
    # Over a concrete range, ForEach is one constraint per step.
    concrete = ForEach(Eq(Sum(y[tau, k], (k, 1, 3)), 1), (tau, 1, 2))
    example = Verifier(context(2, 3, 2))
    two_steps = Derivative(L, V[1, 2])
    formula = sum((p[t, 1] - y[t, 1]) * h[t, 2] for t in (1, 2))
    assert example.prove(two_steps, formula, (concrete,)).verified
    assert not example.prove(two_steps, formula).verified


def test_an_exponential_of_a_sum_keeps_its_bound_variables_apart():
    """Σ_k e^{Σ_m V_km h_m}: the inner variable is never captured by the outer one's name."""
    m = symbols("m", integer=True, positive=True)
    w, hidden = IndexedBase("w"), IndexedBase("g")
    verifier = Verifier(Context((), N))
    nested = Sum(exp(Sum(w[k, m] * hidden[m], (m, 1, N))), (k, 1, N))
    renamed = Sum(exp(Sum(w[i, m] * hidden[m], (m, 1, N))), (i, 1, N))
    captured = Sum(exp(Sum(w[m, m] * hidden[m], (m, 1, N))), (k, 1, N))
    assert verifier.prove(nested, renamed).verified
    proof = verifier.prove(nested, captured)
    assert not proof.verified and proof.counterexample is not None
    assert "bug" not in proof.explain()


@pytest.mark.parametrize(
    ("chain", "position", "wrong"),
    [
        ("step-softmax-ce", 0, Add(y[tau, i], -p[tau, i], evaluate=False)),  # sign flipped
        ("output-derivative", 3, h[tau, i]),  # the index of h swapped
        ("sum-over-steps", 2, Sum(Mul(p[tau, i] - y[tau, i], h[tau, i], evaluate=False), (tau, 1, T))),
        (
            "matrix-form",
            0,
            MatrixSum(MatMul(MatAdd(*vectors(tau)[:2]), Transpose(vectors(tau)[2])), (tau, 1, T)),
        ),  # p_τ + y_τ
    ],
)
def test_a_broken_step_is_caught_and_named(chain, position, wrong):
    with pytest.raises(StepNotProven, match=rf"\[{chain}: "):
        prove(broken(build(2), chain, position, wrong))


def test_a_wrong_target_in_the_worked_example_is_caught():
    document = build(2)
    example = document.chain("example-gradient")
    wrong = example.links[-1].expr.as_mutable()
    wrong[0, 0] = p[1, 1] * h[1, 1] + p[2, 1] * h[2, 1]  # as if y_2 were not word 1
    with pytest.raises(StepNotProven, match=r"\[example-gradient: the one-hot targets\]"):
        prove(broken(document, "example-gradient", 1, wrong.as_immutable()))


def test_the_post_renders_for_every_notation_language_and_target(proven):
    for notation in PRESETS.values():
        assert "\\tau" in publish(proven, date=DATE, notation=notation).post
    for lang in ("en", "ko", "zh"):
        for target in ("hugo", "latex", "html"):
            post = publish(proven, date=DATE, target=TARGETS[target], lang=lang).post
            assert f"{len(proven.equations)}" in post


def test_indexed_vectors_print_with_their_step():
    from derive.printing import latex

    assert latex(IndexedVector(h, tau, H)) == r"\mathbf{h}_{\tau}"
    assert latex(Transpose(IndexedVector(h, tau, H))) == r"\mathbf{h}_{\tau}^{\top}"
    assert latex(RESULT_MATRIX.rhs, names={p.label: r"\hat{y}"}) == (
        r"\sum_{\tau=1}^{T} \left(\mathbf{\hat{y}}_{\tau} - \mathbf{y}_{\tau}\right) \mathbf{h}_{\tau}^{\top}"
    )
