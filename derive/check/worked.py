"""Worked examples: the vectors and matrices a post prints, checked against the relations it states.

A post that works an example prints values (``W = [[…]]``, ``h_1 = [0.094; 0.135]``) and says
how they are computed (``o_2 = V h_2``, ``\\hat y_2 = softmax(o_2)``), often on another line or
slide. Each relation is read again with the printed values in place of the names and evaluated
in interval arithmetic: every printed entry stands for the interval of numbers that round to
it, so the enclosure of a computed entry holds whatever the post rounded. A printed entry
outside that enclosure is a proven difference, never a rounding.

Which printed value is the wrong one is told by the relations that hold: a value that takes
part in a relation that holds is cleared, and the mistake is laid on the value the relation
computes (its left side), or on the only input no relation clears. Relations are also
evaluated through one another (``\\hat y_2 = softmax(V h_2)`` from the two above), so a
wrong intermediate value does not hide or frame the others.

A relation written for every step (``o_t = V h_t``) is read at each step its section prints; one
written for one step (``o_2 = V h_2``) is taken for every step when every family it uses holds
a vector per step, and the report says so wherever that reading decides a verdict. A row that
computes a value and prints it (``softmax(z) = [0.659; …]``) is a claim of its own: ✓ when the
numbers agree to the places printed, ✗ otherwise.

The values and relations, and their evaluation, are in :mod:`~derive.check.relations`.
"""

from __future__ import annotations

import bisect
from dataclasses import replace

from sympy import Basic, ImmutableMatrix, Indexed, Symbol

from derive.check.findings import DEFINITION, NOTE, PROVEN, UNCHECKED, WRONG, Finding
from derive.check.reader import Letters, PostNames, Unreadable, read_readings
from derive.check.relations import (
    ROW,
    Evaluator,
    Instance,
    WorkedExample,
    general,
    placeholders,
)
from derive.check.understand import printed_decimals

#: At most this many rows the reader could not read alone are read again with printed values.
MAX_UNREAD = 200
#: A post that prints more values, or states more relations, than a worked example does is not
#: checked this way: each moment copies the values in force, so the work grows with their square.
MAX_PRINTED = 500
MAX_RELATIONS = 200
#: The findings a worked value can turn into ✓ or ✗: nothing else judged the row.
_OPEN = (NOTE, DEFINITION, UNCHECKED)


