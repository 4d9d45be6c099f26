"""Rules of differentiation, chosen from the expression tree, one level at a time.

Modelled on ``sympy/integrals/manualintegrate.py``: each rule is a small frozen dataclass
whose docstring is the rule. :func:`rule_for` looks at ``∂/∂x f`` and picks the rule for the
outermost operation of ``f``; the rule's :meth:`~DerivativeRule.apply` writes the next
expression, in which the derivatives of the parts of ``f`` are still unevaluated
``Derivative`` objects for the next level. Where no rule applies, :func:`rule_for` raises
:class:`DerivativeNotKnown`, which names the part: nothing is passed silently, and every
expression a rule writes is proven by the verifier before it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sympy import (
    Add,
    Derivative,
    E,
    Expr,
    Function,
    Heaviside,
    Indexed,
    Integer,
    KroneckerDelta,
    Mul,
    Pow,
    Sum,
    atan,
    cos,
    cosh,
    erf,
    exp,
    fraction,
    log,
    pi,
    sin,
    sinh,
    sqrt,
    tan,
    tanh,
)

from derive.errors import DeriveError
from derive.steps import kept_product, kept_quotient, kept_sum

#: The named activations, as functions of their own with a definition (see :func:`definitions`).
sigma = Function("sigma")
softplus = Function("softplus")
relu = Function("ReLU")
gelu = Function("GELU")
Phi = Function("Phi")
phi = Function("phi")


class DerivativeNotKnown(DeriveError):
    """No rule of differentiation applies to an expression: an explicit "not known" result."""

    exit_code = 2


def depends(expr: Expr, x: Expr) -> bool:
    """Whether ``expr`` varies with ``x``; with x = z_i, every z_k may be z_i."""
    if isinstance(x, Indexed):
        return any(atom.base == x.base for atom in expr.atoms(Indexed))
    return x in expr.free_symbols


class DerivativeRule:
    """One rule of differentiation, applied to ``∂/∂x expr``."""

    #: The rule's name in the prose, an English message id translated by the template.
    name: str = "rule"

    def apply(self) -> Expr:
        raise NotImplementedError


@dataclass(frozen=True)
class ConstantRule(DerivativeRule):
    """∂c/∂x = 0 for c that does not depend on x."""

    expr: Expr
    x: Expr
    name: str = "constant rule"

    def apply(self) -> Expr:
        return Integer(0)


@dataclass(frozen=True)
class IndexedVariableRule(DerivativeRule):
    """∂z_k/∂z_i = δ_ki: an entry depends on itself only."""

    expr: Expr
    x: Expr
    name: str = "derivative of an entry by an entry"

    def apply(self) -> Expr:
        return KroneckerDelta(self.expr.indices[0], self.x.indices[0])


@dataclass(frozen=True)
class PowerRule(DerivativeRule):
    """∂xⁿ/∂x = n xⁿ⁻¹ for a constant n (and ∂x/∂x = 1)."""

    expr: Expr
    x: Expr
    name: str = "power rule"

    def apply(self) -> Expr:
        if self.expr == self.x:
            return Integer(1)
        n = self.expr.exp
        return kept_product(n, self.x if n == 2 else Pow(self.x, n - 1))


@dataclass(frozen=True)
class ConstantMultipleRule(DerivativeRule):
    """∂(c·f)/∂x = c · ∂f/∂x for a constant c."""

    constant: Expr
    rest: Expr
    x: Expr
    name: str = "constant multiple rule"

    def apply(self) -> Expr:
        return kept_product(self.constant, Derivative(self.rest, self.x))


@dataclass(frozen=True)
class SumRule(DerivativeRule):
    """∂(f + g)/∂x = ∂f/∂x + ∂g/∂x, and ∂(f + c)/∂x = ∂f/∂x for a constant c."""

    terms: tuple[Expr, ...]
    x: Expr
    name: str = "sum rule"

    def apply(self) -> Expr:
        # A constant term is struck out at once: writing ∂y/∂w would say y may vary with w.
        varying = [Derivative(term, self.x) for term in self.terms if depends(term, self.x)]
        return kept_sum(*varying) if len(varying) > 1 else varying[0]


@dataclass(frozen=True)
class IndexedSumRule(DerivativeRule):
    """∂/∂z_i Σ_k f_k = Σ_k ∂f_k/∂z_i: the derivative of a sum is the sum of the derivatives."""

    expr: Sum
    x: Expr
    name: str = "linearity over the sum"

    def apply(self) -> Expr:
        return Sum(Derivative(self.expr.function, self.x), *self.expr.limits)


@dataclass(frozen=True)
class ProductRule(DerivativeRule):
    """∂(f g)/∂x = ∂f/∂x · g + f · ∂g/∂x, and likewise for more factors."""

    factors: tuple[Expr, ...]
    x: Expr
    name: str = "product rule"

    def apply(self) -> Expr:
        terms = []
        for position, factor in enumerate(self.factors):
            others = list(self.factors)
            others[position] = Derivative(factor, self.x)
            terms.append(kept_product(*others))
        return kept_sum(*terms)


@dataclass(frozen=True)
class QuotientRule(DerivativeRule):
    """∂(f/g)/∂x = (∂f/∂x · g − f · ∂g/∂x) / g²."""

    numerator: Expr
    denominator: Expr
    x: Expr
    name: str = "quotient rule"

    def apply(self) -> Expr:
        f, g, x = self.numerator, self.denominator, self.x
        top = kept_sum(kept_product(Derivative(f, x), g), kept_product(-1, f, Derivative(g, x)))
        return kept_quotient(top, Pow(g, 2, evaluate=False))


@dataclass(frozen=True)
class ChainRule(DerivativeRule):
    """∂g(u)/∂x = g′(u) · ∂u/∂x: the outer derivative at the inner function, times the inner one."""

    outer: OuterRule
    inner: Expr
    x: Expr
    name: str = "chain rule"

    def apply(self) -> Expr:
        return kept_product(self.outer.derivative(self.inner), Derivative(self.inner, self.x))


@dataclass(frozen=True)
class LogarithmicDifferentiation(DerivativeRule):
    """∂(f^g)/∂x = f^g · ∂(g log f)/∂x, since log f^g = g log f (for f > 0)."""

    base: Expr
    exponent: Expr
    x: Expr
    name: str = "logarithmic differentiation"

    def apply(self) -> Expr:
        power = Pow(self.base, self.exponent)
        return kept_product(power, Derivative(kept_product(self.exponent, log(self.base)), self.x))


# -- outer derivatives: g′(u) for the functions derive knows -------------------------------


class OuterRule(DerivativeRule):
    """g′(u) for one function g, written in its conventional form."""

    function: type = type(None)

    def derivative(self, u: Expr) -> Expr:
        raise NotImplementedError


@dataclass(frozen=True)
class ExpRule(OuterRule):
    """∂eᵘ/∂u = eᵘ."""

    name: str = "derivative of the exponential"

    def derivative(self, u: Expr) -> Expr:
        return exp(u)


@dataclass(frozen=True)
class LogRule(OuterRule):
    """∂ log u/∂u = 1/u."""

    name: str = "derivative of the logarithm"

    def derivative(self, u: Expr) -> Expr:
        return kept_quotient(1, u)


@dataclass(frozen=True)
class ExponentialBaseRule(OuterRule):
    """∂aᵘ/∂u = aᵘ log a for a constant a > 0."""

    base: Expr = E
    name: str = "derivative of an exponential with a constant base"

    def derivative(self, u: Expr) -> Expr:
        return kept_product(Pow(self.base, u), log(self.base))


@dataclass(frozen=True)
class PowerOuterRule(OuterRule):
    """∂uⁿ/∂u = n uⁿ⁻¹ for a constant n."""

    n: Expr = field(default_factory=lambda: Integer(1))
    name: str = "power rule"

    def derivative(self, u: Expr) -> Expr:
        return kept_product(self.n, u if self.n == 2 else Pow(u, self.n - 1, evaluate=False))


@dataclass(frozen=True)
class SinRule(OuterRule):
    """∂ sin u/∂u = cos u."""

    name: str = "derivative of the sine"

    def derivative(self, u: Expr) -> Expr:
        return cos(u)


@dataclass(frozen=True)
class CosRule(OuterRule):
    """∂ cos u/∂u = −sin u."""

    name: str = "derivative of the cosine"

    def derivative(self, u: Expr) -> Expr:
        return kept_product(-1, sin(u))


@dataclass(frozen=True)
class TanRule(OuterRule):
    """∂ tan u/∂u = 1 + tan² u."""

    name: str = "derivative of the tangent"

    def derivative(self, u: Expr) -> Expr:
        return kept_sum(1, Pow(tan(u), 2))


@dataclass(frozen=True)
class SinhRule(OuterRule):
    """∂ sinh u/∂u = cosh u."""

    name: str = "derivative of the hyperbolic sine"

    def derivative(self, u: Expr) -> Expr:
        return cosh(u)


@dataclass(frozen=True)
class CoshRule(OuterRule):
    """∂ cosh u/∂u = sinh u."""

    name: str = "derivative of the hyperbolic cosine"

    def derivative(self, u: Expr) -> Expr:
        return sinh(u)


@dataclass(frozen=True)
class TanhRule(OuterRule):
    """∂ tanh u/∂u = 1 − tanh² u."""

    name: str = "derivative of tanh"

    def derivative(self, u: Expr) -> Expr:
        return kept_sum(1, kept_product(-1, Pow(tanh(u), 2)))


@dataclass(frozen=True)
class ArctanRule(OuterRule):
    """∂ arctan u/∂u = 1/(1 + u²)."""

    name: str = "derivative of the arctangent"

    def derivative(self, u: Expr) -> Expr:
        return kept_quotient(1, kept_sum(1, Pow(u, 2)))


@dataclass(frozen=True)
class SigmoidRule(OuterRule):
    """∂σ(u)/∂u = σ(u)(1 − σ(u)), for σ(u) = 1/(1 + e^{−u})."""

    name: str = "derivative of the sigmoid"

    def derivative(self, u: Expr) -> Expr:
        return kept_product(sigma(u), kept_sum(1, kept_product(-1, sigma(u))))


@dataclass(frozen=True)
class SoftplusRule(OuterRule):
    """∂ softplus(u)/∂u = σ(u), for softplus(u) = log(1 + eᵘ)."""

    name: str = "derivative of softplus"

    def derivative(self, u: Expr) -> Expr:
        return sigma(u)


@dataclass(frozen=True)
class ReLURule(OuterRule):
    """∂ ReLU(u)/∂u = H(u), the step function: 1 for u > 0 and 0 for u < 0; at u = 0 ReLU has
    no derivative, so the result holds away from 0."""

    name: str = "derivative of ReLU, away from 0"

    def derivative(self, u: Expr) -> Expr:
        return Heaviside(u)


@dataclass(frozen=True)
class ErfRule(OuterRule):
    """∂ erf u/∂u = 2/√π · e^{−u²}."""

    name: str = "derivative of the error function"

    def derivative(self, u: Expr) -> Expr:
        return kept_product(kept_quotient(2, sqrt(pi)), exp(-Pow(u, 2)))


@dataclass(frozen=True)
class PhiRule(OuterRule):
    """∂Φ(u)/∂u = φ(u) = e^{−u²/2}/√(2π), the standard normal density, for Φ(u) = (1 + erf(u/√2))/2."""

    name: str = "derivative of the normal CDF"

    def derivative(self, u: Expr) -> Expr:
        return phi(u)


@dataclass(frozen=True)
class NormalDensityRule(OuterRule):
    """∂φ(u)/∂u = −u φ(u), for the standard normal density φ(u) = e^{−u²/2}/√(2π)."""

    name: str = "derivative of the normal density"

    def derivative(self, u: Expr) -> Expr:
        return kept_product(-1, u, phi(u))


#: The outer rule of each function derive knows by name.
OUTER_RULES: dict[type, OuterRule] = {
    exp: ExpRule(),
    log: LogRule(),
    sin: SinRule(),
    cos: CosRule(),
    tan: TanRule(),
    sinh: SinhRule(),
    cosh: CoshRule(),
    tanh: TanhRule(),
    atan: ArctanRule(),
    sigma: SigmoidRule(),
    softplus: SoftplusRule(),
    relu: ReLURule(),
    erf: ErfRule(),
    Phi: PhiRule(),
    phi: NormalDensityRule(),
}


@dataclass(frozen=True)
class DefinitionRule(DerivativeRule):
    """A function known by its definition: GELU(u) = u Φ(u), differentiated as written out."""

    expr: Expr
    definition: Expr
    x: Expr
    name: str = "definition of GELU"

    def apply(self) -> Expr:
        return Derivative(self.definition, self.x)


@dataclass(frozen=True)
class DirectRule(DerivativeRule):
    """g′(x) straight from the table, when g is applied to the variable itself."""

    outer: OuterRule
    x: Expr

    @property
    def name(self) -> str:  # type: ignore[override]
        return self.outer.name

    def apply(self) -> Expr:
        return self.outer.derivative(self.x)


def gelu_definition(u: Expr) -> Expr:
    """GELU(u) = u Φ(u)."""
    return kept_product(u, Phi(u))


def rule_for(derivative: Derivative) -> DerivativeRule:
    """The rule for the outermost operation of ``∂f/∂x``, or :class:`DerivativeNotKnown`."""
    f, x = derivative.expr, derivative.variables[0]
    if not depends(f, x):
        return ConstantRule(f, x)
    if f == x:
        return PowerRule(f, x)
    if isinstance(f, Indexed) and isinstance(x, Indexed) and f.base == x.base:
        return IndexedVariableRule(f, x)
    if isinstance(f, Add):
        return SumRule(tuple(f.args), x)
    if isinstance(f, Sum):
        if len(f.limits) != 1:
            raise DerivativeNotKnown(f"no rule known for the derivative of a multiple sum {f}")
        return IndexedSumRule(f, x)
    if isinstance(f, Mul):
        return _product_rule(f, x)
    if isinstance(f, Pow):
        return _power_rule(f, x)
    if isinstance(f, gelu):
        return DefinitionRule(f, gelu_definition(f.args[0]), x)
    outer = OUTER_RULES.get(f.func)
    if outer is not None and len(f.args) == 1:
        (u,) = f.args
        return DirectRule(outer, x) if u == x else ChainRule(outer, u, x)
    raise DerivativeNotKnown(_not_known(f))


def _not_known(f: Expr) -> str:
    name = getattr(f.func, "__name__", str(f.func))
    if name == "Abs":
        return "|u| is not differentiable where u = 0, and derive knows no rule for it"
    if name in ("Max", "Min"):
        return (
            f"{name.lower()}(…) is not differentiable where its arguments meet; write ReLU(x) for max(0, x)"
        )
    return f"derive knows no rule for the derivative of {name}(…)"


def _product_rule(f: Mul, x: Expr) -> DerivativeRule:
    constant = [a for a in f.args if not depends(a, x)]
    varying = [a for a in f.args if depends(a, x)]
    if constant:
        return ConstantMultipleRule(Mul(*constant), Mul(*varying), x)
    numerator, denominator = fraction(f, exact=True)
    if depends(denominator, x) and depends(numerator, x):
        return QuotientRule(numerator, denominator, x)
    if len(varying) == 1:  # a single factor, such as 1/u
        return rule_for(Derivative(varying[0], x))
    return ProductRule(tuple(varying), x)


def _power_rule(f: Pow, x: Expr) -> DerivativeRule:
    base, n = f.args
    if not depends(n, x):
        if base == x:
            return PowerRule(f, x)
        return ChainRule(PowerOuterRule(n), base, x)
    if not depends(base, x):
        if base == E:
            return ChainRule(ExpRule(), n, x)
        return ChainRule(ExponentialBaseRule(base), n, x)
    return LogarithmicDifferentiation(base, n, x)


def is_leaf(rule: DerivativeRule) -> bool:
    """A rule whose result holds no derivative: a constant, a power of x, g′(x) from the table."""
    return isinstance(rule, (ConstantRule, PowerRule, IndexedVariableRule, DirectRule))


__all__ = [
    "ChainRule",
    "ConstantMultipleRule",
    "ConstantRule",
    "DerivativeNotKnown",
    "DerivativeRule",
    "ProductRule",
    "QuotientRule",
    "SumRule",
    "rule_for",
]
