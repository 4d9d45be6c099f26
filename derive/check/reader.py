"""Reading hand-written LaTeX math into SymPy, every plausible way and no other.

A recursive descent over TeX tokens that follows :mod:`derive.check.grammar`, written for the
notation of derivation posts rather than for LaTeX at large. It builds the objects derive's own
derivations use (``Indexed`` families with integer indices, ``Sum``, ``SumExcept``,
``Derivative``, ``KroneckerDelta``, ``Matrix``), so the :class:`~derive.verify.Verifier` proves
a reader's statement exactly as it proves derive's.

Where the text can be read more than one way, the reader does not pick one. Each such place is
a *choice* (:class:`Choices`): ``p(1 - p)`` is an application of p or a product, ``2 3`` is 23
or 6, ``\\log x y`` is log(xy) or log(x)·y. :func:`read_readings` reads the statement once for
every combination of choices and returns every reading that parses. What the post says about
its names (:class:`PostNames`: p is used on its own, f is applied to arguments) settles a
choice before it is made, and the reading records how.

Nothing read is evaluated: no text reaches ``eval``, ``sympify`` or ``parse_expr``. Reading is
linear in the tokens for each reading, recursion is bounded by ``MAX_DEPTH``, and the readings
of one statement by ``MAX_READINGS``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from sympy import (
    Abs,
    Derivative,
    Dummy,
    E,
    Expr,
    Function,
    ImmutableMatrix,
    Indexed,
    IndexedBase,
    Integer,
    KroneckerDelta,
    MatrixBase,
    Mul,
    Pow,
    Product,
    Rational,
    Subs,
    Sum,
    Symbol,
    exp,
    log,
    root,
    sqrt,
)
from sympy.matrices.expressions import DiagMatrix, MatrixExpr, MatrixSymbol, OneMatrix, ZeroMatrix

from derive.algebra import SumExcept
from derive.check import grammar
from derive.check.tokens import Token, Unreadable, normalize_unicode, tokenize
from derive.matrices import Gradient

MAX_DEPTH = 60
MAX_POWER = 12
#: A power of a number is worked out exactly; past this exponent it is refused.
MAX_NUMBER_POWER = 1000
#: Readings of one statement; past this the statement is refused as too ambiguous.
MAX_READINGS = 16
#: Terms a sum or product with concrete limits may have; more is refused before anything grows.
MAX_TERMS = 10_000

__all__ = [
    "Case",
    "Cases",
    "Letters",
    "PostNames",
    "Statement",
    "Token",
    "Unreadable",
    "normalize_unicode",
    "read_readings",
    "read_statement",
    "tokenize",
]


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
    """``sides[0] = sides[1] = …``; ``continues`` when the first side was left empty (``= b``).

    ``relation`` is ``"eq"`` when every link is an equation (or a definition ``:=``), else the
    first other relation (``"ne"``, ``"lt"``, ``"le"``, ``"gt"``, ``"ge"``, ``"approx"``).
    """

    sides: list
    continues: bool = False
    relation: str = "eq"
    spans: tuple = ()  # (start, end) of each side in the text the tokens came from

    def key(self) -> tuple:
        return (tuple(self.sides), self.continues, self.relation)


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


@dataclass(frozen=True)
class PostNames:
    """What a post shows about its names, which settles ``p(…)``: application or product.

    ``functions``: names the post applies to arguments where nothing else is possible
    (``f(x, y)``, ``f'(x)``, a definition ``f(x) = …``). ``values``: names it writes on their
    own (``p_i = …``, ``1 - p_i``). A name in one set only is settled; in both or neither,
    both readings stay.
    """

    functions: frozenset = frozenset()
    values: frozenset = frozenset()
    #: Functions by convention only (f, g, h), not by anything the post wrote.
    conventional: frozenset = frozenset()

    def is_function(self, name: str) -> bool | None:
        applied, alone = name in self.functions, name in self.values
        return applied if applied != alone else None

    def uses_both(self, name: str) -> bool:
        return name in self.functions and name in self.values


class Choices:
    """The choices of one reading: replays ``fixed`` and takes the first option after it.

    After a reading, :meth:`following` gives the choices of the next one, depth first, so
    every combination is read once.
    """

    def __init__(self, fixed: tuple[int, ...] = ()) -> None:
        self.fixed = fixed
        self.made: list[int] = []
        self.options: list[int] = []
        self.notes: list[str] = []  # what each choice was between, and what was taken
        self.settled: list[str] = []  # choices the post settled, and how
        self.by_key: dict[str, int] = {}

    def choose(self, options: tuple[str, ...], what: str, key: str | None = None) -> int:
        """Take an option; a choice with a ``key`` made before in this reading is made the same way."""
        if key is not None and key in self.by_key:
            return self.by_key[key]
        number = len(self.made)
        pick = self.fixed[number] if number < len(self.fixed) else 0
        self.made.append(pick)
        self.options.append(len(options))
        self.notes.append(f"{what}: {' or '.join(options)}")
        if key is not None:
            self.by_key[key] = pick
        return pick

    def settle(self, note: str) -> None:
        if note not in self.settled:
            self.settled.append(note)

    def following(self) -> tuple[int, ...] | None:
        for position in reversed(range(len(self.made))):
            if self.made[position] + 1 < self.options[position]:
                return (*self.made[:position], self.made[position] + 1)
        return None


@dataclass
class Evidence:
    """What one reading saw the post do with its names (see :class:`PostNames`)."""

    applied: set = field(default_factory=set)
    alone: set = field(default_factory=set)


class Reader:
    """Reads one row of math. ``variable`` is what a prime ``'`` differentiates by."""

    def __init__(
        self,
        tokens: list[Token],
        letters: Letters,
        variable: Expr | None = None,
        names: PostNames | None = None,
        choices: Choices | None = None,
        evidence: Evidence | None = None,
    ) -> None:
        # A copy: reading a fraction's arguments may split a number token (\frac12 is 1 over 2).
        self.tokens = list(tokens)
        self.position = 0
        self.letters = letters
        self.variable = variable
        self.names = names or PostNames()
        self.choices = choices or Choices()
        self.evidence = evidence or Evidence()
        self.depth = 0
        self.bars = 0  # open |…| and ‖…‖: inside, a bar closes rather than opens

    # -- token helpers ---------------------------------------------------------------------

    def peek(self, offset: int = 0) -> Token | None:
        index = self.position + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def at(self, kind: str, text: str | None = None, offset: int = 0) -> bool:
        token = self.peek(offset)
        return token is not None and token.kind == kind and (text is None or token.text == text)

    def at_command(self, names) -> bool:
        token = self.peek()
        return token is not None and token.kind == "cmd" and token.text in names

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise Unreadable("the equation ends too early")
        self.position += 1
        return token

    def expect(self, kind: str, text: str) -> None:
        token = self.take()
        if token.kind != kind or token.text != text:
            raise Unreadable(f"expected {text} but found {token.text!r}")

    def done(self) -> bool:
        return self.position >= len(self.tokens)

    def _sub(self, tokens: list[Token]) -> Reader:
        sub = Reader(tokens, self.letters, self.variable, self.names, self.choices, self.evidence)
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

    # -- statements ------------------------------------------------------------------------

    def relation_here(self) -> str | None:
        """The relation at this token (taking it), or None: ``=``, ``\\le``, ``\\not=``, ``:=``."""
        token = self.peek()
        if token is None:
            return None
        if token.kind == "char" and token.text in ("=", "<", ">"):
            self.take()
            return grammar.RELATIONS[token.text]
        if token.kind == "char" and token.text == ":" and self.at("char", "=", 1):
            self.position += 2
            return "def"
        if token.kind == "cmd" and token.text in grammar.RELATIONS:
            self.take()
            return grammar.RELATIONS[token.text]
        if token.kind == "cmd" and token.text == "not" and self.at("char", "=", 1):
            self.position += 2
            return "ne"
        return None

    def statement(self) -> Statement:
        sides: list = []
        spans: list = []
        relations: list[str] = []

        def side() -> None:
            start = self.peek()
            sides.append(self.side())
            end = self.tokens[self.position - 1]
            spans.append((start.start if start else end.end, end.end))

        head = self._defined_function()
        if head is not None:
            self.evidence.applied.add(head)
        first = self.relation_here()
        continues = first is not None
        if continues:
            relations.append(first)
        side()
        while not self.done():
            relation = self.relation_here()
            if relation is None:
                raise Unreadable(f"unexpected {self.peek().text!r}")
            relations.append(relation)
            side()
        others = [r for r in relations if r not in ("eq", "def")]
        return Statement(sides, continues, others[0] if others else "eq", tuple(spans))

    def _defined_function(self) -> str | None:
        """The f of a row that begins ``f(x) =`` or ``\\mathcal{L}(θ, b) :=``: f is a function."""
        index, name = 0, None
        token = self.peek()
        if token is None:
            return None
        if token.kind == "letter" or (token.kind == "cmd" and token.text in grammar.GREEK):
            name, index = _greek(token), 1
        elif token.kind == "cmd" and token.text in grammar.STYLES and self.at("char", "{", 1):
            inner = self.peek(2)
            if inner is not None and inner.kind == "letter" and self.at("char", "}", 3):
                name, index = inner.text, 4
        if name is None or not self.at("char", "(", index):
            return None
        index += 1
        while (token := self.peek(index)) is not None and (
            token.kind == "letter"
            or token.text == ","
            or (token.kind == "cmd" and token.text in grammar.GREEK)
        ):
            index += 1
        if not self.at("char", ")", index):
            return None
        after = self.peek(index + 1)
        if after is not None and (
            after.text in ("=", ":") or (after.kind == "cmd" and after.text in grammar.RELATIONS)
        ):
            return name
        return None

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
            terms: list = []
            elided = None
            sign = 1
            if self.at("char", "+"):
                self.take()
            elif self.at("char", "-"):
                self.take()
                sign = -1
            while True:
                if self.at_command(grammar.ELISIONS) and elided is None and terms:
                    self.take()
                    elided = len(terms)
                else:
                    terms.append(sign * self.term())
                if not (self.at("char", "+") or self.at("char", "-")):
                    break
                sign = 1 if self.take().text == "+" else -1
            if elided is not None:
                return _fold_elision(terms, elided)
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
        if token.kind == "char":
            if token.text in ("|", "‖"):
                return self.bars > 0
            return token.text in ("+", "-", "=", "<", ">", ")", "]", "}", "&", ",") or (
                token.text == ":" and self.at("char", "=", 1)
            )
        return token.kind == "cmd" and (
            token.text in grammar.RELATIONS
            or token.text in grammar.ARROWS
            or token.text in grammar.ELISIONS
            or token.text in ("end", "over", "not", "leftarrow", "therefore", "because")
        )

    def term(self) -> Expr:
        factors: list = []
        previous: Token | None = None
        while not self._term_ends():
            if self.at_command(grammar.PRODUCT) or self.at("char", "*"):
                hadamard = self.take().text in grammar.HADAMARD
                if not factors:
                    raise Unreadable("a product sign with nothing before it")
                if hadamard:
                    factors[-1] = _hadamard(factors[-1], self.factor())
                previous = None
                continue
            if self.at("char", "/") or self.at("cmd", "div"):
                self.take()
                if not factors:
                    raise Unreadable("a division sign with nothing before it")
                factors.append(Pow(self.factor(), -1))
                continue
            if self.at_command(("sum", "prod")):
                factors.append(self.big_operator())
                break
            operator = self.derivative_operator()
            if operator is not None:
                factors.append(_differentiate(self.term(), operator))
                break
            token = self.peek()
            if token.kind == "number" and previous is not None and previous.kind == "number" and factors:
                # 2 3: TeX prints 23, but a reader may mean 2·3.
                self.take()
                pick = self.choices.choose(("one number", "a product"), f"{previous.text} {token.text}")
                joined = _number(previous.text + token.text)
                factors[-1] = joined if pick == 0 else _multiply(factors[-1], _number(token.text))
                previous = None
                continue
            factors.append(self.factor())
            previous = token if token.kind == "number" and self.tokens[self.position - 1] is token else None
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
        if self.at("char", "+"):
            self.take()
            return self.factor()
        base = self.primary()
        while True:
            if (
                self.at("char", "^")
                and isinstance(base, (MatrixExpr, MatrixBase))
                and self._plain_t_follows()
            ):
                base = base.T
            elif self.at("char", "^") and self._transpose_follows():
                if not isinstance(base, (MatrixExpr, MatrixBase)):
                    raise Unreadable("a transpose of something that is not a vector or matrix")
                base = base.T
            elif self.at("char", "^"):
                self.take()
                base = _power(base, self.script())
            elif self.at("char", "'"):
                self.take()
                base = self._prime(base)
            else:
                return base

    def _prime(self, base):
        if self.variable is None:
            raise Unreadable("a prime ' with no variable to differentiate by")
        if not base.has(self.variable):
            raise Unreadable(f"a prime ' on something without {self.variable}: which variable is meant?")
        return Derivative(base, self.variable)

    def _transpose_follows(self) -> bool:
        """At ``^``: is it ``^\\top``, ``^{\\top}``, ``^{\\mathsf{T}}``? If so, it is taken.

        ``^T`` is a transpose only of a bold letter or a matrix (see :meth:`name`).
        """
        index = 1
        braced = self.at("char", "{", 1)
        if braced:
            index = 2
        token = self.peek(index)
        if token is None:
            return False
        mark, length = token.text, 1
        if token.kind == "cmd" and token.text in grammar.STYLES and self.at("char", "{", index + 1):
            inner = self.peek(index + 2)
            if inner is None or not self.at("char", "}", index + 3):
                return False
            mark, length = f"{token.text}{{{inner.text}}}", 4
        elif token.kind == "cmd" and token.text in grammar.STYLES and self.at("letter", "T", index + 1):
            mark, length = f"{token.text}{{T}}", 2
        if mark not in grammar.TRANSPOSE or mark == "T":
            return False
        if braced and not self.at("char", "}", index + length):
            return False
        self.position += index + length + (1 if braced else 0)
        return True

    def script(self) -> Expr:
        """A superscript: a braced group or a single token."""
        if self.at("char", "{"):
            return self.group(scripts_follow=False)
        token = self.take()
        if token.kind == "number":
            return _single_digit(token.text)
        if token.kind == "letter":
            return self.symbol(token.text)
        if token.kind == "cmd" and token.text in grammar.GREEK:
            return self.symbol(grammar.GREEK[token.text])
        if token.kind == "cmd" and token.text in ("frac", "dfrac", "tfrac"):
            return self.frac()  # x^\frac12
        if token.kind == "char" and token.text == "-" and self.at("number"):
            return -_single_digit(self.take().text)
        raise Unreadable(f"cannot read the exponent {token.text!r}")

    def group(self, scripts_follow: bool = True) -> Expr:
        """``{…}``, or TeX's infix fraction ``{a \\over b}``."""
        tokens = self.braced_tokens()
        if not any(t.kind == "cmd" and t.text == "begin" for t in tokens):
            # A stray \\ in a group is layout, but rows of a matrix inside it are rows.
            tokens = [t for t in tokens if t.kind != "rowsep"]
        if tokens and tokens[0].kind == "cmd" and tokens[0].text in grammar.STYLE_SWITCHES:
            return self._styled(tokens[0].text, tokens[1:])  # {\bf x}
        depth = 0
        for index, token in enumerate(tokens):
            depth += token.kind == "char" and token.text == "{"
            depth -= token.kind == "char" and token.text == "}"
            if depth == 0 and token.kind == "cmd" and token.text == "over":
                return self._fraction(tokens[:index], tokens[index + 1 :])
        if (
            scripts_follow
            and len(tokens) == 1
            and _is_plain_name(tokens)
            and (self.at("char", "_") or self.at("char", "^"))
        ):
            return self.name(_greek(tokens[0]))  # { p }_{ i }: a name in spaced braces, then its scripts
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
        if token.kind == "word":
            raise Unreadable(f"the words {token.text!r} inside the math")
        if token.kind == "char":
            if token.text == "{":
                return self.group()
            if token.text in "([":
                self.take()
                return self.bracketed()
            if token.text in ("|", "‖"):
                return self.bars_around()
            if token.text == "_name":
                raise Unreadable("an underscore \\_ that does not join a name")
            raise Unreadable(f"unexpected {token.text!r}")
        if token.kind == "cmd":
            return self.command()
        raise Unreadable(f"unexpected {token.text!r}")

    def bracketed(self) -> Expr:
        """``( … )`` or ``[ … ]``, after the opening bracket."""
        bars, self.bars = self.bars, 0
        try:
            value = self.expression()
        finally:
            self.bars = bars
        token = self.take()
        if token.kind != "char" or token.text not in ")]":
            raise Unreadable(f"expected a closing bracket but found {token.text!r}")
        return value

    def bars_around(self) -> Expr:
        """``|x|`` (absolute value) or ``‖x‖`` (norm, ``‖x‖_2``); a bar inside closes."""
        bar = self.take().text
        self.bars += 1
        try:
            value = self.expression()
        finally:
            self.bars -= 1
        if not self.at("char", bar):
            raise Unreadable(f"an opening {bar} without its closing {bar}")
        self.take()
        if bar == "|":
            if isinstance(value, (MatrixExpr, MatrixBase)):
                return _determinant(value)  # |A| of a matrix is its determinant
            return Abs(value)
        if self.at("char", "_"):
            self.take()
            order = self.script()
            if order != 2:
                raise Unreadable(f"the norm ‖·‖_{order}: only the Euclidean norm ‖·‖_2 is read")
        if isinstance(value, (MatrixExpr, MatrixBase)):
            if value.shape[1] != 1:
                raise Unreadable("the norm of a matrix")
            return sqrt((value.T * value)[0, 0])
        return Abs(value)

    # -- names -----------------------------------------------------------------------------

    def letter_run(self) -> Expr:
        """Letters written together: a known word (CE, softmax) is a name; otherwise a product."""
        run = [self.take()]
        while (
            self.peek() is not None
            and self.peek().start == run[-1].end
            and (self.at("letter") or self.at("char", "_name"))
        ):
            run.append(self.take())
        if any(t.text == "_name" for t in run):
            return self.name("".join("_" if t.text == "_name" else t.text for t in run), word=True)
        word = "".join(t.text for t in run)
        if word in grammar.WORDS or word in grammar.FUNCTIONS or word in grammar.VARIADIC:
            return self.function_or_name(word)
        # Not a word: xy is x times y, so each letter is a factor of its own (\log xy is open).
        self.position -= len(run) - 1
        if run[0].text == "e" and self.at("char", "^"):
            return E
        return self.name(run[0].text)

    def symbol(self, name: str) -> Symbol:
        if name == self.letters.size.name:
            return self.letters.size
        if self.letters.columns is not None and name == self.letters.columns.name:
            return self.letters.columns
        if len(name) == 1 and name in self.letters.index_letters:
            return Symbol(name, integer=True, positive=True)
        return Symbol(name)

    def function_or_name(self, word: str) -> Expr:
        if word in grammar.FUNCTIONS or word in grammar.VARIADIC or word == grammar.SOFTMAX:
            return self.named_function(word)
        if word == "diag":
            vector = self.function_argument()
            if not (isinstance(vector, MatrixExpr) and vector.shape[1] == 1):
                raise Unreadable("diag of something that is not a vector")
            return DiagMatrix(vector)
        return self.name(word, word=True)

    def name(self, name: str, *, word: bool = False, bold: bool = False) -> Expr:
        """A name with its scripts in either order (``x^2_i``), applied to an argument or not."""
        indices: list | None = None
        superscript: Expr | None = None
        layer: list | None = None
        transpose = False
        primes = 0
        while True:
            if self.at("char", "_") and indices is None:
                self.take()
                indices = self.subscript()
            elif self.at("char", "^") and superscript is None and layer is None and not transpose:
                if self._transpose_follows() or (bold and self._plain_t_follows()):
                    transpose = True
                    continue
                layer = self._layer_index()
                if layer is None:
                    self.take()
                    superscript = self.script()
            elif self.at("char", "'"):
                self.take()
                primes += 1
            else:
                break
        if indices is not None and name in ("δ", "delta"):
            if len(indices) != 2:
                raise Unreadable("a Kronecker delta needs two indices")
            value = KroneckerDelta(*indices)
        else:
            value = self._named_value(name, indices, layer, bold)
        # A family p_i and a plain p are told apart: h_t can be a vector while h(x) is a function.
        key = f"{name}_" if isinstance(value, Indexed) else name
        applied, chosen = self.application(name, key, value, primes, word)
        if applied is not None:
            value = applied
        else:
            for _ in range(primes):
                value = self._prime(value)
            if not chosen:
                self.evidence.alone.add(key)
        if transpose:
            if not isinstance(value, (MatrixExpr, MatrixBase)):
                raise Unreadable(f"a transpose of {name}, which is not a vector or matrix")
            value = value.T
        if superscript is not None:
            value = _power(value, superscript)
        return value

    def _plain_t_follows(self) -> bool:
        if self.at("letter", "T", 1) or (
            self.at("char", "{", 1) and self.at("letter", "T", 2) and self.at("char", "}", 3)
        ):
            self.position += 2 if self.at("letter", "T", 1) else 4
            return True
        return False

    def _layer_index(self) -> list | None:
        """``x^{(i)}``, ``W^{[l]}``, ``h^{(t-1)}``: an index in brackets, taken, or None.

        A superscript in parentheses or brackets is a sample, layer or step index: nobody
        writes x^{(2)} for x². Only indices are taken: ``e^{(x+y)}`` stays a power.
        """
        if not (self.at("char", "{", 1) and self.peek(2) is not None and self.peek(2).text in ("(", "[")):
            return None
        closing = ")" if self.peek(2).text == "(" else "]"
        index = 3
        inner: list[Token] = []
        while (token := self.peek(index)) is not None and token.text != closing:
            if not (token.kind in ("letter", "number") or token.text in ("+", "-")):
                return None
            inner.append(token)
            index += 1
        if not inner or not self.at("char", "}", index + 1):
            return None
        if any(t.kind == "letter" and t.text == "e" for t in inner):
            return None
        self.position += index + 2
        value = self._whole(inner)
        bracket = "()" if closing == ")" else "[]"
        self.choices.settle(f"^{{{bracket[0]}…{bracket[1]}}} read as an index, not a power")
        return [bracket, value]

    def _named_value(self, name: str, indices, layer, bold: bool) -> Expr:
        if bold:
            return self.bold(name, indices)
        if layer is not None:
            bracket, value = layer
            base = IndexedBase(f"{name}^{bracket}")
            return Indexed(base, value, *(indices or ()))
        if indices is not None:
            return Indexed(IndexedBase(name), *indices)
        if name == "e":
            return E
        return self.symbol(name)

    def subscript(self) -> list[Expr]:
        if not self.at("char", "{"):
            token = self.take()
            if token.kind == "number":
                return [_single_digit(token.text)]
            if token.kind == "letter":
                return [self.symbol(token.text)]
            if token.kind == "cmd" and token.text in grammar.GREEK:
                return [self.symbol(grammar.GREEK[token.text])]
            raise Unreadable(f"cannot read the subscript {token.text!r}")
        self.take()
        start = self.position
        # Letters written together are separate indices (δ_{ij}, W_{ij}); commas separate too.
        plain = []
        while self.at("letter") or self.at("number") or self.at("char", ",") or self._at_greek():
            token = self.take()
            if token.kind != "char":
                plain.append(token)
        if self.at("char", "}") and plain and all(t.kind != "number" for t in plain):
            self.take()
            if len(plain) > 1 and "".join(t.text for t in plain) in grammar.WORDS:
                return [Symbol("".join(t.text for t in plain))]  # L_{CE}: a label, not indices
            return [self.symbol(_greek(t)) for t in plain]
        if self.at("char", "}") and len(plain) > 1 and all(t.kind == "number" for t in plain):
            self.take()  # W_{1,2}: one number per index
            return [_number(t.text) for t in plain]
        if self.at("char", "}") and len(plain) == 1:
            self.take()
            return [_number(plain[0].text)]
        self.position = start
        indices = [self.expression()]
        while self.at("char", ","):
            self.take()
            indices.append(self.expression())
        self.expect("char", "}")
        return indices

    def _at_greek(self) -> bool:
        return self.at_command(grammar.GREEK)

    def application(self, name: str, key: str, value, primes: int, word: bool) -> tuple[Expr | None, bool]:
        """``name(…)``: the application, or None for a product; and whether that was a choice.

        ``key`` is the name as :class:`PostNames` knows it: ``p_`` for the family p_i.

        Certain: several arguments, a bar ``P(t | z)``, a prime ``f'(x)``, a word
        (``\\mathrm{ReLU}(x)``). Otherwise the post's names settle it (:class:`PostNames`),
        σ(…) is the logistic function unless the post also uses σ on its own, and anything
        else is read both ways.
        """
        opening = self.peek()
        if opening is None or opening.kind != "char" or opening.text not in "([":
            return None, False
        if opening.text == "[" and not (word or name in _APPLIED_WITH_BRACKETS):
            return None, False
        if isinstance(value, (MatrixExpr, MatrixBase)) or (isinstance(value, Symbol) and value.is_integer):
            return None, False
        start = self.position
        arguments, conditional = self._arguments()
        if len(arguments) > 1 or conditional or primes or word or name in _APPLIED_WITH_BRACKETS:
            self.evidence.applied.add(key)
            return self._apply(name, value, arguments, primes, conditional), False
        settled = self.names.is_function(key)
        if settled is None and key == grammar.LOGISTIC_LETTER and not self.names.uses_both(key):
            settled = True
        if settled is None:
            # One name is read one way throughout the row: f(x) and f(y) are both calls or both products.
            pick = self.choices.choose(("an application", "a product"), f"{name}(…)", key=key)
        else:
            pick = 0 if settled else 1
            if key in self.names.conventional:
                self.choices.settle(
                    f"{name}(…) read as an application: {name} names a function by convention"
                )
            elif name != grammar.LOGISTIC_LETTER or not settled:
                how = "applies it to arguments" if settled else "uses it on its own"
                reading = "an application" if settled else "a product"
                self.choices.settle(f"{name}(…) read as {reading}: the post {how} elsewhere")
        if pick == 1:
            self.position = start
            return None, True
        return self._apply(name, value, arguments, primes, conditional), True

    def _arguments(self) -> tuple[list, bool]:
        """``(a, b)`` or ``(t | z)``: the arguments, and whether a bar made it a conditional."""
        closing = ")" if self.take().text == "(" else "]"
        arguments = []
        bars, self.bars = self.bars, 1  # a bar inside separates, P(t | z)
        conditional = False
        try:
            while True:
                arguments.append(self.expression())
                if self.at("char", ","):
                    self.take()
                elif self.at("char", "|"):
                    self.take()
                    conditional = True
                else:
                    break
        finally:
            self.bars = bars
        self.expect("char", closing)
        return arguments, conditional

    def _apply(self, name: str, value, arguments: list, primes: int, conditional: bool) -> Expr:
        if isinstance(value, Indexed):  # p_θ(x): a function named by its subscripted name
            label = f"{value.base}_{{{','.join(map(str, value.indices))}}}"
        elif isinstance(value, Symbol):
            label = value.name
        else:
            raise Unreadable(f"{name}(…) applies something that is not a name")
        if conditional:
            label = f"{label}|"
        if name == grammar.LOGISTIC_LETTER and len(arguments) == 1 and not conditional:
            self.choices.settle("σ(…) read as the logistic function 1/(1 + e^{−x})")
            call = grammar.FUNCTIONS["sigmoid"]
            return _derivative_at(call, arguments[0], primes)
        if primes:
            if len(arguments) != 1:
                raise Unreadable(f"{name}' of several arguments: which one is meant?")
            return _derivative_at(Function(label), arguments[0], primes)
        return Function(label)(*arguments)

    # -- functions -------------------------------------------------------------------------

    def named_function(self, name: str) -> Expr:
        """``\\log x``, ``\\log_2 x``, ``\\sin^2 x``, ``\\tanh'(x)``, ``\\max(a, b)``, ``softmax(z)``."""
        base = power = None
        primes = 0
        while True:
            if self.at("char", "_") and base is None:
                self.take()
                base = self.script()
            elif self.at("char", "^") and power is None:
                self.take()
                power = self.script()
            elif self.at("char", "'"):
                self.take()
                primes += 1
            else:
                break
        if base is not None and name not in ("log",):
            raise Unreadable(f"\\{name} with a subscript")
        if name in grammar.VARIADIC:
            if not self.at("char", "("):
                raise Unreadable(f"\\{name} without its arguments in brackets")
            arguments, conditional = self._arguments()
            if conditional:
                raise Unreadable(f"a bar | inside \\{name}(…)")
            value = grammar.VARIADIC[name](*arguments)
        else:
            argument = self.function_argument()
            if name == grammar.SOFTMAX:
                value = self.softmax(argument)
            elif base is not None:
                value = log(argument) if base in (E, Symbol("e")) else log(argument, base)
            else:
                value = _derivative_at(grammar.FUNCTIONS[name], argument, primes)
                if power == -1 and name in grammar.INVERSES:
                    # \sin^{-1} x: the inverse function, or one over the sine.
                    what = f"\\{name}^{{-1}}"
                    if self.choices.choose(("the inverse function", "the reciprocal"), what) == 0:
                        return _derivative_at(grammar.FUNCTIONS[grammar.INVERSES[name]], argument, primes)
        return _power(value, power) if power is not None else value

    def function_argument(self) -> Expr:
        """A bracketed argument, or one factor; ``\\log x y`` is log(xy) or log(x)·y."""
        if self.at("char", "(") or self.at("char", "["):
            self.take()
            return self.bracketed()
        bracketed = self._braced_brackets()
        if bracketed is not None:
            return bracketed
        argument = self.factor()
        if self._juxtaposed_factor_follows():
            start = self.position
            pick = self.choices.choose(
                ("the whole product", "its first factor"), "the argument of a function"
            )
            if pick == 0:
                while self._juxtaposed_factor_follows():
                    argument = _multiply(argument, self.factor())
            else:
                self.position = start
        return argument

    def _juxtaposed_factor_follows(self) -> bool:
        if self._term_ends():
            return False
        token = self.peek()
        if token.kind == "cmd":
            return not (
                token.text in grammar.PRODUCT
                or token.text in grammar.FUNCTIONS
                or token.text in ("sum", "prod", "frac", "dfrac", "tfrac", "partial", "nabla")
            )
        return not (token.kind == "char" and token.text in ("*", "/", "^", "_", "'"))

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
        if name in ("frac", "dfrac", "tfrac", "cfrac"):
            return self.frac()
        if name in grammar.FUNCTIONS or name in grammar.VARIADIC:
            return self.named_function(name)
        if name == "sqrt":
            return self.square_root()
        if name in grammar.CONSTANTS:
            return grammar.CONSTANTS[name]
        if name == "det":
            return _determinant(self.function_argument())
        if name in ("nabla", "partial"):
            return self.operator_derivative(name)
        if name in grammar.STYLES or name in grammar.ACCENTS:
            return self._styled(name, None)
        if name in grammar.TRANSPARENT:
            return self.group()
        if name in grammar.GREEK:
            return self.name(grammar.GREEK[name])
        if name == "begin":
            environment = self._environment_name()
            if environment in grammar.MATRICES:
                return self.matrix()
            raise Unreadable(f"the environment {environment} inside an equation")
        if name in grammar.ELISIONS:
            raise Unreadable(f"elided terms \\{name} that do not stand between terms of a sum")
        if name in ("int", "iint", "oint", "lim", "binom", "langle", "lfloor", "lceil", "in", "sim"):
            raise Unreadable(f"\\{name} is not supported by the checker")
        raise Unreadable(f"unknown command \\{name}")

    def _styled(self, style: str, tokens: list[Token] | None) -> Expr:
        """``\\mathbf{x}``, ``\\hat{y}``, ``\\hat y``, ``\\mathrm{ReLU}``, ``\\mathbb{E}``, ``{\\bf x}``."""
        if tokens is None:
            tokens = self.braced_tokens()
        if style in ("text", "mbox", "textrm") and not _is_known_text(tokens):
            raise Unreadable(f"the text {_text(tokens)!r} inside an equation")
        bold = style in grammar.BOLD or style == "bf"
        if not tokens:
            raise Unreadable(f"\\{style} with nothing in it")
        if style in grammar.ACCENTS:
            return self._accented(style, tokens)
        if tokens[0].kind == "cmd" and tokens[0].text in grammar.ACCENTS:
            return self._accented(tokens[0].text, tokens[1:], bold=bold)  # \mathbf{\hat y}
        if len(tokens) == 1 and tokens[0].kind == "number" and bold and tokens[0].text in ("0", "1"):
            size = self.letters.size
            return (ZeroMatrix if tokens[0].text == "0" else OneMatrix)(size, 1)
        if not _is_plain_name(tokens):
            sub = self._sub(tokens)
            if style in ("mathrm", "operatorname", "mathit") and not bold:
                return sub._whole_self()
            raise Unreadable(f"\\{style}{{{_text(tokens)}}}")
        word = "".join(_greek(t) if t.kind == "cmd" else t.text for t in tokens)
        word = word.replace("_name", "_")
        if style == "mathbb" and len(word) == 1:
            word = _double_struck(word)
        if len(word) > 1:
            if bold:
                raise Unreadable(f"the bold word {word!r}")
            return self.function_or_name(word)
        if bold and not self._bold_entry_follows():
            return self.name(word, bold=True)
        return self.name(word, word=style in ("operatorname",) or word in _APPLIED_WITH_BRACKETS)

    def _whole_self(self) -> Expr:
        value = self.expression()
        if not self.done():
            raise Unreadable(f"unexpected {self.peek().text!r}")
        return value

    def _accented(self, accent: str, tokens: list[Token], bold: bool = False) -> Expr:
        """``\\hat{y}_i`` is ŷ_i; ``\\hat{y_i}`` is read as ŷ_i too, and says so."""
        bold = bold or any(t.kind == "cmd" and t.text in grammar.BOLD for t in tokens)
        inner = [t for t in tokens if not (t.kind == "cmd" and t.text in grammar.STYLES)]
        inner = [t for t in inner if t.text not in ("{", "}")]
        if not inner or not (inner[0].kind == "letter" or inner[0].text in grammar.GREEK):
            raise Unreadable(f"\\{accent} over {_text(tokens)!r}")
        name = _greek(inner[0]) + grammar.ACCENTS[accent]
        if len(inner) > 1:
            if inner[1].text != "_":
                raise Unreadable(f"\\{accent} over {_text(tokens)!r}")
            # \hat{y_i}: the hat over the entry, read as the entry of the family ŷ.
            self.choices.settle(f"\\{accent}{{{_text(inner)}}} read as \\{accent}{{{_greek(inner[0])}}}_…")
            sub = self._sub(inner[2:])
            indices = sub.subscript_tokens_whole()
            value = Indexed(IndexedBase(name), *indices)
            self.evidence.alone.add(f"{name}_")
            return _power(value, self.script_after()) if self.at("char", "^") else value
        if bold and not self._bold_entry_follows():
            return self.name(name, bold=True)
        return self.name(name)

    def subscript_tokens_whole(self) -> list[Expr]:
        indices = self.subscript()
        if not self.done():
            raise Unreadable(f"unexpected {self.peek().text!r} in a subscript")
        return indices

    def script_after(self) -> Expr:
        self.take()
        return self.script()

    def _bold_entry_follows(self) -> bool:
        """``\\mathbf{x}_i`` is an entry of the vector, read as ``x_i``; a bare ``\\mathbf{x}`` is not."""
        return self.at("char", "_")

    def bold(self, name: str, indices) -> Expr:
        """A bold letter is a vector (lower case: N entries) or a matrix (capital: N × columns)."""
        if indices is not None:
            return Indexed(IndexedBase(name), *indices)
        size = self.letters.size
        columns = self.letters.columns or size
        if name[0].isupper():
            return MatrixSymbol(name, size, columns)
        return MatrixSymbol(name, columns if name in self.letters.column_families else size, 1)

    def square_root(self) -> Expr:
        degree = None
        if self.at("char", "["):
            self.take()
            tokens = []
            while not self.at("char", "]"):
                tokens.append(self.take())
            self.take()
            degree = self._whole(tokens)
        radicand = self.group() if self.at("char", "{") else self.factor()
        return sqrt(radicand) if degree is None else root(radicand, degree)

    def operator_derivative(self, name: str) -> Expr:
        """``\\nabla_\\theta L`` and ``\\partial_{z_i} L``: the derivative of what follows."""
        if not self.at("char", "_"):
            raise Unreadable(f"a \\{name} without the variable it differentiates by")
        self.take()
        variable = self.group() if self.at("char", "{") else self.subscript()[0]
        _check_variable(variable)
        self.variable = variable
        return _differentiate(self.term(), [(variable, 1)])

    def raw_group(self) -> str:
        """The text of a braced group, as written (``\\text{if }`` → ``if``)."""
        if not self.at("char", "{"):
            raise Unreadable(f"expected {{ but found {self.take().text!r}")
        return _text(self.braced_tokens()).strip()

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

    # -- environments --------------------------------------------------------------------------

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
        if name == "array" and self.at("char", "{"):
            self.raw_group()  # the column specification {cc}
        return name

    def matrix(self) -> Expr:
        name = self._skip_environment_name()
        rows: list[list[Expr]] = [[]]
        while True:
            if self.at("cmd", "end"):
                self.take()
                self.raw_group()
                break
            if self.at_command(grammar.ELISIONS):
                raise Unreadable(f"a matrix with elided entries \\{self.peek().text}")
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
        matrix = ImmutableMatrix(rows)
        if name in grammar.DETERMINANTS:
            return _determinant(matrix)
        return matrix

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
        """``, & \\text{if } i = j``, ``\\quad (i \\neq n)``, ``当 i = j 时``: a relation or None."""
        reader = self._sub(
            [t for t in tokens if not (t.kind == "char" and t.text in ",&():") and t.kind != "quad"]
        )
        words, relation = [], []
        while not reader.done():
            if reader.at_command(("text", "textrm", "mbox", "mathrm")):
                reader.take()
                words.append(reader.raw_group())
            elif reader.at("word"):
                words.append(reader.take().text)
            else:
                relation.append(reader.take())
        if any(w in grammar.OTHERWISE_WORDS for w in words):
            return None
        if not relation:
            if not words:
                return None
            if all(w in grammar.CONDITION_WORDS or not w for w in words):
                raise Unreadable("a case without a condition")
            raise Unreadable(f"cannot read the condition {' '.join(words)!r}")
        unknown = [w for w in words if w and w not in grammar.CONDITION_WORDS]
        if unknown:
            raise Unreadable(f"cannot read the condition {' '.join(unknown)!r}")
        statement = self._sub(relation).statement()
        if len(statement.sides) != 2 or statement.continues:
            raise Unreadable(f"cannot read the condition {_text(relation)!r}")
        a, b = statement.sides
        relation_class = grammar.RELATION_CLASSES.get(
            "eq" if statement.relation in ("eq", "def") else statement.relation
        )
        if relation_class is None:
            raise Unreadable(f"cannot read the condition {_text(relation)!r}")
        return relation_class(a, b)

    # -- fractions and derivatives -----------------------------------------------------------

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

    def _fraction(self, numerator: list[Token], denominator: list[Token]):
        variables = self._differentials(denominator)
        if variables is not None:
            order, rest = _derivative_order(numerator)
            if order is None:
                raise Unreadable("a fraction over d… or ∂… that is not a derivative")
            if order != sum(count for _, count in variables):
                raise Unreadable("the orders of the derivative above and below the line differ")
            if not rest:
                raise Unreadable("a derivative operator ∂/∂x with nothing to differentiate")
            self.variable = variables[-1][0]  # a later prime in the same statement means d/d(variable)
            inner = self._sub(rest)
            inner.variable = self.variable
            value = inner.expression()
            if not inner.done():
                raise Unreadable(f"unexpected {inner.peek().text!r}")
            return _differentiate(value, variables)
        if numerator and numerator[0].kind == "cmd" and numerator[0].text == "partial":
            raise Unreadable("∂ over something that is not ∂ of a variable")
        return _multiply(self._whole(numerator), Pow(self._whole(denominator), -1))

    def _differentials(self, tokens: list[Token]) -> list[tuple[Expr, int]] | None:
        """The variables of ``∂x``, ``dx dy``, ``∂w^2``, or None if ``tokens`` are not differentials."""
        if not tokens or not _is_differential_mark(tokens, 0):
            return None
        groups: list[list[Token]] = []
        depth = 0
        for index, token in enumerate(tokens):
            if depth == 0 and _is_differential_mark(tokens, index):
                groups.append([])
                continue
            depth += token.kind == "char" and token.text == "{"
            depth -= token.kind == "char" and token.text == "}"
            groups[-1].append(token)
        variables = []
        partial = tokens[0].kind == "cmd"
        for group in groups:
            count = 1
            if len(group) >= 3 and group[-2].text == "^" and group[-1].kind == "number":
                count, group = int(group[-1].text), group[:-2]
            elif (
                len(group) >= 5 and group[-4].text == "^" and group[-3].text == "{" and group[-1].text == "}"
            ):
                if group[-2].kind != "number":
                    return None
                count, group = int(group[-2].text), group[:-4]
            if not group:
                return None if not partial else _raise("∂ with nothing after it")
            sub = self._sub(group)
            try:
                variable = sub.factor()
            except Unreadable:
                if partial:
                    raise
                return None
            if not sub.done():
                if partial:
                    raise Unreadable(f"cannot read the variable after ∂: {group[0].text!r}")
                return None
            _check_variable(variable)
            variables.append((variable, count))
        return variables

    def derivative_operator(self) -> list[tuple[Expr, int]] | None:
        """``\\frac{∂}{∂x}`` or ``\\frac{d^2}{dx^2}`` standing before what it differentiates."""
        if not self.at_command(("frac", "dfrac", "tfrac")):
            return None
        start = self.position
        self.take()
        numerator, denominator = self.frac_arguments()
        order, rest = _derivative_order(numerator)
        if order is not None and not rest:
            variables = self._differentials(denominator)
            if variables is not None:
                if order != sum(count for _, count in variables):
                    raise Unreadable("the orders of the derivative above and below the line differ")
                self.variable = variables[-1][0]
                return variables
        self.position = start
        return None

    def big_operator(self) -> Expr:
        """``\\sum_{k=1}^{N}``, ``\\sum^{N}_{k=1}``, ``\\sum_{i,j}``, ``\\sum_{k \\neq i}``, ``\\prod``."""
        operator = self.take().text
        ranges = None
        upper = None
        while self.at("char", "_") or self.at("char", "^"):
            if self.take().text == "_":
                if ranges is not None:
                    raise Unreadable(f"\\{operator} with two subscripts")
                ranges = self._sum_ranges(self.braced_tokens())
            else:
                upper = self.script()
        if ranges is None:
            raise Unreadable(f"a \\{operator} without its index")
        body = self.term()
        if upper is not None and len(ranges) != 1:
            raise Unreadable(f"one upper limit for several indices of a \\{operator}")
        for variable, lower, excluded in reversed(ranges):
            top = upper if upper is not None else self.letters.size
            if (top - lower).is_Integer and top - lower > MAX_TERMS:
                raise Unreadable(f"a \\{operator} of more than {MAX_TERMS} terms")
            if excluded is not None:
                if operator == "prod":
                    raise Unreadable("a product that leaves out one index")
                body = SumExcept(body, (variable, lower, top), excluded)
            else:
                body = (Sum if operator == "sum" else Product)(body, (variable, lower, top))
        return body

    def _sum_ranges(self, tokens: list[Token]) -> list[tuple]:
        """``k=1``, ``k``, ``k \\neq i``, ``i, j``: one (index, lower, excluded) per index."""
        pieces: list[list[Token]] = [[]]
        for token in tokens:
            if token.kind == "char" and token.text == ",":
                pieces.append([])
            else:
                pieces[-1].append(token)
        return [self._sum_range(piece) for piece in pieces]

    def _sum_range(self, tokens: list[Token]) -> tuple:
        sub = self._sub(tokens)
        if not (sub.at("letter") or sub._at_greek()):
            raise Unreadable("a sum whose index is not a letter")
        variable = sub.symbol(_greek(sub.take()))
        if not variable.is_integer:
            variable = Symbol(variable.name, integer=True, positive=True)
        if sub.done():
            return variable, Integer(1), None
        relation = sub.relation_here()
        if relation == "eq":
            lower = sub.expression()
            if not sub.done():
                raise Unreadable("cannot read the range of the sum")
            return variable, lower, None
        if relation == "ne":
            excluded = sub.expression()
            if not sub.done():
                raise Unreadable("cannot read the range of the sum")
            return variable, Integer(1), excluded
        raise Unreadable("cannot read the range of the sum")


#: Names applied with square brackets too: 𝔼[X], ℙ[A].
_APPLIED_WITH_BRACKETS = frozenset({"𝔼", "ℙ", "Var", "Cov", "var", "cov"})


def _is_differential_mark(tokens: list[Token], index: int) -> bool:
    token = tokens[index]
    if token.kind == "cmd" and token.text == "partial":
        return True
    if token.kind != "letter" or token.text != "d" or index + 1 >= len(tokens):
        return False
    before = tokens[index - 1] if index > 0 else None
    if before is not None and before.kind == "char" and before.text in ("_", "^"):
        return False
    after = tokens[index + 1]
    return after.kind in ("letter", "cmd") or after.text == "{"


def _derivative_order(numerator: list[Token]) -> tuple[int | None, list[Token]]:
    """``∂^2 L`` → (2, [L]); ``dy`` → (1, [y]); not a derivative's numerator → (None, …)."""
    if not numerator:
        return None, numerator
    first = numerator[0]
    if not (
        (first.kind == "cmd" and first.text == "partial") or (first.kind == "letter" and first.text == "d")
    ):
        return None, numerator
    rest = numerator[1:]
    if first.kind == "letter" and rest and not (rest[0].kind in ("letter", "cmd") or rest[0].text in "{^("):
        return None, numerator
    if len(rest) >= 2 and rest[0].text == "^" and rest[1].kind == "number":
        return int(rest[1].text), rest[2:]
    if len(rest) >= 4 and rest[0].text == "^" and rest[1].text == "{" and rest[3].text == "}":
        if rest[2].kind != "number":
            raise Unreadable("a derivative whose order is not a number")
        return int(rest[2].text), rest[4:]
    return 1, rest


def _check_variable(variable) -> None:
    if isinstance(variable, Symbol) and variable.is_integer:
        raise Unreadable(f"a derivative with respect to the index {variable} (did you mean one component?)")
    if not isinstance(variable, (Symbol, Indexed, MatrixSymbol)):
        raise Unreadable("a derivative with respect to something that is not a variable")


def _differentiate(value, variables: list[tuple[Expr, int]]):
    if any(isinstance(v, MatrixSymbol) for v, _ in variables):
        if len(variables) != 1 or variables[0][1] != 1:
            raise Unreadable("a second derivative by a vector or matrix is not supported")
        if isinstance(value, MatrixExpr):
            raise Unreadable("a derivative of a vector by a vector (a Jacobian) is not supported")
        return Gradient(value, variables[0][0])
    if isinstance(value, (MatrixExpr, MatrixBase)):
        raise Unreadable("a derivative of a vector or matrix by a scalar is not supported")
    return Derivative(value, *variables)


def _derivative_at(function, argument, primes: int):
    """f(x), f'(x), f''(x): a prime differentiates by the argument, at the argument."""
    if not primes:
        return function(argument)
    if isinstance(argument, (Symbol, Indexed)) and not (isinstance(argument, Symbol) and argument.is_integer):
        return Derivative(function(argument), (argument, primes))
    point = Dummy("u", dummy_index=0)  # the same in every reading, so equal readings compare equal
    return Subs(Derivative(function(point), (point, primes)), point, argument)


def _power(base, exponent):
    # 10^9 is a number, but x^{1000} would expand into a thousand factors and 2^{10^9} would
    # fill the memory with digits.
    limit = MAX_NUMBER_POWER if isinstance(base, Expr) and base.is_number else MAX_POWER
    if isinstance(exponent, Expr) and exponent.is_Integer and abs(exponent) > limit:
        raise Unreadable(f"the power {exponent} is too large to check")
    if base == E and isinstance(exponent, Symbol) and exponent.is_integer:
        raise Unreadable(f"e^{{{exponent}}} raises e to the index {exponent}; write e^{{a_{exponent}}}")
    if base == E:
        return exp(exponent)
    if isinstance(base, (MatrixExpr, MatrixBase)):
        if not (isinstance(exponent, Expr) and exponent.is_Integer):
            raise Unreadable("a matrix to a power that is not a whole number")
        return base**exponent
    return Pow(base, exponent)


def _determinant(matrix):
    from sympy import Determinant

    if matrix.shape[0] != matrix.shape[1]:
        raise Unreadable("the determinant of a matrix that is not square")
    return matrix.det() if isinstance(matrix, MatrixBase) else Determinant(matrix)


def _hadamard(a, b):
    if isinstance(a, MatrixBase) and isinstance(b, MatrixBase):
        if a.shape != b.shape:
            raise Unreadable(f"an entrywise product of a {a.shape} and a {b.shape} matrix")
        return a.multiply_elementwise(b)
    if isinstance(a, (MatrixExpr, MatrixBase)) or isinstance(b, (MatrixExpr, MatrixBase)):
        from sympy import HadamardProduct

        return HadamardProduct(a, b)
    return Mul(a, b)


def _fold_elision(terms: list, elided: int) -> Expr:
    """``a_1 + a_2 + \\cdots + a_N``: the sum Σ_{k=1}^{N} a_k, when every term fits one pattern."""
    if elided >= len(terms):
        raise Unreadable("elided terms \\cdots at the end of a sum")
    first, last = terms[0], terms[-1]
    index = Symbol("elided_k", integer=True, positive=True)
    for atom in sorted(first.atoms(Indexed), key=str):
        for position, start in enumerate(atom.indices):
            if not start.is_Integer:
                continue
            pattern = _reindex(first, atom.base, position, start, index)
            ends = [
                a.indices[position]
                for a in last.atoms(Indexed)
                if a.base == atom.base and len(a.indices) > position
            ]
            for end in ends:
                if _reindex(pattern, atom.base, position, index, end) != last:
                    continue
                middle = terms[1:-1]
                if all(
                    _reindex(pattern, atom.base, position, index, start + offset) == term
                    for offset, term in enumerate(middle, start=1)
                ):
                    return Sum(pattern, (index, start, end))
    raise Unreadable("elided terms \\cdots whose pattern cannot be read")


def _reindex(expr, base, position: int, old, new):
    def swap(entry: Indexed) -> Expr:
        indices = list(entry.indices)
        if entry.base == base and len(indices) > position and indices[position] == old:
            indices[position] = new
        return entry.base[tuple(indices)]

    return expr.replace(lambda e: isinstance(e, Indexed), swap)


def _is_plain_name(tokens: list[Token]) -> bool:
    """One letter, a Greek letter, or a word of letters (and ``\\_``): nothing to read as math."""
    if not tokens:
        return False
    if len(tokens) == 1 and tokens[0].kind == "cmd":
        return tokens[0].text in grammar.GREEK
    return all(t.kind == "letter" or t.text == "_name" for t in tokens)


def _is_known_text(tokens: list[Token]) -> bool:
    """``\\text{}`` is prose unless it holds one letter or a word the grammar knows (CE, softmax)."""
    if not _is_plain_name(tokens):
        return False
    word = _text(tokens)
    return len(tokens) == 1 or word in grammar.WORDS or word in grammar.FUNCTIONS


def _greek(token: Token) -> str:
    return grammar.GREEK.get(token.text, token.text) if token.kind == "cmd" else token.text


def _text(tokens: list[Token]) -> str:
    return "".join(
        "\\" + t.text if t.kind == "cmd" else ("_" if t.text == "_name" else t.text) for t in tokens
    )


def _double_struck(letter: str) -> str:
    for name in (f"DOUBLE-STRUCK CAPITAL {letter}", f"MATHEMATICAL DOUBLE-STRUCK CAPITAL {letter}"):
        try:
            return unicodedata.lookup(name)
        except KeyError:
            continue
    return letter


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


_SYMPY_FAILURES = (TypeError, ValueError, AttributeError, IndexError, RecursionError)


def read_readings(
    tokens: list[Token],
    letters: Letters,
    variable: Expr | None = None,
    names: PostNames | None = None,
    evidence: Evidence | None = None,
) -> tuple[list[Statement], list[str], list[str]]:
    """Every reading of one row: the statements, the open choices, and the settled ones.

    The row is read once for each combination of the choices it meets (:class:`Choices`);
    readings that fail are dropped, and the same statement read two ways is kept once.
    """
    if not tokens:
        raise Unreadable("an empty equation")
    statements: dict[tuple, Statement] = {}
    failures: list[Unreadable] = []
    choices_met: list[str] = []
    settled: list[str] = []
    fixed: tuple[int, ...] | None = ()
    attempts = 0
    while fixed is not None:
        attempts += 1
        if attempts > MAX_READINGS:
            raise Unreadable(f"more than {MAX_READINGS} ways to read it: {'; '.join(choices_met[:3])}")
        choices = Choices(fixed)
        reader = Reader(tokens, letters, variable, names, choices, evidence)
        try:
            statement = reader.statement()
            statements.setdefault(statement.key(), statement)
        except Unreadable as error:
            failures.append(error)
        except _SYMPY_FAILURES as error:
            # SymPy rejects some combinations (a matrix plus a number, …); that is unreadable math.
            failures.append(Unreadable(f"not a well-formed expression ({error})"))
        for note in choices.notes:
            if note not in choices_met:
                choices_met.append(note)
        for note in choices.settled:
            if note not in settled:
                settled.append(note)
        fixed = choices.following()
    if not statements:
        raise failures[0]
    readings = list(statements.values())
    return readings, (choices_met if len(readings) > 1 else []), settled


def read_statement(tokens: list[Token], letters: Letters, variable: Expr | None = None) -> Statement:
    """Read one row of math that has a single reading; an ambiguous row is :class:`Unreadable`."""
    readings, choices, _ = read_readings(tokens, letters, variable)
    if len(readings) > 1:
        raise Unreadable(f"it can be read {len(readings)} ways ({'; '.join(choices)})")
    return readings[0]
