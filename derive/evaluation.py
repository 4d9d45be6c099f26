"""An expression's value at a point, to 30 significant digits, without building SymPy objects.

The verifier's numeric second look evaluates both sides of every proven link at random
rational points. SymPy's ``xreplace(point).evalf(30)`` rebuilds the whole expression with
numbers in it first (every ``Add`` and ``Mul`` flattened and asked about its assumptions),
which costs more than the arithmetic. :func:`value_at` walks the expression once with mpmath
instead, as ``lambdify(…, "mpmath")`` would, without printing and compiling code for each
expression. Shared subexpressions are evaluated once.

It knows numbers, symbols and indexed quantities given by the point, ``+``, ``×``, powers,
``exp``, ``log`` and ``δ`` of numbers. Anything else raises :class:`NotEvaluable`, and the
caller falls back to ``evalf``. Logarithms and powers take mpmath's principal branch, as
SymPy's ``evalf`` does.
"""

from __future__ import annotations

from collections.abc import Mapping

import mpmath
from sympy import Add, Basic, Expr, Float, I, Indexed, KroneckerDelta, Mul, Pow, Symbol, exp, log

#: Working precision: 30 significant digits for the result, and a margin for cancellation.
WORKING_DIGITS = 45


class NotEvaluable(Exception):
    """The expression has a node the fast evaluation does not know."""


def value_at(expr: Expr, point: Mapping[Basic, Expr], digits: int) -> Expr:
    """``expr`` at ``point`` as a SymPy number (a ``Float``, or a complex one) of ``digits`` digits.

    Raises :class:`NotEvaluable` for a node it does not know, and ``ZeroDivisionError`` (or
    another ``ArithmeticError``) where the expression is undefined at the point.
    """
    with mpmath.workdps(WORKING_DIGITS):
        value = _value(expr, point, {})
        if isinstance(value, mpmath.mpc):
            real, imaginary = value.real, value.imag
            if imaginary == 0:
                return Float(real, digits)
            return Float(real, digits) + I * Float(imaginary, digits)
        return Float(value, digits)


def _value(expr: Basic, point: Mapping[Basic, Expr], memo: dict):
    known = memo.get(expr)
    if known is not None:
        return known
    if expr.is_Integer:
        value = mpmath.mpf(int(expr))
    elif expr.is_Rational:
        value = mpmath.mpf(int(expr.p)) / int(expr.q)
    elif expr.is_Float:
        value = mpmath.mpf(expr._mpf_)
    elif isinstance(expr, (Symbol, Indexed)):
        if expr not in point:
            raise NotEvaluable(f"no value for {expr}")
        value = _value(point[expr], point, memo)
    elif isinstance(expr, Add):
        value = mpmath.fsum(_value(term, point, memo) for term in expr.args)
    elif isinstance(expr, Mul):
        value = mpmath.fprod(_value(factor, point, memo) for factor in expr.args)
    elif isinstance(expr, Pow):
        base, power = expr.args
        if power.is_Integer:
            value = _value(base, point, memo) ** int(power)
        else:
            value = mpmath.power(_value(base, point, memo), _value(power, point, memo))
    elif isinstance(expr, exp):
        value = mpmath.exp(_value(expr.args[0], point, memo))
    elif isinstance(expr, log) and len(expr.args) == 1:
        argument = _value(expr.args[0], point, memo)
        if argument == 0:
            raise ZeroDivisionError("log 0")
        value = mpmath.log(argument)
    elif isinstance(expr, KroneckerDelta) and all(a.is_Integer for a in expr.args):
        value = mpmath.mpf(int(expr.args[0] == expr.args[1]))
    elif expr is I:
        value = mpmath.mpc(0, 1)
    else:
        raise NotEvaluable(f"{type(expr).__name__} is evaluated by evalf")
    memo[expr] = value
    return value
