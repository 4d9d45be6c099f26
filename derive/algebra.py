"""The algebra the verifier works in.

Three pieces, each small enough to check by eye:

* :class:`Definition` — an abbreviation such as ``L``, ``S`` or the family ``p_k``, with the
  expression it stands for.
* :class:`Context` — the definitions in force. ``unfold`` replaces abbreviations by their
  definitions and evaluates every ``Derivative``; a derivative taken *with respect to* an
  abbreviation (``∂L/∂p_j``) treats that abbreviation as an independent variable, exactly as
  the text of a derivation does. An *opaque* abbreviation (``S``) stays an atom; its
  derivatives are computed once from its definition (total derivative), which keeps exact
  checks of large concrete cases cheap.
* :func:`normalize` — a normal form for sums over class indices: sums are split over terms,
  factors free of the summation index are pulled out, ``Σ_k δ_{ka} f(k)`` collapses to
  ``f(a)``, and bound variables get canonical names so equal sums compare equal.

Every free index is taken to range over the classes ``1..N``; that is the one assumption
behind collapsing Kronecker deltas, and it is the setting of every derivation here.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cached_property, lru_cache

from sympy import (
    Add,
    Basic,
    Derivative,
    Dummy,
    Eq,
    Expr,
    Indexed,
    Integer,
    KroneckerDelta,
    Mul,
    Sum,
    Symbol,
    Tuple,
    UnevaluatedExpr,
    exp,
    expand,
)
from sympy.concrete.expr_with_limits import ExprWithLimits
from sympy.core.function import AppliedUndef

from derive.differentiate import derivative


class SumExcept(Expr):
    """``Σ_{k ≠ a} f(k)`` over ``k = lo..hi``: the same value as ``Σ_k f(k) − f(a)``.

    A display form: the printer shows ``\\sum_{k \\neq a}``; the verifier works with
    :meth:`as_sum`.
    """

    def __new__(cls, summand: Expr, limits: tuple, excluded: Expr) -> SumExcept:
        return Expr.__new__(cls, summand, Tuple(*limits), excluded)

    @property
    def summand(self) -> Expr:
        return self.args[0]

    @property
    def variable(self) -> Symbol:
        return self.args[1][0]

    @property
    def bounds(self) -> tuple[Expr, Expr]:
        return self.args[1][1], self.args[1][2]

    @property
    def excluded(self) -> Expr:
        return self.args[2]

    @property
    def free_symbols(self) -> set[Basic]:
        lower, upper = self.bounds
        return (
            (self.summand.free_symbols - {self.variable})
            | lower.free_symbols
            | upper.free_symbols
            | self.excluded.free_symbols
        )

    def as_sum(self) -> Expr:
        lower, upper = self.bounds
        return Sum(self.summand, (self.variable, lower, upper)) - self.summand.xreplace(
            {self.variable: self.excluded}
        )

    def doit(self, **hints) -> Expr:
        return self.as_sum().doit(**hints)


def rename_bound(expr: Expr, rename) -> Expr:
    """Give every summation variable in ``expr`` the name ``rename(old)`` (innermost first)."""
    if isinstance(expr, Sum) and len(expr.limits) == 1:
        ((var, lower, upper),) = expr.limits
        new = rename(var)
        return Sum(rename_bound(expr.function, rename).xreplace({var: new}), (new, lower, upper))
    if isinstance(expr, SumExcept):
        new = rename(expr.variable)
        lower, upper = expr.bounds
        summand = rename_bound(expr.summand, rename).xreplace({expr.variable: new})
        return SumExcept(summand, (new, lower, upper), expr.excluded)
    if not expr.args or isinstance(expr, Indexed):
        return expr
    args = [rename_bound(arg, rename) for arg in expr.args]
    # Rebuilt only where a bound variable was renamed: rebuilding a long written-out entry
    # (N = 50) costs more than proving it, and changes nothing when nothing in it is bound.
    if all(new is old for new, old in zip(args, expr.args, strict=True)):
        return expr
    return expr.func(*args)


@lru_cache(maxsize=16384)
def fresh_bound(expr: Expr) -> Expr:
    """Rename bound variables to fresh dummies, so substitution can never capture a name.

    The same expression gets the same dummies every time: a link's right side is the next
    link's left side, and what is known of it (its normal form, SymPy's own caches) carries
    over. Distinct expressions still get distinct dummies.
    """
    return rename_bound(expr, lambda var: Dummy(var.name, integer=True))


@dataclass(frozen=True)
class Definition:
    """``name := expression``.

    ``name`` is a Symbol (``L``), an Indexed with symbolic indices (``p[k]``), which stands
    for the whole family ``p_1, p_2, …``, or a function applied to distinct symbols
    (``σ(x) := 1/(1 + e^{−x})``), which stands for the function at every argument
    (``σ(z_i) = 1/(1 + e^{−z_i})``). An opaque definition is kept as an atom while proving,
    and unfolded only when a proof needs it.
    """

    name: Expr
    expression: Expr
    opaque: bool = False

    def __post_init__(self) -> None:
        if self.opaque and not isinstance(self.name, Symbol):
            raise ValueError(f"an opaque definition names a plain symbol, not {self.name}")
        if isinstance(self.name, AppliedUndef):
            arguments = self.name.args
            if not all(isinstance(a, Symbol) for a in arguments) or len(set(arguments)) != len(arguments):
                raise ValueError(f"a function is defined at distinct symbols, as in f(x, y), not {self.name}")

    @property
    def head(self) -> Basic:
        if isinstance(self.name, Indexed):
            return self.name.base
        return self.name.func if isinstance(self.name, AppliedUndef) else self.name

    def matches(self, atom: Basic) -> bool:
        if isinstance(self.name, Indexed):
            return isinstance(atom, Indexed) and atom.base == self.name.base
        if isinstance(self.name, AppliedUndef):
            return isinstance(atom, AppliedUndef) and atom.func == self.name.func
        return atom == self.name

    def instance(self, atom: Expr) -> Expr:
        expression = fresh_bound(self.expression)
        if isinstance(self.name, Indexed):
            expression = expression.xreplace(dict(zip(self.name.indices, atom.indices, strict=True)))
        elif isinstance(self.name, AppliedUndef):
            # All arguments at once: f(x, y) at (y, x) swaps them, and no argument is captured.
            expression = expression.xreplace(dict(zip(self.name.args, atom.args, strict=True)))
        return expression

    def as_eq(self) -> Eq:
        return Eq(self.name, self.expression, evaluate=False)

    def instantiate(self, values: dict) -> Definition:
        return Definition(self.name, self.expression.xreplace(values), self.opaque)


@dataclass(frozen=True)
class Context:
    """The definitions in force while proving, in the order a reader meets them.

    ``size`` is the number of classes N: every free integer index ranges over ``1..size``.
    """

    definitions: tuple[Definition, ...] = ()
    size: Expr | None = None
    #: Free indices that range over something other than the classes: ``((b, M),)`` says
    #: ``b`` runs over ``1..M`` (the inputs of a layer), not ``1..N``.
    ranges: tuple[tuple[Symbol, Expr], ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.size, int):  # Context(…, 3) means the SymPy Integer 3
            object.__setattr__(self, "size", Integer(self.size))

    @property
    def sizes(self) -> tuple[Expr, ...]:
        """The size symbols: the number of classes, and the upper bounds of other ranges."""
        return tuple(dict.fromkeys(s for s in (self.size, *(u for _, u in self.ranges)) if s is not None))

    def normalize(self, expr: Expr) -> Expr:
        """:func:`normalize` with this context's number of classes and index ranges."""
        return normalize(expr, self.size, self.ranges)

    def upper(self, index: Symbol) -> Expr | None:
        """How far a free ``index`` runs: its own range's bound, else the number of classes."""
        return dict(self.ranges).get(index, self.size)

    def with_ranges(self, *ranges: tuple[Symbol, Expr]) -> Context:
        return Context(self.definitions, self.size, (*self.ranges, *ranges))

    def lookup(self, atom: Basic) -> Definition | None:
        # Asked of every node unfold meets: one dictionary look-up rather than a comparison with
        # each definition; the first definition of a name wins, as a scan in order would find.
        return self._by_head.get(_head_key(atom))

    @cached_property
    def _by_head(self) -> dict[tuple, Definition]:
        found: dict[tuple, Definition] = {}
        for definition in self.definitions:
            found.setdefault(_head_key(definition.name), definition)
        return found

    def instantiate(self, values: dict) -> Context:
        return self._instantiated(frozenset(values.items()))

    @lru_cache(maxsize=1024)  # noqa: B019 - contexts are immutable and few
    def _instantiated(self, items: frozenset) -> Context:
        values = dict(items)
        size = self.size.xreplace(values) if self.size is not None else None
        ranges = tuple((index, upper.xreplace(values)) for index, upper in self.ranges)
        return Context(tuple(d.instantiate(values) for d in self.definitions), size, ranges)

    def used_by(self, *exprs: Basic) -> tuple[Definition, ...]:
        """The definitions ``exprs`` rely on, transitively, in the order a reader meets them."""
        pending = list(exprs)
        used: set[Definition] = set()
        while pending:
            for atom in pending.pop().atoms(Symbol, Indexed, AppliedUndef):
                definition = self.lookup(atom)
                if definition is not None and definition not in used:
                    used.add(definition)
                    pending.append(definition.expression)
        return tuple(d for d in self.definitions if d in used)

    @lru_cache(maxsize=4096)  # noqa: B019 - contexts are immutable and few
    def parameters(self, *exprs: Basic) -> frozenset[Symbol]:
        """Indices free in the definitions ``exprs`` rely on: r in ``y_k := δ_{kr}``, a true class.

        ``∂L/∂z_i = p_i − y_i`` depends on r through L and y without naming it, so a concrete
        case of it must choose r too. A definition's own indices (k of y_k) are placeholders.
        """
        found: set[Symbol] = set()
        for definition in self.used_by(*exprs):
            own = set(definition.name.indices) if isinstance(definition.name, Indexed) else set()
            found |= set(index_symbols(definition.expression)) - own
        return frozenset(found)

    @lru_cache(maxsize=64)  # noqa: B019 - contexts are immutable and few
    def has_parameters(self) -> bool:
        """Whether any definition leaves an index free (r in ``y_k := δ_{kr}``)."""
        return bool(self.parameters(*(d.name for d in self.definitions)))

    def held_by(self, variables) -> frozenset:
        """The abbreviations a derivative holds as variables: p for ∂/∂p_i."""
        return frozenset(d.head for v in variables if (d := self.lookup(v)) is not None)

    def opaque(self) -> tuple[Definition, ...]:
        return tuple(d for d in self.definitions if d.opaque)

    def unfold(self, expr: Expr, keep: frozenset = frozenset()) -> Expr:
        """Replace non-opaque abbreviations and evaluate derivatives, innermost first."""
        definition = self.lookup(expr)
        if definition is not None:
            if definition.opaque or definition.head in keep:
                return expr
            return self.unfold(definition.instance(expr), keep)
        if isinstance(expr, SumExcept):
            return self.unfold(expr.as_sum(), keep)
        if isinstance(expr, UnevaluatedExpr):
            return self.unfold(expr.args[0], keep)
        if isinstance(expr, Derivative):
            # One variable at a time: ∂/∂p_i holds p as a variable, a later ∂/∂z_j does not.
            result = expr.expr
            for var, count in expr.variable_count:
                result = self.unfold(result, keep | self.held_by((var,)))
                for _ in range(count):
                    result = self.derivative(result, var)
            if any(self.lookup(atom) for atom in result.atoms(Symbol, Indexed, AppliedUndef)):
                return self.unfold(result, keep)
            return result
        if not expr.args or isinstance(expr, Indexed):
            return expr
        args = [self.unfold(arg, keep) for arg in expr.args]
        # Most of a side has nothing to unfold; normalize rebuilds it anyway.
        if all(new is old for new, old in zip(args, expr.args, strict=True)):
            return expr
        return expr.func(*args)

    def derivative(self, expr: Expr, var: Expr) -> Expr:
        """Total derivative of an unfolded expression: through opaque atoms by the chain rule.

        Sums of Kronecker deltas are left for :func:`normalize` on the whole equation, which
        knows the range of every bound index; a fragment here does not.
        """
        result = derivative(expr, var)
        for definition in self.opaque():
            if definition.name in expr.free_symbols:
                result += derivative(expr, definition.name) * self._opaque_derivative(definition, var)
        return result

    @lru_cache(maxsize=4096)  # noqa: B019 - contexts are immutable and few
    def _opaque_derivative(self, definition: Definition, var: Expr) -> Expr:
        # Fresh bound names, so that ∂S/∂z_k does not capture the k of S = Σ_k e^{z_k}; and by
        # u_i, an abbreviation defined through u (S = Σ_k e^{u_k}, u_k = z_k/T) is differentiated
        # with u held as the variable, as the text does: ∂S/∂u_i = e^{u_i}, not 0.
        expression = self.unfold(fresh_bound(definition.expression), self.held_by((var,)))
        value = self.derivative(expression, var)
        # With a concrete variable (z_3) the result is self-contained, so it is safe to
        # normalize once here rather than in every equation that uses it. (The base z is a
        # free symbol of z_3 too; what matters is that no index is free.)
        return self.normalize(value) if not index_symbols(var) else value

    def fold(self, expr: Expr) -> Expr:
        """Replace the normal form of each opaque definition by its name (``Σ_k e^{z_k}`` → S)."""
        return expr.xreplace({self.opaque_normal_form(d): d.name for d in self.opaque()})

    def expand_opaque(self, expr: Expr) -> Expr:
        return expr.xreplace({d.name: self.opaque_normal_form(d) for d in self.opaque()})

    @lru_cache(maxsize=4096)  # noqa: B019 - contexts are immutable and few
    def normal_form(self, expr: Expr) -> Expr:
        """``expr`` unfolded and normalized, once per context: a condition such as Σ_k y_k = 1 is
        used on both sides of every equation that needs it."""
        return self.normalize(self.unfold(expr))

    def opaque_normal_form(self, definition: Definition) -> Expr:
        return self.normal_form(definition.expression)


