"""Sigmoid + binary cross-entropy: ∂L/∂z = σ(z) − y.

σ(z) = 1/(1 + e^{−z}) and its derivative σ(z)(1 − σ(z)) by the quotient rule; the loss
L = −[y log p + (1 − y) log(1 − p)] of one output with p = σ(z), differentiated through p by
the chain rule. Then N independent outputs, whose losses add, in index and vector form, and
a worked example with the N outputs written out.
"""

from __future__ import annotations

from collections.abc import Callable

from sympy import (
    Derivative,
    Eq,
    Expr,
    Function,
    IndexedBase,
    Integer,
    Matrix,
    Pow,
    Sum,
    Symbol,
    exp,
    log,
    symbols,
)
from sympy.matrices.expressions import MatAdd, MatrixSymbol

from derive.algebra import Context, Definition
from derive.document import Document
from derive.matrices import Gradient
from derive.steps import (
    Chain,
    EvaluateDerivatives,
    Linearity,
    OnlyMatchingTerm,
    QuotientRule,
    Rewrite,
    Substitute,
    kept_product,
    kept_quotient,
    kept_sum,
)
from derive.verify import Verifier

N = Symbol("N", integer=True, positive=True)
i, k = symbols("i k", integer=True, positive=True)
sigma = Function("sigma")
#: One output: its logit, probability and label. The families z_i, p_i, y_i share the letters.
z, p, y = symbols("z p y")
zs, ps, ys = IndexedBase(z), IndexedBase(p), IndexedBase(y)
L = Symbol("L")
#: The result for one output; for N outputs it holds for every z_i.
RESULT = Eq(Derivative(L, z), sigma(z) - y, evaluate=False)


def _difference(a, b):
    return kept_sum(a, -b)


def _log_likelihood(probability: Expr, label: Expr) -> Expr:
    """y log p + (1 − y) log(1 − p): the log-likelihood of a label y ∈ [0, 1] under p."""
    return kept_sum(
        kept_product(label, log(probability)),
        kept_product(_difference(1, label), log(_difference(1, probability))),
    )


def binary_cross_entropy(probability: Expr, label: Expr) -> Expr:
    """−[y log p + (1 − y) log(1 − p)]: the cross-entropy of a label y and a probability p."""
    return kept_product(-1, _log_likelihood(probability, label))


def _summed_loss(probability: Callable[[Expr], Expr], upper: Expr, index: Symbol = k) -> Expr:
    """−Σ_k [y_k log p_k + (1 − y_k) log(1 − p_k)], with ``probability(k)`` for p_k."""
    return kept_product(-1, Sum(_log_likelihood(probability(index), ys[index]), (index, 1, upper)))


def _sigmoid(argument: Expr) -> Expr:
    """1/(1 + e^{−x}), the sigmoid written out."""
    return kept_quotient(1, kept_sum(1, exp(-argument)))


def _sigmoid_definition() -> Definition:
    x = Symbol("x")
    return Definition(sigma(x), _sigmoid(x))


def context() -> Context:
    """One output: L of p, p = σ(z), and σ itself, each unfolded in turn while proving."""
    return Context(
        (Definition(L, binary_cross_entropy(p, y)), Definition(p, sigma(z)), _sigmoid_definition())
    )


def outputs_context(size) -> Context:
    """N outputs: L is the sum of their losses, and p_k = σ(z_k) for each."""
    return Context(
        (
            Definition(L, _summed_loss(ps.__getitem__, size)),
            Definition(ps[k], sigma(zs[k])),
            _sigmoid_definition(),
        ),
        size,
    )


def build(n: int) -> Document:
    """One output, N outputs in index and vector form, and the worked example for ``n`` outputs."""
    one, general, example = (
        Verifier(context()),
        Verifier(outputs_context(N)),
        Verifier(outputs_context(Integer(n))),
    )
    chains = _setup(one) + _sigmoid_derivative(one) + _chain_rule(one)
    chains += _outputs(general) + _worked_example(example, n)
    return Document(
        derivation="sigmoid-bce",
        chains=chains,
        roles={"logits": z, "probs": p, "labels": y, "classes": N},
        math={
            "N": N,
            "n": Integer(n),
            "z": z,
            "p": p,
            "y": y,
            "z_i": zs[i],
            "y_i": ys[i],
            # p = σ(z): the sigmoid applied to each entry, as the prose says; a display form only.
            "vectors": Eq(MatrixSymbol(p, N, 1), sigma(MatrixSymbol(z, N, 1)), evaluate=False),
        },
    )


def _setup(verifier: Verifier) -> tuple[Chain, ...]:
    sigmoid = Chain("sigmoid", sigma(z), verifier).equals(_sigmoid(z), "definition of the sigmoid")
    probability = Chain("probability", p, verifier).equals(sigma(z), "the sigmoid of the logit")
    loss = Chain("loss", L, verifier).equals(
        binary_cross_entropy(p, y), "definition of the binary cross-entropy"
    )
    claim = Chain("claim", Derivative(L, z), verifier).equals(
        _difference(sigma(z), y), "the result, proven step by step below"
    )
    return sigmoid, probability, loss, claim


