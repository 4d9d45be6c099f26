"""The softmax Jacobian: ∂p_i/∂z_j = p_i(δ_ij − p_j), J = diag(p) − p pᵀ, and what follows.

The entrywise derivative is softmax-ce's own route (the quotient rule, case i = j and i ≠ j,
one formula with the Kronecker delta). Its matrix form J = diag(p) − p pᵀ is proven at a
generic entry, and with it three properties: J = Jᵀ; J 1 = 0, since the probabilities sum to
one; and 1ᵀ J = 0ᵀ, so 1 is in the null space of J from the left. p is not:
pᵀ J = pᵀ diag(p) − (pᵀ p) pᵀ, and the verifier refutes pᵀ J = 0ᵀ with a counterexample.
A worked example writes out the n×n Jacobian and checks each property exactly.
"""

from __future__ import annotations

from sympy import (
    Derivative,
    Eq,
    Expr,
    Float,
    ImmutableMatrix,
    IndexedBase,
    Integer,
    KroneckerDelta,
    Ne,
    Pow,
    Rational,
    Sum,
    exp,
    zeros,
)
from sympy.matrices.expressions import (
    DiagMatrix,
    MatAdd,
    MatMul,
    MatrixSymbol,
    OneMatrix,
    Transpose,
    ZeroMatrix,
)

from derive.algebra import Context, Definition
from derive.derivations.softmax_ce import (
    N,
    S,
    _jacobian_entry,
    _softmax_derivative,
    _worked_example,
    context,
    i,
    j,
    k,
    p,
    reciprocal,
    softmax_chain,
    z,
)
from derive.document import Document
from derive.steps import Chain, Rewrite, Substitute, kept_product, kept_quotient, kept_sum
from derive.verify import Verifier

J = IndexedBase("J")
#: The vectors and matrices of the general statements, N×1 and N×N.
p_vector, jacobian, ones = MatrixSymbol("p", N, 1), MatrixSymbol("J", N, N), OneMatrix(N, 1)
OUTER = MatMul(p_vector, p_vector.T, evaluate=False)
#: J = diag(p) − p pᵀ, the result in matrix form.
MATRIX_FORM = MatAdd(DiagMatrix(p_vector), -OUTER, evaluate=False)
#: The statements about J, as (left side, right side); ``FALSE_LEFT_NULL`` is refuted.
SYMMETRIC = (Transpose(jacobian), jacobian)
ROWS_SUM_TO_ZERO = (MatMul(jacobian, ones), ZeroMatrix(N, 1))
ONES_LEFT_NULL = (MatMul(Transpose(ones), jacobian), Transpose(ZeroMatrix(N, 1)))
FALSE_LEFT_NULL = (MatMul(p_vector.T, jacobian), Transpose(ZeroMatrix(N, 1)))


def jacobian_context(size) -> Context:
    """softmax-ce's definitions, and the Jacobian J_ij := ∂p_i/∂z_j."""
    softmax = context(size)
    return Context((*softmax.definitions, Definition(J[i, j], Derivative(p[i], z[j]))), size)


def build(n: int) -> Document:
    """The Jacobian for N classes, its properties, and the worked example for ``n`` classes."""
    general = Verifier(jacobian_context(N))
    chains = (softmax_chain(general), *_softmax_derivative(general), _probabilities_sum(general))
    chains += _matrix_form(general) + _properties(general)
    chains += _worked_example_chains(Verifier(jacobian_context(Integer(n))), n)
    return Document(
        derivation="softmax-jacobian",
        chains=chains,
        roles={"logits": z.label, "probs": p.label, "classes": N},
        math={
            "N": N,
            "S": S,
            "n": Integer(n),
            "z_i": z[i],
            "z_j": z[j],
            "p_i": p[i],
            "J": jacobian,
            "J_ij": J[i, j],
            "p": p_vector,
            "ones": ones,
            # Shown as the tempting claim that the prose then refutes.
            "false_left_null": Eq(*FALSE_LEFT_NULL, evaluate=False),
            "z_1": z[1],
            "i_eq_j": Eq(i, j, evaluate=False),
            "i_ne_j": Ne(i, j, evaluate=False),
            "p_11": Derivative(p[1], z[1]),
            "p_12": Derivative(p[1], z[2]),
        }
        | _refutation(general),
    )


