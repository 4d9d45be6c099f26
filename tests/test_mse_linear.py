"""mse-linear: ∂L/∂W = (ŷ − y) xᵀ and ∂L/∂b = ŷ − y are proven, printed, and a broken step is caught."""

from __future__ import annotations

import datetime

import pytest
from conftest import broken, evaluated, proven_once
from sympy import KroneckerDelta, Matrix, Rational, Sum, Symbol
from sympy.matrices.expressions import MatAdd, MatMul, MatrixSymbol

from derive import derivations
from derive.derivations.mse_linear import EXAMPLE_INPUTS, L, M, N, W, b, build, context, i, j, x, y, y_hat
from derive.document import prove
from derive.errors import StepNotProven
from derive.matrices import Gradient
from derive.notation import PRESETS
from derive.pipeline import prove_derivation, publish
from derive.printing import latex
from derive.targets import TARGETS
from derive.verify import Verifier

DATE = datetime.date(2026, 11, 21)
PREDICTIONS, LABELS = MatrixSymbol("yhat", N, 1), MatrixSymbol("y", N, 1)
ERROR = MatAdd(PREDICTIONS, -LABELS)


@pytest.fixture(scope="module")
def proven():
    return proven_once("mse-linear", 3)


def _last(proven, chain: str):
    return [e for e in proven.equations if e.chain == chain][-1]


def test_every_step_is_proven_and_the_results_are_the_claimed_ones(proven):
    assert all(e.proof.verified for e in proven.equations)
    weight, bias = _last(proven, "weight-gradient"), _last(proven, "bias-gradient")
    assert (weight.lhs.expr, weight.lhs.variables, evaluated(weight.rhs)) == (
        L,
        (W[i, j],),
        (y_hat[i] - y[i]) * x[j],
    )
    assert (bias.lhs.variables, evaluated(bias.rhs)) == ((b[i],), y_hat[i] - y[i])
    matrix = _last(proven, "weight-vector")
    assert matrix.lhs == Gradient(L, MatrixSymbol("W", N, M))
    assert matrix.rhs == MatMul(ERROR, MatrixSymbol("x", M, 1).T)
    assert "symbolic, for all N" in matrix.proof.method
    assert _last(proven, "bias-vector").rhs == ERROR
    column = Matrix([y_hat[a] - y[a] for a in (1, 2, 3)])
    assert evaluated(_last(proven, "example-weight-gradient").rhs.as_explicit()) == column * Matrix(
        [[x[c] for c in range(1, EXAMPLE_INPUTS + 1)]]
    )
    assert evaluated(_last(proven, "example-bias-gradient").rhs) == column


def test_the_post_renders_for_every_notation_language_and_target(proven):
    for notation in PRESETS.values():
        post = publish(proven, date=DATE, notation=notation).post
        assert "\\hat{y}_i" in post and f"{notation.labels}_i" in post
    for lang in ("en", "ko", "zh"):
        for target in ("hugo", "latex", "html"):
            assert "\\hat{y}" in publish(proven, date=DATE, target=TARGETS[target], lang=lang).post


@pytest.mark.parametrize(
    ("chain", "position", "wrong", "rule"),
    [
        # The indices of the input swapped: x_i for x_j.
        ("weight-gradient", -1, (y_hat[i] - y[i]) * x[i], "keeps only the term k = i"),
        # A sign flipped: y − ŷ.
        ("bias-gradient", -1, y[i] - y_hat[i], "keeps only the term k = i"),
        # The ½ forgotten: 2(ŷ_i − y_i).
        ("loss-derivative", -1, 2 * (y_hat[i] - y[i]), "½ · 2 = 1"),
        # The delta dropped: every prediction would depend on every weight.
        ("weight-derivative", -1, x[j], "only the term m = j is left"),
        # The transpose on the wrong factor: (ŷ − y)ᵀ x is 1×1, not N×M.
        ("weight-vector", 0, MatMul(ERROR.T, MatrixSymbol("x", M, 1)), "entry (i, j)"),
        # x (ŷ − y)ᵀ is M×N: the transpose of the gradient.
        ("weight-vector", 0, MatMul(MatrixSymbol("x", M, 1), ERROR.T), "entry (i, j)"),
    ],
)
def test_a_broken_step_is_caught_and_named(chain, position, wrong, rule):
    with pytest.raises(StepNotProven, match=rule.replace("(", r"\(").replace(")", r"\)")) as caught:
        prove(broken(build(2), chain, position, wrong))
    assert chain in caught.value.step


def test_a_broken_worked_example_is_caught():
    wrong = Matrix([[(y_hat[1] - y[1]) * x[1], (y_hat[1] - y[1]) * x[2]], [(y_hat[2] - y[2]) * x[2], 0]])
    with pytest.raises(StepNotProven, match="example-weight-gradient"):
        prove(broken(build(2), "example-weight-gradient", 1, wrong))


def test_the_input_index_ranges_over_the_inputs():
    """Σ_m δ_{jm} x_m = x_j needs j to run over 1..M; over the outputs it would not follow."""
    m = Symbol("m", integer=True, positive=True)
    collapsed = Sum(KroneckerDelta(j, m) * x[m], (m, 1, M))
    assert Verifier(context(N, M)).prove(collapsed, x[j]).verified
    assert not Verifier(context(N, M)).prove(collapsed.subs(M, N), x[j]).verified


def test_the_squared_error_prints_with_a_half_in_front():
    assert latex(_last(prove_derivation("mse-linear", 1), "loss").rhs).startswith(
        "\\frac{1}{2} \\sum_{i=1}^{N}"
    )
    assert latex(Rational(1, 2) * Symbol("u")) == "\\frac{1}{2} u"


def test_the_help_of_n_names_the_example_s_inputs():
    # The registry describes the derivation without importing its code; keep the two in step.
    assert f"with {EXAMPLE_INPUTS} inputs" in derivations.get("mse-linear").n_help
