"""The reader's rules for names: letters and words, scripts in either order, accents and styles,
bold vectors, and whether ``name(…)`` is an application or a product."""

from __future__ import annotations

import unicodedata

from sympy import (
    E,
    Expr,
    Function,
    Indexed,
    IndexedBase,
    KroneckerDelta,
    MatrixBase,
    Symbol,
)
from sympy.matrices.expressions import DiagMatrix, MatrixExpr, MatrixSymbol, OneMatrix, ZeroMatrix

from derive.check import grammar
from derive.check.build import derivative_at, digit_script, number_from, power_of
from derive.check.tokens import Token, Unreadable
from derive.matrices import IndexedVector

#: Names applied with square brackets too: 𝔼[X], ℙ[A].
_APPLIED_WITH_BRACKETS = frozenset({"𝔼", "ℙ", "Var", "Cov", "var", "cov"})


class NameRules:
    """Names, read by :class:`~derive.check.reader.Reader`."""

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
        if self.letters.is_bound(name):
            return Symbol(name, integer=True, positive=True)
        return Symbol(name)

    def function_or_name(self, word: str) -> Expr:
        if word in grammar.FUNCTIONS or word in grammar.VARIADIC or word == grammar.SOFTMAX:
            return self.named_function(word)
        if word in grammar.LOG_SUM_EXP and self.at("char", "("):
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
            value = power_of(value, superscript)
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
        value = self._plain_named_value(name, indices, layer, bold)
        return self.values.get(value, value)

    def _plain_named_value(self, name: str, indices, layer, bold: bool) -> Expr:
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
                return [digit_script(token.text)]
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
            return [self.symbol(greek_name(t)) for t in plain]
        if self.at("char", "}") and len(plain) > 1 and all(t.kind == "number" for t in plain):
            self.take()  # W_{1,2}: one number per index
            return [number_from(t.text) for t in plain]
        if self.at("char", "}") and len(plain) == 1:
            self.take()
            return [number_from(plain[0].text)]
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
        if primes or word or name in _APPLIED_WITH_BRACKETS or self._several_arguments():
            self.evidence.applied.add(key)
            arguments, conditional = self._arguments()
            return self._apply(name, value, arguments, primes, conditional), False
        settled = True if key == self.defining else self.names.is_function(key)
        if settled is None and key == grammar.LOGISTIC_LETTER and not self.names.uses_both(key):
            settled = True
        if settled is None and (key, self._bracket_text()) in self.names.defined:
            # σ(z) = … defines σ: σ(z) is σ applied, though ∂σ/∂z uses it alone; σ(1 − σ) is open.
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
            return None, True
        # The choice is made before the bracket is read, so it is read once in each reading.
        arguments, conditional = self._arguments()
        return self._apply(name, value, arguments, primes, conditional), True

    def _several_arguments(self) -> bool:
        """At a bracket: does a comma or a bar stand at its top level, as in f(x, y) or P(t | z)?"""
        depth = 0
        index = 0
        absolute = False  # inside |…| written as a value: x(|w| + w) is no P(t | z)
        previous = None
        while (token := self.peek(index)) is not None:
            if token.kind == "char" and token.text in "([{":
                depth += 1
            elif token.kind == "char" and token.text in ")]}":
                depth -= 1
                if depth == 0:
                    return False
            elif depth == 1 and token.kind == "char" and token.text == "|" and (absolute or _opens(previous)):
                absolute = not absolute
            elif depth == 1 and token.kind == "char" and token.text in (",", "|"):
                return True
            previous = token
            index += 1
        return False

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
        if (
            name == grammar.LOGISTIC_LETTER
            and len(arguments) == 1
            and not conditional
            and not self.names.defines(name)
            and name != self.defining
        ):
            self.choices.settle("σ(…) read as the logistic function 1/(1 + e^{−x})")
            call = grammar.FUNCTIONS["sigmoid"]
            return derivative_at(call, arguments[0], primes)
        if primes:
            if len(arguments) != 1:
                raise Unreadable(f"{name}' of several arguments: which one is meant?")
            return derivative_at(Function(label), arguments[0], primes)
        return Function(label)(*arguments)

    def _styled(self, style: str, tokens: list[Token] | None) -> Expr:
        """``\\mathbf{x}``, ``\\hat{y}``, ``\\hat y``, ``\\mathrm{ReLU}``, ``\\mathbb{E}``, ``{\\bf x}``."""
        if tokens is None:
            tokens = self.braced_tokens()
        if style in ("text", "mbox", "textrm"):
            return self._text_name(tokens)
        bold = style in grammar.BOLD
        if not tokens:
            raise Unreadable(f"\\{style} with nothing in it")
        if style in grammar.ACCENTS:
            return self._accented(style, tokens)
        if tokens[0].kind == "cmd" and tokens[0].text in grammar.ACCENTS:
            return self._accented(tokens[0].text, tokens[1:], bold=bold)  # \mathbf{\hat y}
        if len(tokens) == 1 and tokens[0].kind == "number" and bold and tokens[0].text in ("0", "1"):
            size = self.letters.size
            return (ZeroMatrix if tokens[0].text == "0" else OneMatrix)(size, 1)
        if not is_plain_name(tokens):
            sub = self._sub(tokens)
            if style in ("mathrm", "operatorname", "mathit") and not bold:
                return sub._whole_self()
            raise Unreadable(f"\\{style}{{{tex_text(tokens)}}}")
        word = "".join(greek_name(t) if t.kind == "cmd" else t.text for t in tokens)
        word = word.replace("_name", "_")
        if style == "mathbb" and len(word) == 1:
            word = _double_struck(word)
        if len(word) > 1:
            if bold:
                raise Unreadable(f"the bold word {word!r}")
            return self.function_or_name(word)
        if bold and (not self._bold_entry_follows() or self._vector_family(word)):
            return self.name(word, bold=True)
        return self.name(word, word=style in ("operatorname",) or word in _APPLIED_WITH_BRACKETS)

    def _text_name(self, tokens: list[Token]) -> Expr:
        """``\\text{loss}``, ``\\text{w1}``, ``\\text{cross\\_entropy}``: an upright name.

        Text run together with what follows (``\\text{if} i = j``) is prose, never a product.
        """
        if not tokens or not all(t.kind in ("letter", "number") or t.text in ("_name", "-") for t in tokens):
            raise Unreadable(f"the text {tex_text(tokens)!r} inside an equation")
        if tokens[0].kind != "letter" or tokens[-1].text == "-":  # CE-loss, not a difference
            raise Unreadable(f"the text {tex_text(tokens)!r} inside an equation")
        word = tex_text(tokens)
        value = self.function_or_name(word) if len(tokens) > 1 else self.name(word)
        # \text{sigmoid}(x)(1 − …) is a product after an application; a bare word is prose.
        if isinstance(value, Symbol) and self._juxtaposed_factor_follows():
            raise Unreadable(f"the text {word!r} inside an equation, run together with what follows")
        return value

    def prose_name(self, token: Token) -> Expr:
        """A word in Korean, Chinese or Japanese standing for a quantity (손실, 损失): a name.

        A condition word (当, 일 때) or a word run together with what follows is prose.
        """
        if token.text in grammar.CONDITION_WORDS or token.text in grammar.OTHERWISE_WORDS:
            raise Unreadable(f"the words {token.text!r} (a condition) inside the math")
        self.take()
        value = self.name(token.text, word=True)
        if self._juxtaposed_factor_follows():
            raise Unreadable(f"the words {token.text!r} inside the math, run together with what follows")
        return value

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
            raise Unreadable(f"\\{accent} over {tex_text(tokens)!r}")
        name = greek_name(inner[0]) + grammar.ACCENTS[accent]
        if len(inner) > 1:
            if inner[1].text != "_":
                raise Unreadable(f"\\{accent} over {tex_text(tokens)!r}")
            # \hat{y_i}: the hat over the entry, read as the entry of the family ŷ.
            self.choices.settle(
                f"\\{accent}{{{tex_text(inner)}}} read as \\{accent}{{{greek_name(inner[0])}}}_…"
            )
            sub = self._sub(inner[2:])
            indices = sub.subscript_tokens_whole()
            value = Indexed(IndexedBase(name), *indices)
            value = self.values.get(value, value)
            self.evidence.alone.add(f"{name}_")
            return power_of(value, self.script_after()) if self.at("char", "^") else value
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

    def _vector_family(self, name: str) -> bool:
        """``\\mathbf{h}_τ`` where the post writes h_{τ,m}: the vector of step τ (ranges.py)."""
        ranged = self.letters.ranged
        return ranged is not None and name in dict(ranged.vectors)

    def bold(self, name: str, indices) -> Expr:
        """A bold letter is a vector (lower case: N entries) or a matrix (capital: N × columns).

        In a post whose indices run over their own ranges (ranges.py), ``\\mathbf{h}_τ`` is the
        vector of step τ, of as many entries as the post's h_{τ,m} has, and a bold capital has
        the ranges of its entries' positions (V_{im}: N × H)."""
        ranged = self.letters.ranged
        if indices is not None and self._vector_family(name) and len(indices) == 1:
            entries = Symbol(dict(ranged.vectors)[name], integer=True, positive=True)
            return IndexedVector(IndexedBase(name), indices[0], entries)
        if indices is not None:
            return Indexed(IndexedBase(name), *indices)
        if ranged is not None and name[0].isupper():
            positions = dict(ranged.positions)
            rows, cols = positions.get((name, 0)), positions.get((name, 1))
            if rows is None or cols is None:
                raise Unreadable(f"the shape of the matrix {name}: its entries' ranges are not known")
            return MatrixSymbol(name, *(Symbol(n, integer=True, positive=True) for n in (rows, cols)))
        size = self.letters.size
        columns = self.letters.columns or size
        if name[0].isupper():
            return MatrixSymbol(name, size, columns)
        return MatrixSymbol(name, columns if name in self.letters.column_families else size, 1)


def _opens(previous: Token | None) -> bool:
    """Whether a bar after ``previous`` opens an absolute value: after a bracket or an operator,
    where no operand stands for it to separate from."""
    return previous is not None and previous.kind == "char" and previous.text in "([{+-*/=,"


def is_plain_name(tokens: list[Token]) -> bool:
    """One letter, a Greek letter, or a word of letters (and ``\\_``): nothing to read as math."""
    if not tokens:
        return False
    if len(tokens) == 1 and tokens[0].kind == "cmd":
        return tokens[0].text in grammar.GREEK
    return all(t.kind == "letter" or t.text == "_name" for t in tokens)


def greek_name(token: Token) -> str:
    return grammar.GREEK.get(token.text, token.text) if token.kind == "cmd" else token.text


def tex_text(tokens: list[Token]) -> str:
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
