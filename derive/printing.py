"""The project's LaTeX printer: SymPy's, taught to write like a person.

Every equation in every output is printed here, from a SymPy object. Extensions are
``_print_<Class>`` methods, as in ``sympy/printing/latex.py`` itself:

* ``z_i`` rather than ``{z}_{i}``; ``\\delta_{ij}``; ``\\log p_i``; ``e^{z_i}`` and
  ``\\left(e^{z_i}\\right)^{2}``, never ``e^{z_i}^{2}``;
* ``∂`` for every derivative (``\\frac{\\partial L}{\\partial z_i}``);
* terms and factors in the order the step built them (``order='none'``);
* ``\\cdot`` where juxtaposition would be misread (``0 \\cdot S``, ``e^{a} \\cdot e^{b}``);
* long sums and large matrices elided with ``\\cdots`` past a readable width.
"""

from __future__ import annotations

from itertools import pairwise
from typing import ClassVar

from sympy import (
    Add,
    Basic,
    Derivative,
    Expr,
    Indexed,
    Integer,
    Matrix,
    MatrixBase,
    Mul,
    Pow,
    Product,
    Sum,
    Symbol,
    UnevaluatedExpr,
    exp,
)
from sympy.core.expr import AtomicExpr
from sympy.core.function import AppliedUndef
from sympy.matrices.expressions import DiagMatrix, MatrixSymbol, OneMatrix, Transpose, ZeroMatrix
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

from derive.algebra import SumExcept
from derive.matrices import Gradient, IndexedVector, MatrixSum

#: Sums with more terms than this are written with ``\cdots`` in the middle.
MAX_TERMS = 6
#: Matrices with more rows or columns than this are written with dots in the middle.
MAX_MATRIX = 6


class Dots(AtomicExpr):
    """An elision mark inside a printed sum or matrix: ``\\cdots``, ``\\vdots`` or ``\\ddots``."""

    def __new__(cls, kind: str) -> Dots:
        obj = AtomicExpr.__new__(cls)
        obj.kind = kind
        return obj

    def _hashable_content(self) -> tuple:
        return (self.kind,)


