"""Softmax + cross-entropy with label smoothing: ∂L/∂z_i = p_i − (1 − ε) δ_ir − ε/N.

Label smoothing moves a share ε of the label of the true class r evenly over all N classes,
y_k = (1 − ε) δ_kr + ε/N. The only premise of the softmax-ce result ∂L/∂z_i = p_i − y_i is
Σ_k y_k = 1, so the post proves that the smoothed labels still sum to one, step by step, and
then reuses the result as it stands, with the smoothed labels written in. Then what the
gradient asks of each class, a worked example with class 1 the true one, and a numeric check.

The true class is written r, as in the complement route of softmax-ce: c is the number of
classes in the z-ŷ-y-c notation, and t the labels in a-s-t, so neither may name it.
"""

from __future__ import annotations

from sympy import (
    Derivative,
    Eq,
    Expr,
    Integer,
    KroneckerDelta,
    Matrix,
    Mul,
    Ne,
    Pow,
    Rational,
    Sum,
    Symbol,
)

from derive.algebra import Context, Definition
from derive.derivations.softmax_ce import (
    LABELS_SUM_TO_ONE,
    RESULT,
    L,
    N,
    i,
    k,
    loss_chain,
    p,
    softmax_chain,
    y,
    z,
)
from derive.derivations.softmax_ce import context as softmax_ce_context
from derive.document import Document
from derive.numeric import gradient_check
from derive.steps import Chain, Rewrite, Substitute, kept_product, kept_quotient, kept_sum
from derive.verify import Verifier

#: The smoothing: the share of the true class's label spread over all the classes.
epsilon = Symbol("varepsilon", positive=True)
#: The true class.
r = Symbol("r", integer=True, positive=True)
#: The class the worked example takes as the true one.
EXAMPLE_TRUE_CLASS = 1
#: The smoothing of the numeric check, a common choice in practice.
NUMERIC_SMOOTHING = Rational(1, 10)


def share(size: Expr) -> Expr:
    """ε/size, kept a fraction for a number of classes too: ε/3, not ε · 1/3."""
    return Mul(epsilon, Pow(size, -1, evaluate=False), evaluate=False)


def smoothed(index: Expr, true_class: Expr, size: Expr) -> Expr:
    """y_index = (1 − ε) δ_{index, true_class} + ε/size: the smoothed one-hot label."""
    return kept_sum(kept_product(kept_sum(1, -epsilon), KroneckerDelta(index, true_class)), share(size))


#: What this derivation proves: the softmax-ce gradient with the smoothed labels written in.
SMOOTHED_RESULT = Eq(
    Derivative(L, z[i]),
    kept_sum(p[i], kept_product(-1, kept_sum(1, -epsilon), KroneckerDelta(i, r)), -kept_quotient(epsilon, N)),
    evaluate=False,
)


def context(size, true_class) -> Context:
    """softmax-ce's loss L, softmax p_i and sum S, and the smoothed labels y_k.

    With a symbolic ``true_class`` (r), every statement about L or y is proven for each
    choice of the true class.
    """
    labels = Definition(y[k], smoothed(k, true_class, size))
    return Context((*softmax_ce_context(size).definitions, labels), size)


def build(n: int) -> Document:
    """The general derivation for N classes, and the worked example for ``n`` classes."""
    general = Verifier(context(N, r))
    example = Verifier(context(Integer(n), Integer(EXAMPLE_TRUE_CLASS)))
    chains = (*_setup(general), _label_sum(general), *_gradient(general), *_worked_example(example, n))
    return Document(
        derivation="label-smoothing-ce",
        chains=chains,
        roles={"logits": z.label, "probs": p.label, "labels": y.label, "classes": N},
        math={
            "L": L,
            "N": N,
            "n": Integer(n),
            "epsilon": epsilon,
            "r": r,
            "z_i": z[i],
            "p_i": p[i],
            "y_i": y[i],
            "sum_y": LABELS_SUM_TO_ONE,
            "i_eq_r": Eq(i, r, evaluate=False),
            "example_true_class": Eq(r, Integer(EXAMPLE_TRUE_CLASS), evaluate=False),
            "i_ne_r": Ne(i, r, evaluate=False),
            "true_target": Eq(p[r], kept_sum(1, -epsilon, kept_quotient(epsilon, N)), evaluate=False),
            "other_target": Eq(p[i], kept_quotient(epsilon, N), evaluate=False),
            "numeric_epsilon": Eq(epsilon, NUMERIC_SMOOTHING, evaluate=False),
            "result": SMOOTHED_RESULT,
        },
        data={"numeric": gradient_check(n, smoothing=float(NUMERIC_SMOOTHING))},
    )


