"""Proving that two expressions are equal, honestly.

An equation is *verified* only when it is proven:

* a statement about a symbolic number of classes ``N`` (or symbolic indices) must be proven
  symbolically — unfolded, put in the sum normal form of :mod:`derive.algebra` and reduced to
  zero as a rational function;
* a statement about a concrete ``N`` is proven exactly, entry by entry;
* both are then evaluated numerically at random points (30 significant digits) as a second
  line of defence.

Logits, probabilities and every indexed quantity are real numbers, the setting of every
derivation here. Where a difference is not zero as a rational function, the logarithms of
provably positive quantities (e^{z_k}, Σ_k e^{z_k}, their products and quotients) are taken
apart — log(ab) = log a + log b, log e^x = x — and the difference is looked at once more; a
logarithm whose argument may be negative or complex is never touched.

A refutation always carries a :class:`Counterexample`: concrete ``N``, indices and values at
which the two sides differ. A statement that is neither proven nor refuted is reported as
not proven, with the reason; nothing is ever passed silently.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

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
    MatrixBase,
    Mul,
    Ne,
    Pow,
    Rational,
    Sum,
    Symbol,
    Tuple,
    cancel,
    cos,
    cosh,
    coth,
    csch,
    exp,
    expand,
    log,
    powsimp,
    sech,
    sin,
    sinh,
    tan,
    tanh,
)
from sympy.core.function import AppliedUndef
from sympy.core.sympify import _sympify

from derive.algebra import Context, assignments, free_integer_symbols, fresh_bound, index_symbols
from derive.errors import IdentityNotProven
from derive.evaluation import NotEvaluable, value_at
from derive.matrices import as_indexed, generic_entry, is_matrix_form
from derive.symmetry import pattern_key, relabelling

NUMERIC_DIGITS = 30
NUMERIC_TOLERANCE = Rational(1, 10**20)
#: A numerator that would expand into more terms than this goes to ``cancel`` directly.
MAX_EXPANDED_TERMS = 5000


@dataclass(frozen=True)
class Counterexample:
    """A concrete case at which the two sides of an equation differ."""

    size: int | None
    indices: dict[str, int]
    values: dict[str, str]
    lhs: str
    rhs: str

    def __str__(self) -> str:
        case = [f"N={self.size}"] if self.size is not None else []
        case += [f"{name}={value}" for name, value in self.indices.items()]
        case += [f"{name}={value}" for name, value in self.values.items()]
        return f"at {', '.join(case)} the left side is {self.lhs} but the right side is {self.rhs}"


@dataclass(frozen=True)
class Proof:
    """The outcome of proving one equation."""

    verified: bool
    method: str
    reason: str = ""
    counterexample: Counterexample | None = None

    def explain(self) -> str:
        if self.verified:
            return f"proven ({self.method})"
        if self.counterexample is not None:
            return f"{self.reason}: {self.counterexample}"
        return self.reason


class ForEach(Basic):
    """A condition at every value of an index: ``ForEach(Eq(Σ_k y_{τk}, 1), (τ, 1, T))`` says
    that the labels of every time step τ = 1..T sum to one.

    ``Eq(Σ_k y_{τk}, 1)`` alone is about one τ, the free index of the statement; a sum over τ
    needs the condition at each of its terms. Over a concrete range it is one constraint per
    value; over a symbolic range it applies to every sum whose variable runs over exactly that
    range (and to the index itself where the statement leaves it free over that range).
    """

    def __new__(cls, relation: Basic, limits: tuple) -> ForEach:
        if not isinstance(relation, Eq):
            raise ValueError(f"ForEach takes an equation, not {relation}")
        return Basic.__new__(cls, relation, Tuple(*limits))

    @property
    def relation(self) -> Eq:
        return self.args[0]

    @property
    def limits(self) -> tuple[Symbol, Expr, Expr]:
        index, lower, upper = self.args[1]
        return index, lower, upper


def _each_value(
    index: Symbol, lower: Expr, upper: Expr, quantity: Expr, value: Expr
) -> list[tuple[Expr, Expr]]:
    """``quantity = value`` at each index in ``lower..upper``, for a concrete range; else none."""
    if not (lower.is_Integer and upper.is_Integer):
        return []
    return [(quantity.xreplace({index: Integer(v)}), value) for v in range(lower, upper + 1)]


@dataclass(frozen=True)
class Conditions:
    """Side conditions of an equation, sorted by how the verifier uses them.

    ``equal`` pairs an index with an index or a class number (``i = j``, ``i = 3``),
    ``distinct`` two indices (``i ≠ j``); anything else is a constraint (``Σ_k y_k = 1``).
    ``for_each`` holds the :class:`ForEach` constraints over a symbolic range, as
    ``(index, lower, upper, quantity, value)``.
    """

    equal: tuple[tuple[Symbol, Expr], ...] = ()
    distinct: tuple[tuple[Symbol, Expr], ...] = ()
    constraints: tuple[tuple[Expr, Expr], ...] = ()
    for_each: tuple[tuple[Symbol, Expr, Expr, Expr, Expr], ...] = ()

    @classmethod
    def of(cls, relations: Iterable[Basic]) -> Conditions:
        equal, distinct, constraints, for_each = [], [], [], []
        for relation in relations:
            if isinstance(relation, ForEach):
                quantity, value = relation.relation.args
                index, lower, upper = relation.limits
                if lower.is_Integer and upper.is_Integer:
                    constraints.extend(_each_value(index, lower, upper, fresh_bound(quantity), value))
                else:
                    for_each.append((index, lower, upper, fresh_bound(quantity), value))
                continue
            if not isinstance(relation, (Eq, Ne)):
                raise ValueError(f"unsupported condition {relation}: give Eq(…) or Ne(…)")
            a, b = relation.args
            if b.is_Symbol and not a.is_Symbol:
                a, b = b, a
            indices = a.is_Symbol and a.is_integer and ((b.is_Symbol and b.is_integer) or b.is_Integer)
            if isinstance(relation, Eq) and indices:
                equal.append((a, b))
            elif isinstance(relation, Ne) and indices:
                distinct.append((a, b))
            elif isinstance(relation, Eq):
                constraints.append((fresh_bound(a), b))
            else:
                raise ValueError(f"unsupported condition {relation}: ≠ is for indices only")
        return cls(tuple(equal), tuple(distinct), tuple(constraints), tuple(for_each))

    def identify(self, expr: Expr) -> Expr:
        """Apply the index equalities: ``i = j`` writes ``j`` as ``i``, ``i = 3`` writes 3."""
        substitution = {(a if b.is_Integer else b): (b if b.is_Integer else a) for a, b in self.equal}
        for _ in range(len(self.equal)):  # enough rounds for chains such as i = j, j = k
            expr = expr.xreplace(substitution)
        return expr

    def zero_deltas(self, expr: Expr) -> Expr:
        """``δ_{ij} = 0`` for every pair of indices known to differ."""
        return expr.xreplace({KroneckerDelta(a, b): 0 for a, b in self.distinct})

    def instantiate(self, values: dict) -> Conditions:
        """The conditions of one concrete case; index relations are settled by the case."""
        each = []
        for index, lower, upper, quantity, value in self.for_each:
            # The quantified index is bound here: a case gives values to the others only.
            others = {symbol: v for symbol, v in values.items() if symbol != index}
            bounds = lower.xreplace(values), upper.xreplace(values)
            each += _each_value(index, *bounds, quantity.xreplace(others), value)
        return Conditions(constraints=(*((a.xreplace(values), b) for a, b in self.constraints), *each))

    def allows(self, case: dict[Symbol, int]) -> bool:
        def value(x: Expr):
            return int(x) if x.is_Integer else case.get(x)

        return all(value(a) == value(b) for a, b in self.equal if a in case) and all(
            value(a) != value(b) for a, b in self.distinct if a in case
        )


def _atomize(expr: Expr) -> Expr:
    """Sums and exponentials as plain symbols, so ``cancel`` decides zero exactly.

    No sign is assumed for an exponential: its argument may be complex.
    """
    sums = {s: Dummy("sum") for s in expr.atoms(Sum)}
    expr = expr.xreplace(sums)
    powers: dict[Expr, Dummy] = {}

    def as_power(argument: Expr) -> Expr:
        result = Integer(1)
        for term in Add.make_args(expand(argument)):
            coefficient, rest = term.as_coeff_Mul()
            base = powers.setdefault(rest, Dummy("e"))
            result *= Pow(base, coefficient)
        return result

    return expr.replace(lambda e: isinstance(e, exp), lambda e: as_power(e.args[0]))


def _is_real(expr: Basic) -> bool:
    """Real whenever the quantities in it are: indexed ones (logits z_k, probabilities) and
    symbols declared real, joined by +, ×, integer powers, exponentials and sums."""
    if isinstance(expr, Indexed):
        return True
    if expr.is_Number or expr.is_Symbol:
        return expr.is_real is True
    if isinstance(expr, (Add, Mul)):
        return all(_is_real(a) for a in expr.args)
    if isinstance(expr, Pow):
        base, power = expr.args
        return (_is_real(base) and power.is_Integer) or (_is_positive(base) and _is_real(power))
    if isinstance(expr, exp):
        return _is_real(expr.args[0])
    if isinstance(expr, log):
        return _is_positive(expr.args[0])
    if isinstance(expr, Sum):
        return _is_real(expr.function)
    return False


def _is_positive(expr: Basic) -> bool:
    """Positive whenever the quantities in it are real: e^x for real x, and sums, products and
    real powers of positive terms; a sum over k = 1..N with N ≥ 1 is never empty."""
    if expr.is_Number:
        return expr.is_positive is True
    if isinstance(expr, exp):
        return _is_real(expr.args[0])
    if isinstance(expr, (Add, Mul)):
        return all(_is_positive(a) for a in expr.args)
    if isinstance(expr, Pow):
        return _is_positive(expr.base) and _is_real(expr.exp)
    if isinstance(expr, Sum):
        nonempty = all((upper - lower).is_nonnegative is True for _, lower, upper in expr.limits)
        return nonempty and _is_positive(expr.function)
    return False


def _log_of_positive(expr: Expr) -> Expr:
    """log of a positive expression taken apart: log(ab) = log a + log b, log aᵇ = b log a,
    log eˣ = x — each valid because every factor is positive and every exponent real."""
    if isinstance(expr, exp):
        return expr.args[0]
    if isinstance(expr, Mul):
        return Add(*(_log_of_positive(factor) for factor in expr.args))
    if isinstance(expr, Pow):
        return expr.exp * _log_of_positive(expr.base)
    return log(expr)


def _expand_logs(expr: Expr) -> Expr:
    """Every logarithm of a provably positive argument taken apart (see :func:`_log_of_positive`).

    The logits are real numbers, so e^{z_k}, Σ_k e^{z_k} and their quotients are positive and
    these rules hold; a logarithm of anything else (log x for a plain symbol x, log(a − b)) is
    left whole, so no identity is invented where the sign is not known.
    """
    return expr.replace(
        lambda e: isinstance(e, log) and _is_positive(e.args[0]), lambda e: _log_of_positive(e.args[0])
    )


def _over_one_denominator_zero(expr: Expr) -> bool:
    """Zero because the numerator over one denominator expands to zero: a sum of N fractions
    over the same few denominators is settled in time linear in N.

    A numerator that would expand into very many terms (products of sums, powers of sums)
    is left to ``cancel``, which finds common factors instead of multiplying them out.
    """
    numerator, _ = expr.as_numer_denom()
    return _expanded_terms(numerator) <= MAX_EXPANDED_TERMS and expand(numerator) == 0


def _expanded_terms(expr: Expr) -> int:
    """At most how many terms ``expand(expr)`` has: sums add, products and powers multiply."""
    if isinstance(expr, Add):
        return sum(_expanded_terms(term) for term in expr.args)
    if isinstance(expr, Mul):
        return math.prod(_expanded_terms(factor) for factor in expr.args)
    if isinstance(expr, Pow) and expr.exp.is_Integer and expr.exp > 0:
        return _expanded_terms(expr.base) ** int(expr.exp)
    return 1


def _vanishes(expr: Expr, zero_test=_over_one_denominator_zero) -> bool:
    """Zero as a rational function of its atoms (sums and exponentials)."""
    try:
        if zero_test(_atomize(expr)):
            return True
        # Only where that fails: log(e^{z_c}/S) = z_c − log S is not a rational identity in the
        # atoms, so look again with the logarithms of positive quantities taken apart.
        return expr.has(log) and zero_test(_atomize(_expand_logs(expr)))
    except Exception:
        return False


_TRIGONOMETRIC = (sin, cos, tan, sinh, cosh, tanh, coth, sech, csch)


def _has_symbolic_power(expr: Expr) -> bool:
    return any(not p.exp.is_Number for p in expr.atoms(Pow))


def _cancels(expr: Expr) -> bool:
    """Zero by ``cancel``: polynomial gcds, the last word, and much slower on long sums."""
    return cancel(expr) == 0


@dataclass(frozen=True)
class Verifier:
    """Proves equations within a :class:`~derive.algebra.Context`.

    Statements that mention the context's number of classes ``N`` or a symbolic index are
    general and need a symbolic proof; any other statement is proven exactly, as an identity
    in its variables. ``exact_sizes`` are the concrete ``N`` used to look for a
    counterexample when a general statement is not proven; the numeric second look draws
    its cases from the two smallest.
    """

    context: Context = field(default_factory=Context)
    exact_sizes: tuple[int, ...] = (2, 3, 4)
    numeric_points: int = 3
    seed: int = 2026
    #: Accept a general statement that every concrete case proves (exactly, or numerically at
    #: ``witness_points`` points when SymPy cannot decide zero); derive's own derivations
    #: leave this off and need a symbolic proof.
    by_instances: bool = False
    witness_points: int = 20

    def prove(self, lhs: Expr, rhs: Expr, conditions: Sequence[Basic] = ()) -> Proof:
        try:
            conds = Conditions.of(conditions)
        except ValueError as error:
            return Proof(False, "none", str(error))
        # _sympify is strict: it accepts numbers and SymPy objects and never parses a string.
        lhs, rhs = _sympify(lhs), _sympify(rhs)
        try:
            if is_matrix_form(lhs) or is_matrix_form(rhs):
                return self._prove_matrix_form(lhs, rhs, conds)
            # Bound variables get fresh names first, so instantiating a free index never captures one.
            lhs, rhs = _fresh(lhs), _fresh(rhs)
            if isinstance(lhs, MatrixBase) or isinstance(rhs, MatrixBase):
                return self._prove_matrix(lhs, rhs, conds)
            return self._prove_scalar(lhs, rhs, conds)
        except (ArithmeticError, TypeError, ValueError, NotImplementedError, RecursionError) as error:
            # SymPy fails in many ways on hard input; a failure is "not proven", never a pass.
            return Proof(False, "none", f"SymPy could not handle it ({type(error).__name__}: {error})")

    # -- general and concrete statements -------------------------------------------------

    @property
    def size(self) -> Expr | None:
        return self.context.size

    # A statement's indices are asked for by the proof, by its cases and by its numeric look.
    @lru_cache(maxsize=4096)  # noqa: B019 - verifiers are immutable and few
    def _indices(self, *exprs: Expr) -> tuple[Symbol, ...]:
        """The free indices of a statement, with those its definitions leave free (a true class r)."""
        # Most entries of a written-out matrix have none: one walk says so (long entries).
        if not self.context.has_parameters() and not free_integer_symbols(*exprs) - set(self.context.sizes):
            return ()
        found = set(index_symbols(*exprs)) | self.context.parameters(*exprs)
        return tuple(sorted((s for s in found if s not in self.context.sizes), key=lambda s: s.name))

    @lru_cache(maxsize=4096)  # noqa: B019 - verifiers are immutable and few
    def _is_general(self, *exprs: Expr) -> bool:
        if self._indices(*exprs):
            return True
        # Only a symbolic size (N, not 3) can be free: a concrete context needs no walk here.
        sizes = [size for size in self.context.sizes if size.is_Symbol]
        return bool(sizes) and bool(set().union(*(e.free_symbols for e in exprs)) & set(sizes))

    def _prove_scalar(self, lhs: Expr, rhs: Expr, conds: Conditions, confirm: bool = True) -> Proof:
        def glance() -> bool:
            return self._refuted_at_a_glance(lhs, rhs, conds)

        if not self._is_general(lhs, rhs):
            if not self._difference_vanishes(self.context, lhs, rhs, conds, symbolic=False, glance=glance):
                return self._refute(lhs, rhs, conds)
            return self._confirm(lhs, rhs, conds, "exact") if confirm else Proof(True, "exact")
        if self._difference_vanishes(self.context, lhs, rhs, conds, symbolic=True, glance=glance):
            method = "symbolic, for all N"
            return self._confirm(lhs, rhs, conds, method) if confirm else Proof(True, method)
        refuted = self._refute(lhs, rhs, conds)
        if refuted.verified or refuted.counterexample is not None:
            return refuted
        return Proof(
            False,
            "none",
            "SymPy could not prove it for symbolic N, and no counterexample was found "
            f"for N in {list(self.exact_sizes)}",
        )

    def _prove_matrix(self, lhs: Expr, rhs: Expr, conds: Conditions) -> Proof:
        """Every entry proven; the numeric second look goes to a spread-out sample of them."""
        if not (isinstance(lhs, MatrixBase) and isinstance(rhs, MatrixBase)):
            return Proof(False, "none", "one side is a matrix and the other is not")
        if lhs.shape != rhs.shape:
            return Proof(False, "none", f"shapes differ: {lhs.shape} and {rhs.shape}")
        entries = list(_positions(lhs))
        sampled = set(entries[:: max(1, len(entries) // self.numeric_points)])
        methods, confirmed = set(), 0
        patterns: dict[tuple, Proof | None] = {}
        proven: list[tuple[Expr, Expr]] = []
        for row, col in entries:
            left, right = lhs[row, col], rhs[row, col]
            proof = self._by_pattern(left, right, conds, patterns)
            if proof is None and (row, col) not in sampled:
                proof = self._by_relabelling(left, right, conds, proven)
            if proof is None:
                proof = self._prove_scalar(left, right, conds, confirm=(row, col) in sampled)
                confirmed += "numeric" in proof.method
                if proof.verified:
                    proven.append((left, right))
            if not proof.verified:
                where = f"entry ({row + 1}, {col + 1})"
                return Proof(False, "none", f"{where}: {proof.reason}", proof.counterexample)
            methods.add(proof.method.split(";")[0])
        summary = f"entrywise, {len(entries)} entries: {'; '.join(sorted(methods))}"
        checks = [f"{confirmed} entries"] if confirmed else []
        if proven := sum(p is not None for p in patterns.values()):
            checks.append(f"{proven} index pattern{'s' if proven > 1 else ''} at random instances")
        return Proof(True, f"{summary}; numeric check of {' and '.join(checks)}" if checks else summary)

    def _by_pattern(self, left: Expr, right: Expr, conds: Conditions, patterns: dict) -> Proof | None:
        """An entry of a concrete matrix proven as an instance of its index pattern, or None.

        ∂p_3/∂z_5 = −p_3 p_5 is ∂p_a/∂z_b = −p_a p_b at a = 3, b = 5: proven once for every
        a ≠ b in 1..N, the pattern settles each of the N² − N entries of that shape exactly,
        and an N×N Jacobian costs two proofs. Where a pattern is not an identity for every
        index (an entry that holds only at its own indices), the entry is proven alone.
        """
        if self.size is None or not _sympify(self.size).is_Integer or self.context.ranges:
            return None
        stand_in = _stand_ins(left, right, int(self.size))
        if stand_in is None:
            return None
        # Entries of one shape once their indices are stand-ins have one pattern; the shape is
        # read without building the pattern, which only a new shape needs (N² entries, 2 shapes).
        key = pattern_key(left, right, stand_in, self.size)
        if key is None:
            key = _index_pattern(left, right, stand_in)
        if key not in patterns:
            patterns[key] = self._prove_pattern(*_index_pattern(left, right, stand_in), conds)
        return patterns[key]

    def _by_relabelling(
        self, left: Expr, right: Expr, conds: Conditions, proven: list[tuple[Expr, Expr]]
    ) -> Proof | None:
        """An entry that is a proven entry of the same matrix with the classes relabelled
        (entry a of a gradient is entry 1 with classes 1 and a swapped), or None.

        Only the entries the numeric look passes over come here: every entry it samples is
        proven in full. See :mod:`derive.symmetry` for when the argument is sound.
        """
        if conds.equal or conds.distinct or conds.for_each:
            return None
        for earlier in reversed(proven[-RELABELLING_CANDIDATES:]):
            if relabelling(self.context, conds.constraints, earlier, (left, right)) is not None:
                return Proof(True, RELABELLING_METHOD)
        return None

    def _prove_pattern(
        self, left: Expr, right: Expr, indices: tuple[Symbol, ...], conds: Conditions
    ) -> Proof | None:
        distinct = replace(conds, distinct=(*conds.distinct, *itertools.combinations(indices, 2)))
        # Cases and numeric points come from this N alone: the pattern is about its indices.
        verifier = replace(self, exact_sizes=(int(self.size),))
        if not verifier._difference_vanishes(self.context, left, right, distinct, symbolic=True):
            return None
        return verifier._confirm(left, right, distinct, PATTERN_METHOD)

    def _prove_matrix_form(self, lhs: Expr, rhs: Expr, conds: Conditions) -> Proof:
        """A matrix expression: entry by entry when its size is known, else at generic (a, b)."""
        if not all(is_matrix_form(e) or isinstance(e, MatrixBase) for e in (lhs, rhs)):
            return Proof(False, "none", "one side is a matrix and the other is not")
        if lhs.shape != rhs.shape:
            return Proof(False, "none", f"shapes differ: {lhs.shape} and {rhs.shape}")
        # An explicit Matrix on the left (followed by, say, a column times a row) has int sizes.
        rows, cols = (_sympify(size) for size in lhs.shape)
        if rows.is_Integer and cols.is_Integer:
            explicit = [e.as_explicit().applyfunc(as_indexed) for e in (lhs, rhs)]
            return self._prove_matrix(*(_fresh(e) for e in explicit), conds)
        row, col = Dummy("a", integer=True, positive=True), Dummy("b", integer=True, positive=True)
        # Each generic index runs over its own dimension: rows of W over the outputs, columns
        # over the inputs; an index over the classes needs no range of its own.
        ranges = tuple(
            (index, size) for index, size in ((row, rows), (col, cols)) if size not in (1, self.size)
        )
        verifier = replace(self, context=self.context.with_ranges(*ranges))
        entries = (_fresh(generic_entry(e, row, col)) for e in (lhs, rhs))
        proof = verifier._prove_scalar(*entries, conds)
        if not proof.verified:
            return Proof(False, "none", f"entry (a, b): {proof.reason}", proof.counterexample)
        return Proof(True, f"entry (a, b) at generic indices, {proof.method}")

    # -- the three lines of proof ----------------------------------------------------------

    def _difference_vanishes(
        self,
        context: Context,
        lhs: Expr,
        rhs: Expr,
        conds: Conditions,
        symbolic: bool,
        glance: Callable[[], bool] | None = None,
    ) -> bool:
        """Whether the two sides are equal, by ever slower tests; ``glance`` may cut it short by
        showing that they differ at a point (see :meth:`_refuted_at_a_glance`)."""
        difference = _prepared(context, lhs, conds, symbolic) - _prepared(context, rhs, conds, symbolic)
        if _vanishes(difference):
            return True
        # The slower tests below cannot prove what is false: where the sides differ at a point,
        # skip them (a step `derive check` reads in a wrong way, say); the refutation follows.
        if glance is not None and glance():
            return False
        # Treating an opaque abbreviation as independent can only miss identities, never
        # invent them; look again with it written out. The quick test goes first on both.
        written_out = context.expand_opaque(difference)
        if _vanishes(written_out) or _vanishes(difference, _cancels) or _vanishes(written_out, _cancels):
            return True
        # (1 − p)^{γ−1} and (1 − p)^γ/(1 − p) are one power: x^a x^b = x^{a+b} holds for every
        # x ≠ 0 (x^a is e^{a log x}); powers of one base with a symbolic exponent are combined.
        if _has_symbolic_power(difference) and _vanishes(powsimp(difference), _cancels):
            return True
        # tanh u = sinh u/cosh u, cos 2u = cos² u − sin² u: trigonometric and hyperbolic
        # functions written with exponentials, where cancel can see such identities.
        if difference.has(*_TRIGONOMETRIC) and _vanishes(difference.rewrite(exp)):
            return True
        # δ_ab f(a) = δ_ab f(b) is no rational identity: prove the cases a = b and a ≠ b apart.
        cases = _delta_cases(difference, conds, context) if symbolic else ()
        return bool(cases) and all(
            self._difference_vanishes(context, lhs, rhs, case, symbolic) for case in cases
        )

    def _refuted_at_a_glance(self, lhs: Expr, rhs: Expr, conds: Conditions) -> bool:
        """Whether the two sides differ at one random point of the first concrete case: then no
        test can prove the statement, and trying the slow ones would only cost time."""
        try:
            n, case = next(iter(self._cases(lhs, rhs, conds, self.exact_sizes[:1])))
            context, concrete, (left, right) = self._instantiate(n, case, conds, lhs, rhs)
            rng = random.Random(self.seed)
            evaluated = self._numeric_values(context, n, case, left, right, concrete, rng)
        except Exception:  # a glance that fails says nothing: the full tests decide
            return False
        return evaluated is not None and not _close(evaluated[1], evaluated[2])

    def _cases(self, lhs: Expr, rhs: Expr, conds: Conditions, sizes: Iterable[int]):
        """Concrete instances (N, index values) of a statement that its conditions allow."""
        if not self._is_general(lhs, rhs):
            yield None, {}
            return
        indices = self._indices(lhs, rhs)
        for n in sizes:
            for values in assignments(indices, n):
                case = dict(zip(indices, values, strict=True))
                if conds.allows(case):
                    yield n, case

    def _instantiate(self, n: int | None, case: dict, conds: Conditions, *exprs: Expr):
        size = {s: Integer(n) for s in self.context.sizes} if n is not None else {}
        values = size | {symbol: Integer(v) for symbol, v in case.items()}
        # Definitions get N and the indices they leave free (r of y_k := δ_{kr}) only: their
        # own indices are generic (p_k for every k).
        parameters = {s: values[s] for s in self.context.parameters(*exprs) if s in values}
        return (
            self.context.instantiate(size | parameters),
            conds.instantiate(values),
            tuple(e.xreplace(values) for e in exprs),
        )

    def _refute(self, lhs: Expr, rhs: Expr, conds: Conditions) -> Proof:
        """Look for a concrete case that is not an identity, and a point that shows it.

        When every case holds, that is a proof only with ``by_instances``; its method says
        how the cases held, exactly or numerically.
        """
        cases, numeric = 0, 0
        for n, case in self._cases(lhs, rhs, conds, self.exact_sizes):
            cases += 1
            context, concrete, (left, right) = self._instantiate(n, case, conds, lhs, rhs)
            if self._difference_vanishes(context, left, right, concrete, symbolic=False):
                continue
            witness, evaluated = self._witness(context, n, case, left, right, concrete)
            if witness is not None:
                return Proof(False, "none", "the two sides differ", witness)
            if self.by_instances and evaluated == self.witness_points:
                numeric += 1
                continue
            where = _case_text(({"N": n} if n is not None else {}) | case)
            return Proof(
                False,
                "none",
                f"not an identity{' at ' + where if where else ''}, "
                "though no numeric counterexample could be evaluated",
            )
        if not cases:
            return Proof(False, "none", "could not be proven: no case satisfies the conditions")
        sizes = ", ".join(map(str, self.exact_sizes))
        method = "numeric" if numeric else "exact"
        detail = (
            f"{numeric} of {cases} cases at {self.witness_points} random points, {NUMERIC_DIGITS} digits"
            if numeric
            else f"all {cases} cases"
        )
        where = f"N = {sizes} and every index case" if self._is_general(lhs, rhs) else "this case"
        return Proof(self.by_instances, f"{method} for {where} ({detail})", "could not be proven")

    def _numeric_values(self, context: Context, n, case, lhs, rhs, conds, rng) -> tuple | None:
        """Both sides at one random point, or None where they cannot be evaluated."""
        sides = [context.expand_opaque(_prepared(context, e, conds, symbolic=False)) for e in (lhs, rhs)]
        leaves = _Leaves(sides)
        if leaves.functions:
            sides = _with_concrete_functions(sides, rng)
            leaves = _Leaves(sides)
        if leaves.functions or leaves.derivatives:
            return None
        labels = {atom.base.label for atom in leaves.indexed}
        atoms = sorted(leaves.indexed | (leaves.symbols - labels), key=str)
        for _ in range(10):
            point = {atom: Rational(rng.randint(-20, 20), 10) for atom in atoms}
            values = [_value_at(side, point) for side in sides]
            # A point where a side is undefined (1/x at x = 0) says nothing: draw another.
            if all(
                value is not None and value.is_finite is not False and _is_number(value) for value in values
            ):
                return point, values[0], values[1]
        return None

    def _witness(self, context, n, case, lhs, rhs, conds) -> tuple[Counterexample | None, int]:
        """A point where the sides differ, or None and how many points agreed."""
        rng = random.Random(self.seed)
        for tried in range(self.witness_points):
            evaluated = self._numeric_values(context, n, case, lhs, rhs, conds, rng)
            if evaluated is None:
                return None, tried
            point, left, right = evaluated
            if not _close(left, right):
                counterexample = Counterexample(
                    size=n,
                    indices={s.name: v for s, v in case.items()},
                    values={str(atom): str(value) for atom, value in point.items()},
                    lhs=_number(left),
                    rhs=_number(right),
                )
                return counterexample, tried
        return None, self.witness_points

    def _confirm(self, lhs: Expr, rhs: Expr, conds: Conditions, method: str) -> Proof:
        """Second line of defence: the proven equation must also hold at random points."""
        rng = random.Random(self.seed)
        # The two smallest sizes already hold every index case (i = j, i ≠ j, three distinct)
        # and cost a fraction of the largest: the numeric look is a second line, not the proof.
        cases = list(self._cases(lhs, rhs, conds, self.exact_sizes[:2]))
        checked = 0
        for n, case in rng.sample(cases, min(self.numeric_points, len(cases))):
            context, concrete, (left, right) = self._instantiate(n, case, conds, lhs, rhs)
            evaluated = self._numeric_values(context, n, case, left, right, concrete, rng)
            if evaluated is None:
                continue
            point, left_value, right_value = evaluated
            if not _close(left_value, right_value):
                return Proof(
                    False,
                    "none",
                    f"proven {method}, yet the sides differ numerically (a bug in derive; please report it)",
                    Counterexample(
                        n,
                        {s.name: v for s, v in case.items()},
                        {str(a): str(v) for a, v in point.items()},
                        _number(left_value),
                        _number(right_value),
                    ),
                )
            checked += 1
        if checked:
            return Proof(
                True, f"{method}; numeric check at {checked} random point{'s' if checked > 1 else ''}"
            )
        return Proof(True, method)


@lru_cache(maxsize=4096)
def _prepared(context: Context, expr: Expr, conds: Conditions, symbolic: bool) -> Expr:
    """One side of an equation unfolded, normalized and with its conditions imposed.

    Kept per (context, side, conditions): a link's right side is the next link's left side.
    """
    # Identified again once unfolded: a definition can bring in an index a condition names
    # (r of y_k := δ_kr under i = r).
    expr = context.normalize(conds.identify(context.unfold(conds.identify(expr))))
    if symbolic:
        expr = conds.zero_deltas(expr)
    for constrained, value in conds.constraints:
        known = context.normal_form(constrained)
        if known == value:
            continue  # the definitions already make it true: Σ_k y_k = 1 for y_k := δ_kr
        expr = _impose(expr, known, value)
    for index, lower, upper, quantity, value in conds.for_each:
        known = context.normal_form(quantity)
        expr = _impose_for_each(expr, context, index, (lower, upper), known, value)
    return context.fold(expr)


#: How an entry proven through its index pattern is described.
PATTERN_METHOD = "exact, as an instance of its index pattern, proven for every index"
#: How an entry proven as a proven entry with its classes relabelled is described.
RELABELLING_METHOD = "exact, as a proven entry with the classes relabelled"
#: How many of the entries proven last a new entry is compared with.
RELABELLING_CANDIDATES = 2
#: Stand-ins for the distinct index values of a concrete entry (z_3, δ_{3k}).
_PATTERN_INDICES = tuple(Dummy(f"i{n}", integer=True, positive=True) for n in range(2))


def _stand_ins(left: Expr, right: Expr, size: int) -> dict[int, Symbol] | None:
    """A stand-in for each integer index (of z_3, of δ_{3k}) of ``left`` and ``right``, one per
    value; None if there are none, too many, or one is not a class."""
    atoms: list[Expr] = []
    for side in (left, right):
        _indexed_in_order(side, atoms)
    # Stand-ins in order of appearance, so ∂p_3/∂z_5 and ∂p_5/∂z_3 share one pattern.
    values = list(dict.fromkeys(i for atom in atoms for i in _index_arguments(atom) if i.is_Integer))
    if not values or len(values) > len(_PATTERN_INDICES) or not all(1 <= v <= size for v in values):
        return None
    return {int(v): stand for v, stand in zip(values, _PATTERN_INDICES, strict=False)}


def _index_pattern(
    left: Expr, right: Expr, stand_in: dict[int, Symbol]
) -> tuple[Expr, Expr, tuple[Symbol, ...]]:
    """``left`` and ``right`` with each integer index made its stand-in, and the stand-ins used."""
    atoms: list[Expr] = []
    for side in (left, right):
        _indexed_in_order(side, atoms)
    stand_in = {Integer(v): stand for v, stand in stand_in.items()}

    def general(atom: Expr) -> Expr:
        if isinstance(atom, Indexed):
            return atom.base[tuple(stand_in.get(i, i) for i in atom.indices)]
        return KroneckerDelta(*(stand_in.get(i, i) for i in atom.args))

    instead = {atom: general(atom) for atom in atoms}
    return left.xreplace(instead), right.xreplace(instead), tuple(stand_in.values())


def _indexed_in_order(expr: Basic, found: list) -> None:
    """The indexed quantities and deltas of ``expr`` in preorder, as ``preorder_traversal`` meets
    them, without visiting the label and base of each (an N×N Jacobian has N² entries)."""
    if isinstance(expr, (Indexed, KroneckerDelta)):
        found.append(expr)
        children = _index_arguments(expr)
    else:
        children = expr.args
    for child in children:
        _indexed_in_order(child, found)


def _index_arguments(atom: Expr) -> tuple:
    return atom.indices if isinstance(atom, Indexed) else atom.args


def _impose(expr: Expr, constrained: Expr, value: Expr) -> Expr:
    """Use ``constrained = value`` to eliminate it: a whole sum, or the last of its terms.

    Only a condition linear in that term, with a nonzero number as its coefficient, is used.
    """
    if isinstance(constrained, Sum):
        return expr.xreplace({constrained: value})
    candidates = sorted(constrained.atoms(Indexed), key=str)
    target = candidates[-1] if candidates else None
    coefficient = constrained.coeff(target) if target is not None else Integer(0)
    rest = constrained - coefficient * target if target is not None else constrained
    if not (coefficient.is_Number and coefficient != 0) or rest.has(target):
        raise ValueError(f"the condition {constrained} = {value} is not linear in one of its terms")
    return expr.xreplace({target: (value - rest) / coefficient})


def _impose_for_each(
    expr: Expr, context: Context, index: Symbol, bounds: tuple[Expr, Expr], known: Expr, value: Expr
) -> Expr:
    """``known = value`` for every index in ``bounds``, used wherever it applies: at each sum
    whose variable runs over exactly ``bounds``, and at ``index`` itself if it is free there."""
    own_range = (Integer(1), context.upper(index))

    def visit(node: Expr, indices: frozenset) -> Expr:
        if isinstance(node, Sum):
            inner = indices | {variable for variable, *limits in node.limits if tuple(limits) == bounds}
            node = Sum(visit(node.function, inner), *node.limits)
        elif node.args and not isinstance(node, Indexed):
            node = node.func(*[visit(arg, indices) for arg in node.args])
        if any(node == known.xreplace({index: at}) for at in indices):
            return value
        return node

    return visit(expr, frozenset({index} if own_range == bounds else ()))


def _delta_cases(difference: Expr, conds: Conditions, context: Context) -> tuple[Conditions, ...]:
    """For the first δ_ab of two free indices over the same range that the conditions do not
    settle: the conditions with a = b, and with a ≠ b. Nothing if there is none."""
    settled = {frozenset(pair) for pair in (*conds.equal, *conds.distinct)}
    free = difference.free_symbols
    for delta in sorted(difference.atoms(KroneckerDelta), key=str):
        a, b = delta.args
        if not (a in free and b in free and a.is_Symbol and b.is_Symbol and a.is_integer and b.is_integer):
            continue
        if frozenset((a, b)) in settled or context.upper(a) != context.upper(b):
            continue
        same, different = (*conds.equal, (a, b)), (*conds.distinct, (a, b))
        return replace(conds, equal=same), replace(conds, distinct=different)
    return ()


class _Leaves:
    """The unknown functions, derivatives, indexed quantities and free symbols of ``exprs``.

    One walk that visits each distinct subexpression once: written out at N = 50, a side
    repeats Σ_k e^{z_k} in every term, and ``atoms`` or ``free_symbols`` would walk each copy.
    """

    def __init__(self, exprs: Iterable[Expr]) -> None:
        self.functions: set[Expr] = set()
        self.derivatives: set[Expr] = set()
        self.indexed: set[Expr] = set()
        self.symbols: set[Expr] = set()
        seen: set[Basic] = set()
        pending = list(exprs)
        while pending:
            node = pending.pop()
            if node in seen:
                continue
            seen.add(node)
            if isinstance(node, Indexed):
                self.indexed.add(node)
                self.symbols |= {s for s in node.free_symbols if s.is_Symbol}
                continue
            if node.is_Symbol:
                self.symbols.add(node)
            elif isinstance(node, AppliedUndef):
                self.functions.add(node)
            elif isinstance(node, Derivative):
                self.derivatives.add(node)
            if node.args and getattr(node, "bound_symbols", None):
                # A bound variable is no free symbol: the general rule decides this node.
                self.symbols |= {s for s in node.free_symbols if s.is_Symbol}
                self.indexed |= node.atoms(Indexed)
                self.functions |= node.atoms(AppliedUndef)
                self.derivatives |= node.atoms(Derivative)
                continue
            pending.extend(node.args)


def _with_concrete_functions(sides: list[Expr], rng: random.Random) -> list[Expr]:
    """Stand-ins for unknown functions (f(x) → a random smooth function), for a numeric look."""
    functions = {type(f) for side in sides for f in side.atoms(AppliedUndef)}
    for function in sorted(functions, key=str):
        a, b, c = (Rational(rng.randint(1, 9), 7) for _ in range(3))

        def stand_in(*args, a=a, b=b, c=c):
            return a + b * args[0] + exp(c * args[0])

        sides = [side.replace(function, stand_in).doit() for side in sides]
    return sides


def _value_at(expr: Expr, point: dict) -> Expr | None:
    """``expr`` at ``point`` to :data:`NUMERIC_DIGITS` digits, or None where it is undefined.

    Walked with mpmath where it can be (much faster); SymPy's ``evalf`` otherwise.
    """
    try:
        return value_at(expr, point, NUMERIC_DIGITS)
    except NotEvaluable:
        return expr.xreplace(point).evalf(NUMERIC_DIGITS)
    except (ArithmeticError, ValueError):
        return None


def _is_number(value: Expr) -> bool:
    """A value to compare: a number, or a zero that evalf can only bound (-0.e-166 says |x| is
    below 10^-166; it has too few bits to be "comparable", and a side that is exactly 0, such
    as a row sum of a Jacobian, always comes out so)."""
    return value.is_comparable is not False or _negligible(value)


def _negligible(value: Expr) -> bool:
    return bool(value.is_Float and abs(value) < NUMERIC_TOLERANCE)


def _close(a: Expr, b: Expr) -> bool:
    # A bounded zero has too few bits for arithmetic with it to mean anything: it is 0.
    a, b = (Integer(0) if _negligible(value) else value for value in (a, b))
    try:
        scale = max(Integer(1), abs(a), abs(b))
        return bool(abs(a - b) <= NUMERIC_TOLERANCE * scale)
    except TypeError:
        return False


def _fresh(expr: Basic) -> Basic:
    return expr.applyfunc(fresh_bound) if isinstance(expr, MatrixBase) else fresh_bound(expr)


def _number(value: Expr) -> str:
    try:
        return f"{float(value):.6g}"
    except TypeError:
        return str(value)


def _positions(matrix: MatrixBase):
    rows, cols = matrix.shape
    return ((r, c) for r in range(rows) for c in range(cols))


def _case_text(case: dict) -> str:
    return ", ".join(f"{s}={v}" for s, v in case.items())


def assert_identity(
    lhs: Expr,
    rhs: Expr,
    conditions: Sequence[Basic] = (),
    *,
    definitions: Sequence = (),
    size: Symbol | None = None,
) -> Proof:
    """Prove ``lhs = rhs`` under ``conditions`` or raise :class:`IdentityNotProven`.

    ``definitions`` are :class:`~derive.algebra.Definition` objects for abbreviations used in
    the expressions; ``size`` is the symbol for the number of classes, if any.
    """
    proof = Verifier(Context(tuple(definitions), size)).prove(lhs, rhs, conditions)
    if not proof.verified:
        raise IdentityNotProven(f"{lhs} = {rhs} is not proven: {proof.explain()}")
    return proof
