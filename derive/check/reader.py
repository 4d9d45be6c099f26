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

from collections.abc import Mapping
from dataclasses import dataclass, field

from sympy import (
    Abs,
    Add,
    Basic,
    Derivative,
    E,
    Expr,
    Indexed,
    IndexedBase,
    MatrixBase,
    Mul,
    Pow,
    Symbol,
    exp,
    sqrt,
)
from sympy.matrices.expressions import MatrixExpr

from derive.check import grammar
from derive.check.build import digit_script, number_from, power_of, product_of
from derive.check.calculus import CalculusRules, differentiate, fold_elision
from derive.check.environments import Case, Cases, EnvironmentRules, determinant, hadamard
from derive.check.functions import FunctionRules
from derive.check.names import NameRules, greek_name, is_plain_name, tex_text
from derive.check.ranges import Ranges
from derive.check.tokens import ShapesDoNotMultiply, Token, Unreadable, normalize_unicode, tokenize

MAX_DEPTH = 60
#: Readings of one statement; past this the statement is refused as too ambiguous.
MAX_READINGS = 16

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
    #: What each index runs over, in a post whose indices count different things (steps,
    #: hidden units, classes): see :mod:`derive.check.ranges`. None where all count the classes.
    ranged: Ranges | None = None

    def range_of(self, letter: str) -> Symbol | None:
        """The bound an index letter runs over when it is not the number of classes, or None."""
        if self.ranged is None:
            return None
        bound = dict(self.ranged.letters).get(letter)
        return Symbol(bound, integer=True, positive=True) if bound is not None else None

    def is_bound(self, name: str) -> bool:
        """Whether ``name`` counts something (the T of Σ_{τ=1}^{T}): a positive whole number."""
        if self.ranged is None:
            return False
        return name == self.ranged.size or name in {bound for _, bound in self.ranged.letters}


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
    #: The one family the post exponentiates (z of e^{z_i}), if it is one: e^{i} is then e^{z_i}.
    exponent_family: str | None = None
    #: Functions by convention only (f, g, h), not by anything the post wrote.
    conventional: frozenset = frozenset()
    #: Quantities the post differentiates (p of ∂p_i/∂z_j) and never differentiates by: they
    #: depend on something, while a parameter (b of ∂L/∂b) is a variable of its own.
    varying: frozenset = frozenset()
    #: Functions the post defines, with the arguments it writes (``σ(z) = …`` gives ("σ", "z")):
    #: its definition, not a convention, says what they are.
    defined: frozenset = frozenset()

    def defines(self, name: str) -> bool:
        return any(defined == name for defined, _ in self.defined)

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


def quantity_name(quantity) -> str:
    """The name of a quantity: L of L, p of the entry p_i."""
    return str(quantity.base.label if isinstance(quantity, Indexed) else quantity)


@dataclass
class Evidence:
    """What one reading saw the post do with its names (see :class:`PostNames`)."""

    applied: set = field(default_factory=set)
    alone: set = field(default_factory=set)
    differentiated: set = field(default_factory=set)  # p of ∂p_i/∂z_j
    variables: set = field(default_factory=set)  # z of ∂p_i/∂z_j, b of ∂L/∂b
    exponentiated: set = field(default_factory=set)  # families x of e^{x_i}
    defined: set = field(default_factory=set)  # (f, "x") of a row f(x) = …


