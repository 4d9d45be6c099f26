"""What each index of a post runs over, when its indices do not all count the classes.

An RNN post writes z_{τ,i} = Σ_{m=1}^{H} V_{im} h_{τ,m} and L = Σ_{τ=1}^{T} L_τ: τ counts the
steps (1..T), m the hidden units (1..H), and i, k the classes (1..N). Read as if every index ran
over the classes, T and H would be unknown letters and Σ_{m=1}^{H} h_{τ,m} δ_{jm} = h_{τ,j} would
not hold for j > H; so the ranges are learned first, from the whole post, as a reader does:

- a letter summed to one bound (Σ_{τ=1}^{T}) runs over that bound;
- a position of a family (the second of h_{τ,m}) runs over what the summed letters written there
  run over, if they all agree;
- a free letter (the j of h_{τ,j}) runs over what its positions run over, if they all agree.

Only a post with a family whose two positions run over two different bounds (z_{τ,k}: steps
and classes), and whose softmax denominator Σ_{k=1}^{N} e^{…} says which bound counts the
classes, is read this way (:func:`learn_ranges` returns None otherwise), so the posts of one
index range keep their reading. Where the text leaves a range open, nothing is assumed: the
letter keeps the classes' range, and the report shows the ranges taken.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from sympy import Indexed

from derive.check import grammar

#: ``\sum_{τ=1}^{T}`` and ``\sum_{k=1}^N``: the summed letter (a Greek one as its command) and its bound.
_SUM = re.compile(
    r"\\sum(?:\\limits)?\s*_\s*\{\s*(\\[a-z]+|[a-z])\s*=\s*1\s*\}\s*\^\s*\{?\s*([A-Z])(?![A-Za-z])"
)
#: ``\sum_{k=1}^{N} e^{…}``: the softmax's denominator, whose bound counts the classes.
_EXP_SUM = re.compile(r"\\sum(?:\\limits)?\s*_\s*\{[^{}]*\}\s*\^\s*\{?\s*([A-Z])\}?\s*e\s*\^")
_LETTER = r"(\\[a-z]+|[a-z])"
#: A family with two indices: ``z_{\tau,i}``, ``h_{t, m}``, ``V_{im}``.
_TWO_INDICES = re.compile(rf"(?<![\\A-Za-z])([A-Za-z])\s*_\s*\{{\s*{_LETTER}\s*,?\s*{_LETTER}\s*\}}")
#: ``\mathbf{h}_{\tau}``: a bold letter with one index, a vector of a family of vectors.
_BOLD_ENTRY = re.compile(r"\\(?:mathbf|boldsymbol|bm)\s*\{\s*([a-z])\s*\}\s*_\s*\{?\s*(\\[a-z]+|[a-z])\b")
#: A family with one index: ``L_{\tau}``, ``L_\tau``, ``x_t``.
_ONE_INDEX = re.compile(rf"(?<![\\A-Za-z])([A-Za-z])\s*_\s*(?:\{{\s*{_LETTER}\s*\}}|{_LETTER}(?![A-Za-z]))")
#: Numbered entries of a worked example: ``p_{2,3}``, and ``\mathbf{y}_2`` of a family of vectors.
_NUMBERED = re.compile(r"(?<![\\A-Za-z])([A-Za-z])\s*_\s*\{\s*(\d{1,3})\s*,\s*(\d{1,3})\s*\}")
_BOLD_NUMBERED = re.compile(
    r"\\(?:mathbf|boldsymbol|bm)\s*\{\s*([a-z])\s*\}\s*_\s*(?:\{\s*(\d{1,3})\s*\}|(\d))"
)
#: Families whose subscripts are not positions of a quantity: δ_{ik} pairs two indices.
_NOT_FAMILIES = frozenset({"delta"})


@dataclass(frozen=True)
class Ranges:
    """The ranges learned from a post: ``size`` counts the classes; ``letters`` maps an index
    letter (τ, m, j) to the bound it runs over, when that is not the classes; ``positions``
    maps (family, position) to its bound; ``vectors`` maps a family of vectors indexed by its
    first position (h of h_{τ,m}) to the number of entries of each."""

    size: str
    letters: tuple[tuple[str, str], ...]
    positions: tuple[tuple[tuple[str, int], str], ...]
    vectors: tuple[tuple[str, str], ...]
    #: The largest number the post writes at each bound's positions (p_{2,3}, \mathbf{y}_2):
    #: a worked example over 2 steps is over 2 steps in every one of its statements.
    examples: tuple[tuple[str, int], ...] = ()

    def shown(self, used: set[str] | None = None) -> str:
        """The ranges as the report states them: ``τ from 1 to T, j and m from 1 to H``; only
        of the letters in ``used``, if given."""
        by_bound: dict[str, list[str]] = defaultdict(list)
        for letter, bound in self.letters:
            if used is None or letter in used:
                by_bound[bound].append(letter)
        return ", ".join(
            f"{' and '.join(sorted(ls))} from 1 to {bound}" for bound, ls in sorted(by_bound.items())
        )


def _letter(text: str) -> str | None:
    """``\\tau`` → τ, ``k`` → k; a command that is no Greek letter → None."""
    if text.startswith("\\"):
        return grammar.GREEK.get(text[1:]) if text[1:] not in _NOT_FAMILIES else None
    return text


def _agreed(values: set[str]) -> str | None:
    return next(iter(values)) if len(values) == 1 else None


def learn_ranges(text: str) -> Ranges | None:
    """The ranges of a post's indices (see the module), or None for a post of one index range."""
    summed: dict[str, set[str]] = defaultdict(set)
    for variable, bound in _SUM.findall(text):
        letter = _letter(variable)
        if letter is not None:
            summed[letter].add(bound)
    bound_of = {letter: bound for letter, bounds in summed.items() if (bound := _agreed(bounds))}
    written: dict[tuple[str, int], set[str]] = defaultdict(set)
    for family, first, second in _TWO_INDICES.findall(text):
        a, b = _letter(first), _letter(second)
        if a is None or b is None or family in ("e", "d"):
            continue
        written[(family, 0)].add(a)
        written[(family, 1)].add(b)
    # L_τ: a family written with one index only (never with two) has that one position.
    two = {family for family, _ in written}
    for family, braced, plain in _ONE_INDEX.findall(text):
        letter = _letter(braced or plain)
        if letter is not None and family not in two and family not in ("e", "d"):
            written[(family, 0)].add(letter)
    positions = {}
    for place, letters in written.items():
        bounds = {bound_of[letter] for letter in letters if letter in bound_of}
        if bound := _agreed(bounds):
            positions[place] = bound
    # h_τ in bold where the post writes h_{τ,m}: the vector of step τ, of the second position's size.
    bold = {family for family, index in _BOLD_ENTRY.findall(text) if _letter(index) in bound_of}
    vectors = {
        family: positions[(family, 1)]
        for family in bold
        if (family, 0) in positions
        and (family, 1) in positions
        and positions[(family, 0)] != positions[(family, 1)]
    }
    if not any(
        (family, 1) in positions
        and positions.get((family, 0), positions[(family, 1)]) != positions[(family, 1)]
        for family, _ in positions
    ):
        return None
    exp_bounds = set(_EXP_SUM.findall(text))
    size = _agreed(exp_bounds)
    if size is None:
        return None  # which bound counts the classes is not said: the post is read as before
    free: dict[str, set[str]] = defaultdict(set)
    for place, letters in written.items():
        for letter in letters:
            if letter not in bound_of and place in positions:
                free[letter].add(positions[place])
    ranged = dict(bound_of)
    for letter, bounds in free.items():
        if bound := _agreed(bounds):
            ranged[letter] = bound
    letters = tuple(sorted((letter, bound) for letter, bound in ranged.items() if bound != size))
    examples: dict[str, int] = {}
    numbered = [(f, ((0, a), (1, b))) for f, a, b in _NUMBERED.findall(text)]
    numbered += [(f, ((0, a or b),)) for f, a, b in _BOLD_NUMBERED.findall(text)]
    for family, places in numbered:
        for place, number in places:
            bound = positions.get((family, place))
            if bound is not None:
                examples[bound] = max(examples.get(bound, 0), int(number))
    return Ranges(
        size,
        letters,
        tuple(sorted(positions.items())),
        tuple(sorted(vectors.items())),
        tuple(sorted(examples.items())),
    )


def concrete_bounds(exprs, ranged: Ranges) -> dict[str, int] | None:
    """The sizes of a worked example (p_{2,3} h_{2,2}: T = 2 steps, N = 3 classes, H = 2 units):
    for each bound, the largest number written at a position that runs over it. None where the
    statement has no numbered entry, or one at a position whose range is not known."""
    positions = dict(ranged.positions)
    found: dict[str, int] = {}
    for expr in exprs:
        for atom in expr.atoms(Indexed):
            for place, index in enumerate(atom.indices):
                if not index.is_Integer:
                    continue
                bound = positions.get((str(atom.base.label), place))
                if bound is None:
                    return None
                found[bound] = max(found.get(bound, 0), int(index))
    if not found:
        return None
    # The example's sizes from the whole post: a statement that leaves out its last step
    # (every entry without τ = 2) is not read as an example of one step.
    for bound, number in ranged.examples:
        found[bound] = max(found.get(bound, 0), number)
    return found
