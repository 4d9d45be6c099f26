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

A relation written for one step (``o_2 = V h_2``) is taken for every step the post prints
values of, when every family it uses holds a vector per step; the report says so wherever
that reading decides a verdict.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from sympy import Basic, ImmutableMatrix, Indexed, Integer, MatrixBase, Rational, S, Symbol

from derive.check.findings import DEFINITION, NOTE, PROVEN, UNCHECKED, WRONG, Finding
from derive.check.intervals import Interval, NotEvaluable, apart, around, enclosure, precision
from derive.check.reader import Cases, Letters, PostNames, Unreadable, read_readings
from derive.check.tokens import Token
from derive.check.understand import looks_rounded, printed_decimals

#: At most this many readings of relations with printed values per post: a post with hundreds of
#: worked values and relations stays linear, and what is not evaluated keeps its note.
MAX_EVALUATIONS = 400
#: At most this many rows the reader could not read alone are read again with printed values.
MAX_UNREAD = 200


@dataclass(frozen=True)
class Printed:
    """One value the post prints for a name, on one or more lines."""

    name: Basic
    value: ImmutableMatrix
    #: The places printed, entry by entry (None: exact, a whole number among whole numbers).
    places: tuple[int | None, ...]

    @property
    def slack(self) -> tuple[Rational, ...]:
        """Half a unit in the last place printed, entry by entry: how far the value it claims
        may be from the exact one."""
        return tuple(S.Zero if p is None else Rational(1, 2 * 10**p) for p in self.places)

    @property
    def input_slack(self) -> tuple[Rational, ...]:
        """As an input, how far each entry may be from what it stands for: as in a chain, an
        entry of three or more significant digits may itself be rounded (0.135), a short one is
        taken as given (0.5, 2, the logits of an example)."""
        return tuple(
            slack if places is not None and looks_rounded(value, places) else S.Zero
            for value, places, slack in zip(self.value, self.places, self.slack, strict=True)
        )


@dataclass
class Relation:
    """``name = formula`` on ``line``, to be read again with printed values; the formula is the
    side ``formula`` of the row. ``same_row``: the row prints the value it computes
    (``p = softmax(z) = [0.659; …]``), so the row itself is a claim to judge."""

    name: Basic
    tokens: list[Token]
    line: int
    source: str
    formula: int = 1
    same_row: bool = False


@dataclass
class Instance:
    """A relation evaluated at one state of the printed values."""

    relation: Relation
    shift: int
    #: The printed values it used: its left side first, then its inputs.
    left: int
    inputs: frozenset[int]
    holds: bool
    #: The left side's value as the relation computes it, and as the post prints it.
    computed: str = ""
    printed: str = ""
    through: Relation | None = None