def _head_key(atom: Basic) -> tuple:
    """What :meth:`Definition.matches` compares: the base of p_i, the function of f(x), else the
    atom itself."""
    if isinstance(atom, Indexed):
        return ("family", atom.base)
    if isinstance(atom, AppliedUndef):
        return ("function", atom.func)
    return ("name", atom)


def _bound_name(height: int) -> Dummy:
    # A Dummy with a fixed index: equal across calls, distinct from any user symbol.
    return Dummy(f"sum{height}", dummy_index=height, integer=True)


def _sum_height(expr: Basic) -> int:
    heights = [_sum_height(arg) for arg in expr.args]
    # Every bound variable counts (Σ_{k,m} has two; Π too), so a canonical name never captures.
    own = len(expr.limits) if isinstance(expr, ExprWithLimits) else 0
    return own + max(heights, default=0)


def _expand(expr: Expr) -> Expr:
    """``expand``, except that e^{Σ_m …} stays the exponential of a sum.

    SymPy would write it as the product Π_m e^{…}, which the normal form does not know: the
    same quantity would then be a product in one expression and an exponential in another.
    """
    exponentials = {e: Dummy("exp") for e in expr.atoms(exp) if e.args[0].has(Sum)}
    if not exponentials:
        return expand(expr)
    return expand(expr.xreplace(exponentials)).xreplace({d: e for e, d in exponentials.items()})


