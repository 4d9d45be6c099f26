"""The reader's rules for environments: matrices (and their determinants) and ``cases``."""

from __future__ import annotations

from dataclasses import dataclass

from sympy import (
    Expr,
    ImmutableMatrix,
    MatrixBase,
    Mul,
)
from sympy.matrices.expressions import MatrixExpr

from derive.check import grammar
from derive.check.names import tex_text
from derive.check.tokens import Token, Unreadable


@dataclass(frozen=True)
class Case:
    """One branch of a ``cases`` environment: a value and its condition (None: otherwise)."""

    value: Expr
    condition: Expr | None


@dataclass(frozen=True)
class Cases:
    branches: tuple[Case, ...]


class EnvironmentRules:
    """Matrices and cases, read by :class:`~derive.check.reader.Reader`."""

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
            return determinant(matrix)
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
            raise Unreadable(f"cannot read the condition {tex_text(relation)!r}")
        a, b = statement.sides
        relation_class = grammar.RELATION_CLASSES.get(
            "eq" if statement.relation in ("eq", "def") else statement.relation
        )
        if relation_class is None:
            raise Unreadable(f"cannot read the condition {tex_text(relation)!r}")
        return relation_class(a, b)


def determinant(matrix):
    from sympy import Determinant

    if matrix.shape[0] != matrix.shape[1]:
        raise Unreadable("the determinant of a matrix that is not square")
    return matrix.det() if isinstance(matrix, MatrixBase) else Determinant(matrix)


def hadamard(a, b):
    if isinstance(a, MatrixBase) and isinstance(b, MatrixBase):
        if a.shape != b.shape:
            raise Unreadable(f"an entrywise product of a {a.shape} and a {b.shape} matrix")
        return a.multiply_elementwise(b)
    if isinstance(a, (MatrixExpr, MatrixBase)) or isinstance(b, (MatrixExpr, MatrixBase)):
        from sympy import HadamardProduct

        return HadamardProduct(a, b)
    return Mul(a, b)
