"""Softmax + cross-entropy by the complement form: ∂L/∂z_i = p_i − y_i for one true class r.

The route of a note that writes the softmax as one minus the share of the other classes,
p_i = 1 − Σ_{j≠i} e^{z_j} / Σ_k e^{z_k}. With one-hot labels y_k = δ_kr the loss keeps a
single term, L = −log p_r, so the chain rule runs through p_r alone:

* i = r: from the complement form only the denominator depends on z_r, which gives
  ∂p_r/∂z_r = p_r (1 − p_r) and ∂L/∂z_r = p_r − 1;
* i ≠ r: the term j = i is inside the sum of the other classes, the quotient rule gives
  ∂p_r/∂z_i = −p_i p_r, and ∂L/∂z_i = p_i;

and both cases together are p_i − δ_ir = p_i − y_i. Then a worked example for a concrete
number of classes with class 1 the true one, and a numeric check.

The true class is written r: c is the number of classes in the z-ŷ-y-c notation, and t the
labels in a-s-t, so neither may name it.
"""

from __future__ import annotations

from sympy import (
    Derivative,
    Eq,
    Expr,
    Integer,
    KroneckerDelta,
    Matrix,
    Ne,
    Pow,
    Sum,
    Symbol,
    exp,
    log,
)

from derive.algebra import Context, Definition, SumExcept
from derive.derivations.softmax_ce import RESULT, L, N, S, i, j, k, p, sum_derivative, y, z
from derive.document import Document
from derive.numeric import gradient_check
from derive.steps import (
    Chain,
    DropZeros,
    EvaluateDerivatives,
    Rewrite,
    Substitute,
    kept_product,
    kept_quotient,
    kept_sum,
)
from derive.verify import Verifier

#: The true class: the one class whose label is 1.
r = Symbol("r", integer=True, positive=True)
#: The class the worked example takes as the true one.
EXAMPLE_TRUE_CLASS = 1


def context(size: Expr, true_class: Expr) -> Context:
    """One-hot labels y_k = δ_{k,true_class}, softmax-ce's loss L, the softmax p_i and the sum S.

    S is opaque, so proofs keep it as one atom; with a symbolic ``true_class`` (r) every
    statement about L or y is a statement for each choice of the true class.
    """
    return Context(
        (
            Definition(y[k], KroneckerDelta(k, true_class)),
            Definition(L, -Sum(y[k] * log(p[k]), (k, 1, size))),
            Definition(p[i], exp(z[i]) / S),
            Definition(S, Sum(exp(z[k]), (k, 1, size)), opaque=True),
        ),
        size,
    )


def build(n: int) -> Document:
    """The general derivation for N classes and a true class r, and the worked example for ``n``."""
    general = Verifier(context(N, r))
    example = Verifier(context(Integer(n), Integer(EXAMPLE_TRUE_CLASS)))
    chains = one_hot_setup(general) + sum_derivative(general) + (_complement_form(general),)
    chains += _through_true_class(general) + _true_class_case(general) + _other_class_case(general)
    chains += (_both_cases(general), *_worked_example(example, n))
    return Document(
        derivation="softmax-ce",
        chains=chains,
        roles={"logits": z.label, "probs": p.label, "labels": y.label, "classes": N},
        math={
            "N": N,
            "S": S,
            "n": Integer(n),
            "i": i,
            "r": r,
            "z_i": z[i],
            "z_r": z[r],
            "p_i": p[i],
            "p_r": p[r],
            "y_i": y[i],
            "i_eq_r": Eq(i, r, evaluate=False),
            "i_ne_r": Ne(i, r, evaluate=False),
            "j_eq_i": Eq(j, i, evaluate=False),
            "example_class": Integer(EXAMPLE_TRUE_CLASS),
            "example_loss": -log(p[EXAMPLE_TRUE_CLASS]),
            "p_example": p[EXAMPLE_TRUE_CLASS],
        },
        data={"numeric": gradient_check(n)},
    )


