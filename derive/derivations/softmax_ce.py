"""Softmax + cross-entropy: ∂L/∂z_i = p_i − y_i.

The route of the classic notes: ∂L/∂p_i, the softmax derivative by the quotient rule for
i = j and i ≠ j, the chain rule split at j = i, and the constraint Σ_k y_k = 1 as its own
step; then a worked example for a concrete number of classes, and a numeric check.
"""

from __future__ import annotations

from functools import cache

from sympy import (
    Derivative,
    Eq,
    Expr,
    Function,
    Indexed,
    IndexedBase,
    Integer,
    KroneckerDelta,
    Matrix,
    Ne,
    Pow,
    Sum,
    Symbol,
    exp,
    log,
    symbols,
)

from derive.algebra import Context, Definition, SumExcept, rename_bound
from derive.derivations import get
from derive.document import Document
from derive.numeric import gradient_check
from derive.steps import (
    ApplyConstraint,
    Chain,
    ChainRule,
    DropZeros,
    EvaluateDerivatives,
    Linearity,
    OnlyMatchingTerm,
    QuotientRule,
    Rewrite,
    Rule,
    SplitSum,
    Substitute,
    kept_product,
    kept_quotient,
    kept_sum,
    reciprocal,
)
from derive.verify import Verifier

N = Symbol("N", integer=True, positive=True)
i, j, k = symbols("i j k", integer=True, positive=True)
z, p, y = IndexedBase("z"), IndexedBase("p"), IndexedBase("y")
L, S = symbols("L S")
#: The result every route proves, given Σ_k y_k = 1, as the registry states it for the checker.
RESULT = Eq(Derivative(L, z[i]), get("softmax-ce").knowledge.result, evaluate=False)


def _quotient_opening(chain: Chain, softmax: Expr, definition: str, evaluate: Rule) -> Chain:
    """∂p_a/∂z_b opened the way every case is: the softmax written in, the quotient rule, and
    the derivatives of numerator and denominator evaluated."""
    (atom,) = chain.lhs.expr.atoms(Indexed)
    return chain.then(Substitute(((atom, softmax),), definition)).then(QuotientRule()).then(evaluate)


def context(size) -> Context:
    """L, the softmax p_i and the sum S — S opaque, so proofs keep it as one atom."""
    return Context(
        (
            Definition(L, -Sum(y[k] * log(p[k]), (k, 1, size))),
            Definition(p[i], exp(z[i]) / S),
            Definition(S, Sum(exp(z[k]), (k, 1, size)), opaque=True),
        ),
        size,
    )


def build(n: int) -> Document:
    """The general derivation for N classes, and the worked example for ``n`` classes."""
    general = Verifier(context(N))
    example = Verifier(context(Integer(n)))
    chains = _setup(general) + _loss_derivative(general) + _softmax_derivative(general)
    chains += _chain_rule(general) + _worked_example(example, n)
    sum_y = LABELS_SUM_TO_ONE
    example_labels = Eq(kept_sum(*(y[a] for a in range(1, n + 1))), 1)
    return Document(
        derivation="softmax-ce",
        chains=chains,
        roles={"logits": z.label, "probs": p.label, "labels": y.label, "classes": N},
        math={
            "L": L,
            "N": N,
            "S": S,
            "n": Integer(n),
            "z_i": z[i],
            "z_1": z[1],
            "p_i": p[i],
            "y_i": y[i],
            "p": Matrix([p[a] for a in range(1, min(n, 3) + 1)]).T,
            "i_eq_j": Eq(i, j, evaluate=False),
            "i_ne_j": Ne(i, j, evaluate=False),
            "j_eq_i": Eq(j, i, evaluate=False),
            "sum_y": sum_y,
            "example_sum_y": example_labels,
            "result": RESULT,
            "quotient": kept_product(exp(z[i]), reciprocal(S)),
            "p_11": Derivative(p[1], z[1]),
            "p_12": Derivative(p[1], z[2]),
        },
        data={"numeric": gradient_check(max(n, 2))},
    )


def loss_chain(verifier: Verifier) -> Chain:
    """L = −Σ_i y_i log p_i: the cross-entropy of labels y and probabilities p, as stated."""
    return Chain("loss", L, verifier).equals(
        -Sum(y[i] * log(p[i]), (i, 1, N)), "definition of the cross-entropy loss"
    )


def softmax_chain(verifier: Verifier) -> Chain:
    """p_i = e^{z_i} / Σ_k e^{z_k}: the softmax, as stated."""
    return Chain("softmax", p[i], verifier).equals(
        exp(z[i]) / Sum(exp(z[k]), (k, 1, N)), "definition of the softmax"
    )


#: The labels sum to one. Unevaluated: SymPy would try, and fail, to decide it.
LABELS_SUM_TO_ONE = Eq(Sum(y[k], (k, 1, N)), 1, evaluate=False)


