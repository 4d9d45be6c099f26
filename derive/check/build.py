"""Small builders of SymPy objects that every part of the reader shares.

Each refuses, with :class:`Unreadable`, what it could not check: huge powers, e to an index.
"""

from __future__ import annotations

from sympy import (
    Derivative,
    Dummy,
    E,
    Expr,
    Indexed,
    Integer,
    MatrixBase,
    Mul,
    Pow,
    Rational,
    Subs,
    Symbol,
    exp,
)
from sympy.matrices.expressions import MatrixExpr

from derive.check.tokens import ShapesDoNotMultiply, Unreadable

MAX_POWER = 12
#: A power of a number is worked out exactly; past this exponent it is refused.
MAX_NUMBER_POWER = 1000


def refuse(message: str):
    raise Unreadable(message)


def digit_script(text: str) -> Expr:
    # TeX takes one character after _ or ^ without braces: z_12 is z_1 times 2.
    if len(text) > 1:
        raise Unreadable(f"_{text} or ^{text} without braces: write {{{text}}}")
    return Integer(text)


def number_from(text: str) -> Expr:
    return Rational(text) if "." in text else Integer(text)


def product_of(a, b):
    if isinstance(a, (MatrixBase, MatrixExpr)) and isinstance(b, (MatrixBase, MatrixExpr)):
        (rows_a, cols_a), (rows_b, cols_b) = a.shape, b.shape
        if cols_a != rows_b and all(isinstance(n, int) or n.is_number for n in (cols_a, rows_b)):
            raise ShapesDoNotMultiply(
                f"a {rows_a}×{cols_a} matrix times a {rows_b}×{cols_b} one: the shapes do not multiply"
            )
    if isinstance(a, (MatrixBase, MatrixExpr)) or isinstance(b, (MatrixBase, MatrixExpr)):
        return a * b
    return Mul(a, b)


def power_of(base, exponent):
    # 10^9 is a number, but x^{1000} would expand into a thousand factors and 2^{10^9} would
    # fill the memory with digits.
    limit = MAX_NUMBER_POWER if isinstance(base, Expr) and base.is_number else MAX_POWER
    if isinstance(exponent, Expr) and exponent.is_Integer and abs(exponent) > limit:
        raise Unreadable(f"the power {exponent} is too large to check")
    if base == E and isinstance(exponent, Symbol) and exponent.is_integer:
        raise Unreadable(f"e^{{{exponent}}} raises e to the index {exponent}; write e^{{a_{exponent}}}")
    if base == E:
        return exp(exponent)
    # By name: T may count the steps of a sum (an integer symbol) and still be a transpose here.
    if (
        isinstance(exponent, Symbol)
        and exponent.name == "T"
        and not isinstance(base, (MatrixExpr, MatrixBase))
    ):
        # In ML posts x^T is a transpose far more often than a power: neither is assumed.
        raise Unreadable("^T of something not known as a vector or matrix: a transpose or the power T?")
    if isinstance(base, (MatrixExpr, MatrixBase)):
        if not (isinstance(exponent, Expr) and exponent.is_Integer):
            raise Unreadable("a matrix to a power that is not a whole number")
        return base**exponent
    return Pow(base, exponent)


def derivative_at(function, argument, primes: int):
    """f(x), f'(x), f''(x): a prime differentiates by the argument, at the argument.

    A function of a column of numbers (tanh, σ or exp of a worked example's vector) is taken
    entry by entry, as in every ML text: a column has no matrix exponential.
    """
    if not primes and isinstance(argument, MatrixBase) and argument.shape[1] == 1:
        return argument.applyfunc(function)
    if not primes:
        return function(argument)
    if isinstance(argument, (Symbol, Indexed)) and not (isinstance(argument, Symbol) and argument.is_integer):
        return Derivative(function(argument), (argument, primes))
    point = Dummy("u", dummy_index=0)  # the same in every reading, so equal readings compare equal
    return Subs(Derivative(function(point), (point, primes)), point, argument)
