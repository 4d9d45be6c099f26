"""The certificate: one JSON record per numbered equation, enough to re-check it with SymPy alone.

Every record is written in plain SymPy, with none of derive's own classes, so that an
independent program can load it with ``sympy.sympify`` and nothing else:

* ``lhs`` and ``rhs`` are the two sides. A statement about matrices of symbolic size
  (J = diag(p) − p pᵀ) is written as its generic entry (a, b) in index notation (``J[a, b]``,
  ``p[a]``, sums over ``1..N``), and a matrix expression of concrete size as an explicit
  ``Matrix`` of such entries.
* ``conditions`` are relations (``Eq``, ``Ne``). A condition "for each τ" is the relation
  with τ free (``Eq(Sum(y[τ, k], (k, 1, N)), 1)``): it holds at every τ of its range.
* ``definitions`` are ``Eq(abbreviation, expression)`` for every abbreviation the equation
  uses, in the order to apply them; an indexed one (``p[k]``) stands for every member of its
  family, a function's (``σ(x)``) for the function at every argument.
* ``indices`` gives ``Tuple(index, 1, upper)`` for every free index of the equation (of its
  sides, its conditions, or its definitions, like the true class r of ``y[k] = δ(k, r)``):
  the equation holds at every value of them that its conditions allow.
* ``for_each`` gives ``Tuple(τ, lower, upper)`` for the index of a condition "for each τ".
* ``sizes`` are the symbolic sizes (N, T, …): the equation holds at every positive value.

See the README's "The certificate" for the protocol of a re-check.
"""

from __future__ import annotations

from sympy import (
    Basic,
    Dummy,
    Eq,
    ImmutableMatrix,
    Indexed,
    Integer,
    MatrixBase,
    Ne,
    Symbol,
    Tuple,
    srepr,
    sympify,
)

from derive import __version__
from derive.algebra import index_symbols
from derive.document import ProvenEquation, standard
from derive.matrices import as_indexed, generic_entry, is_matrix_form
from derive.verify import ForEach

#: The version of the record layout below; a re-checker can refuse one it does not know.
FORMAT = 2


def record(equation: ProvenEquation) -> dict:
    """One equation's record, in plain SymPy (see the module docstring for its fields)."""
    lhs, rhs = standard(equation.lhs), standard(equation.rhs)
    context = equation.context
    ranges: dict[Symbol, tuple[Basic, Basic]] = {}
    if is_matrix_form(lhs) or is_matrix_form(rhs):
        lhs, rhs, ranges = _as_entries(lhs, rhs)
    conditions, for_each = [], {}
    for condition in equation.conditions:
        plain, quantified = _plain_condition(standard(condition), lhs, rhs)
        conditions.append(plain)
        for_each.update(quantified)
    sides = _entries(lhs) + _entries(rhs)
    definitions = context.used_by(*sides, *conditions)
    free = set(index_symbols(*sides, *conditions)) | context.parameters(*sides)
    for index in sorted(free - set(ranges) - set(for_each) - set(context.sizes), key=str):
        upper = context.upper(index)
        if upper is not None:
            ranges[index] = (Integer(1), upper)
    everything = [*sides, *conditions, *(d.as_eq() for d in definitions)]
    own = {i for d in definitions if isinstance(d.name, Indexed) for i in d.name.indices}
    known = set(ranges) | set(for_each) | own
    sizes = {s for e in everything for s in e.free_symbols if isinstance(s, Symbol) and s.is_integer}
    sizes -= known
    sizes |= {s for bounds in (*ranges.values(), *for_each.values()) for b in bounds for s in b.free_symbols}
    return {
        "tag": equation.tag,
        "lhs": srepr(lhs),
        "rhs": srepr(rhs),
        "conditions": [srepr(c) for c in conditions],
        "definitions": [srepr(d.as_eq()) for d in definitions],
        "indices": _ranges(ranges),
        "for_each": _ranges(for_each),
        "sizes": [srepr(s) for s in sorted(sizes, key=str)],
        "rule": equation.rule,
        "method": equation.proof.method,
        "verified": equation.proof.verified,
    }


def _ranges(ranges: dict[Symbol, tuple[Basic, Basic]]) -> list[str]:
    return [srepr(Tuple(index, *ranges[index])) for index in sorted(ranges, key=str)]


def _entries(expr: Basic) -> list[Basic]:
    return list(expr) if isinstance(expr, MatrixBase) else [expr]


def _as_entries(lhs: Basic, rhs: Basic) -> tuple[Basic, Basic, dict]:
    """Both sides as entries in index notation, with the range of each generic index."""
    rows, cols = (sympify(size) for size in lhs.shape)
    if rows.is_Integer and cols.is_Integer:
        left, right = (_plain_names(_explicit(e).applyfunc(as_indexed)) for e in (lhs, rhs))
        return left, right, {}
    taken = {str(s) for e in (lhs, rhs) for s in e.free_symbols}
    letters = [name for name in "abcdefgh" if name not in taken]
    row, col = (Symbol(name, integer=True, positive=True) for name in letters[:2])
    entries = tuple(_plain_names(generic_entry(e, row, col)) for e in (lhs, rhs))
    ranges = {index: (Integer(1), size) for index, size in ((row, rows), (col, cols)) if size != 1}
    return (*entries, ranges)


def _explicit(matrix: Basic) -> ImmutableMatrix:
    return ImmutableMatrix(matrix) if isinstance(matrix, MatrixBase) else matrix.as_explicit()


def _plain_names(expr: Basic) -> Basic:
    """SymPy's dummies (the k of a matrix product's sum) as symbols: the same text every run."""
    if isinstance(expr, MatrixBase):
        return expr.applyfunc(_plain_names)
    # Every name in it, bound ones too: a renamed dummy must not capture a sum's own k.
    taken = {s.name for s in expr.atoms(Symbol)}
    renamed = {}
    for dummy in sorted(expr.atoms(Dummy), key=lambda d: d.name):
        name = "k"
        while name in taken:
            name += "'"
        taken.add(name)
        renamed[dummy] = Symbol(name, **dummy.assumptions0)
    return expr.xreplace(renamed)


def _plain_condition(condition: Basic, lhs: Basic, rhs: Basic) -> tuple[Basic, dict]:
    """A condition in plain SymPy, and the range of an index it holds for each value of."""
    if not isinstance(condition, ForEach):
        if not isinstance(condition, (Eq, Ne)):
            raise TypeError(f"a certificate records relations, not {condition}")
        return condition, {}
    index, lower, upper = condition.limits
    relation = condition.relation
    free = {s.name for e in (*_entries(lhs), *_entries(rhs)) for s in e.free_symbols}
    if index.name in free:  # the sides' own index would take one value only: name it afresh
        name = index.name
        while name in free:
            name += "'"
        fresh = Symbol(name, **index.assumptions0)
        relation, index = relation.xreplace({index: fresh}), fresh
    return relation, {index: (lower, upper)}


def certificate(derivation: str, n: int, equations: tuple[ProvenEquation, ...], *, route: str) -> dict:
    return {
        "format": FORMAT,
        "derivation": derivation,
        "route": route,
        "n": n,
        "generator": f"derive {__version__}",
        "equations": [record(e) for e in equations],
    }
