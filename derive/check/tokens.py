"""TeX math to tokens, in one linear pass; Unicode math folded to the commands it stands for."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from derive.check.grammar import ACCENTS, DIFFERENTIAL_STYLES, DROPPED_WITH_ARGUMENT, SIZING, SPACING
from derive.errors import DeriveError

MAX_TOKENS = 4000


class Unreadable(DeriveError):
    """Math the reader cannot turn into SymPy; the reason names what it could not read."""


class ShapesDoNotMultiply(Unreadable):
    """A product of two matrices whose shapes do not fit (a column times a 3×3): a real mistake."""


@dataclass(frozen=True)
class Token:
    kind: str  # "cmd", "letter", "number", "char", "rowsep", "quad", "word"
    text: str
    start: int
    end: int


_UNICODE = {
    "∂": "\\partial ", "−": "-", "–": "-", "×": "\\times ", "·": "\\cdot ", "⋅": "\\cdot ",
    "∗": "*", "≠": "\\neq ", "≤": "\\le ", "≥": "\\ge ", "≈": "\\approx ", "Σ": "\\sum ",
    "∑": "\\sum ", "∏": "\\prod ", "→": "\\rightarrow ", "←": "\\leftarrow ", "⇒": "\\Rightarrow ",
    "∴": "\\therefore ", "∇": "\\nabla ", "⊙": "\\odot ", "∘": "\\circ ", "⊤": "\\top ",
    "ᵀ": "^{\\top}", "′": "'", "″": "''", "∞": "\\infty ", "π": "\\pi ", "‖": "\\| ",
    "∥": "\\| ", "⋯": "\\cdots ", "…": "\\cdots ", "⋮": "\\vdots ", "⋱": "\\ddots ",
    "²": "^{2}", "³": "^{3}", "√": "\\sqrt ", "∈": "\\in ",
}  # fmt: skip
_ACCENT_OF_MARK = {mark: name for name, mark in reversed(ACCENTS.items())}
# Letters of the scripts people write prose in: inside math they are words, not variables.
_PROSE_SCRIPTS = ("CJK", "HANGUL", "HIRAGANA", "KATAKANA")


def normalize_unicode(text: str) -> str:
    """Math italic and fullwidth letters to plain ones, ``ŷ`` to ``\\hat{y}``, symbols to commands."""
    out: list[str] = []
    for char in unicodedata.normalize("NFD", text):
        if char in _UNICODE:
            out.append(_UNICODE[char])
        elif unicodedata.combining(char) and out and char in _ACCENT_OF_MARK:
            out[-1] = f"\\{_ACCENT_OF_MARK[char]}{{{out[-1]}}}"
        elif "\uff01" <= char <= "\uff5e" or "MATHEMATICAL" in unicodedata.name(char, ""):
            out.append(unicodedata.normalize("NFKC", char))  # fullwidth ２ and math italic 𝑥
        else:
            out.append(char)
    # NFD split Hangul syllables into jamo; put them back together for the report.
    return unicodedata.normalize("NFC", "".join(out))


def is_prose_letter(char: str) -> bool:
    return ord(char) > 0x2E7F and unicodedata.name(char, "").startswith(_PROSE_SCRIPTS)


# Matched in place (pattern.match(text, position)): a slice text[position:] per token would
# copy the rest of the display each time, quadratic in its length.
_COMMAND = re.compile(r"\\([A-Za-z]+\*?|.)", re.S)
_NUMBER = re.compile(r"\d*\.?\d+|\d+")
_UPRIGHT_D = re.compile(r"\s*\{\s*d\s*\}")
_DROPPED_ARGUMENT = re.compile(r"\s*\{[^{}]*\}")
_DELIMITERS = {
    "|": "‖", "Vert": "‖", "lVert": "‖", "rVert": "‖", "vert": "|", "lvert": "|", "rvert": "|",
    "mid": "|", "lbrack": "[", "rbrack": "]", "lparen": "(", "rparen": ")", "{": "(", "}": ")",
    "lbrace": "(", "rbrace": ")", "_": "_name",
}  # fmt: skip


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    length = len(text)
    while position < length:
        char = text[position]
        if char.isspace():
            position += 1
        elif char == "%":
            newline = text.find("\n", position)
            position = length if newline < 0 else newline
        elif char == "\\":
            match = _COMMAND.match(text, position)
            if match is None:
                raise Unreadable("a lone backslash at the end")
            name, end = match.group(1), match.end()
            if name == "\\":
                tokens.append(Token("rowsep", name, position, end))
            elif name in ("quad", "qquad"):
                tokens.append(Token("quad", name, position, end))
            elif name in DIFFERENTIAL_STYLES and (upright := _UPRIGHT_D.match(text, end)):
                end = upright.end()
                tokens.append(Token("letter", "d", position, end))
            elif name in DROPPED_WITH_ARGUMENT:
                argument = _DROPPED_ARGUMENT.match(text, end)
                end = argument.end() if argument else end
            elif name in _DELIMITERS:
                tokens.append(Token("char", _DELIMITERS[name], position, end))
            elif name not in SPACING and name not in SIZING:
                tokens.append(Token("cmd", name, position, end))
            position = end
        elif char.isdigit() or (char == "." and text[position + 1 : position + 2].isdigit()):
            match = _NUMBER.match(text, position)
            tokens.append(Token("number", match.group(0), position, match.end()))
            position = match.end()
        elif is_prose_letter(char):
            end = position + 1
            while end < length and (is_prose_letter(text[end]) or text[end] == " "):
                end += 1
            tokens.append(Token("word", text[position:end].strip(), position, end))
            position = end
        elif char.isalpha():
            tokens.append(Token("letter", char, position, position + 1))
            position += 1
        else:
            tokens.append(Token("char", char, position, position + 1))
            position += 1
        if len(tokens) > MAX_TOKENS:
            raise Unreadable(f"longer than {MAX_TOKENS} tokens")
    return tokens
