"""Every certificate record is enough to re-check its equation with SymPy alone.

The checker below is deliberately independent of derive: this module imports nothing from
the project. A subprocess writes the certificates (every derivation and route, at its
default --n and one larger); the checker parses them with ``sympy.sympify`` and follows the
protocol of the README's "The certificate", nothing else:

1. Give each size (``sizes``) a value, here the certificate's n.
2. For each value of the ``indices`` that the index conditions (``Eq(i, j)``, ``Ne(i, j)``)
   allow, put the values in; a condition over a ``for_each`` index becomes one per value.
3. Unfold: replace each abbreviation by its definition, in order; evaluate a derivative with
   respect to an abbreviation (∂L/∂p_j) while that abbreviation is still a variable.
4. Use each remaining condition to eliminate one quantity (the last term of Σ_k y_k = 1).
5. The difference of the sides is zero at random points (30 digits), or simplifies to zero
   where unknown functions (f, g of the quotient rule) remain.
"""

from __future__ import annotations

import itertools
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
import sympy
from sympy import Derivative, Eq, Indexed, Sum, diff
from sympy.core.function import AppliedUndef

ROOT = Path(__file__).resolve().parents[1]
#: Writes every certificate with derive's library, in its own process: this module imports
#: nothing from derive.
_WRITER = """
import json, sys
from derive.derivations import REGISTRY
from derive.pipeline import prove_derivation
certificates = {}
for derivation in REGISTRY.values():
    for route in derivation.routes:
        for n in sorted({derivation.default_n, min(derivation.default_n + 1, derivation.max_n)}):
            proven = prove_derivation(derivation.name, n, route.name)
            certificates[f"{derivation.name} {route.name} {n}"] = json.loads(proven.certificate)
json.dump(certificates, sys.stdout)
"""


