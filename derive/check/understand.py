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

from sympy import Basic, Dummy, Float, Indexed, Integer, Rational, Sum, Symbol, diff, exp

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


# -- worked numbers -------------------------------------------------------------------------------

#: Digits the exact value of a worked number is computed to.
_DIGITS = 30


def decimals(number) -> int | None:
    """The decimal places a number read from a post was printed with, or None if it is not a
    printed decimal: 1.406 was read as 703/500, whose denominator needs three places."""
    if not (isinstance(number, Rational) and not number.is_Integer):
        return None
    denominator = int(number.q)
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    return max(twos, fives) if denominator == 1 else None


def _looks_rounded(number) -> bool:
    """A printed input of three or more significant digits (0.245, 1.406) may itself be rounded;
    a short one (0.5, 1.2, the logits of an example) is taken as given."""
    places = decimals(number)
    if places is None:
        return False
    return len(str(abs(int(number * 10**places)))) >= 3


def _half_unit(places: int) -> Rational:
    return Rational(1, 2 * 10**places)


def rounding_allowed(expr: Basic) -> Float:
    """How far a worked value may be from the exact one: half a unit in the last place of every
    printed decimal in it, carried through the expression (to first order)."""
    if decimals(expr) is not None:
        return Float(_half_unit(decimals(expr)), _DIGITS)
    total = Float(0, _DIGITS)
    literals = [atom for atom in expr.atoms(Rational) if _looks_rounded(atom)]
    for literal in literals:
        stand_in = Dummy("r")
        slope = diff(expr.xreplace({literal: stand_in}), stand_in).xreplace({stand_in: literal})
        total += abs(slope.evalf(_DIGITS)) * _half_unit(decimals(literal))
    return total


def worked_values_agree(a: Basic, b: Basic) -> tuple[bool, str] | None:
    """``-\\log(0.245) = 1.406``: whether two numbers agree to the digits printed, and how.

    None unless both sides are numbers and one of them is a printed decimal. A printed decimal is
    right when it equals the exact value rounded to the places printed: half a unit in the last
    place is allowed, plus the rounding of the numbers it was computed from.
    """
    if not all(isinstance(side, Basic) and side.is_number for side in (a, b)):
        return None
    if decimals(a) is None and decimals(b) is None:
        return None
    exact, printed = (b, a) if decimals(a) is not None and decimals(b) is None else (a, b)
    value = exact.evalf(_DIGITS)
    shown = printed.evalf(_DIGITS)
    if not (value.is_real and shown.is_real):
        return None
    allowed = rounding_allowed(exact) + rounding_allowed(printed)
    places = decimals(printed) or 0
    exact_text = f"{float(value):.{places + 2}f}"
    if abs(value - shown) <= allowed * (1 + Rational(1, 10**6)):
        return True, f"agrees to the digits printed (exact value {exact_text})"
    return False, f"the exact value is {exact_text}, which does not round to {float(shown):.{places}f}"
