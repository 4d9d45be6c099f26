"""∂expr/∂var by the textbook rules, without SymPy's assumption queries at every node.

SymPy's ``diff`` builds a ``Derivative`` at every node of the expression and asks whether it
is zero (``obj.is_zero``), which sends the assumption system over the whole subexpression
each time; on the sums of exponentials derive proves, that is most of the cost of a
derivative. :func:`derivative` applies the same rules SymPy does (the sum, product, power
and chain rules; ∂x_k/∂x_j = δ_kj for indexed quantities; a sum differentiated term by term)
to the nodes derive's expressions are made of, and leaves every other node to SymPy.
"""

from __future__ import annotations

from sympy import Add, Expr, Indexed, Integer, KroneckerDelta, Mul, Pow, Sum, Symbol, diff, exp, log


def derivative(expr: Expr, var: Expr) -> Expr:
    """``diff(expr, var)`` for a symbol or an indexed quantity ``var``; the same value."""
    if not isinstance(var, (Symbol, Indexed)):
        return diff(expr, var)
    return _derivative(expr, var, {})


def _derivative(expr: Expr, var: Expr, memo: dict) -> Expr:
    known = memo.get(expr)
    if known is not None:
        return known
    if expr.is_Number:
        result = Integer(0)
    elif expr == var:
        result = Integer(1)
    elif isinstance(expr, Symbol):
        result = Integer(0)
    elif isinstance(expr, Indexed) and _free_of(expr.indices, var):
        if isinstance(var, Indexed) and expr.base == var.base and len(expr.indices) == len(var.indices):
            result = Mul(*(KroneckerDelta(a, b) for a, b in zip(expr.indices, var.indices, strict=True)))
        elif not isinstance(var, Indexed) or expr.base != var.base:
            result = Integer(0) if expr.base != var else diff(expr, var)
        else:
            result = diff(expr, var)
    elif isinstance(expr, KroneckerDelta) and _free_of(expr.args, var):
        result = Integer(0)
    elif isinstance(expr, Add):
        result = Add(*(_derivative(term, var, memo) for term in expr.args))
    elif isinstance(expr, Mul):
        factors = expr.args
        terms = []
        for position, factor in enumerate(factors):
            inner = _derivative(factor, var, memo)
            if inner != 0:
                terms.append(Mul(*factors[:position], inner, *factors[position + 1 :]))
        result = Add(*terms)
    elif isinstance(expr, Pow) and expr.exp.is_Number:
        base, power = expr.args
        result = power * Pow(base, power - 1) * _derivative(base, var, memo)
    elif isinstance(expr, exp):
        result = expr * _derivative(expr.args[0], var, memo)
    elif isinstance(expr, log) and len(expr.args) == 1:
        result = _derivative(expr.args[0], var, memo) / expr.args[0]
    elif isinstance(expr, Sum) and _free_of(expr.limits, var, bound=True):
        result = Sum(_derivative(expr.function, var, memo), *expr.limits)
    else:
        result = diff(expr, var)
    memo[expr] = result
    return result


def _free_of(parts, var: Expr, bound: bool = False) -> bool:
    """Whether ``var`` (and, for a sum's limits, its indices) is absent from ``parts``.

    A sum over k differentiated by x_k would capture k: SymPy decides that case.
    """
    names = set().union(*(part.free_symbols for part in parts))
    if var.is_Symbol:
        return var not in names
    return not (names & var.free_symbols) if bound else var.base.label not in names
