"""Notation: which letters a post prints for the logits, probabilities, labels and classes.

The seeds of the classic derivation each use their own letters (z/p/y, o/ŷ/y, z/ŷ/y over c
classes, a/s/t). A :class:`Notation` only renames symbols at printing time: the proof, the
certificate and every check stay the same objects, whatever letters the reader sees.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace

from sympy import Symbol

from derive.errors import InvalidParameter

#: The roles a derivation's symbols can play, with the CLI option that renames each.
ROLES = ("logits", "probs", "labels", "classes")

#: A LaTeX accent a letter may carry, by the names a user may type for it.
_ACCENTS = {"hat": "hat", "bar": "bar", "tilde": "tilde", "\u0302": "hat", "\u0304": "bar", "\u0303": "tilde"}

_LETTER = re.compile(r"[A-Za-z]")
_COMMAND = re.compile(r"\\(hat|bar|tilde|widehat|widetilde)\{([A-Za-z])\}")
_SUFFIX = re.compile(r"([A-Za-z])-?(hat|bar|tilde)")


def letter(text: str) -> str:
    """The LaTeX for a letter as a user types it: ``y``, ``yhat``, ``y-hat``, ``ŷ`` or ``\\hat{y}``."""
    spelled = text.strip()
    if _LETTER.fullmatch(spelled):
        return spelled
    command = _COMMAND.fullmatch(spelled)
    if command:
        accent = command.group(1).removeprefix("wide")
        return f"\\{accent}{{{command.group(2)}}}"
    suffix = _SUFFIX.fullmatch(spelled)
    if suffix:
        return f"\\{suffix.group(2)}{{{suffix.group(1)}}}"
    decomposed = unicodedata.normalize("NFD", spelled)
    if len(decomposed) == 2 and _LETTER.fullmatch(decomposed[0]) and decomposed[1] in _ACCENTS:
        return f"\\{_ACCENTS[decomposed[1]]}{{{decomposed[0]}}}"
    raise InvalidParameter(
        f"'{text}' is not a letter derive can print; use one Latin letter, optionally with a "
        "hat, bar or tilde (y, yhat, ŷ, \\hat{y})"
    )


@dataclass(frozen=True)
class Notation:
    """The printed letter of each role; the defaults are the letters derive proves with."""

    logits: str = "z"
    probs: str = "p"
    labels: str = "y"
    classes: str = "N"

    def overridden(self, **letters: str | None) -> Notation:
        """This notation with some letters replaced, as typed by a user (``probs="yhat"``)."""
        return replace(self, **{role: letter(text) for role, text in letters.items() if text is not None})

    def names(self, symbols: Mapping[str, Symbol], reserved: set[str]) -> dict[Symbol, str]:
        """The printer's renaming for a derivation whose roles are played by ``symbols``.

        ``reserved`` are the names the post prints for everything else (L, S, indices, e, f …):
        a notation that prints two different things the same way would make the post ambiguous.
        """
        chosen = {role: getattr(self, role) for role in ROLES if role in symbols}
        seen: dict[str, str] = {}
        for role, printed in chosen.items():
            if printed in seen:
                raise InvalidParameter(f"--{seen[printed]} and --{role} are both '{printed}'")
            if printed in reserved:
                raise InvalidParameter(f"--{role} '{printed}' is already used for another symbol")
            seen[printed] = role
        return {symbols[role]: printed for role, printed in chosen.items() if printed != str(symbols[role])}


#: Presets named after the letters they print, in the order logits-probs-labels(-classes).
PRESETS: dict[str, Notation] = {
    "z-p-y": Notation(),
    "o-yhat-y": Notation(logits="o", probs="\\hat{y}"),
    "z-yhat-y-c": Notation(probs="\\hat{y}", classes="c"),
    "a-s-t": Notation(logits="a", probs="s", labels="t"),
}

DEFAULT_PRESET = "z-p-y"
