"""Proving a link: the memo, the time limits, and the second reading with real names.

The rules that decide what to prove (conditions, index cases, corrections) are in
:mod:`~derive.check.links`; here a statement and the definitions it relies on go to the shared
verifier (:class:`~derive.verify.Verifier`), under the step's and the post's time.
"""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace

from sympy import Basic, Indexed, Integer, Symbol

from derive import proofcache
from derive.algebra import Context, Definition
from derive.check.definitions import concrete_size, name_of
from derive.check.links import relevant
from derive.check.ranges import concrete_bounds
from derive.check.reader import Letters
from derive.verify import Proof, Verifier

#: Longest time for one proof, and for reading one statement.
STEP_SECONDS = 10
#: Proofs kept in memory, shared by the posts of one process (one derivation in several
#: formats and languages is checked once); all are dropped when it is full.
PROOF_MEMO_ENTRIES = 20_000
_PROOFS: dict = {}


class ProofRules:
    """Proofs for :class:`~derive.check.judge._Judge`: memoized, and stopped when out of time."""

    def _prove(self, a, b, conditions) -> Proof:
        # Index relations bring no definitions, so one lookup serves to drop the irrelevant ones.
        definitions = self._relied_on(a, b, *conditions)
        conditions = relevant(conditions, a, b, definitions)
        # The same statement under the same definitions has the same proof: posts of one
        # derivation in several formats and languages are checked once.
        key = (a, b, conditions, definitions, self.letters)
        if key in _PROOFS:
            return _PROOFS[key]
        seconds = self.seconds_left()
        if seconds <= 0:
            return Proof(False, "none", self.out_of_time())
        try:
            proof = self._prove_now(a, b, conditions, definitions, min(STEP_SECONDS, seconds))
        except _Expired:
            if seconds < STEP_SECONDS:  # cut short by the post's time, not its own: not kept
                return Proof(False, "none", self.out_of_time())
            proof = Proof(False, "none", f"gave up after {STEP_SECONDS} s")
        if len(_PROOFS) >= PROOF_MEMO_ENTRIES:
            _PROOFS.clear()
        _PROOFS[key] = proof
        return proof

    def _prove_now(self, a, b, conditions, definitions: tuple[Definition, ...], seconds: float) -> Proof:
        size = self.letters.size
        columns = self.letters.columns
        ranges = tuple((Symbol(v, integer=True, positive=True), columns) for v in self.letters.column_indices)
        if self.letters.ranged is not None:
            ranges = tuple(
                (Symbol(letter, integer=True, positive=True), Symbol(bound, integer=True, positive=True))
                for letter, bound in self.letters.ranged.letters
            )
        context = Context(definitions, size, ranges)
        exprs = [e for e in (a, b) if isinstance(e, Basic)]
        concrete = concrete_size(exprs, size)
        ranged = self.letters.ranged
        sizes_shown = ""
        if ranged is not None and concrete is not None:
            # Steps, units and classes each have the example's own number (ranges.py).
            found = concrete_bounds(exprs, ranged)
            if found is None or ranged.size not in found:
                return Proof(
                    False, "none", "a worked example whose sizes cannot all be told from its entries"
                )
            concrete = found[ranged.size]
            values = {Symbol(bound, integer=True, positive=True): Integer(n) for bound, n in found.items()}
            sizes_shown = ", ".join(f"{bound} = {n}" for bound, n in sorted(found.items()))
            context = context.instantiate(values)
            conditions = tuple(c.xreplace(values) for c in conditions)
        elif concrete is not None:
            values = {size: Integer(concrete)}
            if columns is not None:  # W_{3,2} x_2: the example's own number of inputs
                values[columns] = Integer(_concrete_columns(exprs, self.letters) or concrete)
            context = context.instantiate(values)
            conditions = tuple(c.xreplace(values) for c in conditions)
        sizes = (concrete,) if concrete is not None else (2, 3, 4)
        # Concrete cases prove a worked example; a general statement needs a proof for every N.
        verifier = Verifier(context, exact_sizes=sizes, by_instances=concrete is not None)
        real = _real_reading(verifier, a, b, conditions)
        if real is not None and self.cache is not None:
            # A real reading is kept only where the plain one failed: a warm run starts there.
            known = self.cache.get(self.cache.key(*real.statement))
            if known is not None:
                return real.shown(known)
        started = time.monotonic()
        with _time_limit(seconds):
            proof = proofcache.prove(verifier, a, b, conditions, self.cache)
        if sizes_shown and proof.verified:
            proof = replace(proof, method=f"{proof.method}; the example's sizes {sizes_shown}")
        if proof.verified or proof.counterexample is not None or real is None:
            return proof
        # The quantities of an ML post are real numbers: log e^m = m needs m real. Tried
        # second, so the assumption is made, and reported, only where a proof needs it.
        with _time_limit(seconds - (time.monotonic() - started)):
            again = proofcache.prove(*real.statement, self.cache)
        return real.shown(again) if again.verified else proof


