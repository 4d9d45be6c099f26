"""The reader's rules for calculus: fractions, derivatives in every notation, sums and products,
and ``a_1 + \\cdots + a_N`` folded into a sum."""

from __future__ import annotations

from sympy import (
    Derivative,
    Expr,
    Indexed,
    Integer,
    MatrixBase,
    Pow,
    Product,
    Sum,
    Symbol,
)
from sympy.matrices.expressions import MatrixExpr, MatrixSymbol

from derive.algebra import SumExcept
from derive.check.build import product_of, refuse
from derive.check.names import greek_name
from derive.check.tokens import Token, Unreadable
from derive.matrices import Gradient, MatrixSum

#: How many entries of the first term are tried as the one that counts up in a_1 + ⋯ + a_N.
MAX_ELISION_CANDIDATES = 4
#: Terms written out around \cdots that are checked against the pattern.
MAX_ELISION_TERMS = 12
#: Terms a sum or product with concrete limits may have; more is refused before anything grows.
MAX_TERMS = 10_000


class CalculusRules:
    """Fractions, derivatives, sums and products, read by :class:`~derive.check.reader.Reader`."""

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
            return differentiate(value, variables)
        if numerator and numerator[0].kind == "cmd" and numerator[0].text == "partial":
            raise Unreadable("∂ over something that is not ∂ of a variable")
        return product_of(self._whole(numerator), Pow(self._whole(denominator), -1))

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
                return None if not partial else refuse("∂ with nothing after it")
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
            variable = self.index_entry(variable, "∂{index}")
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

    def operator_derivative(self, name: str) -> Expr:
        """``\\nabla_\\theta L`` and ``\\partial_{z_i} L``: the derivative of what follows.

        Written inline, ``∂L/∂z_i`` is the derivative of L by z_i.
        """
        if name == "partial" and not self.at("char", "_"):
            body = self.factor()
            if not (self.at("char", "/") and self.at("cmd", "partial", 1)):
                raise Unreadable("a ∂ that is not part of a derivative ∂a/∂b")
            self.position += 2
            variable = self.factor()
            _check_variable(variable)
            self.variable = variable
            return differentiate(body, [(variable, 1)])
        if not self.at("char", "_"):
            raise Unreadable(f"a \\{name} without the variable it differentiates by")
        self.take()
        variable = self.group() if self.at("char", "{") else self.subscript()[0]
        _check_variable(variable)
        self.variable = variable
        return differentiate(self._body(), [(variable, 1)])

    def _body(self) -> Expr:
        """What a Σ, Π or ∂/∂x takes: the rest of the term, which may begin with a sign (Σ_k − z_k)."""
        if self.at("char", "-"):
            self.take()
            return -self.term()
        if self.at("char", "+"):
            self.take()
        return self.term()

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
        counted = self.counted
        if upper is not None and (upper - ranges[0][1]).is_Integer:
            self.counted = counted | {variable for variable, _, _ in ranges}
        try:
            body = self._body()
        finally:
            self.counted = counted
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
            elif isinstance(body, MatrixExpr) and operator == "sum":
                body = MatrixSum(body, (variable, lower, top))  # Σ_τ (p_τ − y_τ) h_τᵀ
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
        variable = sub.symbol(greek_name(sub.take()))
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


def differentiate(value, variables: list[tuple[Expr, int]]):
    if any(isinstance(v, MatrixSymbol) for v, _ in variables):
        if len(variables) != 1 or variables[0][1] != 1:
            raise Unreadable("a second derivative by a vector or matrix is not supported")
        if isinstance(value, MatrixExpr):
            raise Unreadable("a derivative of a vector by a vector (a Jacobian) is not supported")
        return Gradient(value, variables[0][0])
    if isinstance(value, (MatrixExpr, MatrixBase)):
        raise Unreadable("a derivative of a vector or matrix by a scalar is not supported")
    return Derivative(value, *variables)


def fold_elision(terms: list, elided: int) -> Expr:
    """``a_1 + a_2 + \\cdots + a_N``: the sum Σ_{k=1}^{N} a_k, when every term fits one pattern."""
    if elided >= len(terms):
        raise Unreadable("elided terms \\cdots at the end of a sum")
    first, last = terms[0], terms[-1]
    index = Symbol("elided_k", integer=True, positive=True)
    # Each candidate costs a rewrite of every term: a few are tried, not every entry of a long term.
    candidates = sorted(first.atoms(Indexed), key=str)[:MAX_ELISION_CANDIDATES]
    if len(terms) > MAX_ELISION_TERMS:
        raise Unreadable(f"more than {MAX_ELISION_TERMS} terms written around \\cdots")
    for atom in candidates:
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