def _delta_partner(factor: Basic, var: Symbol) -> Expr | None:
    if isinstance(factor, KroneckerDelta) and var in factor.args:
        a, b = factor.args
        partner = b if a == var else a
        if var not in partner.free_symbols:
            return partner
    return None


def _written_out(
    summand: Expr, var: Symbol, lower: Expr, upper: Expr, size: Expr | None, ranges: dict
) -> Expr:
    terms = (summand.xreplace({var: Integer(v)}) for v in range(lower, upper + 1))
    return _normalize(Add(*terms), size, ranges)


def _pairs_with_symbol(summand: Expr, var: Symbol) -> bool:
    """Whether a δ pairs ``var`` with a symbolic index: Σ_{k=1}^{3} δ_{ka} f(k) is f(a), for any a
    in 1..3, and writing it out would leave δ_{1a}, δ_{2a}, δ_{3a} that nothing collapses."""
    return any(
        var in delta.args and any(arg.is_Symbol and arg != var for arg in delta.args)
        for delta in summand.atoms(KroneckerDelta)
    )


def _sum_of(summand: Expr, var: Symbol, lower: Expr, upper: Expr, size: Expr | None, ranges: dict) -> Expr:
    """Normal form of ``Σ_{var=lower}^{upper} summand`` with ``summand`` already normal."""
    concrete = lower.is_Integer and upper.is_Integer
    if concrete and not _pairs_with_symbol(summand, var):
        return _written_out(summand, var, lower, upper, size, ranges)
    classes = (Integer(1), size)
    total = []
    for term in Add.make_args(_expand(summand)):
        outside, inside = [], []
        for factor in Mul.make_args(term):
            (inside if var in factor.free_symbols else outside).append(factor)
        partner = next((p for f in inside if (p := _delta_partner(f, var)) is not None), None)
        # Σ_k δ_{ka} f(k) = f(a) needs a in the range of k: both must range over the same set.
        collapses = (
            partner is not None
            and size is not None
            and partner.is_Symbol
            and partner.is_integer
            and ranges.get(partner, classes) == (lower, upper)
        )
        if collapses:
            total.append(Mul(*outside) * _normalize(Mul(*inside).xreplace({var: partner}), size, ranges))
        elif not inside:
            total.append(Mul(*outside) * (upper - lower + 1))
        elif concrete:
            total.append(Mul(*outside) * _written_out(Mul(*inside), var, lower, upper, size, ranges))
        else:
            body = Mul(*inside)
            canonical = _bound_name(_sum_height(body))
            total.append(Mul(*outside) * Sum(body.xreplace({var: canonical}), (canonical, lower, upper)))
    return Add(*total)


