"""sigmoid-bce: σ′ = σ(1 − σ) and ∂L/∂z = σ(z) − y are proven, printed, and a broken step is caught."""

from __future__ import annotations

import datetime

import pytest
from conftest import broken, evaluated, proven_once
from sympy import Derivative, Function, Matrix, Mul, Symbol, UnevaluatedExpr, exp, log
from sympy.matrices.expressions import MatAdd, MatrixSymbol

from derive.algebra import Context, Definition
from derive.derivations import get
from derive.derivations.sigmoid_bce import (
    RESULT,
    L,
    N,
    build,
    context,
    i,
    outputs_context,
    p,
    ps,
    sigma,
    y,
    ys,
    z,
    zs,
)
from derive.document import prove
from derive.errors import StepNotProven
from derive.matrices import Gradient
from derive.notation import PRESETS
from derive.pipeline import prove_derivation, publish
from derive.printing import latex
from derive.targets import TARGETS
from derive.verify import Verifier

DATE = datetime.date(2026, 11, 21)


@pytest.fixture(scope="module")
def proven():
    return proven_once("sigmoid-bce", 3)


def _last(proven, chain: str):
    return [e for e in proven.equations if e.chain == chain][-1]


def test_every_step_is_proven_and_the_results_are_the_claimed_ones(proven):
    assert all(e.proof.verified for e in proven.equations)
    derivative = _last(proven, "sigmoid-derivative")
    assert derivative.lhs == Derivative(sigma(z), z)
    assert evaluated(derivative.rhs) == sigma(z) * (1 - sigma(z))
    gradient = _last(proven, "chain-rule")
    assert (gradient.lhs, evaluated(gradient.rhs)) == (RESULT.lhs, sigma(z) - y) == RESULT.args
    known = get("sigmoid-bce").knowledge.result  # what derive check compares a post's result with
    assert evaluated(_last(proven, "outputs-gradient").rhs) == ps[i] - ys[i] == known
    example = _last(proven, "example-gradient")
    assert evaluated(example.rhs) == Matrix([ps[a] - ys[a] for a in (1, 2, 3)])
    vector = _last(proven, "outputs-vector")
    assert vector.lhs == Gradient(L, MatrixSymbol(z, N, 1))
    assert vector.rhs == MatAdd(MatrixSymbol(p, N, 1), -MatrixSymbol(y, N, 1))
    assert "symbolic, for all N" in vector.proof.method


def test_the_post_renders_for_every_notation_language_and_target(proven):
    for notation in PRESETS.values():
        assert "\\sigma(" in publish(proven, date=DATE, notation=notation).post
    for lang in ("en", "ko", "zh"):
        for target in ("hugo", "latex", "html"):
            post = publish(proven, date=DATE, target=TARGETS[target], lang=lang).post
            assert f"{len(proven.equations)}" in post


def test_a_post_names_the_sigmoid_and_the_probability_apart():
    post = publish(prove_derivation("sigmoid-bce", 2), date=DATE, notation=PRESETS["o-yhat-y"]).post
    assert "\\hat{y} = \\sigma(o)" in post and "\\mathbf{\\hat{y}} - \\mathbf{y}" in post


@pytest.mark.parametrize(
    ("chain", "position", "wrong", "rule"),
    [
        # σ′ = σ(1 + σ): a sign flipped in the last step of the quotient rule.
        ("sigmoid-derivative", -1, sigma(z) * (1 + sigma(z)), "definition of σ"),
        # The 1 − y term dropped from the chain rule.
        ("chain-rule", 2, -y * (1 - p), "p and 1 − p cancelled"),
        # y − p instead of p − y.
        ("chain-rule", 4, y - p, "y p cancels"),
        # ∂ log(1 − p)/∂p = +1/(1 − p): the inner derivative forgotten.
        ("loss-derivative", -1, -y / p - (1 - y) / (1 - p), "signs multiplied out"),
        # The index swapped: σ(z_k) − y_i is not the gradient.
        ("outputs-gradient", 3, sigma(zs[i + 1]) - ys[i], "the result for one output"),
    ],
)
def test_a_broken_step_is_caught_and_named(chain, position, wrong, rule):
    with pytest.raises(StepNotProven, match=rule) as caught:
        prove(broken(build(2), chain, position, wrong))
    assert chain in caught.value.step


def test_a_wrong_vector_form_is_caught():
    verifier = Verifier(outputs_context(N))
    logits, probabilities, labels = (MatrixSymbol(name, N, 1) for name in (z, p, y))
    assert verifier.prove(Gradient(L, logits), MatAdd(probabilities, -labels)).verified
    proof = verifier.prove(Gradient(L, logits), MatAdd(labels, -probabilities))
    assert not proof.verified and proof.counterexample is not None


# -- the definition of a function, σ(x) := 1/(1 + e^{−x}) (derive.algebra) ----------------------


def test_a_function_definition_is_unfolded_at_every_argument():
    x, t = Symbol("x"), Symbol("t")
    verifier = Verifier(Context((Definition(sigma(x), 1 / (1 + exp(-x))),)))
    assert verifier.prove(sigma(2 * t), 1 / (1 + exp(-2 * t))).verified
    assert verifier.prove(Derivative(sigma(t), t), sigma(t) * (1 - sigma(t))).verified
    assert verifier.prove(1 - sigma(t), sigma(-t)).verified
    assert not verifier.prove(Derivative(sigma(t), t), sigma(t) * (1 + sigma(t))).verified
    assert not verifier.prove(sigma(t), sigma(2 * t)).verified


def test_a_derivative_holds_a_defined_function_as_a_variable():
    """∂L/∂σ(z) treats σ(z) as the variable, as a reader does, then unfolds it."""
    verifier = Verifier(context())
    loss = -(y * log(sigma(z)) + (1 - y) * log(1 - sigma(z)))
    assert verifier.prove(Derivative(loss, sigma(z)), -y / sigma(z) + (1 - y) / (1 - sigma(z))).verified
    assert not verifier.prove(Derivative(loss, sigma(z)), -y / sigma(z)).verified


def test_a_function_is_defined_at_distinct_symbols_only():
    x = Symbol("x")
    with pytest.raises(ValueError, match="distinct symbols"):
        Definition(sigma(x + 1), x)
    f = Function("f")
    with pytest.raises(ValueError, match="distinct symbols"):
        Definition(f(x, x), x)


def test_the_definitions_an_equation_uses_include_the_function():
    equation = next(e for e in prove(build(2)) if e.chain == "sigmoid")
    assert [d.name for d in equation.definitions] == [sigma(Symbol("x"))]


# -- printing ------------------------------------------------------------------------------------


def test_printing_of_the_sigmoid_steps():
    t = Symbol("t")
    assert latex(log(sigma(t))) == "\\log \\sigma(t)"
    assert latex(Derivative(1, t, evaluate=False)) == "\\frac{\\partial 1}{\\partial t}"
    kept = UnevaluatedExpr(-exp(-t))
    assert latex(Mul(-1, 1, kept, evaluate=False)) == "- 1 \\cdot \\left(- e^{- t}\\right)"
