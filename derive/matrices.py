"""Vector and matrix forms — J = diag(p) − p pᵀ, ∂L/∂W = (ŷ − y) xᵀ — proven entry by entry.

Two matrices of the same shape are equal exactly when their entries at generic indices
``(a, b)`` are equal. A matrix expression of symbolic size (SymPy's ``MatrixSymbol`` with
products, transposes, ``DiagMatrix``, and :class:`Gradient` below) is proven by taking that
generic entry and proving it in the index notation the verifier already knows:

* ``p[a, 0]`` of a column vector is ``p_a``, ``x[0, b]`` of a row is ``x_b``, ``W[a, b]`` is
  ``W_{ab}`` — the same ``IndexedBase`` objects a derivation uses for its entries;
* SymPy numbers entries from 0, derive from 1: a sum over ``0..n−1`` becomes one over
  ``1..n``. Every entry index is a bare symbol, so this renaming shifts all of them alike.
"""

from __future__ import annotations

from sympy import Basic, Derivative, Expr, IndexedBase, Integer, Sum, Symbol
from sympy.matrices.expressions import MatrixExpr, MatrixSymbol
from sympy.matrices.expressions.matexpr import MatrixElement


class Gradient(MatrixExpr):
    """∂f/∂X for a scalar f: the matrix of the ∂f/∂X_{ab}, in the shape of X."""

    def __new__(cls, function: Expr, variable: MatrixSymbol) -> Gradient:
        return MatrixExpr.__new__(cls, function, variable)

    @property
    def function(self) -> Expr:
        return self.args[0]

    @property
    def variable(self) -> MatrixSymbol:
        return self.args[1]

    @property
    def shape(self) -> tuple[Expr, Expr]:
        return self.variable.shape

    def _entry(self, i, j, **kwargs) -> Expr:
        return Derivative(self.function, self.variable[i, j])


def is_matrix_form(expr: Basic) -> bool:
    """A matrix expression of symbolic shape, as opposed to an explicit ``Matrix``."""
    return isinstance(expr, MatrixExpr)


def generic_entry(expr: MatrixExpr, row: Symbol, col: Symbol) -> Expr:
    """The ``(row, col)`` entry of ``expr`` in derive's index notation (see the module docstring).

    ``row`` or ``col`` is ignored along a dimension of size 1.
    """
    rows, cols = expr.shape
    value = expr[row if rows != 1 else 0, col if cols != 1 else 0]
    return as_indexed(value)


def as_indexed(expr: Basic) -> Basic:
    """Matrix elements as ``Indexed`` entries, and sums over ``0..n−1`` as sums over ``1..n``."""
    if isinstance(expr, MatrixElement):
        matrix, row, col = expr.args
        rows, cols = matrix.shape
        indices = [index for index, size in ((row, rows), (col, cols)) if size != 1]
        return IndexedBase(str(matrix.name))[tuple(indices) or (Integer(1),)]
    if isinstance(expr, Sum):
        function = as_indexed(expr.function)
        limits = [
            (var, lower + 1, upper + 1) if lower == 0 else (var, lower, upper)
            for var, lower, upper in expr.limits
        ]
        return Sum(function, *limits)
    if not expr.args:
        return expr
    return expr.func(*[as_indexed(arg) for arg in expr.args])
