"""A worked example's values and relations: what a post prints (``h_1 = [0.094; 0.135]``) and
states (``o_2 = V h_2``), collected as the post is read, and each relation evaluated with the
printed values in place, in interval arithmetic (:mod:`~derive.check.intervals`), at the moments
it is judged at. :mod:`~derive.check.worked` says which values the results prove wrong.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field

from sympy import Basic, ImmutableMatrix, Indexed, IndexedBase, Integer, MatrixBase, Rational, S, Symbol
from sympy.matrices.expressions import MatrixSymbol

from derive.check.intervals import Interval, NotEvaluable, apart, around, enclosure, precision
from derive.check.reader import Cases, Letters, PostNames, Unreadable, read_readings
from derive.check.tokens import Token

#: At most this many readings of relations with printed values per post: a post with hundreds of
#: worked values and relations stays linear, and what is not evaluated keeps its note.
MAX_EVALUATIONS = 400
#: At most this many relations (and pairs of relations, through one another) are looked at per
#: post, most of them found at once to have no printed value to judge.
MAX_ATTEMPTS = 100_000


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
        """As an input, how far each entry may be from what it stands for: one printed to two
        places or more may be rounded (0.094 for 0.0944, a tanh or a weight); one of a single
        place or a whole number is taken as given (2.0, 1.0, 0.1, the logits of an example)."""
        return tuple(
            slack if places is not None and places >= 2 else S.Zero
            for places, slack in zip(self.places, self.slack, strict=True)
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
    #: The step its left side is read at (o_1 for o_2 = V h_2, or for o_t = V h_t); None: as written.
    at: Basic | None
    #: The printed values it used: its left side first, then its inputs.
    left: int
    inputs: frozenset[int]
    #: True: it agrees with the inputs as printed; False: no rounding of them reaches the value
    #: printed; None: only some roundings do (decided neither way).
    holds: bool | None
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
    #: Formulas in sentences that state a name, by line and letter (``$o_t = \\sigma(W_o x_t)$``
    #: states o): a relation for every step from a section before stops there.
    stated: list[tuple[int, str]] = field(default_factory=list)
    #: How many rows the reader could not read alone were read again with printed values.
    unread: int = 0
    #: Rows that could not be read with the values printed before them, to read again for the
    #: relation they state once every value is printed.
    later: list[tuple] = field(default_factory=list)
    _stated: set[tuple] = field(default_factory=set)
    _keys: dict[tuple, int] = field(default_factory=dict)

    def value(self, name: Basic, value: MatrixBase, places: dict, position: int, line: int) -> bool:
        """A row ``name = [numbers]`` on ``line``, whose finding is to be at ``position``; False
        when how it is rounded is not known (9.92 × 10^{-1}), and nothing is kept."""
        matrix = ImmutableMatrix(value)
        printed_places = _places(matrix, places)
        if printed_places is None:
            return False
        key = self._keys.get((name, matrix))
        if key is None:
            key = self._keys[(name, matrix)] = len(self.printed)
            self.printed.append(Printed(name, matrix, printed_places))
        self.findings_of.setdefault(key, []).append((position, line))
        self.timeline.append((line, key))
        return True

    def entries(self, since: int = 0) -> dict[Basic, tuple[Rational, int]]:
        """The entries of the vectors printed so far from line ``since`` on (the section being
        read), as their family writes them, with the line that prints each: p_2 of a printed
        p = [0.659; 0.242; 0.099] is 0.242."""
        latest: dict[Basic, tuple[int, int]] = {}
        for line, key in self.timeline:
            if line >= since:
                latest[self.printed[key].name] = (key, line)
        found = {}
        for name, (key, line) in latest.items():
            value = self.printed[key].value
            if (
                isinstance(name, (Symbol, MatrixSymbol))
                and 1 in value.shape
                and not name.name.startswith(ROW)
            ):
                family = IndexedBase(name.name)
                found.update({family[k]: (entry, line) for k, entry in enumerate(value, start=1)})
        return found

    def relation(self, relation: Relation) -> None:
        where = (relation.line, relation.source, relation.formula, relation.tokens[0].start)
        if where in self._stated:
            return  # the same row, met again in another reading
        self._stated.add(where)
        self.relations.append(relation)

    def row(self, sides: list, piece, places: dict, position: int) -> None:
        """What a row prints and states, its finding to be at ``position``: ``h_1 = [0.094; …]``
        prints a value; ``o_2 = V h_2`` states a relation; ``p = softmax(z) = [0.659; …]`` and
        ``softmax(z) = [0.659; …]`` do both, and are claims."""
        head = sides[0]
        if len(sides) < 2 or any(isinstance(side, Cases) for side in sides):
            return
        if not _printed(sides[-1]):
            if len(sides) == 2 and (is_value_name(head) or _step_of(head) is not None):
                self.relation(Relation(head, list(piece.tokens), piece.line, piece.source))
            return
        named = is_value_name(head)
        formulas = [k for k, side in enumerate(sides[:-1]) if not _printed(side) and (k or not named)]
        if not formulas and not named:
            return
        name = head if named else Symbol(f"{ROW}{piece.line}_{position}")
        if not self.value(name, sides[-1], places, position, piece.line):
            return
        alone = _sides_of(list(piece.tokens), len(sides))
        for formula in formulas:
            # Each side read on its own where the row splits: ∂L/∂z = p − y = [...] needs p − y
            # alone, whatever ∂L/∂z with values in place would mean.
            tokens, side = (alone[formula], 0) if alone is not None else (list(piece.tokens), formula)
            self.relation(Relation(name, tokens, piece.line, piece.source, side, True))


def _sides_of(tokens: list[Token], count: int) -> list[list[Token]] | None:
    """The tokens of each side of ``a = b = c``, split at the = outside any bracket; None unless
    that gives ``count`` sides."""
    sides: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.kind == "char" and token.text in "([{":
            depth += 1
        elif token.kind == "char" and token.text in ")]}":
            depth -= 1
        if depth == 0 and token.kind == "char" and token.text == "=":
            sides.append([])
        elif not (token.kind == "char" and token.text == "&"):
            sides[-1].append(token)
    return sides if len(sides) == count and all(sides) else None


#: The name a value printed without one (``softmax(z) = [0.659; …]``) is kept under.
ROW = "_row"


def _printed(side) -> bool:
    """Numbers as a post prints them, not computed (softmax of [2; 1; 0.1] is a formula)."""
    return isinstance(side, MatrixBase) and all(entry.is_Rational for entry in side)


def numbers_only(side) -> bool:
    """A vector or matrix of numbers: what a worked example prints."""
    return isinstance(side, MatrixBase) and all(entry.is_number for entry in side)


def is_value_name(side) -> bool:
    """A name a value can be printed for: ``W``, ``\\mathbf{W}``, ``h_1``, ``\\hat y_2``."""
    if isinstance(side, Symbol):
        return not side.is_integer
    if isinstance(side, MatrixSymbol):
        return True
    return isinstance(side, Indexed) and all(isinstance(i, Integer) for i in side.indices)


def _places(matrix: ImmutableMatrix, places: dict) -> tuple[int | None, ...] | None:
    """The places each entry is printed to. A whole number among decimals is as rounded as the
    coarsest of them (0 for 0.004); a matrix of whole numbers is exact. None when an entry that
    is no whole number was not printed as a decimal (9.92 × 10^{-1}, \\frac{1}{3})."""
    if any(not entry.is_Integer and abs(entry) not in places for entry in matrix):
        return None
    decimals = [places[abs(entry)] for entry in matrix if abs(entry) in places]
    coarsest = min(decimals) if decimals else None
    return tuple(places.get(abs(entry), coarsest) for entry in matrix)


# -- evaluating relations --------------------------------------------------------------------


def _states(
    worked: WorkedExample, headings: tuple[int, ...]
) -> Iterator[tuple[list[Relation], dict, Basic | Relation]]:
    """The moments a relation is judged at, with the printed values in force then: right after
    the post prints the value a relation computes (with the inputs printed before it), and on the
    relation's own row. A section (a slide) computes with its own values and relations, and with
    the relations for every step (o_t = V h_t) of a section before it (a model, then an example)
    until a section states that name anew: the o_t of an RNN may be an LSTM's output gate later.
    The last item is what is judged then: the name just printed, or the relation of the row."""
    events = sorted(
        [(line, 0, key) for line, key in worked.timeline]
        + [(relation.line, 1, number) for number, relation in enumerate(worked.relations)]
    )
    own: dict[int, list[Relation]] = {}
    for relation in worked.relations:
        own.setdefault(bisect.bisect_right(headings, relation.line), []).append(relation)
    # Where a name is stated anew, in a relation or a formula in a sentence: (section, family).
    anew = {(bisect.bisect_right(headings, r.line), _family(r.name)) for r in worked.relations}
    anew |= {(bisect.bisect_right(headings, line), family) for line, family in worked.stated}

    def carried(section: int) -> list[Relation]:
        return [
            relation
            for earlier in sorted(own)
            if earlier < section
            for relation in own[earlier]
            if general(relation)
            and not any((later, _family(relation.name)) in anew for later in range(earlier + 1, section + 1))
        ]

    state: dict[Basic, int] = {}
    section, relations = 0, own.get(0, [])
    for line, kind, key in events:
        if bisect.bisect_right(headings, line) != section:
            section, state = bisect.bisect_right(headings, line), {}  # a new section, new values
            relations = own.get(section, []) + carried(section)
        printed = worked.printed[key].name if kind == 0 else None
        if printed is not None:
            state[printed] = key
        if relations:
            yield relations, dict(state), printed if kind == 0 else worked.relations[key]


def _family(name: Basic) -> str:
    """The letter a name is written with: o of o_t, W of W."""
    return str(name.base) if isinstance(name, Indexed) else str(name)


def _step_of(name) -> Basic | None:
    """The step a relation's left side is written at: 2 of o_2, t of o_t; None for W or z."""
    if isinstance(name, Indexed) and len(name.indices) == 1:
        index = name.indices[0]
        if isinstance(index, Integer) or (isinstance(index, Symbol) and index.is_integer):
            return index
    return None