def _setup(verifier: Verifier) -> tuple[Chain, ...]:
    loss = loss_chain(verifier)
    softmax = softmax_chain(verifier)
    claim = Chain("claim", Derivative(L, z[i]), verifier).equals(
        kept_sum(p[i], -y[i]),
        "the result, proven step by step below",
        conditions=(LABELS_SUM_TO_ONE,),
    )
    return loss, softmax, claim


def _loss_derivative(verifier: Verifier) -> tuple[Chain, ...]:
    loss_over_k = rename_bound(-Sum(y[i] * log(p[i]), (i, 1, N)), lambda _: k)
    chain = (
        Chain("loss-derivative", Derivative(L, p[i]), verifier)
        .then(Substitute(((L, loss_over_k),), "definition of L, summed over k"))
        .then(Linearity())
        .then(OnlyMatchingTerm(i, "only the term k = i depends on p_i"))
        .then(EvaluateDerivatives(verifier, name="∂ log x / ∂x = 1/x"))
        .then(Rewrite(-y[i] / p[i], "product written as one fraction"))
    )
    return (chain,)


def sum_derivative(verifier: Verifier) -> tuple[Chain, ...]:
    """S = Σ_k e^{z_k} and ∂S/∂z_i = e^{z_i}: every route through S starts here."""
    sum_definition = Sum(exp(z[k]), (k, 1, N))
    denominator = Chain("denominator", S, verifier).equals(sum_definition, "definition of S")
    derivative = (
        Chain("sum-derivative", Derivative(S, z[i]), verifier)
        .then(Substitute(((S, sum_definition),), "definition of S"))
        .then(Linearity(name="the derivative of a sum is the sum of the derivatives"))
        .then(EvaluateDerivatives(verifier, name="∂e^{z_k}/∂z_i is e^{z_k} when k = i and 0 otherwise"))
        .then(OnlyMatchingTerm(i, "only the term k = i is left"))
    )
    return denominator, derivative


def _softmax_derivative(verifier: Verifier) -> tuple[Chain, ...]:
    x = Symbol("x")
    f, g = Function("f")(x), Function("g")(x)
    quotient_rule = Chain("quotient-rule", Derivative(f / g, x), verifier).then(QuotientRule())

    e_i, e_j = exp(z[i]), exp(z[j])
    same = (
        _quotient_opening(
            Chain("softmax-same-index", Derivative(p[i], z[i]), verifier),
            kept_quotient(e_i, S),
            "definition of p_i with S",
            EvaluateDerivatives(verifier, name="∂e^{z_i}/∂z_i = e^{z_i} and ∂S/∂z_i = e^{z_i}"),
        )
        .then(Rewrite(kept_quotient(kept_product(e_i, kept_sum(S, -e_i)), Pow(S, 2)), "e^{z_i} factored out"))
        .then(
            Rewrite(
                kept_product(kept_quotient(e_i, S), kept_quotient(kept_sum(S, -e_i), S)), "fraction split"
            )
        )
        .then(Rewrite(kept_product(kept_quotient(e_i, S), kept_sum(1, -kept_quotient(e_i, S))), "S/S = 1"))
        .then(Rewrite(kept_product(p[i], kept_sum(1, -p[i])), "definition of p_i"))
    )
    different = (
        _quotient_opening(
            Chain("softmax-other-index", Derivative(p[i], z[j]), verifier, conditions=(Ne(i, j),)),
            kept_quotient(e_i, S),
            "definition of p_i with S",
            EvaluateDerivatives(verifier, given=(Ne(i, j),), name="∂e^{z_i}/∂z_j = 0 and ∂S/∂z_j = e^{z_j}"),
        )
        .then(Rewrite(-kept_quotient(kept_product(e_i, e_j), Pow(S, 2)), "0 · S = 0"))
        .then(Rewrite(kept_product(-1, kept_quotient(e_i, S), kept_quotient(e_j, S)), "fraction split"))
        .then(Rewrite(kept_product(-1, p[i], p[j]), "definition of p_i and p_j"))
    )
    combined = Chain("softmax-jacobian", Derivative(p[i], z[j]), verifier).equals(
        kept_product(p[i], kept_sum(KroneckerDelta(i, j), -p[j])), "both cases with the Kronecker delta"
    )
    return (*sum_derivative(verifier), quotient_rule, same, different, combined)


