"""Understanding a post beyond its formulas: conditions its prose states, and the standard
definitions of what it uses without defining.

Both are assumptions, and both are shown in the report next to every step that relies on them.
A prose condition is used only where a step holds under it and not without it, so it can turn
a ``?`` into ✓ but never a ✓ into ✗; a standard definition only where a name is otherwise
undefined.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sympy import Basic, Indexed, Integer, Sum, Symbol, exp

from derive.algebra import Definition

# "If the indices differ", in the four languages of the posts: the two free indices are distinct.
_DIFFER = re.compile(
    r"\b(?:differ(?:s|ent)?|distinct|not (?:the )?same|unequal)\b"
    r"|서로 다르|다른 경우|다를 때|다르다면|같지 않"
    r"|不同|不相等|不等于|不等時|不等时"
    r"|異な|違う|等しくない",
    re.I,
)
# "If the indices are the same".
_SAME = re.compile(
    r"\b(?:same|equal|identical)\b(?! to)"
    r"|서로 같|같은 경우|같을 때|같다면|동일"
    r"|相同|相等|一样|一樣"
    r"|同じ|等しい",
    re.I,
)
# An explicit relation between two index letters in the prose: "if $i \neq j$", "当 i=j 时".
_RELATION = re.compile(r"(?<![A-Za-z\\])([a-z])\s*(=|\\neq\b|\\ne\b|≠|\\not\s*=|!=)\s*([a-z])(?![A-Za-z])")


@dataclass(frozen=True)
class ProseCase:
    """What the prose says about two free indices: ``"ne"`` (they differ) or ``"eq"``, and where."""

    relation: str
    quote: str
    pair: tuple[str, str] | None = None  # the letters, when the prose names them

    def shown(self) -> str:
        return f"the prose says “{self.quote}”"


def prose_case(prose: str, index_letters, current: ProseCase | None) -> ProseCase | None:
    """The case the prose before a display puts the following steps in.

    The last statement of a case in the prose wins; prose that states none keeps the case
    before it, as a reader carries "for i ≠ j" on to the next equations.
    """
    found: list[tuple[int, ProseCase]] = []
    for match in _RELATION.finditer(prose):
        a, relation, b = match.groups()
        if a != b and a in index_letters and b in index_letters:
            kind = "eq" if relation == "=" else "ne"
            found.append((match.start(), ProseCase(kind, _quote(prose, match), (a, b))))
    for pattern, kind in ((_DIFFER, "ne"), (_SAME, "eq")):
        for match in pattern.finditer(prose):
            found.append((match.start(), ProseCase(kind, _quote(prose, match))))
    if not found:
        return current
    return max(found, key=lambda item: item[0])[1]


def _quote(prose: str, match: re.Match) -> str:
    start = max(prose.rfind("\n", 0, match.start()) + 1, match.start() - 30)
    end = prose.find("\n", match.end())
    end = min(end if end >= 0 else len(prose), match.end() + 30)
    return " ".join(prose[start:end].split())


# -- standard definitions ----------------------------------------------------------------------


@dataclass(frozen=True)
class Assumed:
    """A standard definition taken for a name the post uses without defining it."""

    definition: Definition
    shown: str


def standard_definition(name: str, exprs, known: list[Definition], size: Symbol) -> Assumed | None:
    """The standard meaning of ``name`` in a softmax post, when the post leaves it undefined.

    ``S`` is the softmax's denominator Σ_k e^{z_k}, over the one family the post exponentiates.
    """
    if name != "S":
        return None
    families = _exponentiated(exprs) | set().union(*(_exponentiated([d.expression]) for d in known))
    if len(families) != 1:
        return None
    (family,) = families
    k = Symbol("k", integer=True, positive=True)
    total = Sum(exp(family[k]), (k, Integer(1), size))
    return Assumed(
        Definition(Symbol("S"), total),
        f"S read as Σ_k e^{{{family}_k}}, the softmax's denominator (a standard definition)",
    )


def _exponentiated(exprs) -> set:
    bases = set()
    for expr in exprs:
        if not isinstance(expr, Basic):
            continue
        for power in expr.atoms(exp):
            argument = power.args[0]
            if isinstance(argument, Indexed) and len(argument.indices) == 1:
                bases.add(argument.base)
    return bases
