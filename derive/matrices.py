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

from sympy import Basic, Derivative, Expr, IndexedBase, Integer, MatrixBase, Sum, Symbol, Tuple, sympify
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


class IndexedVector(MatrixExpr):
    """x_τ: the column vector (x_{τ,1}, …, x_{τ,n}) of a family of vectors, one for each τ.

    Its entry a is ``x[τ, a]``, the same ``Indexed`` entry a derivation writes (h_{τ,j}), so a
    time step's vectors (h_τ, ŷ_τ) are proven at a generic entry like any ``MatrixSymbol``.
    """

    def __new__(cls, base: IndexedBase, index: Expr, size: Expr) -> IndexedVector:
        return MatrixExpr.__new__(cls, base, sympify(index), sympify(size))

    @property
    def base(self) -> IndexedBase:
        return self.args[0]

    @property
    def index(self) -> Expr:
        return self.args[1]

    @property
    def shape(self) -> tuple[Expr, Expr]:
        return self.args[2], Integer(1)

    def _entry(self, i, j, **kwargs) -> Expr:
        return self.base[self.index, i]


class MatrixSum(MatrixExpr):
    """Σ_{τ=lower}^{upper} A_τ for matrix forms A_τ of one shape: the sum of their entries."""

    def __new__(cls, function: MatrixExpr, limits: tuple) -> MatrixSum:
        return MatrixExpr.__new__(cls, function, Tuple(*limits))

    @property
    def function(self) -> MatrixExpr:
        return self.args[0]

    @property
    def limits(self) -> tuple[Symbol, Expr, Expr]:
        variable, lower, upper = self.args[1]
        return variable, lower, upper

    @property
    def shape(self) -> tuple[Expr, Expr]:
        return self.function.shape

    def _entry(self, i, j, **kwargs) -> Expr:
        return Sum(self.function[i, j], self.limits)


def is_matrix_form(expr: Basic) -> bool:
    """A matrix expression of symbolic shape, as opposed to an explicit ``Matrix``."""
    # An immutable explicit Matrix is a MatrixExpr too in SymPy; it is proven entry by entry.
    return isinstance(expr, MatrixExpr) and not isinstance(expr, MatrixBase)


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
        # A number is SymPy's 0-based position (p[0, 0] is p_1); a symbol is a generic index.
        indices = [
            index + 1 if index.is_Integer else index
            for index, size in ((row, rows), (col, cols))
            if size != 1
        ]
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
