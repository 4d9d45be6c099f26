"""Values a post states for its data: ``the targets are $\\mathbf{y}_1 = [0, 0, 1]^\\top$``.

A worked example puts such values in ("with the targets put in"); a reader takes them from the
sentence that gives them. Only values of data (a family the post never defines, such as labels
or hidden states it takes as given) are used, only in steps after the sentence, and every step
that uses them says so. A value for a quantity the post defines (p = softmax(z)) is a claim to
check, never a premise.
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Basic, Eq, Expr, Indexed, MatrixBase

from derive.check.reader import Letters, Unreadable, read_readings, tokenize
from derive.check.tokens import normalize_unicode
from derive.matrices import IndexedVector
from derive.printing import latex

#: Inline formulas longer than this are not a vector of given values.
_MAX_CHARACTERS = 400


@dataclass(frozen=True)
class Stated:
    """The entries of one vector the post gives, on ``line``."""

    line: int
    family: str
    entries: tuple[tuple[Indexed, Expr], ...]
    shown: str


def stated_vectors(inline, letters: Letters) -> tuple[Stated, ...]:
    """``$\\mathbf{y}_1 = \\begin{bmatrix}0\\\\0\\\\1\\end{bmatrix}$`` in the prose: the entries of
    y_1 of a family of vectors (see :mod:`~derive.check.ranges`), with the line they are on."""
    if letters.ranged is None:
        return ()
    found = []
    for line, tex in inline:
        if "=" not in tex or "\\begin" not in tex or len(tex) > _MAX_CHARACTERS:
            continue
        try:
            readings, _, _ = read_readings(tokenize(normalize_unicode(tex)), letters)
        except Unreadable:
            continue
        if len(readings) != 1 or readings[0].relation != "eq" or readings[0].continues:
            continue
        sides = readings[0].sides
        if len(sides) != 2:
            continue
        vector, values = sides
        if not (
            isinstance(vector, IndexedVector) and vector.index.is_Integer and isinstance(values, MatrixBase)
        ):
            continue
        if values.shape[1] != 1 or not all(isinstance(v, Basic) and v.is_number for v in values):
            continue
        entries = tuple(
            (vector.base[vector.index, row + 1], values[row, 0]) for row in range(values.shape[0])
        )
        shown = f"{latex(vector)} = ({', '.join(latex(v) for v in values)})"
        found.append(Stated(line, str(vector.base.label), entries, shown))
    return tuple(found)


def stated_for(
    stated: tuple[Stated, ...], exprs, line: int, defined
) -> tuple[tuple[Eq, ...], list[str], list[Indexed]]:
    """The values stated before ``line`` for entries that ``exprs`` use, as conditions; how each
    is shown; and the numbered entries of the same families that ``exprs`` use and the post
    gives no value for (y_{3,1} where it states y_1 and y_2). ``defined(name)`` tells a family
    the post defines, whose values are not taken."""
    atoms = set()
    for expr in exprs:
        if isinstance(expr, Basic):
            atoms |= expr.atoms(Indexed)
    latest: dict[Indexed, tuple[Expr, Stated]] = {}
    for given in stated:
        if given.line < line and not defined(given.family):
            # A vector given again (a second example) is known by its latest values.
            latest.update({entry: (value, given) for entry, value in given.entries if entry in atoms})
    conditions = tuple(Eq(entry, value) for entry, (value, _) in latest.items())
    shown = list(dict.fromkeys(f"{given.shown} (line {given.line})" for _, given in latest.values()))
    families = {given.family for _, given in latest.values()}
    missing = sorted(
        (
            atom
            for atom in atoms
            if str(atom.base.label) in families
            and all(index.is_Integer for index in atom.indices)
            and atom not in latest
        ),
        key=str,
    )
    return conditions, shown, missing