@dataclass
class WorkedExample:
    """What a post prints and states, collected while it is judged."""

    printed: list[Printed] = field(default_factory=list)
    #: Printed value → the findings (position, line) of the rows that print it.
    findings_of: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    #: In the order of the post: (line, printed value).
    timeline: list[tuple[int, int]] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    #: Rows the reader could not read on their own, with the positions of their findings: read
    #: again with the values printed before them (``softmax(z)`` of a printed z).
    unread_rows: list[tuple] = field(default_factory=list)
    _stated: set[tuple] = field(default_factory=set)
    _keys: dict[tuple, int] = field(default_factory=dict)

    def value(self, name: Basic, value: MatrixBase, places: dict, position: int, line: int) -> None:
        """A row ``name = [numbers]`` on ``line``, whose finding is to be at ``position``."""
        matrix = ImmutableMatrix(value)
        printed_places = _places(matrix, places)
        key = self._keys.get((name, matrix))
        if key is None:
            key = self._keys[(name, matrix)] = len(self.printed)
            self.printed.append(Printed(name, matrix, printed_places))
        self.findings_of.setdefault(key, []).append((position, line))
        self.timeline.append((line, key))

    def unread(self, piece, position: int) -> None:
        if self.printed and not (piece.tokens and piece.tokens[0].text == "="):
            self.unread_rows.append((piece, position))

    def relation(self, relation: Relation) -> None:
        if (relation.line, relation.source, relation.formula) in self._stated:
            return  # the same row, met again in another reading
        self._stated.add((relation.line, relation.source, relation.formula))
        self.relations.append(relation)

    def row(self, sides: list, piece, places: dict, position: int) -> None:
        """What a row prints and states, its finding to be at ``position``: ``h_1 = [0.094; …]``
        prints a value; ``o_2 = V h_2`` states a relation; ``p = softmax(z) = [0.659; …]`` and
        ``softmax(z) = [0.659; …]`` do both, and are claims."""
        head = sides[0]
        if len(sides) < 2 or any(isinstance(side, Cases) for side in sides):
            return
        if not _printed(sides[-1]):
            if len(sides) == 2 and is_value_name(head):
                self.relation(Relation(head, list(piece.tokens), piece.line, piece.source))
            return
        named = is_value_name(head)
        formulas = [k for k, side in enumerate(sides[:-1]) if not _printed(side) and (k or not named)]
        if not formulas and not named:
            return
        name = head if named else Symbol(f"{_ROW}{piece.line}_{position}")
        self.value(name, sides[-1], places, position, piece.line)
        for formula in formulas:
            self.relation(Relation(name, list(piece.tokens), piece.line, piece.source, formula, True))


#: The findings a worked value can turn into ✓ or ✗: nothing else judged the row.
_OPEN = (NOTE, DEFINITION, UNCHECKED)
#: The name a value printed without one (``softmax(z) = [0.659; …]``) is kept under.
_ROW = "_row"


def _printed(side) -> bool:
    """Numbers as a post prints them, not computed (softmax of [2; 1; 0.1] is a formula)."""
    return isinstance(side, MatrixBase) and all(entry.is_Rational for entry in side)


def numbers_only(side) -> bool:
    """A vector or matrix of numbers: what a worked example prints."""
    return isinstance(side, MatrixBase) and all(entry.is_number for entry in side)


def is_value_name(side) -> bool:
    """A name a value can be printed for: ``W``, ``h_1``, ``\\hat y_2``."""
    if isinstance(side, Symbol):
        return not side.is_integer
    return isinstance(side, Indexed) and all(isinstance(i, Integer) for i in side.indices)


