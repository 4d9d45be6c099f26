"""Softmax with a temperature + cross-entropy: ∂L/∂z_i = (p_i − y_i)/T.

A softmax with temperature T is the plain softmax of the scaled logits u_k = z_k/T. So the
softmax-ce result, ∂L/∂u_i = p_i − y_i given Σ_k y_k = 1, is reused as it stands, and the
chain rule through u_j = z_j/T adds the one new factor, ∂u_j/∂z_i = δ_ij/T. The same two
pieces give the Jacobian of the tempered softmax, p_i (δ_ij − p_j)/T. Then a worked example
for a concrete number of classes, and a numeric check at T = 2.
"""

from __future__ import annotations

from sympy import (
    Derivative,
    Eq,
    Expr,
    IndexedBase,
    Integer,
    KroneckerDelta,
    Matrix,
    Sum,
    Symbol,
    exp,
)

from derive.algebra import Context, Definition
from derive.derivations.softmax_ce import (
    RESULT,
    L,
    N,
    i,
    j,
    k,
    loss_chain,
    p,
    y,
    z,
)
from derive.derivations.softmax_ce import context as softmax_ce_context
from derive.document import Document
from derive.numeric import gradient_check
from derive.steps import (
    Chain,
    ChainRule,
    EvaluateDerivatives,
    OnlyMatchingTerm,
    Substitute,
    kept_product,
    kept_quotient,
    kept_sum,
)
from derive.verify import Verifier

T = Symbol("T", positive=True)
#: The scaled logits u_k = z_k/T, which the softmax with temperature exponentiates.
u = IndexedBase("u")
#: The temperature of the numeric check.
NUMERIC_TEMPERATURE = 2
#: What this derivation proves, given Σ_k y_k = 1.
TEMPERATURE_RESULT = Eq(Derivative(L, z[i]), kept_quotient(kept_sum(p[i], -y[i]), T), evaluate=False)


def context(size) -> Context:
    """softmax-ce's definitions (L, p_i = e^{u_i}/S, S = Σ_k e^{u_k}) on the scaled logits u,
    and u_i = z_i/T."""
    on_scaled = tuple(
        Definition(d.name, d.expression.xreplace({z: u}), d.opaque)
        for d in softmax_ce_context(size).definitions
    )
    return Context((*on_scaled, Definition(u[i], z[i] / T)), size)


def _labels_sum_to_one(size) -> Eq:
    return Eq(Sum(y[k], (k, 1, size)), 1)


def build(n: int) -> Document:
    """The general derivation for N classes, and the worked example for ``n`` classes."""
    general = Verifier(context(N))
    example = Verifier(context(Integer(n)))
    chains = _setup(general) + _reused(general) + _chain_rule(general)
    chains += _worked_example(example, n)
    return Document(
        derivation="softmax-temperature",
        chains=chains,
        roles={"logits": z.label, "probs": p.label, "labels": y.label, "classes": N},
        math={
            "L": L,
            "N": N,
            "T": T,
            "n": Integer(n),
            "z_i": z[i],
            "p_i": p[i],
            "y_i": y[i],
            "u_i": u[i],
            "z_j": z[j],
            "u_j": u[j],
            "sum_y": _labels_sum_to_one(N),
            "numeric_T": Eq(T, Integer(NUMERIC_TEMPERATURE), evaluate=False),
            "result": TEMPERATURE_RESULT,
        },
        data={"numeric": gradient_check(n, temperature=float(NUMERIC_TEMPERATURE))},
    )


def _setup(verifier: Verifier) -> tuple[Chain, ...]:
    """The loss, the scaled logits, the softmax of them (the softmax with temperature), the claim."""
    scaled = Chain("scaled-logits", u[i], verifier).equals(
        kept_quotient(z[i], T), "definition of the scaled logits"
    )
    softmax = Chain("softmax", p[i], verifier).equals(
        exp(u[i]) / Sum(exp(u[k]), (k, 1, N)), "definition of the softmax, of the scaled logits"
    )
    # A chain of its own rather than a second link: a definition stands alone, for derive check too.
    tempered = Chain("tempered-softmax", p[i], verifier).equals(
        exp(kept_quotient(z[i], T)) / Sum(exp(kept_quotient(z[k], T)), (k, 1, N)), "definition of u_k"
    )
    claim = Chain("claim", TEMPERATURE_RESULT.lhs, verifier).equals(
        TEMPERATURE_RESULT.rhs, "the result, proven step by step below", conditions=(_labels_sum_to_one(N),)
    )
    return loss_chain(verifier), scaled, softmax, tempered, claim


