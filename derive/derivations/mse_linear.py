"""Squared error of a linear layer: ∂L/∂W = (ŷ − y) xᵀ and ∂L/∂b = ŷ − y.

L = ½ Σ_i (ŷ_i − y_i)² with ŷ = W x + b, W of N outputs by M inputs. The chain rule through
the outputs ŷ_k, each factor found on its own: ∂L/∂ŷ_k = ŷ_k − y_k, ∂ŷ_k/∂W_{ij} = δ_{ik} x_j
and ∂ŷ_k/∂b_i = δ_{ik}. Then the vector forms, and a worked example with two inputs.
"""

from __future__ import annotations

from sympy import (
    Derivative,
    Expr,
    IndexedBase,
    Integer,
    KroneckerDelta,
    Matrix,
    Rational,
    Sum,
    Symbol,
    symbols,
)
from sympy.matrices.expressions import MatAdd, MatMul, MatrixSymbol

from derive.algebra import Context, Definition
from derive.document import Document
from derive.matrices import Gradient
from derive.steps import (
    Chain,
    ChainRule,
    EvaluateDerivatives,
    Linearity,
    OnlyMatchingTerm,
    Rewrite,
    Substitute,
    kept_product,
    kept_sum,
)
from derive.verify import Verifier

#: Outputs and inputs of the layer; the free index j runs over the inputs, i and k over the outputs.
N, M = symbols("N M", integer=True, positive=True)
i, j, k, m = symbols("i j k m", integer=True, positive=True)
W, x, b, y = (IndexedBase(name) for name in "Wxby")
y_hat = IndexedBase("yhat")
L = Symbol("L")
#: Inputs in the worked example: enough to show a row of xᵀ, few enough to read.
EXAMPLE_INPUTS = 2


def _error(index) -> Expr:
    """ŷ_k − y_k, the error of one output."""
    return kept_sum(y_hat[index], -y[index])


def _squared_error(index: Symbol, outputs) -> Expr:
    """½ Σ_k (ŷ_k − y_k)²."""
    return kept_product(Rational(1, 2), Sum(_error(index) ** 2, (index, 1, outputs)))


def _layer(index, inputs, bound: Symbol = m) -> Expr:
    """ŷ_k = Σ_m W_{km} x_m + b_k."""
    return kept_sum(Sum(kept_product(W[index, bound], x[bound]), (bound, 1, inputs)), b[index])


def context(outputs, inputs) -> Context:
    """L of ŷ, and ŷ of W, x and b; the free index j counts inputs."""
    return Context(
        (Definition(L, _squared_error(k, outputs)), Definition(y_hat[k], _layer(k, inputs))),
        outputs,
        ((j, inputs),),
    )


def build(n: int) -> Document:
    """The general derivation for N outputs and M inputs, and the worked example for ``n`` outputs."""
    general = Verifier(context(N, M))
    chains = _setup(general) + _factors(general) + _gradients(general) + _vector_forms(general)
    chains += _worked_example(Verifier(context(Integer(n), Integer(EXAMPLE_INPUTS))), n)
    return Document(
        derivation="mse-linear",
        chains=chains,
        roles={"labels": y.label},
        math={
            "N": N,
            "M": M,
            "n": Integer(n),
            "inputs": Integer(EXAMPLE_INPUTS),
            "W_ij": W[i, j],
            "x_j": x[j],
            "b_i": b[i],
            "y_i": y[i],
            "y_hat_i": y_hat[i],
            "delta": KroneckerDelta(k, i),
        },
    )


def _setup(verifier: Verifier) -> tuple[Chain, ...]:
    loss = Chain("loss", L, verifier).equals(_squared_error(i, N), "definition of the squared error")
    layer = Chain("layer", y_hat[i], verifier).equals(_layer(i, M, j), "definition of the linear layer")
    return loss, layer