def normalize(expr: Expr, size: Expr | None = None, ranges: tuple[tuple[Symbol, Expr], ...] = ()) -> Expr:
    """Normal form for sums over class indices (see the module docstring).

    ``size`` is the number of classes; free integer indices are taken to range over
    ``1..size``, or ``1..upper`` for those given in ``ranges``. Without ``size``, no
    Kronecker delta is collapsed.
    """
    return _normalize(expr, size, {index: (Integer(1), upper) for index, upper in ranges})


def _normalize(expr: Expr, size: Expr | None, ranges: dict) -> Expr:
    if isinstance(expr, SumExcept):
        return _normalize(expr.as_sum(), size, ranges)
    if isinstance(expr, Sum):
        # Σ_{k,m} f is Σ_m (Σ_k f): SymPy merges nested sums into one with several limits.
        *inner_limits, (var, lower, upper) = expr.limits
        function = Sum(expr.function, *inner_limits) if inner_limits else expr.function
        inner = {**ranges, var: (lower, upper)}
        return _sum_of(_normalize(function, size, inner), var, lower, upper, size, ranges)
    if not expr.args or isinstance(expr, (Indexed, Derivative)):
        return expr
    return expr.func(*[_normalize(arg, size, ranges) for arg in expr.args])


def index_symbols(*exprs: Expr) -> list[Symbol]:
    """The free integer symbols of ``exprs`` that are used as indices, in a stable order."""
    found: set[Symbol] = set()
    for expr in exprs:
        for atom in expr.atoms(Indexed, KroneckerDelta):
            args = atom.indices if isinstance(atom, Indexed) else atom.args
            for arg in args:
                found |= {s for s in arg.free_symbols if s.is_integer}
        for s in expr.atoms(SumExcept):
            found |= {x for x in s.excluded.free_symbols if x.is_integer}
            found |= {x for bound in s.bounds for x in bound.free_symbols if x.is_integer}
        # A free integer bound (Σ_{j=1}^{n} with n also an index) is a parameter like an index.
        for s in expr.atoms(Sum):
            found |= {x for _, *bounds in s.limits for b in bounds for x in b.free_symbols if x.is_integer}
    free = set().union(*(_free_symbols(e) for e in exprs)) if exprs else set()
    return sorted(found & free, key=lambda s: s.name)