class DerivePrinter(LatexPrinter):
    """SymPy's LaTeX printer with the conventions of a hand-written derivation."""

    _default_settings: ClassVar[dict] = {
        **LatexPrinter._default_settings,
        "order": "none",
        "mat_str": "bmatrix",
        "mat_delim": "",
        "inv_trig_style": "full",  # \arctan x, as people write it, not \operatorname{atan}
        "max_terms": MAX_TERMS,
        "max_matrix": MAX_MATRIX,
        # Printed names by symbol, for notation presets: {Symbol("z"): "o", Symbol("p"): "\\hat{y}"}.
        "names": {},
    }

    # -- atoms --------------------------------------------------------------------------

    def _print_Symbol(self, expr: Symbol, style: str = "plain") -> str:
        renamed = self._settings["names"].get(expr)
        return renamed if renamed is not None else super()._print_Symbol(expr, style)

    def _print_Dots(self, expr: Dots) -> str:
        return f"\\{expr.kind}"

    def _subscript(self, indices: tuple[Basic, ...]) -> str:
        """``_i``, ``_{12}``, ``_{ij}`` for letters, ``_{1,2}`` to keep two indices apart from 12."""
        printed = [self._print(index) for index in indices]
        if len(printed) == 1 and len(printed[0]) == 1:
            return f"_{printed[0]}"
        separator = "" if all(len(p) == 1 and p.isalpha() for p in printed) else ","
        return f"_{{{separator.join(printed)}}}"

    def _print_Indexed(self, expr: Indexed) -> str:
        return self._print(expr.base.label) + self._subscript(expr.indices)

    def _print_KroneckerDelta(self, expr: Basic, exp: str | None = None) -> str:
        tex = "\\delta" + self._subscript(expr.args)
        return f"{tex}^{{{exp}}}" if exp else tex

    # -- functions ----------------------------------------------------------------------

    def _print_exp(self, expr: Expr, exp: str | None = None) -> str:
        tex = f"e^{{{self._print(expr.args[0])}}}"
        return f"\\left({tex}\\right)^{{{exp}}}" if exp else tex

    def _print_log(self, expr: Expr, exp: str | None = None) -> str:
        (argument,) = expr.args
        name = f"\\log^{{{exp}}}" if exp else "\\log"
        # log σ(z) reads like log p_i: an applied function is as short as a symbol.
        if isinstance(argument, (Symbol, Indexed, AppliedUndef)):
            return f"{name} {self._print(argument)}"
        return f"{name}\\left({self._print(argument)}\\right)"

    def _print_Pow(self, expr: Pow) -> str:
        if isinstance(expr.base, exp) and expr.exp.is_positive:
            return self._print_exp(expr.base, exp=self._print(expr.exp))
        return super()._print_Pow(expr)

    def _print_Derivative(self, expr: Expr) -> str:
        variables = expr.variable_count
        order = sum(count for _, count in variables)
        partial = "\\partial" if order == 1 else f"\\partial^{{{order}}}"
        denominator = " ".join(
            f"\\partial {self._print(v)}" + (f"^{{{n}}}" if n > 1 else "") for v, n in variables
        )
        function = expr.expr
        # ∂1/∂z, not ∂/∂z (1) · g, which reads as the derivative of the whole product.
        if not _operator_form(expr):
            return f"\\frac{{{partial} {self._print(function)}}}{{{denominator}}}"
        return f"\\frac{{{partial}}}{{{denominator}}} \\left({self._print(function)}\\right)"

    # -- sums and products --------------------------------------------------------------

    def _print_SumExcept(self, expr: SumExcept) -> str:
        variable, excluded = self._print(expr.variable), self._print(expr.excluded)
        summand = self.parenthesize(expr.summand, PRECEDENCE["Mul"], strict=True)
        return f"\\sum_{{{variable} \\neq {excluded}}} {summand}"

    def _print_Add(self, expr: Add, order: str | None = None) -> str:
        terms = list(expr.args)
        limit = self._settings["max_terms"]
        if len(terms) > limit:
            # The last two terms stay: a sum written out and then corrected (… + e^{z_N} − e^{z_1}).
            shown = [*terms[:2], Dots("cdots"), *terms[-2:]]
            return super()._print_Add(Add(*shown, evaluate=False), order)
        return super()._print_Add(expr, order)

    def _print_Mul(self, expr: Mul) -> str:
        # SymPy also routes 1/x here (as a Pow); only real products are handled below.
        if not isinstance(expr, Mul):
            return super()._print_Mul(expr)
        factors = list(expr.args)
        if len(factors) > 1 and factors[0] == -1:
            rest = _product(factors[1:])
            return "- " + self.parenthesize(rest, PRECEDENCE["Mul"], strict=True)
        denominator = [Pow(f.base, -f.exp) for f in factors if _is_reciprocal(f)]
        if denominator:
            numerator = _product([f for f in factors if not _is_reciprocal(f)])
            return f"\\frac{{{self._print(numerator)}}}{{{self._print(_product(denominator))}}}"
        if not _needs_dot(factors):
            if len(factors) > 1 and factors[0].is_Rational and not factors[0].is_Integer:
                # ½ Σ_i (ŷ_i − y_i)², as written by hand, rather than the whole sum over 2.
                rest = self.parenthesize(_product(factors[1:]), PRECEDENCE["Mul"], strict=True)
                return f"{self._print(factors[0])} {rest}"
            return super()._print_Mul(expr)
        last = len(factors) - 1
        return " \\cdot ".join(self._factor(f, n == last) for n, f in enumerate(factors))

    def _factor(self, factor: Basic, last: bool = True) -> str:
        """A factor of a dotted product: bracketed when it is a sum or carries a minus sign.

        A Σ or a ∂/∂x (…) before another factor is bracketed too: unbracketed, it would be read
        as taking the rest of the product into its body (Σ_k a_k · b reads as Σ_k (a_k b)).
        """
        if _is_negative(factor) or (not last and _takes_what_follows(factor)):
            return f"\\left({self._print(factor)}\\right)"
        return self.parenthesize(factor, PRECEDENCE["Mul"], strict=True)

    def _print_AppliedUndef(self, expr: Expr, exp: str | None = None) -> str:
        arguments = ", ".join(self._print(a) for a in expr.args)
        name = expr.func.__name__
        printed = self._print(Symbol(name))
        # A function named by a word (GELU, softplus) is upright, as \log is: not G·E·L·U.
        if printed == name and len(name) > 1 and name.isalpha():
            printed = f"\\operatorname{{{name}}}"
        tex = f"{printed}({arguments})"
        return f"{tex}^{{{exp}}}" if exp else tex

    # -- matrices -----------------------------------------------------------------------

    def _print_MatrixBase(self, expr: MatrixBase) -> str:
        limit = self._settings["max_matrix"]
        rows, cols = expr.shape
        if rows <= limit and cols <= limit:
            return super()._print_MatrixBase(expr)
        keep_rows = _kept(rows, limit)
        keep_cols = _kept(cols, limit)
        shown = []
        for r in keep_rows:
            if r is None:
                shown.append([Dots("ddots") if c is None else Dots("vdots") for c in keep_cols])
            else:
                shown.append([Dots("cdots") if c is None else expr[r, c] for c in keep_cols])
        return super()._print_MatrixBase(Matrix(shown))

    _print_ImmutableMatrix = _print_ImmutableDenseMatrix = _print_MatrixBase
    _print_Matrix = _print_MutableDenseMatrix = _print_MatrixBase

    # -- vector and matrix forms (derive.matrices) ----------------------------------------

    def _print_MatrixSymbol(self, expr: MatrixSymbol) -> str:
        # Bold, as vectors and matrices are in ML texts: the vector p and the scalar p_i (or a
        # scalar p) stay apart for a reader and for derive check; a notation renames both alike.
        return f"\\mathbf{{{self._print_Symbol(Symbol(str(expr.name)))}}}"

    def _print_ZeroMatrix(self, expr: ZeroMatrix) -> str:
        return "\\mathbf{0}"

    def _print_OneMatrix(self, expr: OneMatrix) -> str:
        return "\\mathbf{1}"

    def _print_Transpose(self, expr: Transpose) -> str:
        inner = self._print(expr.arg)
        if isinstance(expr.arg, (MatrixSymbol, IndexedVector, ZeroMatrix, OneMatrix)) and "^" not in inner:
            return f"{inner}^{{\\top}}"
        return f"\\left({inner}\\right)^{{\\top}}"

    def _print_IndexedVector(self, expr: IndexedVector) -> str:
        # Bold like a MatrixSymbol, with the index of its family: h_τ, renamed alike by a notation.
        return f"\\mathbf{{{self._print_Symbol(expr.base.label)}}}" + self._subscript((expr.index,))

    def _print_MatrixSum(self, expr: MatrixSum) -> str:
        variable, lower, upper = (self._print(x) for x in expr.limits)
        summand = self.parenthesize(expr.function, PRECEDENCE["Mul"], strict=True)
        return f"\\sum_{{{variable}={lower}}}^{{{upper}}} {summand}"

    def _print_DiagMatrix(self, expr: DiagMatrix) -> str:
        return f"\\operatorname{{diag}}\\left({self._print(expr.args[0])}\\right)"

    def _print_Gradient(self, expr: Gradient) -> str:
        function = self._print(expr.function)
        return f"\\frac{{\\partial {function}}}{{\\partial {self._print(expr.variable)}}}"