def one_hot_setup(verifier: Verifier) -> tuple[Chain, ...]:
    """The setting both one-hot routes share: the loss, the labels, the loss of the true class,
    the softmax and the claim."""
    loss = Chain("loss", L, verifier).equals(
        -Sum(y[k] * log(p[k]), (k, 1, N)), "definition of the cross-entropy loss"
    )
    labels = Chain("labels", y[k], verifier).equals(
        KroneckerDelta(k, r), "one-hot labels: r is the true class"
    )
    true_class_loss = Chain("true-class-loss", L, verifier).equals(-log(p[r]), "only the term k = r is left")
    softmax = Chain("softmax", p[i], verifier).equals(
        exp(z[i]) / Sum(exp(z[k]), (k, 1, N)), "definition of the softmax"
    )
    claim = Chain("claim", RESULT.lhs, verifier).equals(
        kept_sum(p[i], -y[i]), "the result, proven step by step below"
    )
    return loss, labels, true_class_loss, softmax, claim


def _others(excluded: Expr) -> SumExcept:
    """Σ_{j≠excluded} e^{z_j}: the exponentials of every class but one."""
    return SumExcept(exp(z[j]), (j, 1, N), excluded)


def _complement(excluded: Expr, denominator: Expr = S) -> Expr:
    """1 − Σ_{j≠excluded} e^{z_j} / denominator: the complement form of p_excluded."""
    return kept_sum(1, -kept_quotient(_others(excluded), denominator))


def _complement_form(verifier: Verifier) -> Chain:
    """1 − Σ_{j≠i} e^{z_j} / Σ_k e^{z_k} = p_i: the complement form is the softmax."""
    others = _others(i)
    return (
        Chain("complement", _complement(i, Sum(exp(z[k]), (k, 1, N))), verifier)
        .then(Substitute(((Sum(exp(z[k]), (k, 1, N)), S),), "definition of S"))
        .then(Rewrite(kept_quotient(kept_sum(S, -others), S), "over the common denominator S"))
        .then(Rewrite(kept_quotient(exp(z[i]), S), "S less every term but j = i is the term j = i"))
        .then(Rewrite(p[i], "definition of p_i with S"))
    )


def _through_true_class(verifier: Verifier) -> tuple[Chain, ...]:
    """∂L/∂p_r = −1/p_r, and ∂L/∂z_i = ∂L/∂p_r · ∂p_r/∂z_i: the loss sees the logits through p_r."""
    loss = (
        Chain("loss-derivative", Derivative(L, p[r]), verifier)
        .then(Substitute(((L, -log(p[r])),), "L = −log p_r"))
        .then(EvaluateDerivatives(verifier, name="∂ log x / ∂x = 1/x"))
    )
    chain_rule = Chain("chain-rule", Derivative(L, z[i]), verifier).then(
        Rewrite(
            kept_product(Derivative(L, p[r]), Derivative(p[r], z[i])),
            "chain rule through p_r, the only probability L depends on",
        )
    )
    return loss, chain_rule


def _true_class_case(verifier: Verifier) -> tuple[Chain, ...]:
    """∂p_r/∂z_r = p_r (1 − p_r) from the complement form, so ∂L/∂z_r = p_r − 1."""
    others = _others(r)
    e_r = exp(z[r])
    softmax = (
        Chain("complement-same-index", Derivative(p[r], z[r]), verifier)
        .then(Substitute(((p[r], _complement(r)),), "the complement form of p_r"))
        .then(
            Rewrite(
                kept_product(-1, others, Derivative(Pow(S, -1), z[r])),
                "no term of the sum over j ≠ r depends on z_r; only 1/S does",
            )
        )
        .then(
            Rewrite(kept_product(-1, others, -kept_quotient(e_r, Pow(S, 2))), "∂(1/S)/∂z_r = −(∂S/∂z_r)/S²")
        )
        .then(Rewrite(kept_product(kept_quotient(others, S), kept_quotient(e_r, S)), "fraction split"))
        .then(
            Rewrite(kept_product(kept_sum(1, -p[r]), p[r]), "the complement form of p_r, and p_r = e^{z_r}/S")
        )
        .then(Rewrite(kept_product(p[r], kept_sum(1, -p[r])), "factors reordered"))
    )
    derivatives = (
        (Derivative(L, p[r]), -kept_quotient(1, p[r])),
        (Derivative(p[r], z[r]), kept_product(p[r], kept_sum(1, -p[r]))),
    )
    loss = (
        Chain("true-class-gradient", Derivative(L, z[r]), verifier)
        .then(Rewrite(kept_product(Derivative(L, p[r]), Derivative(p[r], z[r])), "the chain rule with i = r"))
        .then(Substitute(derivatives, "the derivatives found above"))
        .then(Rewrite(kept_product(-1, kept_sum(1, -p[r])), "p_r cancelled"))
        .then(Rewrite(kept_sum(p[r], -1), "expanded"))
    )
    return softmax, loss


