"""label-smoothing-ce: proven and rendered, Σ_k y_k = 1 and ∂L/∂z_i = p_i − (1 − ε)δ_ir − ε/N,
and every kind of broken step refused, naming the step."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import GOLDEN_DATE, broken, proven_once
from sympy import Derivative, Integer, KroneckerDelta, Matrix, Rational, Sum

from derive.derivations.label_smoothing_ce import SMOOTHED_RESULT, build, epsilon, r
from derive.derivations.softmax_ce import L, N, i, k, p, y, z
from derive.document import Document, prove, standard
from derive.errors import StepNotProven
from derive.notation import PRESETS
from derive.pipeline import publish
from derive.targets import TARGETS


@pytest.fixture(scope="module")
def proven():
    return proven_once("label-smoothing-ce", 3)


@pytest.fixture(scope="module")
def document(proven) -> Document:
    return proven.document


def test_every_equation_is_proven_and_rendered(proven):
    assert proven.equations, "nothing was proven"
    post = publish(proven, date=GOLDEN_DATE, target=TARGETS["hugo"]).post
    assert f"All {len(proven.equations)} numbered equations" in post
    assert r"y_k = \left(1 - \varepsilon\right) \delta_{kr} + \frac{\varepsilon}{N}" in post
    for target in ("latex", "html", "github"):
        for lang in ("en", "ko"):
            assert publish(proven, date=GOLDEN_DATE, target=TARGETS[target], lang=lang).post


@pytest.mark.parametrize("preset", PRESETS)
def test_every_notation_preset_renders(proven, preset):
    post = publish(proven, date=GOLDEN_DATE, target=TARGETS["hugo"], notation=PRESETS[preset]).post
    assert r"\delta_{kr}" in post


def test_the_smoothed_labels_sum_to_one(document):
    label_sum = document.chain("label-sum")
    assert label_sum.lhs == Sum(y[k], (k, 1, N)) and label_sum.last == 1
    assert document.chain("example-label-sum").last == 1


def test_the_result_is_the_gradient_with_the_smoothed_labels(document):
    expected = p[i] - (1 - epsilon) * KroneckerDelta(i, r) - epsilon / N
    assert standard(SMOOTHED_RESULT.rhs).expand() == expected.expand()
    for name in ("claim", "gradient"):
        chain = document.chain(name)
        assert chain.lhs == Derivative(L, z[i])
        assert standard(chain.last).expand() == expected.expand(), name
    # The first step is the softmax-ce result itself, p_i − y_i.
    assert standard(document.chain("gradient").links[0].expr) == p[i] - y[i]
    assert standard(document.chain("other-class").last) == p[i] - epsilon / N
    true_class = document.chain("true-class")
    assert true_class.lhs == Derivative(L, z[r])
    assert standard(true_class.last).expand() == (p[r] - 1 + epsilon - epsilon / N).expand()
    example = document.chain("example-gradient")
    third = Rational(1, 3) * epsilon
    assert standard(example.last).expand() == Matrix([p[1] - 1 + epsilon - third, p[2] - third, p[3] - third])


def test_the_numeric_check_agrees_with_the_formula(document):
    check = document.data["numeric"]
    assert check.smoothing == 0.1
    assert abs(sum(row.label for row in check.rows) - 1) < 1e-12
    assert all(row.difference < 1e-8 for row in check.rows)
    assert {row.cells[3] for row in check.rows} <= {"0.9333", "0.0333"}


BROKEN = {
    "ε/N dropped from the claim": ("claim", 0, p[i] - (1 - epsilon) * KroneckerDelta(i, r)),
    "ε/N dropped from the sum": ("label-sum", 0, Sum((1 - epsilon) * KroneckerDelta(k, r), (k, 1, N))),
    "sign flipped in the sum": ("label-sum", 3, 1 - epsilon - epsilon),
    "N equal terms counted once": ("label-sum", 2, (1 - epsilon) + epsilon / N),
    "sign flipped in the gradient": (
        "gradient",
        2,
        p[i] + (1 - epsilon) * KroneckerDelta(i, r) - epsilon / N,
    ),
    "index swapped in the gradient": (
        "gradient",
        2,
        p[i] - (1 - epsilon) * KroneckerDelta(k, r) - epsilon / N,
    ),
    "the true class for the others": ("other-class", 0, p[i] - (1 - epsilon) - epsilon / N),
    "ε/n dropped in the example": ("example-labels", 1, Matrix([1 - epsilon + epsilon / 3, 0, epsilon / 3])),
    "the example sum off by ε/n": ("example-label-sum", 1, 1 - epsilon + epsilon * Rational(2, 3)),
}


@pytest.mark.parametrize("mutation", BROKEN)
def test_a_broken_step_is_refused_by_name(document, mutation):
    name, position, expr = BROKEN[mutation]
    with pytest.raises(StepNotProven) as refused:
        prove(broken(document, name, position, expr))
    rule = document.chain(name).links[position].rule
    assert f"[{name}: {rule}]" in refused.value.step


def test_the_other_classes_need_i_ne_r(document):
    other = document.chain("other-class")
    unconditional = dataclasses.replace(document, chains=(dataclasses.replace(other, conditions=()),))
    with pytest.raises(StepNotProven, match="other-class"):
        prove(unconditional)


def test_the_example_proves_for_a_larger_n():
    document = build(6)
    assert all(e.proof.verified for e in prove(document))
    labels = document.chain("example-labels").last
    assert standard(labels[5]) == epsilon / Integer(6)