class WorkedRules:
    """Worked values checked once the post is read, by :class:`~derive.check.judge._Judge`."""

    worked: WorkedExample
    findings: list[Finding]
    letters: Letters
    names: PostNames
    heading_lines: tuple[int, ...]

    def judge_worked(self) -> None:
        """Mark ✗ every printed value the post's relations prove wrong, and ✓ every row that
        computes a value and prints it right."""
        worked = self.worked
        if len(worked.printed) > MAX_PRINTED or len(worked.relations) > MAX_RELATIONS:
            self._not_checked(
                f"not checked against the post's relations: it prints more than {MAX_PRINTED} values "
                f"or states more than {MAX_RELATIONS} relations"
            )
            return
        for piece, position in worked.later:
            self.read_with_values(piece, position, relations_only=True)
        if not worked.printed or not worked.relations:
            return
        instances = list(Evaluator(worked, self.letters, self.names).instances(self.heading_lines))
        self._claims_kept(instances)
        cleared = {key for i in instances if i.holds is True for key in (i.left, *i.inputs)}
        blamed: dict[int, list[Instance]] = {}
        for instance in instances:
            culprit = _culprit(instance, cleared) if instance.holds is False else None
            if culprit is not None:
                blamed.setdefault(culprit, []).append(instance)
        for key, failed in blamed.items():
            self._wrong(key, failed)

    def _wrong(self, key: int, failed: list[Instance]) -> None:
        """✗ on every row that prints the value ``key``, with a relation it fails."""
        for position, finding in self._rows_printing(key):
            # Shown with a relation of the row's own section (its slide), where there is one.
            section = bisect.bisect_right(self.heading_lines, finding.line)
            here = [i for i in failed if bisect.bisect_right(self.heading_lines, i.relation.line) == section]
            detail = _blame(self.worked, key, (here or failed)[0])
            self.findings[position] = replace(finding, verdict=WRONG, detail=detail, counterexample=None)

    def _not_checked(self, why: str) -> None:
        """Say on every row of printed values that they were not checked, and why."""
        for key in self.worked.findings_of:
            for position, finding in self._rows_printing(key):
                self.findings[position] = replace(finding, detail=f"{finding.detail}; {why}")

    def _rows_printing(self, key: int):
        """The findings of the rows that print the value ``key``, with their positions, where
        nothing else judged the row (read two ways that disagree, it was judged another way)."""
        for position, line in self.worked.findings_of[key]:
            finding = self.findings[position] if position < len(self.findings) else None
            if finding is not None and finding.line == line and finding.verdict in _OPEN:
                yield position, finding

    def read_with_values(self, piece, position: int, *, relations_only: bool = False) -> None:
        """A row the reader could not read alone (``softmax(z)`` of a z printed as a vector),
        read again with the values printed so far; its finding is to be at ``position``. A row
        read before any value it needs is printed (``p = softmax(z)`` above the example) is
        read again once the post is, for the relation it states."""
        worked = self.worked
        if worked.unread >= MAX_UNREAD or (piece.tokens and piece.tokens[0].text == "="):
            return
        worked.unread += 1
        state = {worked.printed[key].name: key for _, key in worked.timeline}
        values = {name: placeholders(key, worked.printed[key]) for name, key in state.items()}
        try:
            readings, _, _ = read_readings(list(piece.tokens), self.letters, None, self.names, values=values)
        except Unreadable:
            readings = []
        if len(readings) != 1:
            if not relations_only:
                worked.later.append((piece, position))
            return
        sides = list(readings[0].sides)
        # p = softmax(z) = [...] after an earlier p: the row prints p anew, it does not use it.
        named = {value: name for name, value in values.items()}
        if isinstance(sides[0], ImmutableMatrix) and sides[0] in named:
            sides[0] = named[sides[0]]
        if relations_only and (len(sides) != 2 or isinstance(sides[0], ImmutableMatrix)):
            return
        worked.row(sides, piece, printed_decimals(piece.tokens), position)

    def _claims_kept(self, instances: list[Instance]) -> None:
        """✓ for a row that computes a value and prints it (``softmax(z) = [0.659; …]``) when
        every side it computes that with agrees, to the places printed, in every reading; a
        side that cannot be evaluated (``∂L/∂z`` of ``∂L/∂z = p − y = [...]``) leaves it open."""
        rows: dict[int, list[list[Instance]]] = {}
        for relation in self.worked.relations:
            if relation.same_row:
                own = [i for i in instances if i.relation is relation and i.at is None and i.through is None]
                rows.setdefault(relation.line, []).append(own)
        for line, sides in rows.items():
            if not all(own and all(i.holds is True for i in own) for own in sides):
                continue
            instance = sides[0][0]
            for position, finding in self._rows_printing(instance.left):
                if finding.line == line:
                    detail = f"agrees, to the places printed, with what it computes: {instance.computed}"
                    self.findings[position] = replace(finding, verdict=PROVEN, detail=detail)


def _culprit(instance: Instance, cleared: set[int]) -> int | None:
    """The printed value a failed relation lays the mistake on.

    The value it computes, where the mistake shows; but when a relation that holds clears that
    value and exactly one input is cleared by none, the input. With several such inputs the
    mistake could be any of them, and nothing is blamed.
    """
    suspects = [key for key in instance.inputs if key not in cleared]
    if instance.left in cleared and len(suspects) == 1:
        return suspects[0]
    if instance.left in cleared and suspects:
        return None
    return instance.left


def _blame(worked: WorkedExample, key: int, instance: Instance) -> str:
    relation = instance.relation
    left = _shown(worked.printed[instance.left].name)
    stated = f"${relation.source}$ (line {relation.line}"
    if instance.at is not None and general(relation):
        stated = f"{stated}, here for {left}"
    elif instance.at is not None:
        stated = f"{stated}, taken for every step, here for {left}"
    if instance.through is not None:
        stated = f"{stated}, with ${instance.through.source}$ of line {instance.through.line}"
    gives = f"{stated}) gives {left} = {instance.computed}"
    if key == instance.left and relation.same_row and instance.at is None and instance.through is None:
        return f"the row prints {instance.printed}, but what it computes is {instance.computed}"
    if key == instance.left:
        return f"{left} is printed {instance.printed}, but {gives}"
    name = _shown(worked.printed[key].name)
    return (
        f"{name} does not fit the other printed values: with it, {gives}, "
        f"but {left} is printed {instance.printed}"
    )


def _shown(name: Basic) -> str:
    if isinstance(name, Symbol) and name.name.startswith(ROW):
        return f"the value of line {name.name[len(ROW) :].split('_')[0]}"
    if isinstance(name, Indexed):
        return f"{name.base}_{','.join(map(str, name.indices))}"
    return str(name)