@dataclass(frozen=True)
class _RealReading:
    """A statement with its plain names read as real numbers: the verifier, both sides and the
    conditions, as :func:`proofcache.prove` takes them, and the names."""

    statement: tuple
    names: tuple[str, ...]

    def shown(self, proof: Proof) -> Proof:
        plural = "s" if len(self.names) > 1 else ""
        return replace(proof, method=f"{proof.method}; {', '.join(self.names)} read as real number{plural}")


def _real_reading(verifier: Verifier, a, b, conditions) -> _RealReading | None:
    context = verifier.context
    to_real = _as_real(context, a, b, *conditions)
    if not to_real:
        return None
    statement = (
        replace(verifier, context=context.instantiate(to_real)),
        a.xreplace(to_real),
        b.xreplace(to_real),
        tuple(c.xreplace(to_real) for c in conditions),
    )
    return _RealReading(statement, tuple(sorted(s.name for s in to_real)))


def _as_real(context: Context, *exprs: Basic) -> dict[Symbol, Symbol]:
    """The plain names of a statement and its definitions, each as a real symbol of that name.

    Not the names a definition gives (L, the x of σ(x)): they stand for their expressions.
    """
    found: set[Symbol] = set()
    kept = set(context.sizes)
    for expr in (*exprs, *(d.expression for d in context.definitions)):
        if isinstance(expr, Basic):
            found |= {s for s in expr.free_symbols if type(s) is Symbol}
            kept |= {atom.base.label for atom in expr.atoms(Indexed)}  # z of z_k: real already
    for definition in context.definitions:
        kept |= definition.name.free_symbols | {definition.head}
    return {
        s: Symbol(s.name, real=True)
        for s in sorted(found - kept, key=str)
        if s.is_integer is not True and s.is_real is not True
    }


def _concrete_columns(exprs, letters: Letters) -> int | None:
    """The number of inputs of a worked example: the largest column of W_{ab} or index of x_j."""
    numbers = []
    for expr in exprs:
        for atom in expr.atoms(Indexed):
            if len(atom.indices) == 2 and atom.indices[1].is_Integer:
                numbers.append(int(atom.indices[1]))
            elif name_of(atom.base) in letters.column_families and atom.indices[0].is_Integer:
                numbers.append(int(atom.indices[0]))
    return max(numbers) if numbers else None


class _Expired(BaseException):
    """The end of a time limit. Not an Exception: SymPy and the verifier catch Exception where
    a computation may fail (a failed cancel() is "not zero"); caught there, a TimeoutError
    would let the step run on past its limit with no alarm left."""


@contextmanager
def _time_limit(seconds: float):
    """Stop a proof that runs too long; SymPy can take unbounded time on hostile input."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum, frame):
        raise _Expired

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))  # zero would mean no limit at all
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