def _places(matrix: ImmutableMatrix, places: dict) -> tuple[int | None, ...]:
    """The places each entry is printed to. A whole number among decimals is as rounded as the
    coarsest of them (0 for 0.004); a matrix of whole numbers is exact."""
    decimals = [places[abs(entry)] for entry in matrix if abs(entry) in places]
    coarsest = min(decimals) if decimals else None
    return tuple(places.get(abs(entry), coarsest) for entry in matrix)


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
        self._read_again()
        if not worked.printed or not worked.relations:
            return
        instances = list(_Evaluator(worked, self.letters, self.names).instances(self.heading_lines))
        self._claims_kept(instances)
        cleared = {key for i in instances if i.holds for key in (i.left, *i.inputs)}
        blamed: dict[int, list[Instance]] = {}
        for instance in instances:
            if instance.holds:
                continue
            culprit = _culprit(instance, cleared)
            if culprit is not None:
                blamed.setdefault(culprit, []).append(instance)
        for key, failed in blamed.items():
            for position, line in worked.findings_of[key]:
                finding = self.findings[position] if position < len(self.findings) else None
                if (
                    finding is None
                    or finding.line != line
                    or finding.verdict not in (NOTE, DEFINITION, UNCHECKED)
                ):
                    continue  # the row was judged another way (read two ways that disagree)
                # Shown with a relation of the row's own section (its slide), where there is one.
                section = bisect.bisect_right(self.heading_lines, line)
                here = [
                    i for i in failed if bisect.bisect_right(self.heading_lines, i.relation.line) == section
                ]
                detail = _blame(worked, key, (here or failed)[0])
                self.findings[position] = Finding(
                    finding.line, finding.label, finding.source, WRONG, detail, None, finding.first_line
                )

    def _read_again(self) -> None:
        """Rows that could not be read alone, read with the values printed before them."""
        worked = self.worked
        for piece, position in worked.unread_rows[:MAX_UNREAD]:
            state = {}
            for line, key in sorted(worked.timeline):
                if line >= piece.line:
                    break
                state[worked.printed[key].name] = key
            values = {name: _placeholders(key, worked.printed[key]) for name, key in state.items()}
            try:
                readings, _, _ = read_readings(
                    list(piece.tokens), self.letters, None, self.names, values=values
                )
            except Unreadable:
                continue
            if len(readings) == 1:
                worked.row(list(readings[0].sides), piece, printed_decimals(piece.tokens), position)

    def _claims_kept(self, instances: list[Instance]) -> None:
        """✓ for a row that computes a value and prints it (``softmax(z) = [0.659; …]``) when
        every reading of it agrees, to the places printed."""
        for relation in self.worked.relations:
            if not relation.same_row:
                continue
            own = [i for i in instances if i.relation is relation and not i.shift and i.through is None]
            if not own or not all(i.holds for i in own):
                continue
            for position, line in self.worked.findings_of[own[0].left]:
                finding = self.findings[position] if position < len(self.findings) else None
                if finding is not None and finding.line == line == relation.line:
                    detail = f"agrees, to the places printed, with what it computes: {own[0].computed}"
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
    if instance.shift:
        stated = f"{stated}, taken for every step, here for {left}"
    if instance.through is not None:
        stated = f"{stated}, with ${instance.through.source}$ of line {instance.through.line}"
    gives = f"{stated}) gives {left} = {instance.computed}"
    if key == instance.left and relation.same_row and not instance.shift and instance.through is None:
        return f"the row prints {instance.printed}, but what it computes is {instance.computed}"
    if key == instance.left:
        return f"{left} is printed {instance.printed}, but {gives}"
    name = _shown(worked.printed[key].name)
    return (
        f"{name} does not fit the other printed values: with it, {gives}, "
        f"but {left} is printed {instance.printed}"
    )


def _shown(name: Basic) -> str:
    if isinstance(name, Symbol) and name.name.startswith(_ROW):
        return f"the value of line {name.name[len(_ROW) :].split('_')[0]}"
    if isinstance(name, Indexed):
        return f"{name.base}_{','.join(map(str, name.indices))}"
    return str(name)


# -- evaluating relations --------------------------------------------------------------------


def _states(worked: WorkedExample, headings: tuple[int, ...]) -> Iterator[tuple[list[Relation], dict, Basic]]:
    """The moments a relation is judged at, with the printed values in force then: right after
    the post prints the value a relation computes (with the inputs printed before it), and on the
    relation's own row. A section (a slide) computes with its own relations, so a relation never
    judges the values of an example in another section. The last item is the name just printed,
    or None on a relation's row."""
    events = sorted(
        [(line, 0, key) for line, key in worked.timeline]
        + [(relation.line, 1, number) for number, relation in enumerate(worked.relations)]
    )
    by_section: dict[int, list[Relation]] = {}
    for relation in worked.relations:
        by_section.setdefault(bisect.bisect_right(headings, relation.line), []).append(relation)
    state: dict[Basic, int] = {}
    for line, kind, key in events:
        printed = worked.printed[key].name if kind == 0 else None
        if printed is not None:
            state[printed] = key
        relations = by_section.get(bisect.bisect_right(headings, line))
        if relations:
            yield relations, dict(state), printed


