"""Understanding a post beyond its formulas: conditions its prose states, and the standard
definitions of what it uses without defining.

Both are assumptions, and both are shown in the report next to every step that relies on them.
A prose condition is used only where a step holds under it and not without it: it turns the
``?`` "holds only when i ≠ j" (or "= j") into ✓, never a ✓ into ✗; a standard definition is
used only where a name is otherwise undefined.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sympy import (
    Basic,
    Derivative,
    Dummy,
    Float,
    Indexed,
    IndexedBase,
    Integer,
    Rational,
    Sum,
    Symbol,
    diff,
    exp,
    log,
)

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
INDEX_RELATION = re.compile(
    r"(?<![A-Za-z\\])([a-z])\s*(=|\\neq\b|\\ne\b|≠|\\not\s*=|!=)\s*([a-z])(?![A-Za-z])"
)


@dataclass(frozen=True)
class ProseCase:
    """What the prose says about two free indices: ``"ne"`` (they differ) or ``"eq"``, and where."""

    relation: str
    quote: str
    pair: tuple[str, str] | None = None  # the letters, when the prose names them

    def shown(self) -> str:
        return f"the prose says “{self.quote}”"


#: A word for an index, which a "differ" or "same" must stand near to speak of indices.
_INDEX_WORD = re.compile(
    r"\b(?:ind(?:ex|ices|exes)|subscripts?)\b|인덱스|첨자|下标|下標|索引|添字|インデックス", re.I
)
#: How near, in characters, a "differ" or "same" must be to the word for an index.
_NEAR = 40


def prose_case(
    prose: str, index_letters: frozenset | set, current: ProseCase | None, near: int | None = None
) -> ProseCase | None:
    """The case the prose puts the steps after it in: the last one it states (or, with
    ``near``, the one stated nearest that position, for a formula inside the sentence).

    A case is an explicit relation of two index letters (``$i \\neq j$``, 当 i=j 时), or a word
    for "differ" or "same" close to a word for an index ("when the indices differ", 두
    인덱스가 서로 다르다면); "the same way as before" says nothing about indices. Prose that
    states no case keeps the one before it; prose whose last statements disagree states none.
    """
    found: list[tuple[int, ProseCase]] = []
    for match in INDEX_RELATION.finditer(prose):
        a, relation, b = match.groups()
        if a != b and a in index_letters and b in index_letters:
            kind = "eq" if relation == "=" else "ne"
            found.append((match.start(), ProseCase(kind, _quote(prose, match), (a, b))))
    indices = [m.start() for m in _INDEX_WORD.finditer(prose)]
    for pattern, kind in ((_DIFFER, "ne"), (_SAME, "eq")):
        for match in pattern.finditer(prose):
            if any(abs(match.start() - at) <= _NEAR for at in indices):
                found.append((match.start(), ProseCase(kind, _quote(prose, match))))
    if not found:
        return current
    if near is not None:
        distance = min(abs(at - near) for at, _ in found)
        closest = {case.relation for at, case in found if abs(at - near) == distance}
        if len(closest) > 1:
            return None
        return next(case for at, case in found if abs(at - near) == distance)
    last_at, last = max(found, key=lambda item: item[0])
    paragraph = prose.rfind("\n\n", 0, last_at)
    if any(case.relation != last.relation for at, case in found if at > paragraph):
        return None  # "for i = j … while for i ≠ j …": both cases, so neither carries on
    return last


#: The words that open a condition written just after a display: "$$…$$ when $i \\neq j$".
_CONDITION_AFTER = re.compile(
    r"^\W{0,3}(?:when|whenever|if|for|where|provided)\b|^[^\n]{0,40}(?:일 때|인 경우|时|時|のとき|の場合)",
    re.I,
)


def case_after(text_after: str, index_letters: frozenset | set) -> ProseCase | None:
    """The case a display is in when the sentence right after it says so ("…, when $i \\neq
    j$."): only its first clause, and only if it opens with a condition word."""
    clause = re.split(r"[.;。；\n]", text_after.strip(), maxsplit=1)[0]
    if not _CONDITION_AFTER.search(clause):
        return None
    return prose_case(clause, index_letters, None)


def _quote(prose: str, match: re.Match) -> str:
    """The words around a match, cut at spaces rather than inside a word."""
    start = max(prose.rfind("\n", 0, match.start()) + 1, match.start() - 30)
    end = prose.find("\n", match.end())
    end = min(end if end >= 0 else len(prose), match.end() + 30)
    if start > 0 and prose[start - 1] not in " \n" and " " in prose[start : match.start()]:
        start = prose.index(" ", start, match.start()) + 1
    if end < len(prose) and prose[end] not in " \n" and " " in prose[match.end() : end]:
        end = prose.rindex(" ", match.end(), end)
    return " ".join(prose[start:end].split())


# -- definitions in a sentence ------------------------------------------------------------------

#: Words that introduce a definition, at the end of the clause before an inline formula: "the
#: loss is $L = …$", "where $S = …$", "with $\\hat{y} = wx + b$"; 손실은, 여기서; 其中, 令, 设; ここで, は.
_DEFINING = re.compile(
    r"(?:\b(?:where|with|let|is|are|be|defined?|denoted?|given|set|write|take|recall|using)\b"
    r"|여기서|이때|이 때|정의하면|두면|두자|하자|[은는]"
    r"|其中|令|设|設|定义|定義|记|記|为|是|ここで|は|を)\s*$",
    re.I,
)
#: Words that make the formula a case, not a definition: "when $y = 1$", "the ideal case is $p = y$".
_CASE_WORDS = re.compile(
    r"\b(?:when|whenever|if|unless|case|cases|ideal|ideally|suppose|assume|assuming|e\.g|example)\b"
    r"|경우|때|만약|만일|라면|이면|이상적|情况|情況|时|時|如果|若|当|當|理想|場合|とき|なら",
    re.I,
)
#: Where a clause begins: the end of a sentence, a comma or a colon, or another formula.
_CLAUSE_BREAK = re.compile(r"[.;!?。；！？,，、:：$]")


#: "… $A = …$ and $B = …$": the second formula goes on with the first one's clause.
_AND = re.compile(r"^\s*(?:and|as well as|및|와|과|그리고|和|及|以及|と|、)?\s*$", re.I)


def introduces_definition(text_before: str, after_definition: bool = False) -> bool:
    """Whether the clause just before an inline formula introduces it as a definition;
    ``after_definition`` says the formula before it in the sentence was one."""
    clause = _CLAUSE_BREAK.split(text_before)[-1]
    if after_definition and _AND.match(clause):
        return True
    return _DEFINING.search(clause) is not None and _CASE_WORDS.search(clause) is None


# -- standard definitions ----------------------------------------------------------------------


@dataclass(frozen=True)
class Assumed:
    """A standard definition taken for a name the post uses without defining it."""

    definition: Definition
    shown: str


def standard_definition(
    name: str, exprs, known: list[Definition], size: Symbol, softmax_named: bool = False
) -> Assumed | None:
    """The standard meaning of ``name`` in a softmax post, when the post leaves it undefined.

    ``S`` is the softmax's denominator Σ_k e^{z_k}, over the one family the post exponentiates;
    ``CE`` (or ``BCE``) is the cross-entropy loss the post defines under another name; in a
    post that speaks of the softmax (``softmax_named``), a family differentiated by the logits,
    or taken the log of in a loss differentiated by them, is the softmax of the logits.
    """
    if softmax_named:
        found = _softmax_family(name, exprs, known, size)
        if found is not None:
            return found
    if name in CROSS_ENTROPY_NAMES:
        return _cross_entropy(name, known)
    if name == "MSE":
        return _mean_squared_error(exprs, known, size)
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


#: Names a post uses for its cross-entropy loss without saying so.
CROSS_ENTROPY_NAMES = frozenset({"CE", "BCE", "NLL"})


def _cross_entropy(name: str, known: list[Definition]) -> Assumed | None:
    """``∂CE/∂z_i`` in a post that defined L = −Σ_k y_k log p_k: CE is that L, and says so."""
    losses = [
        d
        for d in known
        if isinstance(d.name, Symbol)
        and d.name.name not in CROSS_ENTROPY_NAMES
        and isinstance(d.expression, Basic)
        and d.expression.has(log)
        and d.expression.atoms(Sum)
    ]
    if len(losses) != 1:
        return None
    (loss,) = losses
    return Assumed(
        Definition(Symbol(name), loss.expression),
        f"{name} read as the cross-entropy {loss.name} the post defines",
    )


def _softmax_family(name: str, exprs, known: list[Definition], size: Symbol) -> Assumed | None:
    """p of ∂p_k/∂z_j, or of log p_k in a loss the statement differentiates by z_j: p_k is
    e^{z_k}/Σ_m e^{z_m}, when the statement differentiates by one family z alone."""
    derivatives = [d for e in exprs if isinstance(e, Basic) for d in e.atoms(Derivative)]
    logits = {
        v.base for d in derivatives for v in d.variables if isinstance(v, Indexed) and len(v.indices) == 1
    }
    if len(logits) != 1 or any(not isinstance(v, Indexed) for d in derivatives for v in d.variables):
        return None
    (logit,) = logits
    differentiated = any(
        isinstance(d.expr, Indexed) and d.expr.base.name == name and len(d.expr.indices) == 1
        for d in derivatives
    )
    losses = [
        d.expression for d in known if any(d.name in e.atoms(Symbol) for e in exprs if isinstance(e, Basic))
    ]
    logged = any(
        isinstance(arg, Indexed) and arg.base.name == name
        for expr in [*exprs, *losses]
        if isinstance(expr, Basic)
        for taken in expr.atoms(log)
        for arg in [taken.args[0]]
    )
    if name == logit.name or not (differentiated or logged):
        return None
    k, m = (Symbol(letter, integer=True, positive=True) for letter in ("k", "m"))
    family = IndexedBase(name)
    softmax = exp(logit[k]) / Sum(exp(logit[m]), (m, Integer(1), size))
    return Assumed(
        Definition(family[k], softmax),
        f"{name} read as the softmax of {logit}, {name}_k = e^{{{logit}_k}}/Σ_m e^{{{logit}_m}} "
        "(the post speaks of the softmax; a standard definition)",
    )


def _mean_squared_error(exprs, known: list[Definition], size: Symbol) -> Assumed | None:
    """``∂MSE/∂ŷ_i`` with MSE nowhere defined: the mean of the squared differences of the two
    families the statement compares, (1/N) Σ_k (ŷ_k − y_k)². A square does not tell prediction
    from target, so which is which needs no guess; a statement with more families (or fewer)
    is left open. Families that only feed a definition (the x of ŷ = w x + b) do not count."""
    inputs = set().union(*(_families([d.expression]) for d in known))
    families = sorted(_families(exprs) - inputs, key=str)
    if len(families) != 2:
        return None
    first, second = families
    k = Symbol("k", integer=True, positive=True)
    total = Sum((first[k] - second[k]) ** 2, (k, Integer(1), size)) / size
    return Assumed(
        Definition(Symbol("MSE"), total),
        f"MSE read as (1/{size}) Σ_k ({first}_k − {second}_k)², the mean squared error "
        "(a standard definition)",
    )


def _families(exprs) -> set:
    found = set()
    for expr in exprs:
        if isinstance(expr, Basic):
            found |= {atom.base for atom in expr.atoms(Indexed) if len(atom.indices) == 1}
    return found


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


def printed_decimals(tokens) -> dict:
    """The decimals a row prints, by value, with the places printed: ``0.540`` → {27/50: 3}.

    Only numbers written with a decimal point count: ``\\frac{1}{4}`` is exact, not 0.25 rounded.
    """
    found: dict = {}
    tokens = list(tokens)
    for position, token in enumerate(tokens):
        if token.kind == "number" and "." in token.text:
            places = len(token.text.split(".")[1])
            value = Rational(token.text)
            found[value] = max(places, found.get(value, 0))
            power = _power_of_ten(tokens[position + 1 : position + 8])
            if power is not None:  # 6.74 \times 10^{-3}: 0.00674, to five places
                scaled = value * Rational(10) ** power
                found[scaled] = max(places - power, 0, found.get(scaled, 0))
    return found


def _power_of_ten(after) -> int | None:
    """The n of ``\\times 10^{n}`` (or ``\\cdot``) right after a number, if that follows."""
    texts = [t.text for t in after]
    if len(texts) < 4 or texts[0] not in ("times", "cdot") or texts[1:3] != ["10", "^"]:
        return None
    rest = texts[3:]
    if rest and rest[0] == "{":
        rest = rest[1:]
    sign = -1 if rest and rest[0] == "-" else 1
    digits = rest[1] if sign < 0 and len(rest) > 1 else (rest[0] if rest else "")
    return sign * int(digits) if digits.isdigit() and len(digits) <= 3 else None


def _looks_rounded(number, printed: dict) -> bool:
    """A printed input of three or more significant digits (0.245, 1.406) may itself be rounded;
    a short one (0.5, 1.2, the logits of an example) is taken as given."""
    places = printed.get(number)
    if places is None:
        return False
    return len(str(abs(int(number * 10**places)))) >= 3


def _half_unit(places: int) -> Rational:
    return Rational(1, 2 * 10**places)


def rounding_allowed(expr: Basic, printed: dict) -> Rational:
    """How far a worked value may be from the exact one: half a unit in the last place of a
    printed decimal, or of every rounded decimal it is computed from, carried through (to first
    order)."""
    if expr in printed:
        return _half_unit(printed[expr])
    total = Float(0, _DIGITS)
    for literal in (atom for atom in expr.atoms(Rational) if _looks_rounded(atom, printed)):
        stand_in = Dummy("r")
        slope = diff(expr.xreplace({literal: stand_in}), stand_in).xreplace({stand_in: literal})
        total += abs(slope.evalf(_DIGITS)) * _half_unit(printed[literal])
    return total


def worked_values_agree(a: Basic, b: Basic, printed: dict) -> tuple[bool, str] | None:
    """``-\\log(0.245) = 1.406``: whether two numbers agree to the digits printed, and how.

    None unless both sides are numbers and one of them is a decimal the post printed
    (``printed``, from :func:`printed_decimals`). It is right when it is the exact value rounded
    to the places printed: half a unit in its last place is allowed, plus the rounding of the
    printed decimals it was computed from.
    """
    if not all(isinstance(side, Basic) and side.is_number for side in (a, b)):
        return None
    # -0.775 was printed as "- 0.775": a printed decimal with its sign.
    printed = {**printed, **{-value: places for value, places in printed.items()}}
    if a not in printed and b not in printed:
        return None
    exact, shown = (b, a) if a in printed and b not in printed else (a, b)
    value, approximate = exact.evalf(_DIGITS), shown.evalf(_DIGITS)
    if not (value.is_real and approximate.is_real and value.is_finite):
        return None
    allowed = rounding_allowed(exact, printed) + rounding_allowed(shown, printed)
    places = printed.get(shown, 0)
    exact_text = value.round(places + 2)
    if abs(value - approximate) <= allowed * (1 + Rational(1, 10**6)):
        return True, f"agrees to the digits printed (exact value {exact_text})"
    return False, f"the exact value is {exact_text}, which does not round to {float(shown):.{places}f}"