def _chain_rule(verifier: Verifier) -> tuple[Chain, ...]:
    sum_y = Sum(y[j], (j, 1, N))
    results = (
        (Derivative(L, p[i]), -y[i] / p[i]),
        (Derivative(L, p[j]), -y[j] / p[j]),
        (Derivative(p[i], z[i]), kept_product(p[i], kept_sum(1, -p[i]))),
        (Derivative(p[j], z[i]), kept_product(-1, p[j], p[i])),
    )
    chain = (
        Chain("chain-rule", Derivative(L, z[i]), verifier)
        .then(ChainRule(p[j], j, N))
        .then(SplitSum(i))
        .then(Substitute(results, "the derivatives found above"))
        .then(
            Rewrite(
                kept_sum(
                    kept_product(-1, y[i], kept_sum(1, -p[i])),
                    SumExcept(kept_product(y[j], p[i]), (j, 1, N), i),
                ),
                "p_i and p_j cancelled",
            )
        )
        .then(
            Rewrite(
                kept_sum(-y[i], kept_product(y[i], p[i]), kept_product(p[i], SumExcept(y[j], (j, 1, N), i))),
                "expanded, p_i taken out of the sum",
            )
        )
        .then(
            Rewrite(
                kept_sum(-y[i], kept_product(p[i], kept_sum(y[i], SumExcept(y[j], (j, 1, N), i)))),
                "p_i factored out",
            )
        )
        .then(Rewrite(kept_sum(-y[i], kept_product(p[i], sum_y)), "the term j = i joins the sum"))
        .then(ApplyConstraint(sum_y, Integer(1), "the labels sum to 1"), conditions=(Eq(sum_y, 1),))
        .then(Rewrite(kept_sum(p[i], -y[i]), "terms reordered"))
    )
    return (chain,)


@cache  # each entry is written in the Jacobian and again in the chain rule through it
def _jacobian_entry(a: int, b: int) -> Expr:
    """∂p_a/∂z_b by the two cases: p_a(1 − p_a) on the diagonal, −p_a p_b off it."""
    return kept_product(p[a], kept_sum(1, -p[a])) if a == b else kept_product(-1, p[a], p[b])


def _worked_example(verifier: Verifier, n: int) -> tuple[Chain, ...]:
    classes = range(1, n + 1)
    total = kept_sum(*(exp(z[b]) for b in classes))
    softmax = Chain("example-softmax", Matrix([p[a] for a in classes]), verifier).equals(
        Matrix([kept_quotient(exp(z[a]), total) for a in classes]), f"the softmax written out for N = {n}"
    )
    e1, e2 = exp(z[1]), exp(z[2])
    termwise = EvaluateDerivatives(verifier, termwise=True, name="derivatives term by term")

    def opened(name: str, variable: Expr) -> Chain:
        chain = Chain(name, Derivative(p[1], variable), verifier)
        return _quotient_opening(chain, kept_quotient(e1, total), "definition of p_1", termwise)

    same = (
        opened("example-same-index", z[1])
        .then(DropZeros(name="terms without z_1 vanish"))
        .then(
            Rewrite(
                kept_product(kept_quotient(e1, total), kept_quotient(kept_sum(*total.args, -e1), total)),
                "fraction split",
            )
        )
        .then(
            Rewrite(
                kept_product(kept_quotient(e1, total), kept_sum(1, -kept_quotient(e1, total))),
                "a sum divided by itself is 1",
            )
        )
        .then(Rewrite(kept_product(p[1], kept_sum(1, -p[1])), "definition of p_1"))
    )
    other = (
        opened("example-other-index", z[2])
        .then(DropZeros(name="terms without z_2 vanish"))
        .then(Rewrite(kept_product(-1, kept_quotient(e1, total), kept_quotient(e2, total)), "fraction split"))
        .then(Rewrite(kept_product(-1, p[1], p[2]), "definition of p_1 and p_2"))
    )
    jacobian = Chain(
        "example-jacobian", Matrix(n, n, lambda a, b: Derivative(p[a + 1], z[b + 1])), verifier
    ).equals(
        Matrix(n, n, lambda a, b: _jacobian_entry(a + 1, b + 1)),
        "the two cases, entry by entry",
    )
    labels = kept_sum(*(y[b] for b in classes))

    def through(a: int, b: int):
        return kept_product(-kept_quotient(y[b], p[b]), _jacobian_entry(b, a))

    def cancelled(a: int, b: int):
        return kept_product(-1, y[a], kept_sum(1, -p[a])) if a == b else kept_product(y[b], p[a])

    gradient = (
        Chain("example-gradient", Matrix([Derivative(L, z[a]) for a in classes]), verifier)
        .equals(
            Matrix([kept_sum(*(through(a, b) for b in classes)) for a in classes]),
            "chain rule with the Jacobian",
        )
        .equals(Matrix([kept_sum(*(cancelled(a, b) for b in classes)) for a in classes]), "p_j cancelled")
        .equals(
            Matrix([kept_sum(-y[a], kept_product(p[a], labels)) for a in classes]),
            "expanded and p_i factored out",
        )
        .equals(
            Matrix([kept_sum(p[a], -y[a]) for a in classes]),
            "the labels sum to 1",
            conditions=(Eq(labels, 1),),
        )
    )
    return softmax, same, other, jacobian, gradient
