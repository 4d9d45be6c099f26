"""Entries of a concrete matrix proven as relabellings of a proven entry.

At N = 50 the gradient is a column of 50 entries, each a sum of 50 terms; entry a is entry 1
with the classes 1 and a swapped. Relabelling the classes is a change of variables
(z_k → z_σ(k), y_k → y_σ(k), …), so an identity that holds for every value of the variables
still holds after it, provided the definitions and conditions mean the same thing after it:
S = Σ_k e^{z_k} and L = −Σ_k y_k log p_k are unchanged, and p_k := e^{z_k}/S becomes p_σ(k).

:func:`relabelling` finds a permutation σ that maps a proven entry onto another one, and
checks that σ applied to the proven entry is, after SymPy's own canonical ordering, the
other entry. It takes the argument only where it is sound, and refuses (returns None) when:

* the size is not a concrete number, or some index runs over a range other than the classes;
* an indexed quantity has more than one index, or an index that is neither a class number
  nor a bare symbol (z_{k+1});
* a sum runs over anything but all the classes 1..N (Σ_{k=1}^{3} at N = 50 is not symmetric);
* an index is also used as a number (k in Σ_k k·y_k, which weighs each class by its label);
* a definition names a class number, or leaves an index free (r of y_k := δ_kr);
* the conditions are not unchanged by σ (Σ_k y_k = 1 is; y_1 = 1 is not).
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

from sympy import Add, Basic, Expr, Indexed, IndexedBase, KroneckerDelta, Mul, Product, Sum, Symbol

from derive.algebra import Context


class NotSymmetric(Exception):
    """An expression the relabelling argument does not cover."""


def relabelling(
    context: Context, constraints: tuple, proven: tuple[Expr, Expr], entry: tuple[Expr, Expr]
) -> dict[int, int] | None:
    """A permutation of the classes that maps ``proven`` onto ``entry``, or None.

    ``constraints`` are the conditions of both, as (quantity, value) pairs: the entry follows
    from the proven one only if σ leaves them as they are.
    """
    size = context.size
    if size is None or not size.is_Integer or context.ranges or not _symmetric_context(context):
        return None
    try:
        sigma = _candidate(proven, entry, int(size))
        if sigma is None:
            return None
        if any(_shape(p, sigma, size) != _shape(e, {}, size) for p, e in zip(proven, entry, strict=True)):
            return None
        for relation in constraints:
            if any(_shape(side, sigma, size) != _shape(side, {}, size) for side in relation):
                return None
    except NotSymmetric:
        return None
    return sigma


def pattern_key(left: Expr, right: Expr, stand_in: dict, size: Expr) -> tuple | None:
    """What an entry is with each class number c read as ``stand_in[c]``, up to the order of
    terms and factors; None where :func:`_shape` does not read it (then SymPy's own pattern is
    the key). Entries with one key are instances of one index pattern."""
    try:
        # Not kept: each entry of a Jacobian is met once.
        shapes = (_shape_of(side, stand_in, size, {}, strict=False) for side in (left, right))
        return (*shapes, len(stand_in))
    except NotSymmetric:
        return None


@lru_cache(maxsize=64)
def _symmetric_context(context: Context) -> bool:
    """Every definition means the same after any relabelling of the classes: none names a
    class number, none leaves an index free, and every sum in them runs over all the classes."""
    if context.has_parameters():
        return False
    try:
        for definition in context.definitions:
            for part in (definition.name, definition.expression):
                if _class_counts(part):
                    return False
                _shape(part, {}, context.size)
    except NotSymmetric:
        return False
    return True


def _candidate(proven: tuple[Expr, Expr], entry: tuple[Expr, Expr], size: int) -> dict[int, int] | None:
    """σ sending the classes that stand out in ``proven`` (by how often they occur) to those that
    stand out in ``entry``; every other class stays where it is, or fills a gap in order."""
    ours, theirs = (_standing_out(_class_counts(*sides), size) for sides in (proven, entry))
    if ours is None or theirs is None or len(ours) != len(theirs):
        return None
    sigma = dict(zip(ours, theirs, strict=True))
    sources = [c for c in range(1, size + 1) if c not in sigma]
    targets = set(range(1, size + 1)) - set(sigma.values())
    sigma |= {c: c for c in sources if c in targets}
    rest_sources = [c for c in sources if c not in sigma]
    rest_targets = sorted(targets - set(sigma.values()))
    sigma |= dict(zip(rest_sources, rest_targets, strict=True))
    return sigma


def _standing_out(counts: Counter, size: int) -> list[int] | None:
    """Classes whose count differs from the most common count, ordered by count then class;
    None if two of them tie (the order between them would be a guess)."""
    every = [counts.get(c, 0) for c in range(1, size + 1)]
    usual = Counter(every).most_common(1)[0][0]
    special = sorted((counts.get(c, 0), c) for c in range(1, size + 1) if counts.get(c, 0) != usual)
    if len({count for count, _ in special}) != len(special):
        return None
    return [c for _, c in special]


def _class_counts(*exprs: Basic) -> Counter:
    """How often each integer is used as an index (of z_3, of δ_{3k})."""
    counts: Counter = Counter()
    for expr in exprs:
        counts.update(_counts_in(expr))
    return counts


# A link's right side is the next link's left side: each side is counted once.
@lru_cache(maxsize=512)
def _counts_in(expr: Basic) -> Counter:
    counts: Counter = Counter()
    for atom in _distinct_atoms(expr):
        arguments = atom.indices if isinstance(atom, Indexed) else atom.args
        counts.update(int(a) for a in arguments if a.is_Integer)
    return counts


def _distinct_atoms(expr: Basic) -> set:
    """``expr.atoms(Indexed, KroneckerDelta)``, visiting each subexpression object once."""
    found, seen, pending = set(), set(), [expr]
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, (Indexed, KroneckerDelta)):
            found.add(node)
        else:
            pending.extend(node.args)
    return found


def _shape(expr: Basic, sigma: dict[int, int], size: Expr):
    """What ``expr`` is with every class number c read as σ(c), up to the order of the terms of
    sums and the factors of products: two expressions of one shape have one value.

    Raises :class:`NotSymmetric` where reading c as σ(c) would not relabel the classes.
    """
    moved = tuple(sorted((c, image) for c, image in sigma.items() if c != image))
    return _shape_under(expr, moved, size)


# The entry proven first is relabelled for every other entry, once per side; and each link's
# right side is read again as the next link's left side, with the same σ.
@lru_cache(maxsize=512)
def _shape_under(expr: Basic, moved: tuple[tuple[int, int], ...], size: Expr):
    return _shape_of(expr, dict(moved), size, {}, strict=True)


def _shape_of(expr: Basic, sigma: dict, size: Expr, memo: dict, strict: bool):
    """See :func:`_shape`. ``strict`` refuses an integer symbol outside an index (k in Σ_k k y_k):
    there it is a number, which relabelling the classes would change."""
    # By object, not by value: asking SymPy whether two equal subexpressions are equal costs
    # more than reading one of them again.
    known = memo.get(id(expr))
    if known is not None:
        return known
    kind, args = type(expr), expr.args
    if kind is Indexed:
        if len(args) != 2:
            raise NotSymmetric(f"{expr} has more than one index")
        shape = ("indexed", args[0], _class(args[1], sigma))
    elif not args:
        if strict and expr.is_Symbol and expr.is_integer:
            raise NotSymmetric(f"{expr} is used as a number, not as a class")
        shape = expr
    elif kind is Add or kind is Mul:
        if not expr.is_commutative:
            raise NotSymmetric(f"{expr} does not commute")
        children = [_shape_of(a, sigma, size, memo, strict) for a in args]
        distinct = frozenset(children)
        # The terms of a sum in any order: a set where no term repeats, else with counts.
        if len(distinct) == len(children):
            shape = (kind, "set", distinct)
        else:
            shape = (kind, "counted", frozenset(Counter(children).items()))
    elif kind is KroneckerDelta:
        shape = ("delta", frozenset(Counter(_class(a, sigma) for a in args).items()))
    elif _is_derives_own(kind) or isinstance(expr, (Indexed, KroneckerDelta)):
        raise NotSymmetric(f"{kind.__name__} is not read here")
    elif strict and (isinstance(expr, IndexedBase) or getattr(expr, "is_Matrix", False)):
        # A family or matrix as a whole (g(p)) is unchanged by relabelling only if g is symmetric.
        raise NotSymmetric(f"{expr} is used as a whole")
    elif isinstance(expr, (Sum, Product)):
        if any(lower != 1 or upper != size for _, lower, upper in expr.limits):
            raise NotSymmetric(f"{expr} does not run over all the classes")
        shape = (kind, _shape_of(expr.function, sigma, size, memo, strict), expr.limits)
    else:
        shape = (kind, tuple(_shape_of(a, sigma, size, memo, strict) for a in args))
    memo[id(expr)] = shape
    return shape


@lru_cache(maxsize=256)
def _is_derives_own(kind: type) -> bool:
    return (kind.__module__ or "").startswith("derive")  # f of Function("f") has no module


def _class(index: Expr, sigma: dict[int, int]) -> int | Expr:
    if index.is_Integer:
        return sigma.get(int(index), int(index))
    if isinstance(index, Symbol):
        return index
    raise NotSymmetric(f"the index {index} is neither a class nor a symbol")
