"""One step of a post about many: ``∂L/∂z_i = p_i − y_i`` quoted in a post that defines z_{τ,i}.

An RNN post defines its quantities at every step τ (p_{τ,i} = softmax of z_{τ,·}, the step's loss
L_τ = −Σ_k y_{τ,k} log p_{τ,k}) and quotes a result for one example, without the step:
"Its result, ∂L/∂z_i = p_i − y_i, holds at every step". The letters there have one index fewer
than the post's definitions. They are read as one step of the post, with the step left out of
every definition that has one (L_τ is L, p_{τ,i} is p_i), and the report says so. That is the
only reading: a letter with fewer indices than its definition is not an entry of it. A quote that
does not hold in that reading is left ?, since the post may quote another setting.
"""

from __future__ import annotations

from sympy import Basic, Eq, Indexed, IndexedBase, Integer, Sum, Symbol

from derive import proofcache
from derive.algebra import Context, Definition
from derive.check.definitions import name_of
from derive.check.findings import HOLDS_ONLY, PROVEN, UNCHECKED, Link
from derive.check.proving import STEP_SECONDS, _Expired, _time_limit
from derive.verify import Proof, Verifier


class OneStepRules:
    """Quotes of one step, judged by :class:`~derive.check.judge._Judge`."""

    def one_step(self, parts, reason: str) -> Link:
        """Judge ``parts`` (the two sides) with the post's definitions at one step; ``reason``
        is why they are not the post's own quantities, shown when they are not proven."""
        ranged = self.letters.ranged
        if ranged is None or len(parts) != 2:
            return Link(UNCHECKED, reason)
        definitions = self._one_step_definitions()
        if definitions is None:
            return Link(UNCHECKED, reason)
        a, b = parts
        ranges = tuple(
            (Symbol(v, integer=True, positive=True), Symbol(u, integer=True, positive=True))
            for v, u in ranged.letters
        )
        verifier = Verifier(Context(definitions, self.letters.size, ranges))
        proof = self._at_one_step(verifier, a, b, ())
        labels = self._labels()
        uses = ""
        if proof is not None and not proof.verified and labels is not None:
            # The quoted result of a softmax needs its labels to sum to one, as the post's own steps do.
            k = Symbol("k_label", integer=True, positive=True)
            given = (Eq(Sum(IndexedBase(labels.label)[k], (k, Integer(1), self.letters.size)), 1),)
            constrained = self._at_one_step(verifier, a, b, given)
            if constrained is not None and constrained.verified and not self.assumption:
                return Link(UNCHECKED, f"{HOLDS_ONLY} if the labels sum to 1, read at one step of the post")
            if constrained is not None and self.assumption:
                proof, uses = constrained, f"; uses Σ {labels.label} = 1 ({self.assumption})"
        if proof is None:
            return Link(UNCHECKED, f"{reason}; read at one step, not proven in the time allowed")
        if not proof.verified:
            return Link(UNCHECKED, f"{reason}; read at one step of the post, {proof.reason}")
        shown = ", ".join(f"{name_of(d.head)}" for d in definitions)
        return Link(
            PROVEN,
            f"proven ({proof.method}){uses}; read at one step of the post: {shown} as the post "
            "defines them at a step, with the step left out",
        )

    def _at_one_step(self, verifier: Verifier, a, b, given: tuple) -> Proof | None:
        """The proof under the step's and the post's time; None when either ran out."""
        seconds = min(STEP_SECONDS, self.seconds_left())
        if seconds <= 0:
            return None
        try:
            with _time_limit(seconds):
                return proofcache.prove(verifier, a, b, given, self.cache)
        except _Expired:
            return None

    def _one_step_definitions(self) -> tuple[Definition, ...] | None:
        """Every definition of a family indexed by the step first (L_τ, p_{τ,i}, z_{τ,i}), with the
        step left out; None if there is none."""
        ranged = self.letters.ranged
        positions = dict(ranged.positions)
        found = []
        for definition in self.definitions.values():
            name = definition.name
            if not isinstance(name, Indexed) or not isinstance(definition.expression, Basic):
                continue
            step = name.indices[0]
            bound = positions.get((name_of(name.base), 0))
            if bound is None or bound == ranged.size or not isinstance(step, Symbol):
                continue
            found.append(Definition(_without(name, step), _without_step(definition.expression, step)))
        return tuple(found) or None


def _without(atom: Indexed, step: Symbol):
    """p_{τ,i} → p_i; L_τ → L."""
    rest = atom.indices[1:]
    return IndexedBase(atom.base.label)[rest] if rest else Symbol(str(atom.base.label))


def _without_step(expr: Basic, step: Symbol) -> Basic:
    """Every entry whose first index is ``step``, without it."""
    return expr.xreplace(
        {
            atom: _without(atom, step)
            for atom in expr.atoms(Indexed)
            if len(atom.indices) > 1 and atom.indices[0] == step
        }
    )
