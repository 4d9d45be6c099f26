"""softmax-temperature: proven and rendered, ∂L/∂z_i = (p_i − y_i)/T, and every kind of broken
step refused, naming the step."""

from __future__ import annotations

import pytest
from conftest import GOLDEN_DATE, broken, proven_once
from sympy import Derivative, Eq, Integer, KroneckerDelta, Matrix, Sum, exp

from derive.algebra import Context, Definition
from derive.derivations.softmax_ce import L, N, S, i, j, k, p, y, z
from derive.derivations.softmax_ce import context as softmax_ce_context
from derive.derivations.softmax_temperature import TEMPERATURE_RESULT, T, build, context, u
from derive.document import Document, prove, standard
from derive.errors import StepNotProven
from derive.notation import PRESETS
from derive.pipeline import publish
from derive.targets import TARGETS
from derive.verify import Verifier


@pytest.fixture(scope="module")
def proven():
    return proven_once("softmax-temperature", 3)


@pytest.fixture(scope="module")
def document(proven) -> Document:
    return proven.document


def test_every_equation_is_proven_and_rendered(proven):
    assert proven.equations, "nothing was proven"
    post = publish(proven, date=GOLDEN_DATE, target=TARGETS["hugo"]).post
    assert f"All {len(proven.equations)} numbered equations" in post
    assert r"\frac{p_i - y_i}{T}" in post and r"u_i = \frac{z_i}{T}" in post
    for target in ("latex", "html", "github"):
        for lang in ("en", "ko"):
            assert publish(proven, date=GOLDEN_DATE, target=TARGETS[target], lang=lang).post


@pytest.mark.parametrize("preset", PRESETS)
def test_every_notation_preset_renders(proven, preset):
    post = publish(proven, date=GOLDEN_DATE, target=TARGETS["hugo"], notation=PRESETS[preset]).post
    assert r"\frac{\partial L}" in post


def test_the_result_is_the_gradient_divided_by_the_temperature(document):
    expected = (p[i] - y[i]) / T
    assert standard(TEMPERATURE_RESULT.rhs) == expected
    for name in ("claim", "chain-rule"):
        chain = document.chain(name)
        assert chain.lhs == Derivative(L, z[i])
        assert standard(chain.last) == expected, name
    jacobian = document.chain("softmax-jacobian")
    assert standard(jacobian.last) == p[i] * (KroneckerDelta(i, j) - p[j]) / T
    example = document.chain("example-gradient")
    assert standard(example.last) == Matrix([(p[a] - y[a]) / T for a in (1, 2, 3)])


def test_the_numeric_check_agrees_with_the_formula(document):
    check = document.data["numeric"]
    assert check.temperature == 2
    assert all(row.difference < 1e-8 for row in check.rows)


BROKEN = {
    "sign flipped": ("claim", 0, (y[i] - p[i]) / T),
    "1/T dropped from the claim": ("claim", 0, p[i] - y[i]),
    "1/T dropped from the chain rule": ("chain-rule", 2, p[i] - y[i]),
    "1/T dropped from ∂u_j/∂z_i": ("scale-derivative", 1, KroneckerDelta(i, j)),
    "T squared": ("chain-rule", 2, (p[i] - y[i]) / T**2),
    "index swapped in the Jacobian": ("softmax-jacobian", 2, p[i] * (KroneckerDelta(i, j) - p[i]) / T),
    "index swapped in the chain rule": (
        "chain-rule",
        1,
        Sum((p[j] - y[j]) * KroneckerDelta(i, k) / T, (j, 1, N)),
    ),
    "softmax without the temperature": ("tempered-softmax", 0, exp(z[i]) / Sum(exp(z[k]), (k, 1, N))),
    "1/T dropped in the example": (
        "example-gradient",
        1,
        Matrix([(p[a] - y[a]) / T for a in (1, 2)] + [p[3] - y[3]]),
    ),
}


@pytest.mark.parametrize("mutation", BROKEN)
def test_a_broken_step_is_refused_by_name(document, mutation):
    name, position, expr = BROKEN[mutation]
    with pytest.raises(StepNotProven) as refused:
        prove(broken(document, name, position, expr))
    rule = document.chain(name).links[position].rule
    assert f"[{name}: {rule}]" in refused.value.step


def test_the_example_proves_for_a_larger_n():
    equations = prove(build(5))
    assert all(e.proof.verified for e in equations)


# -- the engine fixes this derivation needed --------------------------------------------------


def test_an_abbreviation_is_differentiated_with_its_variables_held():
    """S = Σ_k e^{u_k} with u_k = z_k/T: ∂S/∂u_i is e^{u_i}; it was once taken as 0."""
    scaled = Context(
        (
            Definition(S, Sum(exp(u[k]), (k, 1, N)), opaque=True),
            Definition(u[i], z[i] / T),
        ),
        N,
    )
    verifier = Verifier(scaled)
    assert verifier.prove(Derivative(S, u[i]), exp(u[i])).verified
    refused = verifier.prove(Derivative(S, u[i]), Integer(0))
    assert not refused.verified and refused.counterexample is not None
    general = Verifier(context(N))
    assert not general.prove(Derivative(L, u[i]), Integer(0)).verified
    labels = (Eq(Sum(y[k], (k, 1, N)), 1),)
    assert general.prove(Derivative(L, u[i]), p[i] - y[i], labels).verified


def test_an_abbreviation_differentiated_by_its_own_summation_letter_is_not_captured():
    """∂S/∂z_k with S = Σ_k e^{z_k} is e^{z_k}, not S (the k of the sum is a different k)."""
    verifier = Verifier(softmax_ce_context(N))
    assert verifier.prove(Derivative(S, z[k]), exp(z[k])).verified
    assert not verifier.prove(Derivative(S, z[k]), S).verified