def _actual(name: Basic, shift: int) -> Basic:
    """The name a relation's ``name`` stands for when it is read ``shift`` steps on."""
    if shift and isinstance(name, Indexed):
        return Indexed(name.base, name.indices[0] + shift)
    return name


def _textual(name: Basic, shift: int) -> Basic:
    """The name as a relation read ``shift`` steps on writes it: the inverse of :func:`_actual`."""
    if shift and isinstance(name, Indexed):
        return Indexed(name.base, name.indices[0] - shift)
    return name


def _shifts(relations: list[Relation], state: dict[Basic, int]) -> list[int]:
    """0, and every step difference between a relation's left side and a printed value of it."""
    shifts = {0}
    for relation in relations:
        if isinstance(relation.name, Indexed) and len(relation.name.indices) == 1:
            for name in state:
                if isinstance(name, Indexed) and name.base == relation.name.base and len(name.indices) == 1:
                    shifts.add(int(name.indices[0] - relation.name.indices[0]))
    return sorted(shifts, key=abs)


class _Evaluator:
    """Every relation at every moment it is judged at, read with the printed values in place."""

    def __init__(self, worked: WorkedExample, letters: Letters, names: PostNames) -> None:
        self.worked, self.letters, self.names = worked, letters, names
        self.budget = MAX_EVALUATIONS
        self._for_every_step: dict[int, bool] = {}
        self._seen: set[tuple] = set()
        with precision():
            self.rounded = self._intervals(rounded=True)
            self.as_printed = self._intervals(rounded=False)

    def instances(self, headings: tuple[int, ...]) -> Iterator[Instance]:
        for relations, state, printed in _states(self.worked, headings):
            for shift in _shifts(relations, state):
                if self.budget <= 0:
                    return
                yield from self._at(relations, state, printed, shift)

    def _at(self, relations: list[Relation], state: dict, printed: Basic | None, shift: int):
        readable = [r for r in relations if not shift or self._reads_for_every_step(r)]
        computed: dict[Basic, tuple[Relation, ImmutableMatrix]] = {}
        for relation in readable:
            evaluated = self._evaluate(relation, state, shift, {})
            if evaluated is not None:
                computed[_actual(relation.name, shift)] = (relation, evaluated)
        for relation in readable:
            name = _actual(relation.name, shift)
            if printed is not None and name != printed:
                continue  # judged when its own value is printed, or on its row
            if name in computed:
                yield from self._judged(relation, state, shift, computed[name][1], None)
            # Through one another: softmax(o_2) with o_2 = V h_2 is softmax(V h_2).
            for inner_name, (inner, value) in computed.items():
                if inner is relation or inner_name == name:
                    continue
                evaluated = self._evaluate(relation, state, shift, {_textual(inner_name, shift): value})
                if evaluated is not None:
                    yield from self._judged(relation, state, shift, evaluated, inner)

    def _judged(self, relation, state, shift, right, through) -> Iterator[Instance]:
        instance = self._compare(relation, state, shift, right, through)
        if instance is None:
            return
        key = (id(relation), shift, id(through), instance.left, instance.inputs)
        if key not in self._seen:
            self._seen.add(key)
            yield instance

    def _reads_for_every_step(self, relation: Relation) -> bool:
        """Whether ``relation`` reads for every step: each name it uses (read without values) is
        an entry of a family with one whole-number index, and every printed value of those
        families is a vector or matrix (h_t of a recurrence), never a number (p_2 of one vector)."""
        known = self._for_every_step.get(id(relation))
        if known is None:
            known = self._for_every_step[id(relation)] = self._families_of_vectors(relation)
        return known

    def _families_of_vectors(self, relation: Relation) -> bool:
        try:
            readings, _, _ = read_readings(relation.tokens, self.letters, None, self.names)
        except Unreadable:
            return False
        families = set()
        for statement in readings:
            for side in statement.sides:
                if not isinstance(side, Basic):
                    return False
                for indexed in side.atoms(Indexed):
                    if len(indexed.indices) != 1:
                        return False
                    if isinstance(indexed.indices[0], Integer):
                        families.add(indexed.base)
        return bool(families) and all(
            printed.value.shape != (1, 1)
            for printed in self.worked.printed
            if isinstance(printed.name, Indexed) and printed.name.base in families
        )

    def _evaluate(self, relation: Relation, state: dict, shift: int, put: dict) -> MatrixBase | None:
        """The relation's formula read with the printed values of ``state`` (and ``put``) in
        place, as a matrix of placeholders; None when it cannot be evaluated that way."""
        if self.budget <= 0 or _actual(relation.name, shift) not in state:
            return None
        values: dict[Basic, MatrixBase] = {
            _textual(name, shift): _placeholders(key, self.worked.printed[key]) for name, key in state.items()
        }
        values.update(put)
        self.budget -= 1
        try:
            readings, _, _ = read_readings(relation.tokens, self.letters, None, self.names, values=values)
        except Unreadable:
            return None
        formulas = {
            statement.sides[relation.formula] if len(statement.sides) > relation.formula else None
            for statement in readings
        }
        if len(formulas) != 1:
            return None  # read two ways that differ: not evaluated
        (right,) = formulas
        shape = self.worked.printed[state[_actual(relation.name, shift)]].value.shape
        return right if isinstance(right, MatrixBase) and right.shape == shape else None

    def _compare(self, relation, state, shift, right, through) -> Instance | None:
        """Whether the printed left side lies in the enclosure of the right side, entry by entry."""
        left_key = state[_actual(relation.name, shift)]
        printed = self.worked.printed[left_key]
        used = {_key_of(symbol) for entry in right for symbol in entry.free_symbols}
        if None in used:
            return None  # a name without a printed value
        used.discard(left_key)
        try:
            with precision():
                enclosures = [enclosure(entry, self.rounded) for entry in right]
                claims = [
                    around(value, slack) for value, slack in zip(printed.value, printed.slack, strict=True)
                ]
                differ = any(apart(a, b) for a, b in zip(enclosures, claims, strict=True))
                # Shown at the values as printed; the enclosure only bounds what rounding allows.
                at_printed = [enclosure(entry, self.as_printed) for entry in right]
        except NotEvaluable:
            return None
        computed = _vector([float(e.mid) for e in at_printed], printed.places, extra=1)
        shown = _vector([float(v) for v in printed.value], printed.places) if differ else ""
        return Instance(relation, shift, left_key, frozenset(used), not differ, computed, shown, through)

    def _intervals(self, rounded: bool) -> dict[str, Interval]:
        """Each placeholder's interval: the numbers that round to the printed entry, or the
        entry itself."""
        intervals = {}
        for key, printed in enumerate(self.worked.printed):
            for entry, (value, slack) in enumerate(zip(printed.value, printed.input_slack, strict=True)):
                intervals[_placeholder(key, entry)] = around(value, slack if rounded else S.Zero)
        return intervals


def _placeholder(key: int, entry: int) -> str:
    return f"_printed{key}_{entry}"


def _placeholders(key: int, printed: Printed) -> ImmutableMatrix:
    rows, columns = printed.value.shape
    return ImmutableMatrix(
        rows, columns, [Symbol(_placeholder(key, entry)) for entry in range(rows * columns)]
    )


def _key_of(symbol: Symbol) -> int | None:
    if not symbol.name.startswith("_printed"):
        return None
    return int(symbol.name[len("_printed") :].split("_")[0])


def _vector(values: list[float], places: tuple[int | None, ...], extra: int = 0) -> str:
    """Values to the places the post prints each (and ``extra`` more), as (a, b, c)."""
    shown = [
        f"{value:.{(digits or 0) + extra}f}".replace("-", "−")
        for value, digits in zip(values, places, strict=True)
    ]
    return f"({', '.join(shown)})"
