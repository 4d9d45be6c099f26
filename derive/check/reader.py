"""Reading hand-written LaTeX math into SymPy, with no guessing.

A small recursive-descent reader over TeX tokens, written for the notation of derivation
posts rather than for LaTeX at large. It builds the same objects derive's own derivations
use (``Indexed`` families with integer indices, ``Sum``, ``SumExcept``, ``Derivative``,
``KroneckerDelta``, ``Matrix``), so the :class:`~derive.verify.Verifier` proves a reader's
statement exactly as it proves derive's.

The traps of general LaTeX parsers are handled on purpose: ``e^{x}`` is the exponential,
``\\log`` and ``\\ln`` are natural logarithms, ``\\partial`` builds a derivative or is an
error, ``p_i(1 - p_i)`` is a product (only ``f``, ``g``, ``h`` and named functions are
called), and ``\\hat{y}`` is its own family ``ŷ``. Anything else the reader does not know
raises :class:`Unreadable` with the reason; nothing is evaluated from the text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from sympy import (
    Derivative,
    E,
    Eq,
    Expr,
    Function,
    ImmutableMatrix,
    Indexed,
    IndexedBase,
    Integer,
    KroneckerDelta,
    MatrixBase,
    Mul,
    Ne,
    Pow,
    Rational,
    Sum,
    Symbol,
    exp,
    log,
    tanh,
)
from sympy.matrices.expressions import DiagMatrix, MatrixExpr, MatrixSymbol, OneMatrix, ZeroMatrix

from derive.algebra import SumExcept
from derive.errors import DeriveError
from derive.matrices import Gradient

MAX_TOKENS = 4000
MAX_DEPTH = 60
MAX_POWER = 12


class Unreadable(DeriveError):
    """An equation the reader cannot turn into mathematics; it is reported as ``?``."""


@dataclass(frozen=True)
class Token:
    kind: str  # "cmd", "letter", "number", "char", "rowsep", "quad"
    text: str
    start: int
    end: int


# Spacing commands vanish; \quad and \qquad separate statements and annotations.
_SPACING = {
    ",",
    ";",
    ":",
    "!",
    " ",
    "thinspace",
    "medspace",
    "thickspace",
    "enspace",
    "displaystyle",
    "limits",
}
_IGNORED = {"nonumber", "notag", "left", "right", "big", "Big", "bigl", "bigr", "Bigl", "Bigr", "middle"}
_UNICODE = {
    "∂": "\\partial ",
    "−": "-",
    "×": "\\times ",
    "·": "\\cdot ",
    "⋅": "\\cdot ",
    "∗": "*",
    "≠": "\\neq ",
    "Σ": "\\sum ",
    "∑": "\\sum ",
    "→": "\\rightarrow ",
    "←": "\\leftarrow ",
    "∴": "\\therefore ",
}
_GREEK = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "epsilon": "ε",
    "varepsilon": "ε",
    "eta": "η",
    "theta": "θ",
    "lambda": "λ",
    "mu": "μ",
    "tau": "τ",
    "phi": "φ",
    "psi": "ψ",
    "omega": "ω",
    "Delta": "Δ",
}
_ACCENTS = {"hat": "\u0302", "widehat": "\u0302", "bar": "\u0304", "overline": "\u0304", "tilde": "\u0303"}
_STYLE = {"mathbf", "boldsymbol", "bm", "mathrm", "mathit", "vec", "mathbb", "mathcal"}
#: Styles that make a letter a vector or matrix when it stands without an index.
_BOLD = {"mathbf", "boldsymbol", "bm", "vec"}
_ARROWS = {"rightarrow", "longrightarrow", "Rightarrow", "Longrightarrow", "to", "implies", "mapsto"}
_NAMED_FUNCTIONS = {"log", "ln", "exp", "softmax", "tanh", "sigmoid"}
_GENERIC_FUNCTIONS = {"f", "g", "h"}
_MATRICES = {"bmatrix", "pmatrix", "matrix", "Bmatrix", "vmatrix"}
_TERM_END = {"+", "-", "=", ")", "]", "}", "&", ",", "|"}


def normalize_unicode(text: str) -> str:
    """Math italic letters to plain ones, ``ŷ`` to ``\\hat{y}``, symbols to commands."""
    out = []
    for char in unicodedata.normalize("NFD", text):
        if char in _UNICODE:
            out.append(_UNICODE[char])
        elif unicodedata.combining(char) and out and char in _ACCENTS.values():
            name = next(k for k, v in _ACCENTS.items() if v == char)
            out[-1] = f"\\{name}{{{out[-1]}}}"
        elif "MATHEMATICAL" in unicodedata.name(char, ""):
            out.append(unicodedata.normalize("NFKC", char))
        else:
            out.append(char)
    return "".join(out)


# Matched in place (pattern.match(text, position)): a slice text[position:] per token would
# copy the rest of the display each time, quadratic in its length.
_COMMAND = re.compile(r"\\([A-Za-z]+|.)", re.S)
_NUMBER = re.compile(r"\d*\.?\d+|\d+")


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char.isspace():
            position += 1
        elif char == "%":
            newline = text.find("\n", position)
            position = len(text) if newline < 0 else newline
        elif char == "\\":
            match = _COMMAND.match(text, position)
            if match is None:
                raise Unreadable("a lone backslash at the end")
            name = match.group(1)
            end = match.end()
            if name == "\\":
                tokens.append(Token("rowsep", name, position, end))
            elif name in ("quad", "qquad"):
                tokens.append(Token("quad", name, position, end))
            elif name in ("{", "}"):
                tokens.append(Token("char", "(" if name == "{" else ")", position, end))
            elif name not in _SPACING and name not in _IGNORED:
                tokens.append(Token("cmd", name, position, end))
            position = end
        elif char.isdigit() or (char == "." and text[position + 1 : position + 2].isdigit()):
            match = _NUMBER.match(text, position)
            tokens.append(Token("number", match.group(0), position, match.end()))
            position = match.end()
        elif char.isalpha():
            tokens.append(Token("letter", char, position, position + 1))
            position += 1
        else:
            tokens.append(Token("char", char, position, position + 1))
            position += 1
        if len(tokens) > MAX_TOKENS:
            raise Unreadable(f"longer than {MAX_TOKENS} tokens")
    return tokens


@dataclass(frozen=True)
class Case:
    """One branch of a ``cases`` environment: a value and its condition (None: otherwise)."""

    value: Expr
    condition: Expr | None


@dataclass(frozen=True)
class Cases:
    branches: tuple[Case, ...]


@dataclass
class Statement:
    """``sides[0] = sides[1] = …``; ``continues`` when the first side was left empty (``= b``)."""

    sides: list
    continues: bool = False
    relation: str = "eq"
    spans: tuple = ()  # (start, end) of each side in the text the tokens came from


@dataclass(frozen=True)
class Letters:
    """What the whole post says about its letters, learned before any equation is read."""

    size: Symbol = field(default_factory=lambda: Symbol("N", integer=True, positive=True))
    index_letters: frozenset = frozenset("ijknmct")
    #: The number of columns of a bold capital (a weight matrix): the post's second sum bound.
    columns: Symbol | None = None
    #: Families whose index runs to ``columns`` (x_j in Σ_{j=1}^{M} W_{ij} x_j): as bold
    #: vectors they have that many entries.
    column_families: frozenset = frozenset()
    #: Index letters summed to ``columns`` (the j of Σ_{j=1}^{M}): free, they run over 1..M.
    column_indices: frozenset = frozenset()


class Reader:
    """Reads one row of math. ``variable`` is what a prime ``'`` differentiates by."""

    def __init__(self, tokens: list[Token], letters: Letters, variable: Expr | None = None) -> None:
        # A copy: reading a fraction's arguments may split a number token (\frac12 is 1 over 2).
        self.tokens = list(tokens)
        self.position = 0
        self.letters = letters
        self.variable = variable
        self.depth = 0

    # -- token helpers ---------------------------------------------------------------------

    def peek(self, offset: int = 0) -> Token | None:
        index = self.position + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def at(self, kind: str, text: str | None = None, offset: int = 0) -> bool:
        token = self.peek(offset)
        return token is not None and token.kind == kind and (text is None or token.text == text)

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise Unreadable("the equation ends too early")
        self.position += 1
        return token

    def expect(self, kind: str, text: str) -> None:
        token = self.take()
        if token.kind != kind or token.text != text:
            shown = {"(": "{ or (", ")": "} or )"}.get(text, text)
            raise Unreadable(f"expected {shown} but found {token.text!r}")

    def done(self) -> bool:
        return self.position >= len(self.tokens)

    # -- statements ------------------------------------------------------------------------

    def statement(self) -> Statement:
        sides: list = []
        spans: list = []
        continues = self.at("char", "=")
        relation = "eq"

        def side() -> None:
            start = self.peek()
            sides.append(self.side())
            end = self.tokens[self.position - 1]
            spans.append((start.start if start else end.end, end.end))

        if not continues:
            side()
        while not self.done():
            token = self.take()
            if token.kind == "char" and token.text == "=":
                side()
            elif (token.kind == "cmd" and token.text in ("neq", "ne")) or (
                token.text in ("!", "not") and self.at("char", "=") and self.take()
            ):
                relation = "ne"
                side()
            else:
                raise Unreadable(f"unexpected {token.text!r}")
        return Statement(sides, continues, relation, tuple(spans))

    def side(self):
        if self.at("cmd", "begin") and self._environment_name() == "cases":
            return self.cases()
        return self.expression()

    # -- expressions -----------------------------------------------------------------------

    def expression(self) -> Expr:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise Unreadable(f"nested more than {MAX_DEPTH} deep")
        try:
            terms = []
            sign = 1
            if self.at("char", "+"):
                self.take()
            elif self.at("char", "-"):
                self.take()
                sign = -1
            terms.append(sign * self.term())
            while self.at("char", "+") or self.at("char", "-"):
                sign = 1 if self.take().text == "+" else -1
                terms.append(sign * self.term())
            if not terms:
                raise Unreadable("an empty expression")
            total = terms[0]
            for term in terms[1:]:
                total = total + term
            return total
        finally:
            self.depth -= 1

    def _term_ends(self) -> bool:
        token = self.peek()
        if token is None or token.kind in ("rowsep", "quad"):
            return True
        if token.kind == "char" and token.text in _TERM_END:
            return True
        return token.kind == "cmd" and (
            token.text in ("neq", "ne", "end", "right", "over", "not", "leftarrow", "therefore")
            or token.text in _ARROWS
        )

    def term(self) -> Expr:
        factors: list[Expr] = []
        while not self._term_ends():
            if self.at("cmd", "cdot") or self.at("cmd", "times") or self.at("char", "*"):
                self.take()
                if not factors:
                    raise Unreadable("a product sign with nothing before it")
                continue
            if self.at("char", "/"):
                self.take()
                if not factors:
                    raise Unreadable("a division sign with nothing before it")
                factors.append(Pow(self.factor(), -1))
                continue
            if self.at("cmd", "sum"):
                factors.append(self.sum())
                break
            operator = self.derivative_operator()
            if operator is not None:
                body = self.term()
                factors.append(Derivative(body, operator))
                break
            factors.append(self.factor())
        if not factors:
            raise Unreadable("a term with nothing in it")
        product = factors[0]
        for factor in factors[1:]:
            product = _multiply(product, factor)
        return product

    def factor(self) -> Expr:
        if self.at("char", "-"):
            self.take()
            return -self.factor()
        base = self.primary()
        while True:
            if self.at("char", "^") and self._transpose_follows(isinstance(base, MatrixExpr)):
                if not isinstance(base, MatrixExpr):
                    raise Unreadable("a transpose of something that is not a vector or matrix")
                base = base.T
            elif self.at("char", "^"):
                self.take()
                exponent = self.script()
                if isinstance(exponent, Expr) and exponent.is_Integer and abs(exponent) > MAX_POWER:
                    raise Unreadable(f"the power {exponent} is too large to check")
                if base == E and isinstance(exponent, Symbol) and exponent.is_integer:
                    raise Unreadable(
                        f"e^{{{exponent}}} raises e to the index {exponent}; write e^{{a_{exponent}}}"
                    )
                base = exp(exponent) if base == E else Pow(base, exponent)
            elif self.at("char", "'"):
                self.take()
                if self.variable is None:
                    raise Unreadable("a prime ' with no variable to differentiate by")
                if not base.has(self.variable):
                    raise Unreadable(
                        f"a prime ' on something without {self.variable}: which variable is meant?"
                    )
                base = Derivative(base, self.variable)
            else:
                return base

    def _transpose_follows(self, of_matrix: bool) -> bool:
        """At ``^``: is it ``^\\top`` or ``^{\\top}`` (or ``^T`` of a matrix)? If so, it is taken."""
        marks = ("top", "T") if of_matrix else ("top",)
        for pattern in ([0, 1], [0, "{", 1, "}"]):
            texts = [t.text if (t := self.peek(n)) is not None else None for n in range(len(pattern))]
            mark = texts[pattern.index(1)]
            shape = ["^" if p == 0 else mark if p == 1 else p for p in pattern]
            if texts == shape and mark in marks:
                self.position += len(pattern)
                return True
        return False

    def script(self) -> Expr:
        """A superscript: a braced group or a single token."""
        if self.at("char", "{"):
            return self.group()
        token = self.take()
        if token.kind == "number":
            return _single_digit(token.text)
        if token.kind == "letter":
            return self.symbol(token.text)
        if token.kind == "cmd" and token.text in _GREEK:
            return self.symbol(_GREEK[token.text])
        raise Unreadable(f"cannot read the exponent {token.text!r}")

    def group(self) -> Expr:
        """``{…}``, or TeX's infix fraction ``{a \\over b}``; a stray ``\\\\`` inside is layout."""
        tokens = [t for t in self.braced_tokens() if t.kind != "rowsep"]
        depth = 0
        for index, token in enumerate(tokens):
            depth += token.kind == "char" and token.text == "{"
            depth -= token.kind == "char" and token.text == "}"
            if depth == 0 and token.kind == "cmd" and token.text == "over":
                return self._fraction(tokens[:index], tokens[index + 1 :])
        return self._whole(tokens)

    def primary(self) -> Expr:
        token = self.peek()
        if token is None:
            raise Unreadable("the equation ends too early")
        if token.kind == "number":
            self.take()
            return _number(token.text)
        if token.kind == "letter":
            return self.letter_run()
        if token.kind == "char":
            if token.text == "{":
                return self.group()
            if token.text in "([":
                self.take()
                return self.bracketed()
            if token.text == "|":
                raise Unreadable("absolute values and norms are not supported")
            raise Unreadable(f"unexpected {token.text!r}")
        if token.kind == "cmd":
            return self.command()
        raise Unreadable(f"unexpected {token.text!r}")

    def bracketed(self) -> Expr:
        """``( … )`` or ``[ … ]``, after the opening bracket."""
        value = self.expression()
        token = self.take()
        if token.kind != "char" or token.text not in ")]":
            raise Unreadable(f"expected a closing bracket but found {token.text!r}")
        return value

    def letter_run(self) -> Expr:
        """A letter, or a run of letters written together (a name such as CE or log)."""
        first = self.take()
        run = [first]
        while self.at("letter") and self.peek().start == run[-1].end:
            run.append(self.take())
        name = "".join(t.text for t in run)
        if name in _NAMED_FUNCTIONS:
            return self.named_function(name)
        if name == "e" and self.at("char", "^"):
            return E
        if len(name) == 1 and name in _GENERIC_FUNCTIONS and self.at("char", "("):
            return self.generic_function(name)
        if len(name) == 1 and name in _GENERIC_FUNCTIONS and self.at("char", "'"):
            self.take()
            call = self.generic_function(name)
            if not isinstance(call.args[0], Symbol):
                raise Unreadable(f"{name}'(…) is read only at a plain variable such as x")
            return Derivative(call, call.args[0])
        return self.subscripted(name)

    def generic_function(self, name: str) -> Expr:
        self.expect("char", "(")
        argument = self.expression()
        self.expect("char", ")")
        # At a number, f(2) is a value of a function the post defines (f(x) = x² + 1).
        if isinstance(argument, Expr) and argument.is_number:
            return Function(name)(argument)
        if not isinstance(argument, Symbol) or argument.is_integer:
            raise Unreadable(f"{name}(…) is read as a function of a plain variable such as x, or at a number")
        return Function(name)(argument)

    def symbol(self, name: str) -> Symbol:
        if name == self.letters.size.name:
            return self.letters.size
        if self.letters.columns is not None and name == self.letters.columns.name:
            return self.letters.columns
        if len(name) == 1 and name in self.letters.index_letters:
            return Symbol(name, integer=True, positive=True)
        return Symbol(name)

    def subscripted(self, name: str) -> Expr:
        if not self.at("char", "_"):
            if name == "e":
                return E
            return self.symbol(name)
        self.take()
        indices = self.subscript()
        if name == "δ" or name == "delta":
            if len(indices) != 2:
                raise Unreadable("a Kronecker delta needs two indices")
            return KroneckerDelta(*indices)
        return Indexed(IndexedBase(name), *indices)

    def subscript(self) -> list[Expr]:
        if not self.at("char", "{"):
            token = self.take()
            if token.kind == "number":
                return [_single_digit(token.text)]
            if token.kind == "letter":
                return [self.symbol(token.text)]
            raise Unreadable(f"cannot read the subscript {token.text!r}")
        self.take()
        start = self.position
        # Letters written together are separate indices (δ_{ij}); anything else is an expression.
        plain = []
        while self.at("letter") or self.at("number") or self.at("char", ","):
            token = self.take()
            if token.kind != "char":
                plain.append(token)
        if self.at("char", "}") and plain and all(t.kind == "letter" for t in plain):
            self.take()
            return [self.symbol(t.text) for t in plain]
        if self.at("char", "}") and len(plain) > 1 and all(t.kind == "number" for t in plain):
            self.take()  # W_{1,2}: one number per index
            return [_number(t.text) for t in plain]
        if self.at("char", "}") and len(plain) == 1:
            self.take()
            return [Integer(plain[0].text)] if plain[0].text.isdigit() else [_number(plain[0].text)]
        self.position = start
        value = self.expression()
        self.expect("char", "}")
        return [value]

    def named_function(self, name: str) -> Expr:
        if self.at("char", "_"):
            self.take()
            base = self.script()
            if name != "log":
                raise Unreadable(f"{name} with a subscript")
            argument = self.function_argument()
            return log(argument) if base == E or base == Symbol("e") else log(argument, base)
        argument = self.function_argument()
        if name in ("log", "ln"):
            return log(argument)
        if name == "exp":
            return exp(argument)
        if name == "tanh":
            return tanh(argument)
        if name == "sigmoid":
            return 1 / (1 + exp(-argument))
        return self.softmax(argument)

    def function_argument(self) -> Expr:
        if self.at("char", "(") or self.at("char", "["):
            self.take()
            return self.bracketed()
        bracketed = self._braced_brackets()
        if bracketed is not None:
            return bracketed
        return self.factor()

    def _braced_brackets(self) -> Expr | None:
        """``{(x)}`` or ``{\\left(x \\right)}`` as a whole argument, else None (nothing is taken).

        SymPy writes (log x)² as ``\\log{\\left(x \\right)}^{2}``, which shows as log(x)², so
        a power after the braces is the function's, as in ``\\log(x)^2``; ``\\log{x}^2`` shows
        as log x², so there the power stays the argument's, as in ``\\log x^2``.
        """
        if not (self.at("char", "{") and (self.at("char", "(", 1) or self.at("char", "[", 1))):
            return None
        start = self.position
        self.position += 2
        value = self.bracketed()
        if self.at("char", "}"):
            self.take()
            return value
        self.position = start  # {(a)(b)} or {(a) + b}: an ordinary group, read by factor
        return None

    def softmax(self, argument) -> Expr:
        size = self.letters.size
        if isinstance(argument, MatrixBase):
            entries = list(argument)
            total = sum((exp(e) for e in entries), Integer(0))
            return argument.applyfunc(lambda e: exp(e) / total)
        if isinstance(argument, Indexed) and len(argument.indices) == 1:
            bound = Symbol("softmax_k", integer=True, positive=True)
            return exp(argument) / Sum(exp(argument.base[bound]), (bound, 1, size))
        raise Unreadable("softmax of something other than a vector or one of its entries")

    # -- commands --------------------------------------------------------------------------

    def command(self) -> Expr:
        token = self.take()
        name = token.text
        if name in ("frac", "dfrac", "tfrac"):
            return self.frac()
        if name in ("log", "ln", "exp", "tanh"):
            return self.named_function(name)
        if name == "sigma" and self.at("char", "("):
            return self.named_function("sigmoid")
        if name in ("text", "mathrm", "operatorname") and self.at("char", "{"):
            word = self.raw_group()
            if word == "diag":
                vector = self.function_argument()
                if not (isinstance(vector, MatrixExpr) and vector.shape[1] == 1):
                    raise Unreadable("diag of something that is not a vector")
                return DiagMatrix(vector)
            if word in _NAMED_FUNCTIONS:
                return self.named_function(word)
            if not word or not re.fullmatch(r"[A-Za-z][\w-]*", word):
                raise Unreadable(f"the text {word!r} inside an equation")
            return self.subscripted(word)
        if name in _ACCENTS:
            inner = self.raw_group()
            if not re.fullmatch(r"[A-Za-z]", inner):
                raise Unreadable(f"\\{name} over {inner!r}")
            return self.subscripted(inner + _ACCENTS[name])
        if name in _BOLD and not self._bold_entry():
            return self.bold(self.raw_group())
        if name in _STYLE:
            inner = self.raw_group()
            accent = re.fullmatch(r"\\(hat|widehat|bar|overline|tilde)\{([A-Za-z])\}", inner)
            if accent:
                return self.subscripted(accent.group(2) + _ACCENTS[accent.group(1)])
            if not re.fullmatch(r"[A-Za-z]", inner):
                raise Unreadable(f"\\{name}{{{inner}}}")
            return self.subscripted(inner)
        if name in ("boxed", "cancel", "bcancel", "xcancel", "underbrace", "overbrace"):
            return self.group()
        if name == "delta":
            return self.subscripted("δ")
        if name in _GREEK:
            return self.subscripted(_GREEK[name])
        if name == "partial":
            raise Unreadable("a ∂ that is not part of a derivative ∂a/∂b")
        if name == "begin":
            environment = self._environment_name()
            if environment in _MATRICES:
                return self.matrix()
            raise Unreadable(f"the environment {environment} inside an equation")
        if name in ("cdots", "ldots", "dots", "vdots"):
            raise Unreadable("elided terms (…) cannot be checked")
        if name in ("infty", "int", "prod", "lim", "max", "min", "argmax", "nabla"):
            raise Unreadable(f"\\{name} is not supported by the checker")
        raise Unreadable(f"unknown command \\{name}")

    def _bold_entry(self) -> bool:
        """``\\mathbf{x}_i`` is an entry of the vector, read as ``x_i``; a bare ``\\mathbf{x}`` is not."""
        if not self.at("char", "{"):
            return False
        depth, index = 0, 0
        while (token := self.peek(index)) is not None:
            depth += token.kind == "char" and token.text == "{"
            depth -= token.kind == "char" and token.text == "}"
            index += 1
            if depth == 0:
                return self.at("char", "_", index)
        return False

    def bold(self, inner: str) -> Expr:
        """A bold letter is a vector (lower case: N entries) or a matrix (capital: N × columns).

        ``\\mathbf{0}`` and ``\\mathbf{1}`` are the vectors of zeros and ones.
        """
        size = self.letters.size
        if inner in ("0", "1"):
            return (ZeroMatrix if inner == "0" else OneMatrix)(size, 1)
        accent = re.fullmatch(r"\\(hat|widehat|bar|overline|tilde)\{([A-Za-z])\}", inner)
        if accent:
            name = accent.group(2) + _ACCENTS[accent.group(1)]
        elif re.fullmatch(r"[A-Za-z]", inner):
            name = inner
        else:
            raise Unreadable(f"the bold {inner!r}")
        columns = self.letters.columns or size
        if name[0].isupper():
            return MatrixSymbol(name, size, columns)
        return MatrixSymbol(name, columns if name in self.letters.column_families else size, 1)

    def raw_group(self) -> str:
        """The text of a braced group, as written (``\\text{if }`` → ``if``)."""
        if not self.at("char", "{"):
            raise Unreadable(f"expected {{ but found {self.take().text!r}")
        return "".join(t.text if t.kind != "cmd" else "\\" + t.text for t in self.braced_tokens()).strip()

    def _environment_name(self) -> str:
        # Positioned at or just after \begin.
        offset = 1 if self.at("cmd", "begin") else 0
        if not self.at("char", "{", offset):
            raise Unreadable("\\begin without an environment name")
        parts = []
        index = offset + 1
        while self.peek(index) is not None and not self.at("char", "}", index):
            parts.append(self.peek(index).text)
            index += 1
        return "".join(parts)

    def _skip_environment_name(self) -> str:
        name = self._environment_name()
        if self.at("cmd", "begin"):
            self.take()
        self.raw_group()
        return name

    def matrix(self) -> Expr:
        name = self._skip_environment_name()
        rows: list[list[Expr]] = [[]]
        while True:
            if self.at("cmd", "end"):
                self.take()
                self.raw_group()
                break
            rows[-1].append(self.expression())
            if self.at("char", "&"):
                self.take()
            elif self.at("rowsep"):
                self.take()
                if not self.at("cmd", "end"):
                    rows.append([])
            elif not self.at("cmd", "end"):
                raise Unreadable(f"unexpected {self.take().text!r} in a matrix")
        if len({len(r) for r in rows}) != 1:
            raise Unreadable("matrix rows of different lengths")
        if name == "vmatrix":
            raise Unreadable("determinants are not supported")
        return ImmutableMatrix(rows)

    def cases(self) -> Cases:
        self._skip_environment_name()
        branches = []
        while not self.at("cmd", "end"):
            value = self.expression()
            condition_tokens = []
            while not (self.at("rowsep") or self.at("cmd", "end")):
                condition_tokens.append(self.take())
            branches.append(Case(value, self.condition(condition_tokens)))
            if self.at("rowsep"):
                self.take()
        self.take()
        self.raw_group()
        return Cases(tuple(branches))

    def condition(self, tokens: list[Token]):
        """``, & \\text{if } i = j``, ``\\quad (i \\neq n)``, ``\\text{otherwise}``: a relation or None."""
        reader = Reader(
            [t for t in tokens if not (t.kind == "char" and t.text in ",&():") and t.kind != "quad"],
            self.letters,
        )
        words, relation = [], []
        while not reader.done():
            if reader.at("cmd", "text"):
                reader.take()
                words.append(reader.raw_group())
            else:
                relation.append(reader.take())
        if any(w in ("otherwise", "else", "sonst") for w in words):
            return None
        if not relation:
            if not words:
                return None
            if all(w in ("if", "for", "when", "") for w in words):
                raise Unreadable("a case without a condition")
            raise Unreadable(f"cannot read the condition {' '.join(words)!r}")
        statement = Reader(relation, self.letters).statement()
        if len(statement.sides) != 2 or statement.continues:
            raise Unreadable(f"cannot read the condition {''.join(t.text for t in relation)!r}")
        a, b = statement.sides
        return Ne(a, b) if statement.relation == "ne" else Eq(a, b)

    # -- fractions and derivatives ---------------------------------------------------------

    def frac(self) -> Expr:
        numerator_tokens, denominator_tokens = self.frac_arguments()
        return self._fraction(numerator_tokens, denominator_tokens)

    def frac_arguments(self) -> tuple[list[Token], list[Token]]:
        """The two arguments of ``\\frac``, each a braced group or a single TeX token.

        TeX reads digits one at a time, so ``\\frac12 x`` is ½·x, not 12/x: a number the
        tokenizer kept whole is split here. Digits glued on after the denominator
        (``\\frac123``, ½ followed by 3) are refused, as ``z_12`` is.
        """
        numerator = self._frac_argument()
        denominator = self._frac_argument()
        after = self.peek()
        if (
            len(denominator) == 1
            and denominator[0].kind == "number"
            and after is not None
            and after.kind == "number"
            and after.start == denominator[0].end
        ):
            raise Unreadable(
                f"a \\frac whose denominator is the digit {denominator[0].text} alone, "
                f"with {after.text} run on after it: write \\frac{{…}}{{…}}"
            )
        return numerator, denominator

    def _frac_argument(self) -> list[Token]:
        token = self.peek()
        if token is not None and token.kind == "number" and len(token.text) > 1:
            if not (token.text[0].isdigit() and token.text[1].isdigit()):
                raise Unreadable(f"\\frac followed by {token.text} without braces: write \\frac{{…}}{{…}}")
            # The split is kept in self.tokens, so a reader that backs up reads the same tokens again.
            first = Token("number", token.text[0], token.start, token.start + 1)
            rest = Token("number", token.text[1:], token.start + 1, token.end)
            self.tokens[self.position : self.position + 1] = [first, rest]
        return self.braced_tokens()

    def braced_tokens(self) -> list[Token]:
        if not self.at("char", "{"):
            token = self.take()
            return [token]
        self.take()
        depth, tokens = 1, []
        while True:
            token = self.take()
            if token.kind == "char" and token.text == "{":
                depth += 1
            elif token.kind == "char" and token.text == "}":
                depth -= 1
                if depth == 0:
                    return tokens
            tokens.append(token)

    def _sub(self, tokens: list[Token]) -> Reader:
        sub = Reader(tokens, self.letters, self.variable)
        sub.depth = self.depth + 1
        if sub.depth > MAX_DEPTH:
            raise Unreadable(f"nested more than {MAX_DEPTH} deep")
        return sub

    def _whole(self, tokens: list[Token]) -> Expr:
        sub = self._sub(tokens)
        value = sub.expression()
        if not sub.done():
            raise Unreadable(f"unexpected {sub.peek().text!r}")
        return value

    def _fraction(self, numerator: list[Token], denominator: list[Token]):
        variable = self._differential(denominator)
        if variable is not None:
            operator = numerator[:1]
            rest = numerator[1:]
            is_d = operator and operator[0].kind == "letter" and operator[0].text == "d"
            is_partial = operator and operator[0].kind == "cmd" and operator[0].text == "partial"
            if not (is_d or is_partial):
                raise Unreadable("a fraction over d… or ∂… that is not a derivative")
            if rest and rest[0].kind == "char" and rest[0].text == "^":
                raise Unreadable("higher derivatives are not supported")
            if not rest:
                raise Unreadable("a derivative operator ∂/∂x with nothing to differentiate")
            self.variable = variable  # a later prime in the same statement means d/d(variable)
            inner = self._sub(rest)
            inner.variable = variable
            value = inner.expression()
            if not inner.done():
                raise Unreadable(f"unexpected {inner.peek().text!r}")
            if isinstance(variable, MatrixSymbol):
                if isinstance(value, MatrixExpr):
                    raise Unreadable("a derivative of a vector by a vector (a Jacobian) is not supported")
                return Gradient(value, variable)
            return Derivative(value, variable)
        if numerator and numerator[0].kind == "cmd" and numerator[0].text == "partial":
            raise Unreadable("∂ over something that is not ∂ of a variable")
        return _multiply(self._whole(numerator), Pow(self._whole(denominator), -1))

    def _differential(self, tokens: list[Token]) -> Expr | None:
        """The variable of ``∂x`` or ``dx``, or None if ``tokens`` is not a differential."""
        if not tokens:
            return None
        first = tokens[0]
        partial = first.kind == "cmd" and first.text == "partial"
        if partial or (first.kind == "letter" and first.text == "d" and len(tokens) > 1):
            rest = tokens[1:]
        else:
            return None
        sub = self._sub(rest)
        variable = sub.factor()
        if not sub.done():
            return (
                None
                if first.kind == "letter"
                else _raise(f"cannot read the variable after ∂: {rest[0].text!r}")
            )
        if isinstance(variable, Symbol) and variable.is_integer:
            raise Unreadable(
                f"a derivative with respect to the index {variable} (did you mean one component?)"
            )
        if not isinstance(variable, (Symbol, Indexed, MatrixSymbol)):
            raise Unreadable("a derivative with respect to something that is not a variable")
        return variable

    def derivative_operator(self) -> Expr | None:
        """``\\frac{∂}{∂x}`` or ``\\frac{d}{dx}`` standing before what it differentiates."""
        if not (self.at("cmd", "frac") or self.at("cmd", "dfrac")):
            return None
        start = self.position
        self.take()
        numerator, denominator = self.frac_arguments()
        if len(numerator) == 1 and self._differential(denominator) is not None:
            first = numerator[0]
            if (first.kind == "cmd" and first.text == "partial") or (
                first.kind == "letter" and first.text == "d"
            ):
                variable = self._differential(denominator)
                self.variable = variable
                return variable
        self.position = start
        return None

    def sum(self) -> Expr:
        self.take()
        variable, lower, upper, excluded = None, Integer(1), self.letters.size, None
        if self.at("char", "_"):
            self.take()
            tokens = self.braced_tokens()
            variable, lower, excluded = self._sum_range(tokens)
        if self.at("char", "^"):
            self.take()
            upper = self.script()
        if variable is None:
            raise Unreadable("a sum without its index")
        body = self.term()
        if excluded is not None:
            return SumExcept(body, (variable, lower, upper), excluded)
        return Sum(body, (variable, lower, upper))

    def _sum_range(self, tokens: list[Token]):
        sub = self._sub(tokens)
        if not sub.at("letter"):
            raise Unreadable("a sum whose index is not a letter")
        variable = sub.symbol(sub.take().text)
        if not variable.is_integer:
            raise Unreadable(f"the summation index {variable} is not used as an index in the post")
        if sub.done():
            return variable, Integer(1), None
        token = sub.take()
        if token.kind == "char" and token.text == "=":
            lower = sub.expression()
            if not sub.done():
                raise Unreadable("cannot read the range of the sum")
            return variable, lower, None
        negated = (token.kind == "cmd" and token.text in ("neq", "ne")) or (
            token.kind in ("cmd", "char") and token.text in ("not", "!") and sub.at("char", "=")
        )
        if negated:
            if sub.at("char", "="):
                sub.take()
            excluded = sub.expression()
            if not sub.done():
                raise Unreadable("cannot read the range of the sum")
            return variable, Integer(1), excluded
        raise Unreadable("cannot read the range of the sum")


def _raise(message: str):
    raise Unreadable(message)


def _single_digit(text: str) -> Expr:
    # TeX takes one character after _ or ^ without braces: z_12 is z_1 times 2.
    if len(text) > 1:
        raise Unreadable(f"_{text} or ^{text} without braces: write {{{text}}}")
    return Integer(text)


def _number(text: str) -> Expr:
    return Rational(text) if "." in text else Integer(text)


def _multiply(a, b):
    if isinstance(a, (MatrixBase, MatrixExpr)) or isinstance(b, (MatrixBase, MatrixExpr)):
        return a * b
    return Mul(a, b)


def read_statement(tokens: list[Token], letters: Letters, variable: Expr | None = None) -> Statement:
    """Read one row of math: a statement ``a = b = …``, ``= b`` or a bare expression."""
    if not tokens:
        raise Unreadable("an empty equation")
    reader = Reader(tokens, letters, variable)
    try:
        return reader.statement()
    except RecursionError as error:
        raise Unreadable("nested too deeply") from error
    except (TypeError, ValueError, AttributeError, IndexError) as error:
        # SymPy rejects some combinations (a matrix plus a number, …); that is unreadable math.
        raise Unreadable(f"not a well-formed expression ({error})") from error