def _reused(verifier: Verifier) -> tuple[Chain, ...]:
    """What softmax-ce proved for a softmax of z, here for the softmax of u; and ∂u_j/∂z_i."""
    gradient = Chain("scaled-gradient", RESULT.lhs.xreplace({z: u}), verifier).equals(
        kept_sum(p[i], -y[i]),
        "the softmax cross-entropy result, with u for z",
        conditions=(_labels_sum_to_one(N),),
    )
    jacobian = Chain("scaled-jacobian", Derivative(p[i], u[k]), verifier).equals(
        kept_product(p[i], kept_sum(KroneckerDelta(i, k), -p[k])),
        "the softmax Jacobian of softmax-ce, with u for z",
    )
    scale = (
        Chain("scale-derivative", Derivative(u[j], z[i]), verifier)
        .then(Substitute(((u[j], kept_quotient(z[j], T)),), "definition of u_j"))
        .then(EvaluateDerivatives(verifier, name="∂z_j/∂z_i is 1 when j = i and 0 otherwise"))
    )
    return gradient, jacobian, scale


def _chain_rule(verifier: Verifier) -> tuple[Chain, ...]:
    """The gradient and the Jacobian of the tempered softmax, each through u by the chain rule."""
    scale = Derivative(u[j], z[i])
    scale_value = kept_quotient(KroneckerDelta(i, j), T)
    gradient = (
        Chain("chain-rule", TEMPERATURE_RESULT.lhs, verifier)
        .then(ChainRule(u[j], j, N))
        .then(
            Substitute(
                ((Derivative(L, u[j]), kept_sum(p[j], -y[j])), (scale, scale_value)), "the derivatives above"
            ),
            conditions=(_labels_sum_to_one(N),),
        )
        .then(OnlyMatchingTerm(i, "only the term j = i is left"))
    )
    jacobian = (
        Chain("softmax-jacobian", Derivative(p[i], z[j]), verifier)
        .then(ChainRule(u[k], k, N))
        .then(
            Substitute(
                (
                    (Derivative(p[i], u[k]), kept_product(p[i], kept_sum(KroneckerDelta(i, k), -p[k]))),
                    (Derivative(u[k], z[j]), kept_quotient(KroneckerDelta(j, k), T)),
                ),
                "the derivatives above",
            )
        )
        .then(OnlyMatchingTerm(j, "only the term k = j is left"))
    )
    return gradient, jacobian


def _scale_entry(a: int, b: int) -> Expr:
    """∂u_a/∂z_b = ∂(z_a/T)/∂z_b: 1/T on the diagonal, 0 off it."""
    return 1 / T if a == b else Integer(0)


def _worked_example(verifier: Verifier, n: int) -> tuple[Chain, ...]:
    classes = range(1, n + 1)
    scaled = Chain("example-scaled-logits", Matrix([u[a] for a in classes]), verifier).equals(
        Matrix([kept_quotient(z[a], T) for a in classes]), f"the scaled logits for N = {n}"
    )
    tempered = kept_sum(*(exp(kept_quotient(z[b], T)) for b in classes))
    plain = kept_sum(*(exp(u[b]) for b in classes))
    softmax = (
        Chain("example-softmax", Matrix([p[a] for a in classes]), verifier)
        .equals(Matrix([kept_quotient(exp(u[a]), plain) for a in classes]), f"the softmax for N = {n}")
        .equals(
            Matrix([kept_quotient(exp(kept_quotient(z[a], T)), tempered) for a in classes]),
            "with u_k = z_k/T",
        )
    )
    labels = kept_sum(*(y[b] for b in classes))
    scaled_gradient = Chain(
        "example-scaled-gradient", Matrix([Derivative(L, u[a]) for a in classes]), verifier
    ).equals(
        Matrix([kept_sum(p[a], -y[a]) for a in classes]),
        "the softmax cross-entropy result, with u for z",
        conditions=(Eq(labels, 1),),
    )
    scale = Chain(
        "example-scale-jacobian", Matrix(n, n, lambda a, b: Derivative(u[a + 1], z[b + 1])), verifier
    )
    scale = scale.equals(
        Matrix(n, n, lambda a, b: _scale_entry(a + 1, b + 1)), "∂(z_a/T)/∂z_b, entry by entry"
    )

    def through(a: int, b: int) -> Expr:
        return kept_product(kept_sum(p[b], -y[b]), _scale_entry(b, a))

    gradient = (
        Chain("example-gradient", Matrix([Derivative(L, z[a]) for a in classes]), verifier)
        .equals(
            Matrix([kept_sum(*(through(a, b) for b in classes)) for a in classes]),
            "chain rule through u, with the two derivatives above",
            conditions=(Eq(labels, 1),),
        )
        .equals(
            Matrix([kept_quotient(kept_sum(p[a], -y[a]), T) for a in classes]),
            "terms with a zero factor dropped",
        )
    )
    return scaled, softmax, scaled_gradient, scale, gradient