def _probabilities_sum(verifier: Verifier) -> Chain:
    """Σ_k p_k = 1: each p_k is e^{z_k}/S, and S is the sum of the e^{z_k}."""
    return (
        Chain("probabilities-sum", Sum(p[k], (k, 1, N)), verifier)
        .then(Substitute(((p[k], kept_quotient(exp(z[k]), S)),), "definition of p_k with S"))
        .then(Rewrite(kept_product(reciprocal(S), Sum(exp(z[k]), (k, 1, N))), "1/S taken out of the sum"))
        .then(Rewrite(kept_quotient(S, S), "definition of S"))
        .then(Rewrite(Integer(1), "S/S = 1"))
    )


def _matrix_form(verifier: Verifier) -> tuple[Chain, ...]:
    # J_ij := ∂p_i/∂z_j in the context; the post states its value, which derive check can read.
    entry = Chain("jacobian-entry", J[i, j], verifier).equals(
        kept_product(p[i], kept_sum(KroneckerDelta(i, j), -p[j])), "the softmax derivative"
    )
    matrix = Chain("jacobian-matrix", jacobian, verifier).equals(
        MATRIX_FORM, "entry (i, j) is p_i δ_ij − p_i p_j"
    )
    return entry, matrix


def _properties(verifier: Verifier) -> tuple[Chain, ...]:
    diagonal = DiagMatrix(p_vector)
    symmetric = (
        Chain("jacobian-symmetric", SYMMETRIC[0], verifier)
        .equals(Transpose(MATRIX_FORM), "the matrix form")
        .equals(
            MatAdd(Transpose(diagonal), MatMul(-1, Transpose(OUTER), evaluate=False), evaluate=False),
            "the transpose of a difference",
        )
        .equals(MATRIX_FORM, "a diagonal matrix is its own transpose, and (p pᵀ)ᵀ = p pᵀ")
        .equals(SYMMETRIC[1], "the matrix form")
    )
    sum_of_p = MatMul(p_vector.T, ones, evaluate=False)
    rows = (
        Chain("jacobian-row-sums", ROWS_SUM_TO_ZERO[0], verifier)
        .equals(MatMul(MATRIX_FORM, ones, evaluate=False), "the matrix form")
        .equals(
            MatAdd(
                MatMul(diagonal, ones, evaluate=False),
                MatMul(-1, p_vector, sum_of_p, evaluate=False),
                evaluate=False,
            ),
            "multiplied out",
        )
        .equals(MatAdd(p_vector, MatMul(-1, p_vector, evaluate=False), evaluate=False), "Σ_k p_k = 1")
        .equals(ROWS_SUM_TO_ZERO[1], "p − p = 0")
    )
    left = (
        Chain("jacobian-left-null", ONES_LEFT_NULL[0], verifier)
        .equals(MatMul(Transpose(ones), Transpose(jacobian), evaluate=False), "J is symmetric")
        .equals(Transpose(ROWS_SUM_TO_ZERO[0]), "(J 1)ᵀ = 1ᵀ Jᵀ")
        .equals(ONES_LEFT_NULL[1], "the rows of J sum to 0")
    )
    p_left = (
        Chain("p-times-jacobian", FALSE_LEFT_NULL[0], verifier)
        .equals(MatMul(p_vector.T, MATRIX_FORM, evaluate=False), "the matrix form")
        .equals(
            MatAdd(
                MatMul(p_vector.T, diagonal, evaluate=False),
                MatMul(-1, MatMul(p_vector.T, p_vector, evaluate=False), p_vector.T, evaluate=False),
                evaluate=False,
            ),
            "multiplied out",
        )
    )
    squares = Sum(Pow(p[i], 2), (i, 1, N))
    p_entry = (
        Chain("p-times-jacobian-entry", Sum(kept_product(p[i], J[i, j]), (i, 1, N)), verifier)
        .equals(
            Sum(kept_product(Pow(p[i], 2), kept_sum(KroneckerDelta(i, j), -p[j])), (i, 1, N)),
            "the softmax derivative",
        )
        .equals(kept_sum(Pow(p[j], 2), -kept_product(p[j], squares)), "δ_ij keeps the term i = j")
        .equals(kept_product(p[j], kept_sum(p[j], -squares)), "p_j factored out")
    )
    return symmetric, rows, left, p_left, p_entry