def _other_class_case(verifier: Verifier) -> tuple[Chain, ...]:
    """For i ≠ r the term j = i is among the others: ∂p_r/∂z_i = −p_i p_r, so ∂L/∂z_i = p_i."""
    others = _others(r)
    e_i, e_r = exp(z[i]), exp(z[r])
    different = (Ne(i, r),)
    softmax = (
        Chain("complement-other-index", Derivative(p[r], z[i]), verifier, conditions=different)
        .then(Substitute(((p[r], _complement(r)),), "the complement form of p_r"))
        .then(Rewrite(_negated_quotient_rule(others, S, z[i]), "the quotient rule; the 1 is a constant"))
        .then(
            Rewrite(
                _negated_over_square(kept_sum(kept_product(S, e_i), kept_product(-1, others, e_i)), S),
                "the term j = i is in the sum, as i ≠ r; ∂S/∂z_i = e^{z_i}",
            )
        )
        .then(
            Rewrite(_negated_over_square(kept_product(e_i, kept_sum(S, -others)), S), "e^{z_i} factored out")
        )
        .then(
            Rewrite(_negated_over_square(kept_product(e_i, e_r), S), "S less every term but j = r is e^{z_r}")
        )
        .then(Rewrite(kept_product(-1, kept_quotient(e_i, S), kept_quotient(e_r, S)), "fraction split"))
        .then(Rewrite(kept_product(-1, p[i], p[r]), "definition of p_i and p_r"))
    )
    derivatives = (
        (Derivative(L, p[r]), -kept_quotient(1, p[r])),
        (Derivative(p[r], z[i]), kept_product(-1, p[i], p[r])),
    )
    loss = (
        Chain("other-class-gradient", Derivative(L, z[i]), verifier, conditions=different)
        .then(
            Rewrite(kept_product(Derivative(L, p[r]), Derivative(p[r], z[i])), "the chain rule through p_r")
        )
        .then(Substitute(derivatives, "the derivatives found above"))
        .then(Rewrite(p[i], "p_r cancelled"))
    )
    return softmax, loss


def _negated_over_square(numerator: Expr, denominator: Expr) -> Expr:
    """−numerator / denominator², the shape of every step after the quotient rule."""
    return kept_product(-1, kept_quotient(numerator, Pow(denominator, 2)))


def _negated_quotient_rule(numerator: Expr, denominator: Expr, variable: Expr) -> Expr:
    """−∂/∂x (f/g) = −(g · ∂f/∂x − f · ∂g/∂x) / g², for the minus sign of the complement form.

    Each derivative is the last factor of its product: ∂/∂x (f) · g would read as ∂(f g)/∂x.
    """
    return _negated_over_square(
        kept_sum(
            kept_product(denominator, Derivative(numerator, variable)),
            kept_product(-1, numerator, Derivative(denominator, variable)),
        ),
        denominator,
    )