@pytest.fixture(scope="module")
def certificates() -> dict[str, dict]:
    written = subprocess.run(
        [sys.executable, "-c", _WRITER], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return json.loads(written.stdout)


# -- the independent checker -----------------------------------------------------------------


def _head(name):
    """What a definition defines: the symbol L, the family p of p[k], the function σ of σ(x)."""
    if isinstance(name, Indexed):
        return name.base
    return name.func if isinstance(name, AppliedUndef) else name


def _instance(definition, atom):
    """The definition's value at ``atom``, or None if it does not define ``atom``."""
    name = definition.lhs
    if isinstance(name, Indexed):
        if not (isinstance(atom, Indexed) and atom.base == name.base):
            return None
        return definition.rhs.xreplace(dict(zip(name.indices, atom.indices, strict=True)))
    if isinstance(name, AppliedUndef):
        if not (isinstance(atom, AppliedUndef) and atom.func == name.func):
            return None
        return definition.rhs.xreplace(dict(zip(name.args, atom.args, strict=True)))
    return definition.rhs if atom == name else None


def _written_out(expr):
    """Every sum with numbers for bounds written out as its terms, one term per value.

    By hand: SymPy's ``Sum.doit`` takes ∂L/∂p_j out of a sum over j as if it were constant.
    """

    def terms(total):
        function = total.function
        for variable, lower, upper in reversed(total.limits):
            function = sympy.Add(*(function.xreplace({variable: v}) for v in range(lower, upper + 1)))
        return function

    return expr.replace(
        lambda e: isinstance(e, Sum) and all(b.is_Integer for _, *bs in e.limits for b in bs), terms
    )


def _unfold(expr, definitions, held=frozenset()):
    if isinstance(expr, Derivative):
        heads = {_head(d.lhs) for d in definitions for v in expr.variables if _instance(d, v) is not None}
        inner = _written_out(_unfold(expr.expr, definitions, held | heads))
        derivative = diff(inner, *expr.variables)
        # What is left unevaluated is a derivative of an unknown function: f'(x) stays f'(x).
        return derivative if derivative.has(Derivative) else _unfold(derivative, definitions, held)
    for definition in definitions:
        value = _instance(definition, expr)
        if value is not None and _head(definition.lhs) not in held:
            return _unfold(_written_out(value), definitions, held)
    if not expr.args or isinstance(expr, Indexed):
        return expr
    return expr.func(*[_unfold(a, definitions, held) for a in expr.args])


def _put(expr, values):
    """``values`` put in for free symbols only: a sum's own variable is left alone."""
    if not values or not expr.args:
        return values.get(expr, expr)
    if isinstance(expr, Sum):
        bound = {variable for variable, *_ in expr.limits}
        inner = {s: v for s, v in values.items() if s not in bound}
        limits = [
            (variable, _put(lower, values), _put(upper, values)) for variable, lower, upper in expr.limits
        ]
        return Sum(_put(expr.function, inner), *limits)
    return expr.func(*(_put(a, values) for a in expr.args))


def _at_case(definition, case):
    own = definition.lhs.indices if isinstance(definition.lhs, Indexed) else ()
    return Eq(definition.lhs, _put(definition.rhs, {i: v for i, v in case.items() if i not in own}))


def _eliminate(expr, condition):
    """``condition`` used to write its last term through the others: y_3 = 1 − y_1 − y_2."""
    total = _written_out(condition.lhs) - condition.rhs
    atoms = sorted(total.atoms(Indexed), key=sympy.default_sort_key)
    if not atoms:
        return expr
    last = atoms[-1]
    coefficient = total.coeff(last)
    return expr.xreplace({last: -(total - coefficient * last) / coefficient})


def _holds(difference, rng) -> bool:
    if difference.atoms(AppliedUndef):
        return sympy.simplify(difference) == 0
    atoms = sorted(difference.atoms(Indexed) | difference.free_symbols, key=sympy.default_sort_key)
    # Positive values: a quantity that is not defined here may sit inside a logarithm.
    point = {a: sympy.Rational(rng.randint(1, 29), 10) for a in atoms if not isinstance(a, sympy.IndexedBase)}
    # doit: a value may still hold an unevaluated part (erf of a product written unevaluated).
    value = sympy.N(difference.xreplace(point).doit(), 30)
    try:
        return abs(complex(value)) < 1e-20  # complex(): also a zero with no digits left (0.e-166)
    except TypeError:  # not a number at this point: not re-checked
        return False


def recheck(record, n) -> list[str]:
    """The cases at which ``record`` does not hold (none: it is re-checked)."""
    parse = sympy.sympify
    sizes = {parse(s): n for s in record["sizes"]}
    lhs, rhs = (parse(record[side]).xreplace(sizes) for side in ("lhs", "rhs"))
    conditions = [parse(c).xreplace(sizes) for c in record["conditions"]]
    definitions = [parse(d).xreplace(sizes) for d in record["definitions"]]
    indices = [parse(r).xreplace(sizes) for r in record["indices"]]
    for_each = [parse(r).xreplace(sizes) for r in record["for_each"]]
    pairs = list(zip(lhs, rhs, strict=True)) if isinstance(lhs, sympy.MatrixBase) else [(lhs, rhs)]
    names = [index for index, _, _ in indices]
    ranges = [range(int(lower), int(upper) + 1) for _, lower, upper in indices]
    rng = random.Random(1)
    failures = []
    for values in itertools.product(*ranges):
        case = dict(zip(names, (sympy.Integer(v) for v in values), strict=True))
        # An index free in a definition (the true class r of y_k = δ_kr) takes its value there
        # too; the definition's own indices (k of y_k) stand for every member.
        defined = [_at_case(d, case) for d in definitions]
        given = [_put(c, case) for c in conditions]
        # An index condition is settled by the case (i = j, i ≠ j, i = 3): SymPy says true or false.
        if any(c is sympy.false for c in given):
            continue
        constraints = []
        for c in given:
            if c is sympy.true or not isinstance(c, Eq):
                continue
            quantified = [(i, lo, up) for i, lo, up in for_each if i in c.free_symbols]
            for each in itertools.product(*(range(int(lo), int(up) + 1) for _, lo, up in quantified)):
                constraints.append(c.xreplace({i: v for (i, _, _), v in zip(quantified, each, strict=True)}))
        for left, right in pairs:
            difference = _written_out(_unfold(_written_out(_put(left - right, case)), defined))
            for constraint in constraints:
                difference = _eliminate(difference, constraint)
            if not _holds(difference, rng):
                failures.append(f"({record['tag']}) at {case}")
    return failures


# -- the tests -------------------------------------------------------------------------------


def test_the_certificates_cover_every_derivation_route_and_a_larger_n(certificates):
    assert len(certificates) >= 2 * 9
    assert all(c["format"] == 2 for c in certificates.values())
    assert {c["derivation"] for c in certificates.values()} >= {"softmax-ce", "rnn-output"}


def test_every_record_of_every_certificate_rechecks_independently(certificates):
    failures = []
    for key, certificate in certificates.items():
        records = certificate["equations"]
        assert [r["tag"] for r in records] == list(range(1, len(records) + 1)), key
        for record in records:
            assert record["verified"] and record["method"] and record["rule"]
            failures += [f"{key} {f}" for f in recheck(record, certificate["n"])]
    assert not failures


def test_records_are_plain_sympy(certificates):
    """Only SymPy's own names: none of derive's classes (Gradient, ForEach, …) can appear."""
    import re

    for certificate in certificates.values():
        for record in certificate["equations"]:
            for text in (record["lhs"], record["rhs"], *record["conditions"], *record["definitions"]):
                for name in re.findall(r"([A-Za-z_]+)\(", text):
                    assert hasattr(sympy, name), (name, record["tag"])


def test_a_broken_record_is_caught(certificates):
    """The checker can fail: a sign flipped, a definition dropped, a condition dropped."""
    certificate = certificates["softmax-ce quotient 3"]
    result = next(r for r in certificate["equations"] if r["conditions"] and r["definitions"])
    flipped = result | {"rhs": sympy.srepr(-sympy.sympify(result["rhs"]))}
    assert recheck(flipped, 3)
    assert recheck(result | {"conditions": []}, 3)
    jacobian = certificates["softmax-jacobian default 3"]["equations"]
    symmetric = next(r for r in jacobian if "J" in r["lhs"] and r["definitions"] and not r["conditions"])
    assert not recheck(symmetric, 3)
    assert recheck(symmetric | {"definitions": []}, 3)


def test_a_condition_for_each_step_is_plain_sympy(certificates):
    records = certificates["rnn-output default 2"]["equations"]
    each = [r for r in records if r["for_each"]]
    assert each, "the labels of every time step sum to one"
    for record in each:
        (tau, _, _) = sympy.sympify(record["for_each"][0])
        assert any(tau in sympy.sympify(c).free_symbols for c in record["conditions"])


def test_matrix_statements_of_symbolic_size_are_generic_entries(certificates):
    records = certificates["softmax-jacobian default 3"]["equations"]
    for record in records:
        for text in (record["lhs"], record["rhs"]):
            assert "MatrixSymbol" not in text, record["tag"]
    uses_j = [r for r in records if "IndexedBase(Symbol('J'))" in r["lhs"]]
    assert uses_j and all(
        any(d.startswith("Equality(Indexed(IndexedBase(Symbol('J'))") for d in r["definitions"])
        for r in uses_j
    )