class Reader(NameRules, FunctionRules, CalculusRules, EnvironmentRules):
    """Reads one row of math. ``variable`` is what a prime ``'`` differentiates by.

    The rules for names, calculus and environments are in their own modules; this class holds
    the statement, expression, term and factor rules that tie them together.
    """

    def __init__(
        self,
        tokens: list[Token],
        letters: Letters,
        variable: Expr | None = None,
        names: PostNames | None = None,
        choices: Choices | None = None,
        evidence: Evidence | None = None,
        values: Mapping[Basic, MatrixBase] | None = None,
    ) -> None:
        # A copy: reading a fraction's arguments may split a number token (\frac12 is 1 over 2).
        self.tokens = list(tokens)
        self.position = 0
        self.letters = letters
        self.variable = variable
        self.names = names or PostNames()
        self.choices = choices or Choices()
        self.defining: str | None = None  # the f of a row that begins f(x) = …
        self.evidence = evidence or Evidence()
        #: The printed value of a name, read in its place (a worked example's h_2 is its vector).
        self.values = values or {}
        self.depth = 0
        self.bars = 0  # open |…| and ‖…‖: inside, a bar closes rather than opens
        #: Indices a Σ with concrete limits binds here: e^{k} under Σ_{k=1}^{3} is e to the k.
        self.counted: frozenset = frozenset()

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
        sub = Reader(
            tokens, self.letters, self.variable, self.names, self.choices, self.evidence, self.values
        )
        sub.depth = self.depth + 1
        sub.counted = self.counted
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
            self.evidence.defined.add((head, self._bracket_text()))
            # J(w) = … defines J, also in a post that writes ∂J/∂w: this row applies it.
            self.defining = head
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
        self._note_derivatives(sides)
        return Statement(sides, continues, others[0] if others else "eq", tuple(spans))

    def _note_derivatives(self, sides: list) -> None:
        """What the row differentiates (p of ∂p_i/∂z_j) and by what (z), for :class:`PostNames`."""
        for value in sides:
            if isinstance(value, Basic):
                for derivative in value.atoms(Derivative):
                    if isinstance(derivative.expr, (Symbol, Indexed)):
                        self.evidence.differentiated.add(quantity_name(derivative.expr))
                    self.evidence.variables |= {quantity_name(v) for v in derivative.variables}

    def _bracket_text(self) -> str:
        """The text inside the first bracket from here: "z" of σ(z) = …, "w, b" of J(w, b)."""
        index = 0
        while (token := self.peek(index)) is not None and token.text != "(":
            index += 1
        inside = []
        index += 1
        while (token := self.peek(index)) is not None and token.text != ")":
            inside.append(token.text)
            index += 1
        return " ".join(inside)

    def _defined_function(self) -> str | None:
        """The f of a row that begins ``f(x) =`` or ``\\mathcal{L}(θ, b) :=``: f is a function."""
        index, name = 0, None
        token = self.peek()
        if token is None:
            return None
        if token.kind == "letter" or (token.kind == "cmd" and token.text in grammar.GREEK):
            name, index = greek_name(token), 1
        elif token.kind == "cmd" and token.text in grammar.STYLES and self.at("char", "{", 1):
            inner = self.peek(2)
            if inner is not None and inner.kind == "letter" and self.at("char", "}", 3):
                name, index = inner.text, 4
        if name is not None and self.at("char", "_", index):
            # h_\theta(x) = …: a function named by a subscripted name, known as the family h_.
            after = self.peek(index + 1)
            if after is not None and after.text == "{":
                closing = next((n for n in range(index + 2, index + 8) if self.at("char", "}", n)), None)
                index = closing + 1 if closing is not None else -1
            else:
                index += 2
            name = f"{name}_" if index > 0 else None
        if name is None or not self.at("char", "(", index):
            return None
        index += 1
        while (token := self.peek(index)) is not None:
            if (
                token.kind == "letter"
                or token.text == ","
                or (token.kind == "cmd" and token.text in grammar.GREEK)
            ):
                index += 1
            elif token.kind == "cmd" and token.text in grammar.STYLES and self.at("char", "}", index + 3):
                index += 4  # L(\mathbf{w}) = …, J(\boldsymbol{\theta}) = …
            else:
                break
        if not self.at("char", ")", index):
            return None
        after = self.peek(index + 1)
        value = self.peek(index + 2)
        if value is not None and value.kind == "cmd" and value.text == "begin":
            return None  # σ(z) = [0.5; 0.73]: the values of σ at a printed z, not σ's definition
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
                return fold_elision(terms, elided)
            if not any(isinstance(term, (MatrixExpr, MatrixBase)) for term in terms):
                return Add(*terms)  # one Add of every term: adding them one by one is quadratic
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
                entrywise = self.take().text in grammar.HADAMARD
                if not factors:
                    raise Unreadable("a product sign with nothing before it")
                if entrywise:
                    factors[-1] = hadamard(factors[-1], self.factor())
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
                factors.append(differentiate(self._body(), operator))
                break
            token = self.peek()
            if token.kind == "number" and previous is not None and previous.kind == "number" and factors:
                # 2 3: TeX prints 23, but a reader may mean 2·3.
                self.take()
                pick = self.choices.choose(("one number", "a product"), f"{previous.text} {token.text}")
                joined = number_from(previous.text + token.text)
                factors[-1] = joined if pick == 0 else product_of(factors[-1], number_from(token.text))
                previous = None
                continue
            factors.append(self.factor())
            previous = token if token.kind == "number" and self.tokens[self.position - 1] is token else None
        if not factors:
            raise Unreadable("a term with nothing in it")
        if not any(isinstance(factor, (MatrixExpr, MatrixBase)) for factor in factors):
            return Mul(*factors)
        product = factors[0]
        for factor in factors[1:]:
            product = product_of(product, factor)  # in order: matrices do not commute
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
                exponent = self.script()
                if base == E and exponent in self.counted:
                    base = exp(exponent)  # Σ_{k=1}^{3} e^{k}: e to a counted power, a number
                    continue
                if base == E:
                    exponent = self.exponent_entry(exponent)
                base = power_of(base, exponent)
            elif self.at("char", "'"):
                self.take()
                base = self._prime(base)
            else:
                return base

    def exponent_entry(self, exponent):
        """``e^{z_i}`` is noted; ``e^{i}`` (an index) is e^{z_i} where the post exponentiates z alone."""
        if isinstance(exponent, Indexed) and len(exponent.indices) == 1:
            self.evidence.exponentiated.add(str(exponent.base))
        return self.index_entry(exponent, "e^{{{index}}}")

    def index_entry(self, value, shown: str):
        """An index standing for an entry of the exponentiated family: ``i`` for z_i, said so."""
        family = self.names.exponent_family
        if family is None or not (isinstance(value, Symbol) and value.is_integer):
            return value
        self.choices.settle(f"{shown.format(index=value)} read as {shown.format(index=f'{family}_{value}')}")
        return Indexed(IndexedBase(family), value)

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
            return digit_script(token.text)
        if token.kind == "letter":
            return self.symbol(token.text)
        if token.kind == "cmd" and token.text in grammar.GREEK:
            return self.symbol(grammar.GREEK[token.text])
        if token.kind == "cmd" and token.text in ("frac", "dfrac", "tfrac"):
            return self.frac()  # x^\frac12
        if token.kind == "char" and token.text == "-" and self.at("number"):
            return -digit_script(self.take().text)
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
            and is_plain_name(tokens)
            and (self.at("char", "_") or self.at("char", "^"))
        ):
            return self.name(greek_name(tokens[0]))  # { p }_{ i }: a name in spaced braces, then its scripts
        return self._whole(tokens)

    def primary(self) -> Expr:
        token = self.peek()
        if token is None:
            raise Unreadable("the equation ends too early")
        if token.kind == "number":
            self.take()
            return number_from(token.text)
        if token.kind == "letter":
            return self.letter_run()
        if token.kind == "word":
            return self.prose_name(token)
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
                return determinant(value)  # |A| of a matrix is its determinant
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

    # -- functions -------------------------------------------------------------------------

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
            return determinant(self.function_argument())
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

    def raw_group(self) -> str:
        """The text of a braced group, as written (``\\text{if }`` → ``if``)."""
        if not self.at("char", "{"):
            raise Unreadable(f"expected {{ but found {self.take().text!r}")
        return tex_text(self.braced_tokens()).strip()

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

    # -- fractions and derivatives -----------------------------------------------------------