def _both_cases(verifier: Verifier) -> Chain:
    """p_r − 1 for i = r and p_i for i ≠ r are p_i − δ_ir, which is p_i − y_i."""
    return (
        Chain("gradient", RESULT.lhs, verifier)
        .then(Rewrite(kept_sum(p[i], -KroneckerDelta(i, r)), "both cases with the Kronecker delta"))
        .then(Rewrite(kept_sum(p[i], -y[i]), "the labels are one-hot, y_i = δ_ir"))
    )


def _worked_example(verifier: Verifier, n: int) -> tuple[Chain, ...]:
    """The same steps for ``n`` classes with class 1 the true one, and the gradient of −log p_1."""
    true = EXAMPLE_TRUE_CLASS
    classes = range(1, n + 1)
    total = kept_sum(*(exp(z[b]) for b in classes))
    others = kept_sum(*(exp(z[b]) for b in classes if b != true))
    complement = kept_sum(1, -kept_quotient(others, total))
    e_true, e_other = exp(z[true]), exp(z[2])
    form = (
        Chain("example-complement", complement, verifier)
        .then(
            Rewrite(
                kept_quotient(kept_sum(*total.args, kept_product(-1, others)), total),
                "over the common denominator",
            )
        )
        .then(Rewrite(kept_quotient(e_true, total), "only the term of class 1 is left"))
        .then(Rewrite(p[true], "definition of p_1"))
    )
    same = (
        Chain("example-same-index", Derivative(p[true], z[true]), verifier)
        .then(Substitute(((p[true], complement),), "the complement form of p_1"))
        .then(
            Rewrite(
                kept_product(-1, others, Derivative(Pow(total, -1), z[true])),
                "the other terms do not depend on z_1",
            )
        )
        .then(
            Rewrite(
                kept_product(-1, others, -kept_quotient(e_true, Pow(total, 2))), "∂(1/u)/∂z_1 = −(∂u/∂z_1)/u²"
            )
        )
        .then(
            Rewrite(
                kept_product(kept_quotient(others, total), kept_quotient(e_true, total)), "fraction split"
            )
        )
        .then(Rewrite(kept_product(kept_sum(1, -p[true]), p[true]), "the complement form of p_1, and p_1"))
        .then(Rewrite(kept_product(p[true], kept_sum(1, -p[true])), "factors reordered"))
    )
    other = (
        Chain("example-other-index", Derivative(p[true], z[2]), verifier)
        .then(Substitute(((p[true], complement),), "the complement form of p_1"))
        .then(Rewrite(_negated_quotient_rule(others, total, z[2]), "the quotient rule; the 1 is a constant"))
        .then(EvaluateDerivatives(verifier, termwise=True, name="derivatives term by term"))
        .then(DropZeros(name="terms without z_2 vanish"))
        .then(
            Rewrite(
                _negated_over_square(
                    kept_product(e_other, kept_sum(*total.args, kept_product(-1, others))), total
                ),
                "e^{z_2} factored out",
            )
        )
        .then(Rewrite(_negated_over_square(kept_product(e_other, e_true), total), "only e^{z_1} is left"))
        .then(
            Rewrite(
                kept_product(-1, kept_quotient(e_other, total), kept_quotient(e_true, total)),
                "fraction split",
            )
        )
        .then(Rewrite(kept_product(-1, p[2], p[true]), "definition of p_2 and p_1"))
    )

    def through(b: int) -> Expr:
        return kept_product(-kept_quotient(1, p[true]), Derivative(p[true], z[b]))

    def jacobian_row(b: int) -> Expr:
        if b == true:
            return kept_product(p[true], kept_sum(1, -p[true]))
        return kept_product(-1, p[b], p[true])

    gradient = (
        Chain("example-gradient", Matrix([Derivative(-log(p[true]), z[b]) for b in classes]), verifier)
        .equals(Matrix([through(b) for b in classes]), "the chain rule through p_1")
        .equals(
            Matrix([kept_product(-kept_quotient(1, p[true]), jacobian_row(b)) for b in classes]),
            "the two cases, class by class",
        )
        .equals(Matrix([kept_sum(p[true], -1) if b == true else p[b] for b in classes]), "p_1 cancelled")
    )
    return form, same, other, gradient