def _factors(verifier: Verifier) -> tuple[Chain, ...]:
    """The three factors of the chain rule: ∂L/∂ŷ_i, ∂ŷ_k/∂W_{ij} and ∂ŷ_k/∂b_i."""
    loss = (
        Chain("loss-derivative", Derivative(L, y_hat[i]), verifier)
        .then(Substitute(((L, _squared_error(k, N)),), "definition of L, summed over k"))
        .then(Linearity())
        .then(OnlyMatchingTerm(i, "only the term k = i depends on ŷ_i"))
        .then(EvaluateDerivatives(verifier, name="∂u²/∂u = 2u"))
        .then(Rewrite(_error(i), "½ · 2 = 1"))
    )

    def opened(name: str, variable: Expr) -> Chain:
        """∂ŷ_k/∂variable with the layer written in and the derivative taken term by term."""
        return (
            Chain(name, Derivative(y_hat[k], variable), verifier)
            .then(Substitute(((y_hat[k], _layer(k, M)),), "definition of ŷ_k"))
            .then(
                Rewrite(
                    kept_sum(
                        Sum(Derivative(kept_product(W[k, m], x[m]), variable), (m, 1, M)),
                        Derivative(b[k], variable),
                    ),
                    "the derivative of a sum is the sum of the derivatives",
                )
            )
            .then(
                EvaluateDerivatives(verifier, name="∂W_{km}/∂W_{ij} = δ_{ik} δ_{jm} and ∂b_k/∂b_i = δ_{ik}")
            )
        )

    weight = opened("weight-derivative", W[i, j]).then(
        Rewrite(
            kept_product(KroneckerDelta(k, i), x[j]),
            "only the term m = j is left, and b_k does not depend on W",
        )
    )
    bias = opened("bias-derivative", b[i]).then(
        Rewrite(KroneckerDelta(k, i), "the weights do not depend on b")
    )
    return loss, weight, bias


def _gradients(verifier: Verifier) -> tuple[Chain, ...]:
    """The chain rule through the outputs ŷ_k; the delta keeps the term k = i."""

    def through_outputs(name: str, variable: Expr, derivative: Expr) -> Chain:
        found = ((Derivative(L, y_hat[k]), _error(k)), (Derivative(y_hat[k], variable), derivative))
        return (
            Chain(name, Derivative(L, variable), verifier)
            .then(ChainRule(y_hat[k], k, N))
            .then(Substitute(found, "the derivatives found above"))
            .then(OnlyMatchingTerm(i, "δ_{ik} keeps only the term k = i"))
        )

    weight = through_outputs("weight-gradient", W[i, j], kept_product(KroneckerDelta(k, i), x[j]))
    bias = through_outputs("bias-gradient", b[i], KroneckerDelta(k, i))
    return weight, bias


def _vector_forms(verifier: Verifier) -> tuple[Chain, ...]:
    """The entries above as matrices: ∂L/∂W = (ŷ − y) xᵀ and ∂L/∂b = ŷ − y."""
    weights, inputs, bias = MatrixSymbol("W", N, M), MatrixSymbol("x", M, 1), MatrixSymbol("b", N, 1)
    error = MatAdd(MatrixSymbol("yhat", N, 1), -MatrixSymbol("y", N, 1), evaluate=False)
    weight = Chain("weight-vector", Gradient(L, weights), verifier).equals(
        MatMul(error, inputs.T, evaluate=False), "entry (i, j) is the weight gradient above"
    )
    bias_form = Chain("bias-vector", Gradient(L, bias), verifier).equals(
        error, "entry i is the bias gradient above"
    )
    return weight, bias_form


def _worked_example(verifier: Verifier, n: int) -> tuple[Chain, ...]:
    outputs, inputs = range(1, n + 1), range(1, EXAMPLE_INPUTS + 1)

    def written_out(a: int) -> Expr:
        return kept_sum(*(kept_product(W[a, c], x[c]) for c in inputs), b[a])

    layer = Chain("example-layer", Matrix([y_hat[a] for a in outputs]), verifier).equals(
        Matrix([written_out(a) for a in outputs]), f"the layer written out for N = {n}, M = {EXAMPLE_INPUTS}"
    )

    def weights(entry) -> Matrix:
        return Matrix(n, EXAMPLE_INPUTS, lambda a, c: entry(a + 1, c + 1))

    error = Matrix([_error(a) for a in outputs])
    weight = (
        Chain("example-weight-gradient", weights(lambda a, c: Derivative(L, W[a, c])), verifier)
        .equals(
            weights(lambda a, c: kept_product(_error(a), Derivative(y_hat[a], W[a, c]))),
            "only ŷ_i depends on W_{ij}",
        )
        .equals(weights(lambda a, c: kept_product(_error(a), x[c])), "∂ŷ_i/∂W_{ij} = x_j")
        .equals(MatMul(error, Matrix([[x[c] for c in inputs]]), evaluate=False), "a column times a row")
    )
    bias = (
        Chain("example-bias-gradient", Matrix([Derivative(L, b[a]) for a in outputs]), verifier)
        .equals(
            Matrix([kept_product(_error(a), Derivative(y_hat[a], b[a])) for a in outputs]),
            "only ŷ_i depends on b_i",
        )
        .equals(error, "∂ŷ_i/∂b_i = 1")
    )
    return layer, weight, bias
