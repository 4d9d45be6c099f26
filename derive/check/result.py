"""The post's final result, compared with the result of the catalogue's derivation for the same
loss: the registry says what each derivation proves (:class:`~derive.derivations.Knowledge`)."""

from __future__ import annotations

from sympy import (
    Basic,
    Derivative,
    Eq,
    Indexed,
    Symbol,
)

from derive.check.definitions import label_family, label_sum, plain_text
from derive.check.findings import PROVEN, WRONG, FinalResult
from derive.derivations import INDEX, LABELS, LOGITS, LOSS, PROBS, SIZE, Knowledge, knowledge


class ResultRules:
    """The final result, compared by :class:`~derive.check.judge._Judge`."""

    def final_result(self) -> FinalResult | None:
        """The post's last formula for ∂L/∂z_i, against the result of the catalogue's derivation
        whose definitions the post's loss and probabilities agree with."""
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
            LOSS: loss,
            PROBS: probs,
            LABELS: labels,
            LOGITS: logits,
            INDEX: index,
            SIZE: self.letters.size,
        }
        for name, known in knowledge():
            mapping = {**mapping, **self._parameters(probs, known)}
            if not self._defines_the_same(loss, probs, index, known, mapping):
                continue
            expected = known.result.xreplace(mapping)
            given = (Eq(label_sum(labels, self.letters.size), 1),) if known.labels_sum_to_one else ()
            link = self.link(expected, value, None, given)
            shown = f"derive's {name} result for this loss is {plain_text(expected)} (given {known.given})"
            if link.verdict == PROVEN:
                return FinalResult(finding.line, finding.source, True, f"agrees: {shown}")
            if link.verdict == WRONG:
                return FinalResult(finding.line, finding.source, False, f"differs: {shown}; {link.detail}")
            return FinalResult(finding.line, finding.source, None, f"not compared: {link.detail}")
        return None

    def _parameters(self, probs, known: Knowledge) -> dict:
        """The catalogue's parameters (a temperature T) as the post's symbols of the same name."""
        definition = self.definitions.get(probs)
        if definition is None:
            return {}
        ours = {s.name: s for s in definition.expression.free_symbols if isinstance(s, Symbol)}
        theirs = known.probs.free_symbols | known.result.free_symbols
        return {
            s: ours[s.name] for s in theirs if isinstance(s, Symbol) and s.name in ours and s != ours[s.name]
        }

    def _defines_the_same(self, loss, probs, index, known: Knowledge, mapping: dict) -> bool:
        """Whether the post's loss and probabilities are the catalogue's, in the post's letters."""
        post_loss = self.definitions.get(loss)
        post_probs = self.definitions.get(probs)
        if post_loss is None or post_probs is None:
            return False
        pairs = (
            (post_loss.expression, known.loss.xreplace(mapping)),
            (post_probs.instance(probs[index]), known.probs.xreplace(mapping)),
        )
        return all(self.link(ours, theirs, None).verdict == PROVEN for ours, theirs in pairs)

    def _softmax_roles(self):
        labels = self._labels() or next(
            (f for d in self.definitions.values() if (f := label_family(d.expression, binary=True))), None
        )
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
                and isinstance(chain.last, Basic)
                and not chain.last.has(Derivative)
                and chain.last_finding is not None
            ):
                yield chain.last_finding, (head, chain.last)
