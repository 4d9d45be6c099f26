"""``read_latex``: LaTeX math to SymPy, every plausible reading of it, and why there are several."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from sympy import And, Piecewise, true

from derive.check.grammar import FUNCTION_LETTERS, RELATION_CLASSES
from derive.check.reader import (
    Cases,
    Evidence,
    Letters,
    PostNames,
    Statement,
    Unreadable,
    normalize_unicode,
    read_readings,
    tokenize,
)


@dataclass(frozen=True)
class Reading:
    """Every plausible reading of one piece of LaTeX math.

    ``expressions``: SymPy objects, one per reading (a relation comes back as ``Eq``, ``Ne``,
    ``Lt``, …; a chain ``a = b = c`` as ``And`` of its links; ``cases`` as ``Piecewise``).
    ``ambiguities``: where the text can be read more than one way, and the ways.
    ``assumptions``: choices the text or a convention settled, and how (``σ(…)`` read as the
    logistic function, ``x^{(i)}`` as an index).
    """

    expressions: tuple
    ambiguities: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()


def read_latex(tex: str, names: PostNames | None = None) -> Reading:
    """Read ``tex``, one expression or relation, into every plausible SymPy reading.

    ``names`` says what the surrounding post does with its names; without it, the string is
    its own context: ``f(x) + f(y, z)`` applies f, ``x(1 - x) + x`` uses x on its own.
    Raises :class:`Unreadable` with the reason when the text is outside what the reader knows.
    """
    tokens = tokenize(normalize_unicode(tex))
    letters = Letters()
    if names is None:
        names = learn_names([tokens], letters)
    statements, ambiguities, assumptions = read_readings(tokens, letters, names=names)
    return Reading(tuple(_as_expression(s) for s in statements), tuple(ambiguities), tuple(assumptions))


def learn_names(rows, letters: Letters, *, conventions: bool = False) -> PostNames:
    """What every row (a list of tokens) shows about its names: applied, or used on their own.

    With ``conventions``, as for a whole post, f, g and h name functions unless the post also
    uses them on their own.
    """
    evidence = Evidence()
    for tokens in rows:
        try:
            read_readings(list(tokens), letters, evidence=evidence)
        except Unreadable:
            continue
    conventional = (FUNCTION_LETTERS - evidence.alone - evidence.applied) if conventions else frozenset()
    family = next(iter(evidence.exponentiated)) if len(evidence.exponentiated) == 1 else None
    return PostNames(
        frozenset(evidence.applied | conventional),
        frozenset(evidence.alone),
        family if conventions else None,
        frozenset(conventional),
        frozenset(evidence.differentiated - evidence.variables),
        frozenset(evidence.defined),
    )


def _as_expression(statement: Statement):
    if statement.continues:
        raise Unreadable("it begins with a relation: it goes on from a row before it")
    sides = [_side(s) for s in statement.sides]
    if len(sides) == 1:
        return sides[0]
    relation = RELATION_CLASSES.get("eq" if statement.relation == "eq" else statement.relation)
    if relation is None:
        raise Unreadable(f"the relation {statement.relation} has no SymPy counterpart")
    links = [relation(a, b, evaluate=False) for a, b in pairwise(sides)]
    return links[0] if len(links) == 1 else And(*links, evaluate=False)


def _side(side):
    if isinstance(side, Cases):
        return Piecewise(*((c.value, true if c.condition is None else c.condition) for c in side.branches))
    return side


__all__ = ["PostNames", "Reading", "Unreadable", "learn_names", "read_latex"]
