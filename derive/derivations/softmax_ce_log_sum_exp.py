"""Softmax + cross-entropy by log-sum-exp: L = −z_r + log Σ_k e^{z_k}, so ∂L/∂z_i = p_i − y_i.

With one-hot labels y_k = δ_kr the loss is −log p_r, and the logarithm of the softmax
quotient comes apart: log p_r = z_r − log Σ_k e^{z_k}. In that form the gradient needs no
quotient rule: ∂(−z_r)/∂z_i = −δ_ir and ∂/∂z_i log Σ_k e^{z_k} = e^{z_i}/Σ_k e^{z_k} = p_i.

It is also the form frameworks compute: it never takes the logarithm of a probability that
may have underflowed to 0, and the shift identity log Σ_k e^{z_k} = m + log Σ_k e^{z_k − m},
proven here for any m, lets m = max_k z_k keep every exponential from overflowing. Then a
worked example for a concrete number of classes with class 1 the true one, and a numeric check.

Taking the logarithm apart (log(a/b) = log a − log b, log e^x = x) holds because the logits
are real; the verifier does it only for provably positive arguments (see :mod:`derive.verify`).
"""

from __future__ import annotations

from sympy import (
    Derivative,
    Expr,
    IndexedBase,
    Integer,
    KroneckerDelta,
    Le,
    Matrix,
    Sum,
    Symbol,
    exp,
    log,
)

from derive.algebra import Context, Definition
from derive.derivations.softmax_ce import RESULT, L, N, i, k, p, y, z
from derive.derivations.softmax_ce_complement import EXAMPLE_TRUE_CLASS, context, one_hot_setup, r
from derive.document import Document
from derive.numeric import gradient_check
from derive.steps import Chain, Rewrite, Substitute, kept_product, kept_quotient, kept_sum, reciprocal
from derive.verify import Verifier

#: The shift of the log-sum-exp: any real number; frameworks take the largest logit.
m = Symbol("m", real=True)
#: The shifted logits u_k = z_k − m, which frameworks exponentiate.
u = IndexedBase("u")


def log_sum_exp_context(size: Expr, true_class: Expr) -> Context:
    """The one-hot context of the complement route, and the shifted logits u_k = z_k − m."""
    one_hot = context(size, true_class)
    return Context((*one_hot.definitions, Definition(u[k], kept_sum(z[k], -m))), size)


def _exponentials(exponent: Expr | None = None) -> Sum:
    """Σ_k e^{z_k}, or Σ_k e^{z_k − exponent} for a shift."""
    return Sum(exp(z[k] if exponent is None else kept_sum(z[k], -exponent)), (k, 1, N))


def build(n: int) -> Document:
    """The general derivation for N classes and a true class r, and the worked example for ``n``."""
    general = Verifier(log_sum_exp_context(N, r))
    example = Verifier(context(Integer(n), Integer(EXAMPLE_TRUE_CLASS)))
    chains = (*one_hot_setup(general), *_log_sum_exp(general), *_shift(general), _gradient(general))
    chains += _worked_example(example, n)
    return Document(
        derivation="softmax-ce",
        chains=chains,
        roles={"logits": z.label, "probs": p.label, "labels": y.label, "classes": N},
        math={
            "N": N,
            "n": Integer(n),
            "r": r,
            "m": m,
            "z_i": z[i],
            "p_i": p[i],
            "p_r": p[r],
            "y_i": y[i],
            "e_z": exp(z[k]),
            "shifted": Le(u[k], 0, evaluate=False),
            "example_class": Integer(EXAMPLE_TRUE_CLASS),
            "example_loss": -log(p[EXAMPLE_TRUE_CLASS]),
        },
        data={"numeric": gradient_check(n)},
    )


def _log_sum_exp(verifier: Verifier) -> tuple[Chain, ...]:
    """log p_r = z_r − log Σ_k e^{z_k}, so L = −log p_r = −z_r + log Σ_k e^{z_k}.

    The chain starts from log p_r, not −log p_r: a display that begins with a minus sign is a
    list item to Markdown.
    """
    total = _exponentials()
    taken_apart = (
        Chain("log-sum-exp", log(p[r]), verifier)
        .then(Substitute(((p[r], kept_quotient(exp(z[r]), total)),), "definition of the softmax"))
        .then(
            Rewrite(
                kept_sum(log(exp(z[r]), evaluate=False), -log(total)),
                "the log of a quotient is the difference of the logs",
            )
        )
        .then(Rewrite(kept_sum(z[r], -log(total)), "log e^x = x"))
    )
    loss = Chain("loss-log-sum-exp", L, verifier).equals(
        kept_sum(-z[r], log(total)), "L = −log p_r, and log p_r in log-sum-exp form"
    )
    return taken_apart, loss