def general(relation: Relation) -> bool:
    """Whether the relation is written for every step: o_t = V h_t."""
    return isinstance(_step_of(relation.name), Symbol)


def _actual(relation: Relation, name: Basic, at: Basic | None) -> Basic:
    """The name ``name`` of ``relation`` stands for when its left side is read at step ``at``:
    h_{t−1} of o_t = V h_{t−1} is h_1 at step 2."""
    if at is None or not isinstance(name, Indexed) or len(name.indices) != 1:
        return name
    return Indexed(name.base, name.indices[0] - _step_of(relation.name) + at)


def _textual(relation: Relation, name: Basic, at: Basic | None) -> Basic:
    """How ``relation``, read at step ``at``, writes the name ``name``: the inverse of :func:`_actual`."""
    if at is None or not isinstance(name, Indexed) or len(name.indices) != 1:
        return name
    return Indexed(name.base, name.indices[0] - at + _step_of(relation.name))


class Evaluator:
    """Every relation at every moment it is judged at, read with the printed values in place."""

    def __init__(self, worked: WorkedExample, letters: Letters, names: PostNames) -> None:
        self.worked, self.letters, self.names = worked, letters, names
        self.budget = MAX_EVALUATIONS
        self.attempts = MAX_ATTEMPTS
        self._for_every_step: dict[int, bool] = {}
        self._plain_readings: dict[int, list | None] = {}
        self._seen: set[tuple] = set()
        with precision():
            self.rounded = self._intervals(rounded=True)
            self.as_printed = self._intervals(rounded=False)

    def instances(self, headings: tuple[int, ...]) -> Iterator[Instance]:
        for relations, state, printed in _states(self.worked, headings):
            if self.budget <= 0 or self.attempts <= 0:
                return
            steps: dict[Basic, list[Integer]] = {}
            for name in state:
                if (
                    isinstance(name, Indexed)
                    and len(name.indices) == 1
                    and isinstance(name.indices[0], Integer)
                ):
                    steps.setdefault(name.base, []).append(name.indices[0])
            yield from self._at(relations, state, printed, steps)

    def _steps(self, relation: Relation, open_steps: dict) -> list[Basic | None]:
        """The steps to read ``relation`` at: as written, and, when it reads for every step, every
        other step of its left side the post prints a value of and writes no relation for
        (``open_steps``, by family)."""
        steps: list[Basic | None] = [] if general(relation) else [None]
        written = _step_of(relation.name)
        if written is None or not self._reads_for_every_step(relation):
            return steps
        return steps + [at for at in open_steps.get(relation.name.base, ()) if at != written]

    def _at(
        self, relations: list[Relation], state: dict, printed: Basic | Relation, steps: dict
    ) -> Iterator[Instance]:
        own = {(r.name.base, r.name.indices[0]) for r in relations if isinstance(_step_of(r.name), Integer)}
        open_steps = {family: [at for at in ats if (family, at) not in own] for family, ats in steps.items()}
        readings = [(relation, at) for relation in relations for at in self._steps(relation, open_steps)]
        judged = [(r, at) for r, at in readings if r is printed or _actual(r, r.name, at) == printed]
        # Each relation judged is looked at with every other, however cheaply: the work of a
        # moment is bounded by that count.
        self.attempts -= len(readings) * (1 + len(judged))
        if self.attempts < 0:
            return
        computed: dict[tuple, MatrixBase | None] = {}

        def value_of(relation: Relation, at) -> MatrixBase | None:
            # Read only when needed: the relation judged now, and those its inputs come from.
            if (id(relation), at) not in computed:
                computed[(id(relation), at)] = self._evaluate(relation, state, at, {})
            return computed[(id(relation), at)]

        for relation, at in judged:  # the others when their own value is printed, or on their row
            name = _actual(relation, relation.name, at)
            value = value_of(relation, at)
            if value is not None:
                yield from self._judged(relation, state, at, value, None)
            # Through one another: softmax(o_2) with o_2 = V h_2 is softmax(V h_2). Only through
            # the names the relation is known to use: one read without values.
            uses = self._uses(relation) or set()
            for inner, inner_at in readings:
                inner_name = _actual(inner, inner.name, inner_at)
                written = _textual(relation, inner_name, at)
                if inner is relation or inner_name == name or written not in uses:
                    continue
                inner_value = value_of(inner, inner_at)
                if inner_value is None:
                    continue
                evaluated = self._evaluate(relation, state, at, {written: inner_value})
                if evaluated is not None:
                    yield from self._judged(relation, state, at, evaluated, inner)

    def _judged(self, relation, state, at, right, through) -> Iterator[Instance]:
        instance = self._compare(relation, state, at, right, through)
        if instance is None:
            return
        key = (id(relation), at, id(through), instance.left, instance.inputs)
        if key not in self._seen:
            self._seen.add(key)
            yield instance

    def _plain(self, relation: Relation) -> list | None:
        """The relation read without values, once: None when it cannot be read that way."""
        if id(relation) not in self._plain_readings:
            try:
                readings, _, _ = read_readings(relation.tokens, self.letters, None, self.names)
            except Unreadable:
                readings = None
            self._plain_readings[id(relation)] = readings
        return self._plain_readings[id(relation)]

    def _uses(self, relation: Relation) -> set | None:
        """The names the relation uses, as it writes them; None when it cannot be read alone."""
        readings = self._plain(relation)
        if readings is None:
            return None
        found: set = set()
        for statement in readings:
            for side in statement.sides:
                if isinstance(side, Basic):
                    found |= side.atoms(Indexed) | side.atoms(Symbol)
        return found

    def _reads_for_every_step(self, relation: Relation) -> bool:
        """Whether ``relation`` reads for every step: each name it uses (read without values) is
        an entry of a family with one whole-number index, and every printed value of those
        families is a vector or matrix (h_t of a recurrence), never a number (p_2 of one vector)."""
        known = self._for_every_step.get(id(relation))
        if known is None:
            known = self._for_every_step[id(relation)] = self._families_of_vectors(relation)
        return known

    def _families_of_vectors(self, relation: Relation) -> bool:
        readings = self._plain(relation)
        if readings is None:
            return False
        step = _step_of(relation.name)
        families = set()
        for statement in readings:
            for side in statement.sides:
                if not isinstance(side, Basic):
                    return False
                for indexed in side.atoms(Indexed):
                    if len(indexed.indices) != 1:
                        return False
                    index = indexed.indices[0]
                    if isinstance(index, Integer) or (isinstance(step, Symbol) and index.has(step)):
                        families.add(indexed.base)
        return bool(families) and all(
            printed.value.shape != (1, 1)
            for printed in self.worked.printed
            if isinstance(printed.name, Indexed) and printed.name.base in families
        )

    def _evaluate(self, relation: Relation, state: dict, at: Basic | None, put: dict) -> MatrixBase | None:
        """The relation's formula read with the printed values of ``state`` (and ``put``) in
        place, as a matrix of placeholders; None when it cannot be evaluated that way."""
        left = _actual(relation, relation.name, at)
        if self.budget <= 0 or left not in state:
            return None
        values: dict[Basic, MatrixBase] = {
            _textual(relation, name, at): placeholders(key, self.worked.printed[key])
            for name, key in state.items()
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
        shape = self.worked.printed[state[left]].value.shape
        return right if isinstance(right, MatrixBase) and right.shape == shape else None

    def _compare(self, relation, state, at, right, through) -> Instance | None:
        """Whether the printed left side agrees with the right side computed from the inputs as
        printed (True), lies outside every value their roundings reach (False), or neither."""
        left_key = state[_actual(relation, relation.name, at)]
        printed = self.worked.printed[left_key]
        used = {_key_of(symbol) for entry in right for symbol in entry.free_symbols}
        if None in used:
            return None  # a name without a printed value
        used.discard(left_key)
        try:
            with precision():
                claims = [around(v, slack) for v, slack in zip(printed.value, printed.slack, strict=True)]
                reached = [enclosure(entry, self.rounded) for entry in right]
                at_printed = [enclosure(entry, self.as_printed) for entry in right]
                differ = any(apart(a, b) for a, b in zip(reached, claims, strict=True))
                agrees = all(_within(a, b) for a, b in zip(at_printed, claims, strict=True))
        except NotEvaluable:
            return None
        holds = False if differ else (True if agrees else None)
        computed = _vector([float(e.mid) for e in at_printed], printed.places, extra=1)
        shown = _vector([float(v) for v in printed.value], printed.places)
        return Instance(relation, at, left_key, frozenset(used), holds, computed, shown, through)

    def _intervals(self, rounded: bool) -> dict[str, Interval]:
        """Each placeholder's interval: every number that rounds to the printed entry (a ✗ must
        hold for all of them: 0.094 may stand for 0.0944), or the entry itself (what a ✓ is
        computed from)."""
        intervals = {}
        for key, printed in enumerate(self.worked.printed):
            for entry, (value, slack) in enumerate(zip(printed.value, printed.input_slack, strict=True)):
                intervals[_placeholder(key, entry)] = around(value, slack if rounded else S.Zero)
        return intervals


def _within(inner: Interval, outer: Interval) -> bool:
    return (inner >= outer.a) is True and (inner <= outer.b) is True


def _placeholder(key: int, entry: int) -> str:
    return f"_printed{key}_{entry}"


def placeholders(key: int, printed: Printed) -> ImmutableMatrix:
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
