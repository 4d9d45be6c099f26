"""Entries proven as relabellings of a proven entry: used where sound, refused elsewhere."""

from __future__ import annotations

from sympy import Derivative, Eq, Function, Integer, Matrix, Sum, Symbol, exp, log

from derive.algebra import Context, Definition
from derive.derivations.softmax_ce import L, context, k, p, y, z
from derive.symmetry import relabelling
from derive.verify import RELABELLING_METHOD, Verifier

N = 8
CLASSES = range(1, N + 1)
LABELS = Eq(sum(y[a] for a in CLASSES), 1)


def _expanded(a: int):
    """∂L/∂z_a = −y_a + p_a Σ_b y_b: every class occurs in it, so no index pattern covers it."""
    return -y[a] + p[a] * sum(y[b] for b in CLASSES)


def _gradient(entry=_expanded):
    return Matrix([Derivative(L, z[a]) for a in CLASSES]), Matrix([entry(a) for a in CLASSES])


def test_the_gradient_at_eight_classes_is_proven_mostly_by_relabelling():
    proof = Verifier(context(Integer(N))).prove(*_gradient(), (LABELS,))
    assert proof.verified, proof.explain()
    assert RELABELLING_METHOD in proof.method
    assert "numeric check of" in proof.method  # the sampled entries are still proven in full


def test_a_wrong_entry_between_the_sampled_ones_is_caught():
    # Entry 2 is never sampled by the numeric look (entries 1, 3, 5, 7 are); it is wrong.
    lhs, rhs = _gradient(lambda a: _expanded(a) if a != 2 else _expanded(a) + y[a])
    proof = Verifier(context(Integer(N))).prove(lhs, rhs, (LABELS,))
    assert not proof.verified
    assert "entry (2, 1)" in proof.reason


def test_an_entry_that_relabels_the_wrong_classes_is_caught():
    # −y_3 + p_4 Σ y is entry 1 relabelled by no permutation: it is proven alone, and fails.
    lhs, rhs = _gradient(lambda a: _expanded(a) if a != 4 else _expanded(4).xreplace({y[4]: y[3]}))
    proof = Verifier(context(Integer(N))).prove(lhs, rhs, (LABELS,))
    assert not proof.verified and "entry (4, 1)" in proof.reason


def test_a_condition_on_one_class_is_not_symmetric():
    # y_1 = 1 (and the others 0) singles class 1 out: no entry may be read off another.
    only_first = (Eq(y[1], 1), *(Eq(y[a], 0) for a in CLASSES if a != 1))
    proof = Verifier(context(Integer(N))).prove(*_gradient(), only_first)
    assert proof.verified and RELABELLING_METHOD not in proof.method


def _sides(a: int):
    return Derivative(L, z[a]), _expanded(a)


def test_relabelling_maps_one_entry_onto_another():
    sigma = relabelling(context(Integer(N)), (), _sides(1), _sides(5))
    assert sigma is not None and sigma[1] == 5 and sigma[5] == 1


def test_a_sum_over_part_of_the_classes_is_not_symmetric():
    partial = Context(
        (
            Definition(L, -Sum(y[k] * log(p[k]), (k, 1, 3))),
            Definition(p[Symbol("i", integer=True)], exp(z[Symbol("i", integer=True)]) / Symbol("S")),
            Definition(Symbol("S"), Sum(exp(z[k]), (k, 1, N)), opaque=True),
        ),
        Integer(N),
    )
    assert relabelling(partial, (), _sides(1), _sides(5)) is None


def test_a_definition_naming_a_class_is_not_symmetric():
    first = Context((*context(Integer(N)).definitions, Definition(Symbol("u"), z[1])), Integer(N))
    assert relabelling(first, (), _sides(1), _sides(5)) is None


def test_a_condition_changed_by_the_relabelling_is_refused():
    constraints = ((y[1], Integer(1)),)
    assert relabelling(context(Integer(N)), constraints, _sides(1), _sides(5)) is None


def test_a_class_number_used_as_a_number_is_not_symmetric():
    # L = Σ_k k·y_k weighs each class by its number: relabelling changes it. ∂L/∂y_a = a, so
    # ∂L/∂y_2 = 1 is false, though it is ∂L/∂y_1 = 1 with the classes 1 and 2 swapped; entry 2
    # is never sampled by the numeric look.
    weighted = Context((Definition(L, Sum(k * y[k], (k, 1, N))),), Integer(N))
    lhs = Matrix([Derivative(L, y[a]) for a in CLASSES])
    wrong = Verifier(weighted).prove(lhs, Matrix([1 if a == 2 else a for a in CLASSES]))
    assert not wrong.verified and "entry (2, 1)" in wrong.reason
    assert Verifier(weighted).prove(lhs, Matrix(list(CLASSES))).verified
    assert relabelling(weighted, (), (Derivative(L, y[1]), 1), (Derivative(L, y[2]), 1)) is None


def test_a_family_used_as_a_whole_is_not_symmetric():
    g = Function("g")
    whole = Context((Definition(L, g(y)),), Integer(N))
    assert relabelling(whole, (), (Derivative(L, y[1]), 1), (Derivative(L, y[2]), 1)) is None


def test_entries_with_unknown_functions_are_proven_entry_by_entry():
    f = Function("f")
    lhs = Matrix([Derivative(f(z[a]), z[a]) for a in CLASSES])
    rhs = Matrix([Derivative(f(z[a]), z[a]) for a in CLASSES])
    assert Verifier(context(Integer(N))).prove(lhs, rhs).verified


def test_a_condition_whose_value_names_a_class_is_refused():
    constraints = ((sum(y[a] for a in CLASSES), y[1]),)
    assert relabelling(context(Integer(N)), constraints, _sides(1), _sides(5)) is None
    labels = ((sum(y[a] for a in CLASSES), Integer(1)),)
    assert relabelling(context(Integer(N)), labels, _sides(1), _sides(5))