def _setup(verifier: Verifier) -> tuple[Chain, ...]:
    labels = Chain("labels", y[k], verifier).equals(smoothed(k, r, N), "definition of the smoothed labels")
    claim = Chain("claim", SMOOTHED_RESULT.lhs, verifier).equals(
        SMOOTHED_RESULT.rhs, "the result, proven step by step below"
    )
    return loss_chain(verifier), softmax_chain(verifier), labels, claim


def _label_sum(verifier: Verifier) -> Chain:
    """Σ_k y_k = 1: the premise of the softmax-ce result, for the smoothed labels."""
    one_minus = kept_sum(1, -epsilon)
    each = share(N)
    return (
        Chain("label-sum", Sum(y[k], (k, 1, N)), verifier)
        .then(Substitute(((y[k], smoothed(k, r, N)),), "definition of y_k"))
        .then(
            Rewrite(
                kept_sum(kept_product(one_minus, Sum(KroneckerDelta(k, r), (k, 1, N))), Sum(each, (k, 1, N))),
                "the sum split in two, the constant 1 − ε taken out",
            )
        )
        .then(
            Rewrite(
                kept_sum(kept_product(one_minus, Integer(1)), kept_product(N, each)),
                "only the term k = r of the first sum is 1; the second has N equal terms",
            )
        )
        .then(Rewrite(kept_sum(1, -epsilon, epsilon), "multiplied out"))
        .then(Rewrite(Integer(1), "ε cancels"))
    )


def _gradient(verifier: Verifier) -> tuple[Chain, ...]:
    """The softmax-ce result with the smoothed labels in, and what it asks of each class."""
    gradient = (
        Chain("gradient", RESULT.lhs, verifier)
        .equals(
            kept_sum(p[i], -y[i]),
            "the softmax cross-entropy result; its only premise, Σ_k y_k = 1, is proven above",
        )
        .then(Substitute(((y[i], smoothed(i, r, N)),), "definition of y_i"))
        .then(Rewrite(SMOOTHED_RESULT.rhs, "brackets removed"))
    )
    true_class = (
        Chain("true-class", Derivative(L, z[r]), verifier)
        .equals(
            kept_sum(p[r], kept_product(-1, kept_sum(1, -epsilon)), -kept_quotient(epsilon, N)),
            "the gradient at i = r, δ_rr = 1",
        )
        .equals(
            kept_sum(p[r], kept_product(-1, kept_sum(1, -epsilon, kept_quotient(epsilon, N)))),
            "the label of the true class in brackets",
        )
    )
    other_class = Chain("other-class", Derivative(L, z[i]), verifier, conditions=(Ne(i, r),)).equals(
        kept_sum(p[i], -kept_quotient(epsilon, N)), "the gradient at i ≠ r, δ_ir = 0"
    )
    return gradient, other_class, true_class


def _worked_example(verifier: Verifier, n: int) -> tuple[Chain, ...]:
    classes = range(1, n + 1)
    true_class = Integer(EXAMPLE_TRUE_CLASS)

    def label(a: int) -> Expr:
        """y_a written out: 1 − ε + ε/n for the true class, ε/n for the others."""
        return kept_sum(1, -epsilon, share(n)) if a == true_class else share(n)

    labels = (
        Chain("example-labels", Matrix([y[a] for a in classes]), verifier)
        .equals(
            Matrix([smoothed(Integer(a), true_class, Integer(n)) for a in classes]),
            f"the definition with N = {n} and r = {EXAMPLE_TRUE_CLASS}",
        )
        .equals(Matrix([label(a) for a in classes]), "δ evaluated")
    )
    label_sum = (
        Chain("example-label-sum", kept_sum(*(y[a] for a in classes)), verifier)
        .equals(kept_sum(*(label(a) for a in classes)), "the labels above")
        .equals(kept_sum(1, -epsilon, epsilon), f"the {n} shares ε/{n} add up to ε")
        .equals(Integer(1), "ε cancels")
    )
    gradient = (
        Chain("example-gradient", Matrix([Derivative(L, z[a]) for a in classes]), verifier)
        .equals(
            Matrix([kept_sum(p[a], -y[a]) for a in classes]), f"the softmax cross-entropy result, for N = {n}"
        )
        .equals(
            Matrix(
                [
                    kept_sum(p[a], kept_product(-1, label(a)) if a == true_class else -label(a))
                    for a in classes
                ]
            ),
            "the labels above",
        )
    )
    return labels, label_sum, gradient