def _shift(verifier: Verifier) -> tuple[Chain, ...]:
    """u_k = z_k − m, and log Σ_k e^{z_k} = m + log Σ_k e^{z_k − m} = m + log Σ_k e^{u_k} for any real m."""
    shifted = _exponentials(m)
    logits = Chain("shifted-logits", u[k], verifier).equals(
        kept_sum(z[k], -m), "the logits shifted by a number m"
    )
    identity = (
        Chain("shift", log(_exponentials()), verifier)
        .then(
            Rewrite(
                log(Sum(kept_product(exp(m), exp(kept_sum(z[k], -m))), (k, 1, N))),
                "e^{z_k} = e^m · e^{z_k − m}",
            )
        )
        .then(Rewrite(log(kept_product(exp(m), shifted)), "e^m taken out of the sum"))
        .then(
            Rewrite(
                kept_sum(log(exp(m), evaluate=False), log(shifted)),
                "the log of a product is the sum of the logs",
            )
        )
        .then(Rewrite(kept_sum(m, log(shifted)), "log e^m = m"))
        .then(Rewrite(kept_sum(m, log(Sum(exp(u[k]), (k, 1, N)))), "definition of u_k"))
    )
    return logits, identity


def _gradient(verifier: Verifier) -> Chain:
    """∂L/∂z_i = −δ_ir + e^{z_i}/Σ_k e^{z_k} = p_i − y_i, from the log-sum-exp form."""
    total = _exponentials()
    return (
        Chain("gradient", RESULT.lhs, verifier)
        .then(Substitute(((L, kept_sum(-z[r], log(total))),), "the loss in log-sum-exp form"))
        .then(
            Rewrite(
                kept_sum(-Derivative(z[r], z[i]), Derivative(log(total), z[i])),
                "the derivative of a sum is the sum of the derivatives",
            )
        )
        .then(
            Rewrite(
                kept_sum(-KroneckerDelta(i, r), kept_product(reciprocal(total), Derivative(total, z[i]))),
                "∂z_r/∂z_i = δ_ir, and ∂ log u/∂z_i = (1/u) ∂u/∂z_i",
            )
        )
        .then(
            Rewrite(
                kept_sum(-KroneckerDelta(i, r), kept_quotient(exp(z[i]), total)),
                "only the term k = i depends on z_i",
            )
        )
        .then(Rewrite(kept_sum(-KroneckerDelta(i, r), p[i]), "definition of the softmax"))
        .then(Rewrite(kept_sum(p[i], -y[i]), "the labels are one-hot, y_i = δ_ir"))
    )


def _worked_example(verifier: Verifier, n: int) -> tuple[Chain, ...]:
    """log p_1 in log-sum-exp form for ``n`` classes, and the gradient of the loss −log p_1."""
    true = EXAMPLE_TRUE_CLASS
    classes = range(1, n + 1)
    total = kept_sum(*(exp(z[b]) for b in classes))
    log_probability = (
        Chain("example-log-sum-exp", log(p[true]), verifier)
        .then(Substitute(((p[true], kept_quotient(exp(z[true]), total)),), "definition of p_1"))
        .then(Rewrite(kept_sum(z[true], -log(total)), "the log of a quotient, and log e^{z_1} = z_1"))
    )
    log_sum_exp = kept_sum(-z[true], log(total))

    def derivative(b: int) -> Expr:
        softmax = kept_quotient(exp(z[b]), total)
        return kept_sum(-1, softmax) if b == true else softmax

    gradient = (
        Chain("example-gradient", Matrix([Derivative(-log(p[true]), z[b]) for b in classes]), verifier)
        .equals(Matrix([Derivative(log_sum_exp, z[b]) for b in classes]), "the loss in log-sum-exp form")
        .equals(
            Matrix([derivative(b) for b in classes]),
            "∂z_1/∂z_b is 1 for b = 1 and 0 otherwise; ∂ log u = ∂u/u",
        )
        .equals(
            Matrix([kept_sum(p[true], -1) if b == true else p[b] for b in classes]),
            "definition of the softmax",
        )
    )
    return log_probability, gradient