def _sigmoid_derivative(verifier: Verifier) -> tuple[Chain, ...]:
    """σ′(z) = σ(z)(1 − σ(z)), by the quotient rule on 1/(1 + e^{−z})."""
    denominator, e = kept_sum(1, exp(-z)), exp(-z)
    chain = (
        Chain("sigmoid-derivative", Derivative(sigma(z), z), verifier)
        .then(Substitute(((sigma(z), _sigmoid(z)),), "definition of σ"))
        .then(QuotientRule())
        .then(EvaluateDerivatives(verifier, name="∂1/∂z = 0 and ∂e^{−z}/∂z = −e^{−z}"))
        .then(Rewrite(kept_quotient(e, Pow(denominator, 2)), "0 · (1 + e^{−z}) = 0 and the signs multiplied"))
        .then(
            Rewrite(
                kept_product(kept_quotient(1, denominator), kept_quotient(e, denominator)), "fraction split"
            )
        )
        .then(
            Rewrite(
                kept_product(kept_quotient(1, denominator), _difference(1, kept_quotient(1, denominator))),
                "e^{−z} = (1 + e^{−z}) − 1",
            )
        )
        .then(Rewrite(kept_product(sigma(z), _difference(1, sigma(z))), "definition of σ"))
    )
    return (chain,)


def _chain_rule(verifier: Verifier) -> tuple[Chain, ...]:
    loss = (
        Chain("loss-derivative", Derivative(L, p), verifier)
        .then(Substitute(((L, binary_cross_entropy(p, y)),), "definition of L"))
        .then(
            Rewrite(
                kept_product(
                    -1,
                    kept_sum(
                        kept_product(y, Derivative(log(p), p)),
                        kept_product(_difference(1, y), Derivative(log(_difference(1, p)), p)),
                    ),
                ),
                "linearity of the derivative",
            )
        )
        .then(EvaluateDerivatives(verifier, name="∂ log x/∂x = 1/x, and ∂(1 − p)/∂p = −1"))
        .then(
            Rewrite(
                kept_sum(-kept_quotient(y, p), kept_quotient(_difference(1, y), _difference(1, p))),
                "signs multiplied out",
            )
        )
    )
    derivatives = (
        (Derivative(L, p), loss.last),
        (Derivative(p, z), kept_product(p, _difference(1, p))),
    )
    chain = (
        Chain("chain-rule", Derivative(L, z), verifier)
        .equals(kept_product(Derivative(L, p), Derivative(p, z)), "chain rule through p")
        .then(Substitute(derivatives, "the derivatives found above, with p = σ(z)"))
        .then(
            Rewrite(
                kept_sum(kept_product(-1, y, _difference(1, p)), kept_product(_difference(1, y), p)),
                "p and 1 − p cancelled",
            )
        )
        .then(Rewrite(kept_sum(-y, kept_product(y, p), p, -kept_product(y, p)), "expanded"))
        .then(Rewrite(_difference(p, y), "y p cancels"))
        .then(Rewrite(_difference(sigma(z), y), "p = σ(z)"))
    )
    return loss, chain


def _outputs(verifier: Verifier) -> tuple[Chain, ...]:
    """N outputs: only the i-th loss depends on z_i, so its gradient is the one-output result."""
    probability = Chain("outputs-probability", ps[i], verifier).equals(
        sigma(zs[i]), "the sigmoid of each logit"
    )
    loss = Chain("outputs-loss", L, verifier).equals(
        _summed_loss(ps.__getitem__, N, i), "the losses of the outputs added"
    )
    in_logits = _summed_loss(lambda index: sigma(zs[index]), N)
    gradient = (
        Chain("outputs-gradient", Derivative(L, zs[i]), verifier)
        .then(Substitute(((L, in_logits),), "definition of L, summed over k, with p_k = σ(z_k)"))
        .then(Linearity())
        .then(OnlyMatchingTerm(i, "only the term k = i depends on z_i"))
        .equals(_difference(sigma(zs[i]), ys[i]), "the result for one output, with z_i and y_i")
        .equals(_difference(ps[i], ys[i]), "p_i = σ(z_i)")
    )
    logits, probabilities, labels = (MatrixSymbol(name, N, 1) for name in (z, p, y))
    vector = Chain("outputs-vector", Gradient(L, logits), verifier).equals(
        MatAdd(probabilities, -labels, evaluate=False), "the entries above, as vectors"
    )
    return probability, loss, gradient, vector


def _worked_example(verifier: Verifier, n: int) -> tuple[Chain, ...]:
    outputs = range(1, n + 1)
    loss = Chain("example-loss", L, verifier).equals(
        kept_product(-1, kept_sum(*(_log_likelihood(ps[a], ys[a]) for a in outputs))),
        f"the loss written out for N = {n}",
    )

    def column(entry) -> Matrix:
        return Matrix([entry(a) for a in outputs])

    gradient = (
        Chain("example-gradient", column(lambda a: Derivative(L, zs[a])), verifier)
        .equals(
            column(lambda a: kept_product(Derivative(L, ps[a]), Derivative(ps[a], zs[a]))),
            "only p_i depends on z_i",
        )
        .equals(
            column(
                lambda a: kept_product(
                    kept_sum(
                        -kept_quotient(ys[a], ps[a]),
                        kept_quotient(_difference(1, ys[a]), _difference(1, ps[a])),
                    ),
                    kept_product(ps[a], _difference(1, ps[a])),
                )
            ),
            "the derivatives found above",
        )
        .equals(
            column(
                lambda a: kept_sum(
                    kept_product(-1, ys[a], _difference(1, ps[a])), kept_product(_difference(1, ys[a]), ps[a])
                )
            ),
            "p_i and 1 − p_i cancelled",
        )
        .equals(column(lambda a: _difference(ps[a], ys[a])), "expanded, y_i p_i cancels")
    )
    return loss, gradient
