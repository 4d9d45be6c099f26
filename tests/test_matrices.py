"""Vector and matrix forms are proven at a generic entry, and a wrong one is caught."""

from __future__ import annotations

import pytest
from sympy import Eq, IndexedBase, Rational, Sum, Symbol, symbols
from sympy.matrices.expressions import DiagMatrix, MatAdd, MatMul, MatrixSymbol, OneMatrix, ZeroMatrix

from derive.algebra import Context, Definition
from derive.derivations.softmax_ce import L, N, context, k, y
from derive.matrices import Gradient
from derive.printing import latex
from derive.verify import Verifier

p, labels, z = (MatrixSymbol(name, N, 1) for name in "pyz")
JACOBIAN = MatAdd(DiagMatrix(p), -p * p.T, evaluate=False)
LABELS_SUM_TO_ONE = (Eq(Sum(y[k], (k, 1, N)), 1),)


def test_the_gradient_in_vector_form():
    proof = Verifier(context(N)).prove(Gradient(L, z), MatAdd(p, -labels), LABELS_SUM_TO_ONE)
    assert proof.verified and "generic indices" in proof.method


@pytest.mark.parametrize(
    "wrong",
    [
        MatAdd(labels, -p),  # sign flipped
        p,  # the labels dropped
    ],
)
def test_a_wrong_vector_form_is_refuted_with_a_counterexample(wrong):
    proof = Verifier(context(N)).prove(Gradient(L, z), wrong, LABELS_SUM_TO_ONE)
    assert not proof.verified and proof.counterexample is not None


def test_jacobian_properties():
    verifier = Verifier(context(N))
    assert verifier.prove(JACOBIAN, JACOBIAN.T).verified
    ones = OneMatrix(N, 1)
    assert verifier.prove(MatMul(JACOBIAN, ones), ZeroMatrix(N, 1)).verified  # rows sum to 0: Σ p = 1
    assert not verifier.prove(MatMul(JACOBIAN, ones), ones).verified
    assert not verifier.prove(MatAdd(DiagMatrix(p), p * p.T), JACOBIAN).verified


def test_rectangular_matrices_range_over_their_own_dimension():
    outputs, inputs = N, Symbol("M", integer=True, positive=True)
    W, x = MatrixSymbol("W", outputs, inputs), MatrixSymbol("x", inputs, 1)
    prediction, truth = MatrixSymbol("q", outputs, 1), MatrixSymbol("t", outputs, 1)
    q, t, w, xs, c = (IndexedBase(name) for name in ("q", "t", "W", "x", "c"))
    i, j = symbols("i j", integer=True, positive=True)
    loss = Symbol("E")
    verifier = Verifier(
        Context(
            (
                Definition(loss, Rational(1, 2) * Sum((q[i] - t[i]) ** 2, (i, 1, outputs))),
                Definition(q[i], Sum(w[i, j] * xs[j], (j, 1, inputs)) + c[i]),
            ),
            outputs,
        )
    )
    assert verifier.prove(Gradient(loss, W), MatMul(MatAdd(prediction, -truth), x.T)).verified
    assert not verifier.prove(Gradient(loss, W), MatMul(MatAdd(truth, -prediction), x.T)).verified


def test_printing():
    assert latex(JACOBIAN) == r"\operatorname{diag}\left(\mathbf{p}\right) - \mathbf{p} \mathbf{p}^{\top}"
    assert latex(Gradient(L, z)) == r"\frac{\partial L}{\partial \mathbf{z}}"
    renamed = latex(MatAdd(p, -labels, evaluate=False), names={Symbol("p"): r"\hat{y}"})
    assert renamed == r"\mathbf{\hat{y}} - \mathbf{y}"
