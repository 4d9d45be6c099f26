"""The post's final result, compared with what derive derives for the same loss."""

from __future__ import annotations

from sympy import (
    Basic,
    Derivative,
    Eq,
    Indexed,
    Symbol,
)

from derive.check.definitions import label_sum, name_of, plain_text
from derive.check.findings import PROVEN, WRONG, FinalResult


class ResultRules:
    """The final result, compared by :class:`~derive.check.judge._Judge`."""

    def final_result(self) -> FinalResult | None:
        """The post's last formula for ∂L/∂z_i, against what derive derives for the same loss."""
        from derive.derivations import softmax_ce  # the derivation derive itself proves

        roles = self._softmax_roles()
        if roles is None:
            return None
        loss, probs, logits, labels = roles
        found = None
        for finding, chain in self._results(loss, logits):
            found = (finding, chain)
        if found is None:
            return None
        finding, (head, value) = found
        index = head.variables[0].indices[0]
        mapping = {
            softmax_ce.L: loss,
            softmax_ce.p: probs,
            softmax_ce.y: labels,
            softmax_ce.z: logits,
            softmax_ce.i: index,
        }
        expected = softmax_ce.RESULT.rhs.xreplace(mapping)
        link = self.link(value, expected, None, (Eq(label_sum(labels, self.letters.size), 1),))
        shown = f"derive's result for this loss is {plain_text(expected)} (given Σ {name_of(labels)} = 1)"
        if link.verdict == PROVEN:
            return FinalResult(finding.line, finding.source, True, f"agrees: {shown}")
        if link.verdict == WRONG:
            return FinalResult(finding.line, finding.source, False, f"differs: {shown}; {link.detail}")
        return FinalResult(finding.line, finding.source, None, f"not compared: {link.detail}")

    def _softmax_roles(self):
        labels = self._labels()
        if labels is None:
            return None
        for definition in self.definitions.values():
            expression = definition.expression
            if (
                isinstance(definition.name, Symbol)
                and isinstance(expression, Basic)
                and expression.has(labels)
            ):
                for atom in expression.atoms(Indexed):
                    if atom.base != labels and atom.base in self.defined_at:
                        probs = atom.base
                        logits = self._logits(probs)
                        if logits is not None:
                            return definition.name, probs, logits, labels
        return None

    def _logits(self, probs):
        for definition in self.definitions.values():
            if isinstance(definition.name, Indexed) and definition.name.base == probs:
                families = {a.base for a in definition.expression.atoms(Indexed)} - {probs}
                if len(families) == 1:
                    return families.pop()
        return None

    def _results(self, loss, logits):
        for chain in self.chains:
            head = chain.head
            if (
                isinstance(head, Derivative)
                and head.expr == loss
                and len(head.variables) == 1
                and isinstance(head.variables[0], Indexed)
                and head.variables[0].base == logits
                and chain.last_good is not False
                and isinstance(chain.last, Basic)
                and not chain.last.has(Derivative)
                and chain.last_finding is not None
            ):
                yield chain.last_finding, (head, chain.last)
