"""Derivation steps: rules that turn one expression into the next, and chains of them.

Modelled on ``sympy/integrals/manualintegrate.py``: each rule is a small frozen dataclass
whose docstring is the rule of mathematics it applies. A rule *produces* the next expression
from the previous one by code; only :class:`Rewrite` takes a target written by the author of
a derivation, and the verifier proves every link either way.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sympy import (
    Add,
    Basic,
    Derivative,
    Expr,
    Indexed,
    Integer,
    Mul,
    Pow,
    Sum,
    Symbol,
    UnevaluatedExpr,
    fraction,
)

from derive.algebra import SumExcept
from derive.errors import RuleNotApplicable
from derive.verify import Conditions, Verifier


class Rule:
    """A justification that computes the next expression of a chain."""

    name: str = "rule"

    def apply(self, expr: Expr) -> Expr:
        raise NotImplementedError


def _transform(expr: Expr, visit) -> Expr:
    """Rebuild ``expr`` bottom-up through ``visit``, keeping the order of sums and products.

    ``visit(node)`` returns a replacement, or None to keep the node (with rebuilt args).
    """
    replacement = visit(expr)
    if replacement is not None:
        return replacement
    if not expr.args:
        return expr
    return _with_args(expr, [_transform(a, visit) for a in expr.args])


def _with_args(expr: Expr, args: list[Expr]) -> Expr:
    """``expr`` rebuilt from ``args``; sums, products and powers keep their order unevaluated."""
    if isinstance(expr, (Add, Mul, Pow)):
        return expr.func(*args, evaluate=False)
    return expr.func(*args)


@dataclass(frozen=True)
class Substitute(Rule):
    """Replace abbreviations or proven results: ``a = b`` lets ``a`` be written as ``b``."""

    mapping: tuple[tuple[Expr, Expr], ...]
    name: str = "substitution"

    def apply(self, expr: Expr) -> Expr:
        return _rebuild(expr, dict(self.mapping))


def _rebuild(expr: Expr, mapping: dict) -> Expr:
    """``xreplace`` that keeps the order of unevaluated sums and products."""
    return _transform(expr, mapping.get)


@dataclass(frozen=True)
class QuotientRule(Rule):
    """∂/∂x (f/g) = (∂f/∂x · g − f · ∂g/∂x) / g²"""

    name: str = "quotient rule"

    def apply(self, expr: Expr) -> Expr:
        if not isinstance(expr, Derivative) or len(expr.variables) != 1:
            raise RuleNotApplicable("the quotient rule applies to the derivative of a quotient")
        (x,) = expr.variables
        f, g = fraction(expr.expr, exact=True)
        numerator = Add(
            Mul(Derivative(f, x), g, evaluate=False),
            Mul(-1, f, Derivative(g, x), evaluate=False),
            evaluate=False,
        )
        return Mul(numerator, Pow(Pow(g, 2, evaluate=False), -1, evaluate=False), evaluate=False)


@dataclass(frozen=True)
class EvaluateDerivatives(Rule):
    """∂f/∂x for each derivative in the expression, computed by SymPy.

    With ``termwise``, the derivative of a sum is shown term by term, so the terms that do
    not depend on x are seen to vanish (``e^{z_1} + 0 + 0``).
    """

    verifier: Verifier
    termwise: bool = False
    given: tuple[Basic, ...] = ()
    name: str = "derivatives evaluated"

    def apply(self, expr: Expr) -> Expr:
        return _transform(expr, lambda e: self._evaluate(e) if isinstance(e, Derivative) else None)

    def _evaluate(self, derivative: Derivative) -> Expr:
        (x,) = derivative.variables
        function = derivative.expr
        if self.termwise and isinstance(function, Add):
            return Add(*[self._value(Derivative(term, x)) for term in function.args], evaluate=False)
        return self._value(derivative)

    def _value(self, derivative: Derivative) -> Expr:
        context = self.verifier.context
        # Differentiating by p_i keeps p as the variable in the answer: 1/p_i, not S e^{-z_i}.
        value = context.normalize(context.unfold(derivative, context.held_by(derivative.variables)))
        value = Conditions.of(self.given).zero_deltas(context.fold(value))
        # A fractional value stays a factor of its own: −y_i · 1/p_i, as a person writes it.
        return UnevaluatedExpr(value) if fraction(value)[1] != 1 else value


@dataclass(frozen=True)
class DropZeros(Rule):
    """a + 0 = a and 0 · a = 0: the vanishing terms are struck out."""

    name: str = "vanishing terms dropped"

    def apply(self, expr: Expr) -> Expr:
        return _tidy(expr)


def _tidy(expr: Expr) -> Expr:
    """a + 0 = a, 1 · a = a and 0 · a = 0, keeping the order of everything else."""
    if not expr.args:
        return expr
    args = [_tidy(a) for a in expr.args]
    if isinstance(expr, Mul) and any(a == 0 for a in args):
        return Integer(0)
    if isinstance(expr, (Add, Mul)):
        neutral = 0 if isinstance(expr, Add) else 1
        args = [a for a in args if a != neutral] or [Integer(neutral)]
        if len(args) == 1:
            return args[0]
    return _with_args(expr, args)


@dataclass(frozen=True)
class ChainRule(Rule):
    """∂L/∂z_i = Σ_j ∂L/∂p_j · ∂p_j/∂z_i, through the intermediate variables p_j."""

    intermediate: Expr
    index: Symbol
    upper: Expr
    name: str = "chain rule"

    def apply(self, expr: Expr) -> Expr:
        (x,) = expr.variables
        through = self.intermediate
        summand = Mul(Derivative(expr.expr, through), Derivative(through, x), evaluate=False)
        return Sum(summand, (self.index, 1, self.upper))


@dataclass(frozen=True)
class SplitSum(Rule):
    """Σ_j f(j) = f(i) + Σ_{j≠i} f(j): the j = i term taken out of the sum."""

    at: Expr
    name: str = "sum split at the diagonal term"

    def apply(self, expr: Expr) -> Expr:
        if not isinstance(expr, Sum):
            raise RuleNotApplicable("only a sum can be split")
        ((variable, lower, upper),) = expr.limits
        term = _rebuild(expr.function, {variable: self.at})
        return Add(term, SumExcept(expr.function, (variable, lower, upper), self.at), evaluate=False)


@dataclass(frozen=True)
class Linearity(Rule):
    """∂/∂x (c · Σ_k f_k) = c · Σ_k ∂f_k/∂x: constants and sums move out of a derivative."""

    name: str = "linearity of the derivative"

    def apply(self, expr: Expr) -> Expr:
        (x,) = expr.variables
        coefficient, rest = expr.expr.as_coeff_Mul()
        if not isinstance(rest, Sum):
            raise RuleNotApplicable("linearity here moves a derivative into a sum")
        ((variable, lower, upper),) = rest.limits
        # A factor varies with p_i when it mentions the family p at all: p_k may be p_i.
        family = x.base if isinstance(x, Indexed) else x
        constant, varying = [], []
        for factor in Mul.make_args(rest.function):
            (varying if factor.has(family) else constant).append(factor)
        inner = Mul(*constant, Derivative(Mul(*varying), x), evaluate=False)
        return _tidy(Mul(coefficient, Sum(inner, (variable, lower, upper)), evaluate=False))


@dataclass(frozen=True)
class OnlyMatchingTerm(Rule):
    """∂/∂p_i Σ_k f(p_k) = ∂/∂p_i f(p_i): only the k = i term depends on p_i."""

    at: Expr
    name: str = "only the matching term depends on the variable"

    def apply(self, expr: Expr) -> Expr:
        coefficient, rest = expr.as_coeff_Mul()
        ((variable, _, _),) = rest.limits
        return _tidy(Mul(coefficient, _rebuild(rest.function, {variable: self.at}), evaluate=False))


@dataclass(frozen=True)
class ApplyConstraint(Rule):
    """A quantity replaced by its known value, e.g. Σ_k y_k = 1 for a label distribution."""

    quantity: Expr
    value: Expr
    name: str = "constraint applied"

    def apply(self, expr: Expr) -> Expr:
        return _tidy(_rebuild(expr, {self.quantity: self.value}))


@dataclass(frozen=True)
class Rewrite(Rule):
    """An algebraic rearrangement written by the author; the verifier proves it."""

    target: Expr
    name: str = "algebra"

    def apply(self, expr: Expr) -> Expr:
        return self.target


@dataclass(frozen=True)
class Link:
    """``= expr`` in a chain, with the rule that produced it and the conditions it needs."""

    expr: Expr
    rule: str
    conditions: tuple[Basic, ...] = ()


@dataclass(frozen=True)
class Chain:
    """``lhs = e_1 = e_2 = …``: one numbered equation per link, each proven from the last.

    ``verifier`` proves the links; ``conditions`` hold for every link (``i ≠ j``).
    """

    name: str
    lhs: Expr
    verifier: Verifier
    conditions: tuple[Basic, ...] = ()
    links: tuple[Link, ...] = field(default=())

    @property
    def last(self) -> Expr:
        return self.links[-1].expr if self.links else self.lhs

    def then(self, rule: Rule, *, conditions: tuple[Basic, ...] = ()) -> Chain:
        """The chain with one more link, computed from the last expression by ``rule``."""
        link = Link(rule.apply(self.last), rule.name, conditions)
        return replace(self, links=(*self.links, link))

    def equals(self, expr: Expr, rule: str, *, conditions: tuple[Basic, ...] = ()) -> Chain:
        """The chain with one more link written by the author (a definition, a claim)."""
        return replace(self, links=(*self.links, Link(expr, rule, conditions)))


def kept_sum(*terms: Expr) -> Expr:
    """``a + b + …`` in the order written: a step shows its terms as the author wrote them."""
    return Add(*terms, evaluate=False)


def kept_product(*factors: Expr) -> Expr:
    """``a · b · …`` in the order written."""
    return Mul(*factors, evaluate=False)


def kept_quotient(numerator: Expr, denominator: Expr) -> Expr:
    """``\\frac{numerator}{denominator}``, not cancelled or reordered."""
    return Mul(numerator, Pow(denominator, -1), evaluate=False)


def reciprocal(expr: Expr) -> Expr:
    """``\\frac{1}{expr}`` kept as its own factor when printed in a product."""
    return UnevaluatedExpr(Pow(expr, -1))