def _refutation(verifier: Verifier) -> dict[str, Expr]:
    """The verifier's counterexample to pᵀ J = 0ᵀ, for the prose: the case and the value found."""
    proof = verifier.prove(*FALSE_LEFT_NULL)
    if proof.verified or proof.counterexample is None:
        raise AssertionError(f"pᵀ J = 0ᵀ was expected to be refuted: {proof.explain()}")
    found = proof.counterexample
    logits = ImmutableMatrix([[Rational(value) for _, value in sorted(found.values.items())]])
    (entry,) = found.indices.values()
    return {
        "refuted_n": Integer(found.size),
        "refuted_z": Eq(Transpose(MatrixSymbol("z", found.size, 1)), logits, evaluate=False),
        "refuted_entry": Integer(entry),
        "refuted_value": Float(found.lhs, 6),
    }


def _worked_example_chains(verifier: Verifier, n: int) -> tuple[Chain, ...]:
    """softmax-ce's worked example up to the n×n Jacobian, then each property written out."""
    reused = {chain.name: chain for chain in _worked_example(verifier, n)}
    opening = tuple(reused[name] for name in ("example-softmax", "example-same-index", "example-other-index"))
    classes = range(1, n + 1)
    written = ImmutableMatrix(n, n, lambda a, b: _jacobian_entry(a + 1, b + 1))
    transposed = ImmutableMatrix(n, n, lambda a, b: _jacobian_entry(b + 1, a + 1))
    everything = kept_sum(*(p[c] for c in classes))
    total = kept_sum(*(exp(z[c]) for c in classes))

    symmetric = (
        Chain("example-symmetric", Transpose(written), verifier)
        .equals(transposed, "entry (i, j) taken from (j, i)")
        .equals(written, "p_j p_i = p_i p_j")
    )
    probabilities = (
        Chain("example-probabilities-sum", everything, verifier)
        .equals(
            kept_sum(*(kept_quotient(exp(z[c]), total) for c in classes)),
            f"the softmax written out for N = {n}",
        )
        .equals(kept_quotient(total, total), "one denominator")
        .equals(Integer(1), "a sum divided by itself is 1")
    )

    def row_sums(matrix: ImmutableMatrix) -> ImmutableMatrix:
        return ImmutableMatrix([kept_sum(*(matrix[a, b] for b in range(n))) for a in range(n)])

    ones_n = ImmutableMatrix([1] * n)
    rows = (
        Chain("example-row-sums", MatMul(written, ones_n, evaluate=False), verifier)
        .equals(row_sums(written), "each row added up")
        .equals(
            ImmutableMatrix([kept_product(p[a], kept_sum(1, *(-p[c] for c in classes))) for a in classes]),
            "p_i factored out",
        )
        .equals(ImmutableMatrix(zeros(n, 1)), "the probabilities sum to 1")
    )
    left = (
        Chain("example-left-null", MatMul(ones_n.T, written, evaluate=False), verifier)
        .equals(row_sums(written.T).T, "each column added up")
        .equals(ImmutableMatrix(zeros(1, n)), "the columns are the rows: they sum to 0")
    )
    squares = kept_sum(*(Pow(p[c], 2) for c in classes))
    p_left = Chain(
        "example-p-times-jacobian",
        MatMul(ImmutableMatrix([[p[c] for c in classes]]), written, evaluate=False),
        verifier,
    ).equals(
        ImmutableMatrix([[kept_product(p[b], kept_sum(p[b], -squares)) for b in classes]]),
        "entry j is p_j (p_j − Σ_k p_k²)",
    )
    return (*opening, reused["example-jacobian"], symmetric, probabilities, rows, left, p_left)
