"""The identities of the derivation, asserted with the library's own verifier."""

from __future__ import annotations

import pytest
from sympy import Derivative, Eq, KroneckerDelta, Matrix, Ne, Sum, SympifyError, exp

from derive import IdentityNotProven, assert_identity
from derive.derivations.softmax_ce import L, N, context, i, j, k, p, y, z

SUM_Y = Eq(Sum(y[k], (k, 1, N)), 1)


def definitions(size=N):
    return context(size).definitions


def test_softmax_jacobian_for_symbolic_n():
    proof = assert_identity(
        Derivative(p[i], z[j]), p[i] * (KroneckerDelta(i, j) - p[j]), definitions=definitions(), size=N
    )
    assert proof.method.startswith("symbolic, for all N")


def test_softmax_derivative_cases():
    assert_identity(Derivative(p[i], z[i]), p[i] * (1 - p[i]), definitions=definitions(), size=N)
    assert_identity(Derivative(p[i], z[j]), -p[i] * p[j], [Ne(i, j)], definitions=definitions(), size=N)


def test_gradient_for_symbolic_n():
    proof = assert_identity(Derivative(L, z[i]), p[i] - y[i], [SUM_Y], definitions=definitions(), size=N)
    assert proof.method.startswith("symbolic, for all N")


def test_gradient_needs_the_labels_to_sum_to_one():
    with pytest.raises(IdentityNotProven, match="differ"):
        assert_identity(Derivative(L, z[i]), p[i] - y[i], definitions=definitions(), size=N)


@pytest.mark.parametrize("n", range(2, 7))
def test_gradient_and_jacobian_exactly_for_concrete_n(n):
    classes = range(1, n + 1)
    labels = Eq(sum(y[a] for a in classes), 1)
    gradient = Matrix([Derivative(L, z[a]) for a in classes])
    proof = assert_identity(
        gradient, Matrix([p[a] - y[a] for a in classes]), [labels], definitions=definitions(n)
    )
    assert proof.method.startswith(f"entrywise, {n} entries: exact")
    jacobian = Matrix(n, n, lambda a, b: Derivative(p[a + 1], z[b + 1]))
    expected = Matrix(n, n, lambda a, b: p[a + 1] * (KroneckerDelta(a, b) - p[b + 1]))
    assert_identity(jacobian, expected, definitions=definitions(n))


def test_sum_of_exponentials_has_the_expected_derivative():
    assert_identity(Derivative(Sum(exp(z[k]), (k, 1, N)), z[i]), exp(z[i]), size=N)


def test_refutation_carries_a_concrete_counterexample():
    with pytest.raises(IdentityNotProven) as caught:
        assert_identity(Derivative(p[i], z[j]), p[i] * p[j], [Ne(i, j)], definitions=definitions(), size=N)
    message = str(caught.value)
    assert "N=" in message and "i=" in message and "j=" in message and "z[1]=" in message


def test_a_sympy_failure_is_reported_as_not_proven():
    from sympy import Function, Symbol

    from derive import Verifier

    class Exploding(Function):
        def _eval_derivative(self, variable):
            raise NotImplementedError("no derivative here")

    x = Symbol("x")
    proof = Verifier().prove(Derivative(Exploding(x), x), 0)
    assert not proof.verified and "SymPy could not handle it" in proof.reason


def test_numbers_are_accepted_and_strings_are_not_parsed():
    assert_identity(Derivative(Sum(exp(z[k]), (k, 1, N)), z[i]) - exp(z[i]), 0, size=N)
    with pytest.raises(SympifyError):
        assert_identity("x", 0)


def _jacobian(n: int) -> tuple[Matrix, Matrix]:
    return (
        Matrix(n, n, lambda a, b: Derivative(p[a + 1], z[b + 1])),
        Matrix(n, n, lambda a, b: p[a + 1] * ((1 if a == b else 0) - p[b + 1])),
    )


def test_a_concrete_jacobian_takes_one_proof_per_index_pattern():
    proof = assert_identity(*_jacobian(6), definitions=definitions(6), size=6)
    assert proof.method.startswith("entrywise, 36 entries: exact, as an instance of its index pattern")
    assert "2 index patterns at random instances" in proof.method


@pytest.mark.parametrize(
    ("entry", "wrong"),
    [
        ((2, 4), p[3] * p[5]),  # sign flipped
        ((2, 4), -p[3] * p[4]),  # index swapped: a third index, proven alone
        ((2, 4), -p[5] * p[5]),  # index swapped: a pattern that is not an identity
        ((3, 3), p[4]),  # term dropped
    ],
    ids=["sign", "third index", "wrong pattern", "dropped term"],
)
def test_one_wrong_entry_of_a_concrete_jacobian_is_refuted(entry, wrong):
    lhs, rhs = _jacobian(6)
    rhs[entry] = wrong
    row, col = entry
    with pytest.raises(IdentityNotProven, match=rf"entry \({row + 1}, {col + 1}\).*differ"):
        assert_identity(lhs, rhs, definitions=definitions(6), size=6)


def test_an_entry_true_only_at_its_own_indices_is_proven_alone():
    # y_k = δ_{k2}: y_2 = 1 holds, y_a = 1 does not; the pattern fails and the entry is proven alone.
    from derive.algebra import Definition

    one_hot = (Definition(y[k], KroneckerDelta(k, 2)),)
    proof = assert_identity(Matrix([y[1], y[2], y[3]]), Matrix([0, 1, 0]), definitions=one_hot, size=3)
    assert "index pattern" not in proof.method