def _kept(size: int, limit: int) -> list[int | None]:
    """Positions shown of a dimension: all of them, or the first two, a gap, and the last."""
    if size <= limit:
        return list(range(size))
    return [0, 1, None, size - 1]


def _is_reciprocal(factor: Basic) -> bool:
    return isinstance(factor, Pow) and factor.exp.is_negative


def _is_fraction(factor: Basic) -> bool:
    if isinstance(factor, UnevaluatedExpr):
        return _is_fraction(factor.args[0]) or _is_reciprocal(factor.args[0])
    return isinstance(factor, Mul) and any(_is_reciprocal(f) for f in factor.args)


def _is_negative(factor: Basic) -> bool:
    # A value kept whole (−e^{−z} from a derivative) is still negative: −1 · (−e^{−z}), not −1 − e^{−z}.
    if isinstance(factor, UnevaluatedExpr):
        return _is_negative(factor.args[0])
    if isinstance(factor, Mul):
        return factor.args[0].is_Number and factor.args[0].is_negative
    return factor.is_Number and factor.is_negative


def _is_function_of_atoms(expr: Basic) -> bool:
    """``e^{z_i}``, ``\\log p_k``, ``f(x)``: short enough to stand in a ∂ numerator."""
    return isinstance(expr, (exp, AppliedUndef)) or (
        expr.is_Function and all(isinstance(a, (Symbol, Indexed)) for a in expr.args)
    )


def _product(factors: list[Basic]) -> Basic:
    if not factors:
        return Integer(1)
    return factors[0] if len(factors) == 1 else Mul(*factors, evaluate=False)


def _needs_dot(factors: list[Basic]) -> bool:
    """Juxtaposition misleads next to a zero, an exponential, a fraction or a derivative."""

    def heavy(position: int, f: Basic) -> bool:
        if f.is_Number:
            return f == 0 or position > 0
        return (
            isinstance(f, (exp, Derivative))
            or _is_fraction(f)
            or _is_negative(f)
            or (isinstance(f, Pow) and isinstance(f.base, exp))
        )

    return any(heavy(n, a) or heavy(n + 1, b) for n, (a, b) in enumerate(pairwise(factors)))


def latex(expr: Basic, **settings) -> str:
    """Print ``expr`` the way derive prints every equation."""
    return DerivePrinter(settings).doprint(expr)


def relation(lhs: str, rhs: str, *, continued: bool, aligned: bool = False) -> str:
    """``lhs = rhs``, or ``= rhs`` for a later step of a chain; ``&=`` for an align row."""
    equals = "&=" if aligned else "="
    return f"{equals} {rhs}" if continued else f"{lhs} {equals} {rhs}"


def _operator_form(derivative: Derivative) -> bool:
    """Whether a derivative prints as ∂/∂x (…) rather than as ∂f/∂x."""
    function = derivative.expr
    return not (
        isinstance(function, (Symbol, Indexed)) or function.is_Number or _is_function_of_atoms(function)
    )


def _takes_what_follows(factor: Basic) -> bool:
    """A Σ, a Π or a ∂/∂x (…): printed first in a product, it would take in the factors after it."""
    if isinstance(factor, (Sum, Product, SumExcept)):
        return True
    if isinstance(factor, Mul) and factor.args:  # a product ending in one takes in what follows
        return _takes_what_follows(factor.args[-1])
    return isinstance(factor, Derivative) and _operator_form(factor)