#: What SymPy raises on combinations it rejects (a matrix plus a number, …): unreadable math.
SYMPY_FAILURES = (TypeError, ValueError, AttributeError, IndexError, RecursionError)


def read_readings(
    tokens: list[Token],
    letters: Letters,
    variable: Expr | None = None,
    names: PostNames | None = None,
    evidence: Evidence | None = None,
    values: Mapping[Basic, MatrixBase] | None = None,
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
        reader = Reader(tokens, letters, variable, names, choices, evidence, values)
        try:
            statement = reader.statement()
            statements.setdefault(statement.key(), statement)
        except Unreadable as error:
            failures.append(error)
        except SYMPY_FAILURES as error:
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
        # A shape error is a mistake only if every reading runs into one; otherwise say why not.
        plain = [failure for failure in failures if not isinstance(failure, ShapesDoNotMultiply)]
        raise plain[0] if plain else failures[0]
    readings = list(statements.values())
    return readings, (choices_met if len(readings) > 1 else []), settled


def read_statement(tokens: list[Token], letters: Letters, variable: Expr | None = None) -> Statement:
    """Read one row of math that has a single reading; an ambiguous row is :class:`Unreadable`."""
    readings, choices, _ = read_readings(tokens, letters, variable)
    if len(readings) > 1:
        raise Unreadable(f"it can be read {len(readings)} ways ({'; '.join(choices)})")
    return readings[0]
