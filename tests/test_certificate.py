"""A certificate record is enough to re-check its equation with SymPy alone.

The checker below is deliberately independent of derive: it imports nothing from the
project, parses the srepr strings, applies the definitions as the certificate's docstring
says, and compares both sides numerically for every index case at N = 3.
"""

from __future__ import annotations

import itertools
import json
import random

import sympy
from conftest import GOLDEN_DATE
from sympy import Derivative, Eq, Indexed, Ne, Sum, Symbol, diff
from sympy.core.function import AppliedUndef

from derive.pipeline import generate


def _matches(name, atom):
    if isinstance(name, Indexed):
        return isinstance(atom, Indexed) and atom.base == name.base
    if isinstance(name, AppliedUndef):  # σ(u) = … stands for σ at every argument
        return isinstance(atom, AppliedUndef) and atom.func == name.func
    return atom == name


def _head(name):
    if isinstance(name, Indexed):
        return name.base
    return name.func if isinstance(name, AppliedUndef) else name


def _unfold(expr, definitions, held=frozenset()):
    if isinstance(expr, Derivative):
        heads = {_head(d.lhs) for d in definitions for v in expr.variables if _matches(d.lhs, v)}
        inner = _unfold(expr.expr, definitions, held | heads)
        derivative = diff(inner, *expr.variables)
        # What is left unevaluated is a derivative of an unknown function: f'(x) stays f'(x).
        return derivative if derivative.has(Derivative) else _unfold(derivative, definitions, held)
    for definition in definitions:
        if _matches(definition.lhs, expr) and _head(definition.lhs) not in held:
            value = definition.rhs
            if isinstance(definition.lhs, Indexed):
                value = value.xreplace(dict(zip(definition.lhs.indices, expr.indices, strict=True)))
            if isinstance(definition.lhs, AppliedUndef):
                value = value.xreplace(dict(zip(definition.lhs.args, expr.args, strict=True)))
            return _unfold(value, definitions, held)
    if not expr.args or isinstance(expr, Indexed):
        return expr
    return expr.func(*[_unfold(a, definitions, held) for a in expr.args])


def _recheck(record, n=3):
    parse = sympy.sympify
    lhs, rhs = parse(record["lhs"]), parse(record["rhs"])
    size = Symbol("N", integer=True, positive=True)
    definitions = [parse(d).xreplace({size: n}) for d in record["definitions"]]
    conditions = [parse(c).xreplace({size: n}) for c in record["conditions"]]
    pairs = list(zip(lhs, rhs, strict=True)) if isinstance(lhs, sympy.MatrixBase) else [(lhs, rhs)]
    everything = [e for pair in pairs for e in pair] + conditions
    bound = {limit[0] for e in everything for total in e.atoms(Sum) for limit in total.limits}
    used = {
        symbol
        for e in everything
        for atom in e.atoms(Indexed, sympy.KroneckerDelta)
        for symbol in (atom.indices if isinstance(atom, Indexed) else atom.args)
        if symbol.is_Symbol and symbol.is_integer
    }
    # No letter is both summed over and free in one equation (no shadowed index).
    assert not (bound & {s for a, b in pairs for s in (a - b).free_symbols}), record["tag"]
    # An index a definition leaves free (i of f = e^{z_i}/Σ_k e^{z_k}) is a parameter too; its own
    # indices (k of p_k) and summation variables are placeholders.
    for definition in definitions:
        own = set(definition.lhs.indices) if isinstance(definition.lhs, Indexed) else set()
        summed = {limit[0] for total in definition.rhs.atoms(Sum) for limit in total.limits}
        used |= {
            symbol
            for atom in definition.rhs.atoms(Indexed, sympy.KroneckerDelta)
            for symbol in (atom.indices if isinstance(atom, Indexed) else atom.args)
            if symbol.is_Symbol and symbol.is_integer and symbol not in own | summed
        }
    indices = sorted(used - bound, key=str)
    rng = random.Random(1)
    for values in itertools.product(range(1, n + 1), repeat=len(indices)):
        case = dict(zip(indices, values, strict=True))
        if not all(
            (case.get(c.lhs) == case.get(c.rhs))
            if isinstance(c, Eq)
            else (case.get(c.lhs) != case.get(c.rhs))
            for c in conditions
            if c.lhs in case and c.rhs in case
        ):
            continue
        for left, right in pairs:
            difference = _unfold((left - right).xreplace({size: n}).xreplace(case), definitions)
            difference = difference.xreplace(case).doit()
            if difference.atoms(sympy.core.function.AppliedUndef):
                assert sympy.simplify(difference) == 0
                continue
            for constraint in conditions:
                if (
                    isinstance(constraint, Eq)
                    and not isinstance(constraint, Ne)
                    and constraint.lhs not in case
                ):
                    total = constraint.lhs.doit()
                    last = sorted(total.atoms(Indexed), key=str)[-1]
                    difference = difference.xreplace({last: constraint.rhs - (total - last)})
            point = {a: sympy.Rational(rng.randint(-9, 9), 7) for a in difference.atoms(Indexed)}
            # Plain variables (x of a user's derivative) are positive, where log x and √x are real.
            labels = {a.base.label for a in difference.atoms(Indexed)}
            plain = sorted(difference.free_symbols - labels - set(point), key=str)
            point |= {s: sympy.Rational(rng.randint(1, 9), 7) for s in plain if not s.is_integer}
            assert abs(sympy.N(difference.xreplace(point), 30)) < 1e-20, (record["tag"], case)


def test_every_record_rechecks_independently():
    certificate = json.loads(generate("softmax-ce", 3, date=GOLDEN_DATE).certificate)
    records = certificate["equations"]
    assert [r["tag"] for r in records] == list(range(1, len(records) + 1))
    for record in records:
        assert record["verified"] and record["method"] and record["rule"]
        _recheck(record)


def test_records_name_their_definitions():
    records = json.loads(generate("softmax-ce", 3, date=GOLDEN_DATE).certificate)["equations"]
    softmax_case = next(
        r for r in records if r["rule"] == "quotient rule" and "IndexedBase(Symbol('p'" in r["lhs"]
    )
    assert any("Symbol('S')" in d for d in softmax_case["definitions"])
    constrained = [r for r in records if r["conditions"] and "Sum" in r["conditions"][-1]]
    assert constrained, "the step that uses the labels' sum records it as a condition"
