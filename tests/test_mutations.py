"""A verifier that cannot fail proves nothing: break every step on purpose, and watch it fail.

Each link of every chain of the softmax-ce document (general and worked example) is broken
three ways — a sign flipped, an index swapped, a term dropped — and every broken copy must be
rejected, unless the mutation happens not to change the value (swapping i and j in −p_i p_j),
which the verifier must then prove.
"""

from __future__ import annotations

import pytest
from sympy import Add, Indexed, Integer, MatrixBase, Mul

from derive.derivations.softmax_ce import i, j


def _preorder(expr, kind, limit=3):
    """Up to ``limit`` subexpressions of type ``kind``, outermost first."""
    found = []

    def visit(node):
        if len(found) < limit and isinstance(node, kind) and node not in found:
            found.append(node)
        for arg in node.args:
            visit(arg)

    visit(expr)
    return found


def _replace_first(expr, old, new):
    if expr == old:
        return new
    for position, arg in enumerate(expr.args):
        replaced = _replace_first(arg, old, new)
        if replaced != arg:
            args = list(expr.args)
            args[position] = replaced
            return expr.func(*args, evaluate=False) if isinstance(expr, (Add, Mul)) else expr.func(*args)
    return expr


def flip_sign(expr):
    yield Mul(-1, expr, evaluate=False)
    for add in _preorder(expr, Add):
        yield _replace_first(expr, add.args[-1], Mul(-1, add.args[-1], evaluate=False))


def swap_index(expr):
    for target in _preorder(expr, Indexed, limit=4):
        index = target.indices[0]
        other = {i: j, j: i}.get(index, Integer(2) if index == 1 else Integer(1))
        yield _replace_first(expr, target, target.base[other])


def drop_term(expr):
    for add in _preorder(expr, Add):
        yield _replace_first(expr, add, Add(*add.args[:-1], evaluate=False))
    for mul in _preorder(expr, Mul):
        yield _replace_first(expr, mul, Mul(*mul.args[1:], evaluate=False))


MUTATIONS = {"sign flipped": flip_sign, "index swapped": swap_index, "term dropped": drop_term}


def _links(document):
    for chain in document.chains:
        previous = chain.lhs
        conditions = tuple(chain.conditions)
        for number, link in enumerate(chain.links, start=1):
            conditions += link.conditions
            yield pytest.param(chain, previous, link, conditions, id=f"{chain.name}-{number}")
            previous = link.expr


def _mutants(expr, mutation):
    if isinstance(expr, MatrixBase):
        for entry in mutation(expr[-1]):
            broken = expr.as_mutable()
            broken[expr.rows - 1, expr.cols - 1] = entry
            yield broken.as_immutable()
    else:
        yield from mutation(expr)


def test_every_step_rejects_its_broken_copies(document):
    rejected_per_link = {}
    for param in _links(document):
        chain, previous, link, conditions = param.values
        rejected = 0
        for name, mutation in MUTATIONS.items():
            for broken in _mutants(link.expr, mutation):
                if broken == link.expr:
                    continue
                proof = chain.verifier.prove(previous, broken, conditions)
                if proof.verified:
                    # Only a mutation that keeps the value may pass, and that must be provable.
                    same = chain.verifier.prove(link.expr, broken, conditions)
                    assert same.verified, f"{param.id}: {name} accepted but not equivalent"
                    continue
                rejected += 1
                has_functions = "f(x)" in str(link.expr) or "f(x)" in str(previous)
                assert proof.counterexample is not None or has_functions, (
                    f"{param.id}: {name}: {proof.reason}"
                )
        rejected_per_link[param.id] = rejected
    unbroken = {link: count for link, count in rejected_per_link.items() if count == 0}
    assert not unbroken, unbroken
    assert sum(rejected_per_link.values()) >= 2 * len(rejected_per_link)
