"""The rule tree of a derivative, flattened into chains the way a teacher writes it.

The main chain applies the rules of :mod:`derive.diff_rules` one level at a time: every
derivative still in the expression gets its rule in the same step, so a product of a power
and a sigmoid takes two steps, not a tree of them. An inner derivative that would need two
levels or more of its own is worked out first in a short side chain (as the catalogue does
for ∂S/∂z_i) and brought in by its number. Vanishing terms are then struck out, and the
result is written in its shortest conventional form; every expression is proven later by
the verifier, as every chain of the catalogue is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from sympy import (
    Add,
    Derivative,
    Expr,
    Function,
    KroneckerDelta,
    Mul,
    Sum,
    cancel,
    cos,
    cosh,
    count_ops,
    factor,
    factor_terms,
    simplify,
    sin,
    sinh,
    tan,
    tanh,
    trigsimp,
)

from derive.diff_rules import DerivativeRule, is_leaf, rule_for
from derive.steps import Chain, DropZeros
from derive.verify import Verifier

#: The name of the step that brings in a side chain's result (a message id of the template).
INNER_RESULT = "the inner derivative found above"
TIDY = "vanishing terms dropped"
COLLAPSE = "Kronecker delta: only one term of the sum remains"
SIMPLIFY = "simplified"
#: Above this many operations, SymPy's ``simplify`` is skipped as too slow to be worth it.
SIMPLIFY_LIMIT = 60


def derivatives_in(expr: Expr) -> list[Derivative]:
    """The unevaluated derivatives in ``expr``, outermost only, in a stable order."""
    found: list[Derivative] = []

    def visit(node: Expr) -> None:
        if isinstance(node, Derivative):
            if node not in found:
                found.append(node)
            return
        for arg in node.args:
            visit(arg)

    visit(expr)
    return found


def levels(derivative: Derivative) -> int:
    """How many steps ``derivative`` takes when worked out level by level (0 for a table entry)."""
    rule = rule_for(derivative)
    if is_leaf(rule):
        return 0
    inner = derivatives_in(rule.apply())
    return 1 + max((levels(d) for d in inner), default=0)


def replaced(expr: Expr, mapping: dict[Expr, Expr]) -> Expr:
    """``expr`` with whole subexpressions replaced, keeping the order of sums and products."""
    if expr in mapping:
        return mapping[expr]
    if not expr.args or not any(isinstance(a, Expr) for a in expr.args):
        return expr
    args = [replaced(a, mapping) if isinstance(a, Expr) else a for a in expr.args]
    if isinstance(expr, Mul):
        # (a · ∂u/∂x) · b is a · ∂u/∂x · b: one product, so the printer brackets the ∂/∂x (…)
        # that would otherwise seem to take in b.
        flat = [f for a in args for f in (a.args if isinstance(a, Mul) and a.args[0] != -1 else (a,))]
        return Mul(*flat, evaluate=False)
    if isinstance(expr, Add):
        return expr.func(*args, evaluate=False)
    return expr.func(*args)


@dataclass
class Flattener:
    """Builds the main chain and its side chains; each derivative names its own variable."""

    verifier: Verifier
    side_chains: list[Chain] = field(default_factory=list)
    #: The rule names of every link of every chain, in order: the prose names them.
    rules: dict[str, list[list[str]]] = field(default_factory=dict)

    def chain(
        self, name: str, lhs: Expr, start: Expr, first_rule: str | None = None, *, main: bool = True
    ) -> Chain:
        """``lhs = start = …``: the derivatives in ``start`` worked out, then tidied and simplified.

        Only the main chain spins off side chains: one level of them reads well, more do not.
        """
        chain = Chain(name, lhs, self.verifier)
        names: list[list[str]] = []
        if first_rule is not None:
            chain = chain.equals(start, first_rule)
            names.append([first_rule])
        current = start
        while derivatives := derivatives_in(current):
            whole = len(derivatives) == 1 and derivatives[0] == current
            mapping, used = {}, []
            for derivative in derivatives:
                if main and not whole and levels(derivative) >= 2:
                    inner = f"{name}-inner-{len(self.side_chains) + 1}"
                    side = self.chain(inner, derivative, derivative, main=False)
                    self.side_chains.append(side)
                    mapping[derivative] = side.last
                    used.append(INNER_RESULT)
                    continue
                rule: DerivativeRule = rule_for(derivative)
                mapping[derivative] = rule.apply()
                used.append(rule.name)
            # a + 0 and 1 · a are tidied in the same step: a teacher does not write them twice
            current = tidied(replaced(current, mapping))
            chain = chain.equals(current, "; ".join(dict.fromkeys(used)))
            names.append(list(dict.fromkeys(used)))
        simplest_proven = partial(simplest, verifier=self.verifier)
        for step_name, step in ((TIDY, tidied), (COLLAPSE, collapsed), (SIMPLIFY, simplest_proven)):
            following = step(current)
            if following != current:
                current = following
                chain = chain.equals(current, step_name)
                names.append([step_name])
        self.rules[name] = names
        return chain


def tidied(expr: Expr) -> Expr:
    """a + 0 = a, 1 · a = a and 0 · a = 0."""
    return DropZeros().apply(expr)


def collapsed(expr: Expr) -> Expr:
    """Σ_k δ_ki f(k) = f(i): a sum over the entries keeps only its k = i term.

    Only a sum with a δ of its own index changes; everything else keeps its written order.
    """

    def visit(node: Expr) -> Expr:
        if isinstance(node, Sum) and len(node.limits) == 1:
            k = node.limits[0][0]
            if not any(k in delta.args for delta in node.function.atoms(KroneckerDelta)):
                return node
            pieces = []
            for term in Add.make_args(node.function.expand()):
                deltas = [d for d in Mul.make_args(term) if isinstance(d, KroneckerDelta) and k in d.args]
                if deltas:
                    a, b = deltas[0].args
                    partner = b if a == k else a
                    rest = Mul(*[f for f in Mul.make_args(term) if f is not deltas[0]])
                    pieces.append(rest.xreplace({k: partner}))
                else:
                    pieces.append(Sum(term, *node.limits))
            return Add(*pieces)
        if not node.args or not all(isinstance(a, Expr) for a in node.args):
            return node
        args = [visit(a) for a in node.args]
        if args == list(node.args):
            return node
        return node.func(*args, evaluate=False) if isinstance(node, (Add, Mul)) else node.func(*args)

    return visit(expr)


def simplest(expr: Expr, verifier: Verifier | None = None) -> Expr:
    """The shortest of a few standard forms (factored, cancelled, simplified) of ``expr``.

    With ``verifier``, only a form it proves equal is taken: SymPy's ``simplify`` may reach
    for an identity (sin 2x = 2 sin x cos x) that the verifier cannot follow, and a step that
    cannot be proven must not be offered.
    """
    plain = _evaluated(expr)
    candidates = [plain, factor_terms(plain), cancel(plain), factor(plain)]
    if count_ops(plain) <= SIMPLIFY_LIMIT:
        candidates += [simplify(plain), trigsimp(plain)]
    # A form that brings in a function the expression does not use (cosh for a tanh) is
    # shorter for SymPy, not for the reader.
    known = {type(f) for f in expr.atoms(Function)}
    # … but sinh/cosh is tanh and sin/cos is tan, the shorter name of the same quotient.
    if known & {sinh, cosh}:
        known.add(tanh)
    if known & {sin, cos}:
        known.add(tan)
    shorter = sorted(
        (
            presentable(e)
            for e in dict.fromkeys(candidates)
            if count_ops(e) < count_ops(expr) and {type(f) for f in e.atoms(Function)} <= known
        ),
        key=lambda e: (count_ops(e), len(str(e))),
    )
    # No shorter form: the same terms, in the order a person writes them (2x (1 + tan² x²)).
    reordered = presentable(expr)
    if count_ops(reordered) <= count_ops(expr) and _printed(reordered) != _printed(expr):
        shorter.append(reordered)
    for candidate in shorter:
        if verifier is None or verifier.prove(expr, candidate).verified:
            return candidate
    return expr  # the written order, unless a form is really shorter


def presentable(expr: Expr) -> Expr:
    """Factors in the order a person writes them: a number, single factors, then brackets,
    and −2x written as −(2x): p_i (δ_ij − p_j), not (δ_ij − p_j) p_i."""
    if not expr.args or not all(isinstance(a, Expr) for a in expr.args):
        return expr
    args = [presentable(a) for a in expr.args]
    if isinstance(expr, Add):
        # δ_ij − p_j rather than −p_j + δ_ij: the subtracted terms last
        return Add(*sorted(args, key=lambda a: a.could_extract_minus_sign()), evaluate=False)
    if not isinstance(expr, Mul):
        return expr.func(*args)
    numbers = [a for a in args if a.is_Number]
    others = sorted((a for a in args if not a.is_Number), key=_factor_rank)
    coefficient = Mul(*numbers)
    if coefficient.is_negative and coefficient != -1:
        return Mul(-1, Mul(-coefficient, *others, evaluate=False), evaluate=False)
    factors = ([coefficient] if coefficient != 1 else []) + others
    return Mul(*factors, evaluate=False) if len(factors) > 1 else factors[0]


def _printed(expr: Expr) -> str:
    from derive.printing import latex

    return latex(expr)


def _factor_rank(factor: Expr) -> int:
    """Letters first, then functions, then brackets: x cos x, σ(x) (1 − σ(x))."""
    if isinstance(factor, Add):
        return 2
    return 1 if factor.atoms(Function) or factor.has(Sum) else 0


def _evaluated(expr: Expr) -> Expr:
    """The same expression with sums and products evaluated by SymPy."""
    if not expr.args or not all(isinstance(a, Expr) for a in expr.args):
        return expr
    return expr.func(*[_evaluated(a) for a in expr.args])