def free_integer_symbols(*exprs: Expr) -> set[Symbol]:
    """The free integer symbols of ``exprs``, derivative variables counted: a superset of
    :func:`index_symbols` in one walk, where that takes several."""
    free = set().union(*(_free_symbols(e) for e in exprs)) if exprs else set()
    return {s for s in free if s.is_Symbol and s.is_integer}


def _free_symbols(expr: Basic) -> set[Basic]:
    """Free symbols, counting the variables of derivatives: i is free in ∂L/∂p_i.

    SymPy leaves them out when the differentiated expression does not mention them.
    """
    if isinstance(expr, Derivative):
        return _free_symbols(expr.expr).union(*(v.free_symbols for v in expr.variables))
    if isinstance(expr, Sum):
        free = _free_symbols(expr.function)
        for variable, lower, upper in expr.limits:
            free = (free - {variable}) | lower.free_symbols | upper.free_symbols
        return free
    if isinstance(expr, SumExcept):
        lower, upper = expr.bounds
        inner = _free_symbols(expr.summand) - {expr.variable}
        return inner | lower.free_symbols | upper.free_symbols | expr.excluded.free_symbols
    if not expr.args or isinstance(expr, Indexed):
        return set(expr.free_symbols)
    return set().union(*(_free_symbols(arg) for arg in expr.args))


def assignments(indices: list[Symbol], size: int) -> itertools.product:
    """Every assignment of the classes ``1..size`` to ``indices``."""
    return itertools.product(range(1, size + 1), repeat=len(indices))
