"""Definitions: learned from the post (``p_i = …``), taken from standard meanings where the post
leaves a name undefined, and the ones a proof relies on."""

from __future__ import annotations

import re

from sympy import (
    Add,
    Basic,
    Derivative,
    Dummy,
    Eq,
    Expr,
    Function,
    Indexed,
    IndexedBase,
    Integer,
    Mul,
    Sum,
    Symbol,
    log,
)
from sympy.core.function import AppliedUndef
from sympy.core.symbol import Str
from sympy.matrices.expressions import MatrixSymbol

from derive.algebra import Definition
from derive.check.findings import DEFINITION, PROVEN, UNCHECKED
from derive.check.layout import Piece
from derive.check.reader import Cases, Letters, quantity_name
from derive.check.relations import numbers_only
from derive.check.understand import standard_definition
from derive.verify import ForEach


class DefinitionRules:
    """Definitions, kept by :class:`~derive.check.judge._Judge`."""

    def _defines(self, name, value) -> bool:
        if isinstance(value, Cases) or (isinstance(value, Basic) and value.has(Derivative)):
            return False
        if isinstance(name, Indexed):
            if not all(isinstance(i, Symbol) and i.is_integer for i in name.indices):
                return False
        elif isinstance(name, AppliedUndef):
            # f(x) = x² + 1 defines f at every argument; f(2) = 5 is a value of f, to be checked.
            arguments = name.args
            if len(set(arguments)) != len(arguments) or any(
                not isinstance(a, Symbol) or a.is_integer for a in arguments
            ):
                return False
        elif not isinstance(name, Symbol) or name.is_integer:
            return False
        # A name defined in terms of itself is an equation to check, not a definition. L of the
        # family L_τ is another quantity: L = Σ_τ L_τ defines the scalar by the step losses.
        head = Definition(name, value).head
        if isinstance(head, Symbol) and isinstance(value, Basic):
            return head not in bare_symbols(value) and not any(
                head in call.free_symbols for call in value.atoms(AppliedUndef, Derivative)
            )
        return not (isinstance(value, Basic) and value.has(head))

    def _recurrence(self, name, value) -> str | None:
        """Why ``name = value`` is a recurrence rather than a definition, or None.

        a_t = W h_{t−1} + U x_t after h_t = tanh(a_t) gives h_t in terms of h_{t−1}: unfolded, it
        would never end. It relates the steps to each other; it defines neither.
        """
        own = name_of(Definition(name, value).head)
        if not isinstance(value, Basic):
            return None
        through = [d for d in self._relied_on(value) if own in names_in(d.expression)]
        if not through and not (isinstance(name, Indexed) and own in names_in(value)):
            return None
        via = f" through {name_of(through[0].head)}" if through else ""
        return f"{own} in terms of itself{via}: a recurrence, not a definition"

    def vector_defined(self, name: MatrixSymbol) -> None:
        """ŷ = Wx + b in bold: a definition the checker does not learn. Unless the post defines
        the entries of ŷ (as the J_ij of J = diag(p) − ppᵀ), ŷ is not free: a step that reaches
        it is ?, where a free ŷ would make ∂L/∂W = 0."""
        heads = self._named.get(name.name, ())
        if all(isinstance(head, Symbol) for head in heads):
            self.unlearned.add(name.name)

    def _known(self, name) -> bool:
        """Whether ``name`` (p_i, L, f(x)) has a definition already."""
        return Definition(name, name).head in self.definitions

    def define(self, piece: Piece, name, value) -> None:
        definition = Definition(name, value)
        head = definition.head
        known = self.definitions.get(head)
        if known is not None and head in self.weak and piece.role == "main":
            # Defined in a sentence first, then in a display: the display is the definition.
            self._forget(head)
            self.weak.discard(head)
            known = None
        if known is not None and name_of(head) in self.assumed:
            # The post defines S itself: its own definition replaces the standard one taken for it.
            self._forget(head)
            del self.assumed[name_of(head)]
            known = None
        if known is not None and not self._known_here(name, value, piece.line):
            # z = [0; 1; 2], then z = [3; 1; −1]; L = −log p_3, then in a new section L = −log p_1:
            # a second example, not a restatement of the first.
            self._forget(head)
            known = None
        if known is not None and (
            letters_change_kind(known.expression, value)
            # f(x) and then f(x, y): a new function of that name, not a restatement of the old.
            or (isinstance(name, AppliedUndef) and len(name.args) != len(known.name.args))
        ):
            # L = −(y log p + …) for one output, then L = −Σ_i (y_i log p_i + …) for N: the
            # post moved on to a family y_i, and the new L is a definition, not a restatement.
            self._forget(head)
            known = None
        if known is not None:
            if isinstance(name, AppliedUndef):
                # f(t) = … after f(x) = …: f at t, unfolded when proving, so that t is known here as
                # the variable of f (the definition made only x known).
                restated = name
            elif isinstance(name, Indexed):
                restated = known.instance(name)
            else:
                restated = known.expression
            concrete = concrete_size([value], self.letters.size) if isinstance(value, Basic) else None
            if concrete is not None:  # a worked example writes the definition out for its own N
                restated = restated.xreplace({self.letters.size: Integer(concrete)})
            link = self.link(restated, value, None)
            where = f"agrees with the definition on line {self.defined_at[head]}"
            detail = f"{link.detail}; {where}" if link.verdict == PROVEN else link.detail
            self.note(piece.line, piece.label, piece.source, link.verdict, detail, link.counterexample)
            return
        recurrence = self._recurrence(name, value)
        if recurrence is not None:
            self.note(piece.line, piece.label, piece.source, UNCHECKED, recurrence)
            return
        # p_i = e^{z_i}/S with S nowhere defined: S is the softmax's denominator, not a constant.
        unknown = sorted(n for n in names_in(value) if self._names[n] <= 0 and n not in self.assumed)
        taken = [n for n in unknown if self._assume_standard([n], [value])]
        self._learn(definition, piece.line)
        detail = f"defines {name_of(head)}"
        if taken:
            detail += "; assumes " + "; ".join(self.assumed[n] for n in taken)
        self.note(piece.line, piece.label, piece.source, DEFINITION, detail)
        self._define_alone(name, value, piece.line)

    def _known_here(self, name, value, line: int) -> bool:
        """Whether ``name`` has a definition that ``name = value`` on ``line`` restates, rather
        than one of another example: z = [0; 1; 2], then z = [3; 1; −1]; L = −log p_3, then in
        a new section L = −log p_1."""
        head = Definition(name, name).head
        known = self.definitions.get(head)
        if known is None:
            return False
        if numbers_only(value) and numbers_only(known.expression):
            return False
        earlier = any(self.defined_at[head] < heading <= line for heading in self.heading_lines)
        return not (earlier and _for_one_example(value))

    def _define_alone(self, name, value, line: int) -> None:
        """J(w) = … in a post that also writes J alone (∂J/∂w): J is the function at its own
        variables, and the report says so wherever a step relies on it."""
        if not isinstance(name, AppliedUndef):
            return
        alone = Symbol(name.func.__name__)
        if alone.name in self.names.values and not self._known(alone):
            self._learn(Definition(alone, value), line)
            self.assumed[alone.name] = f"{alone} read as {name}, defined on line {line}"

    def _learn(self, definition: Definition, line: int) -> None:
        head, expression = definition.head, definition.expression
        self.definitions[head] = definition
        self.defined_at[head] = line
        self._serial[head] = next(self._serials)
        self._named.setdefault(name_of(head), set()).add(head)
        self._uses[head] = names_in(expression)
        self._names.update(names_of(definition))
        family = label_family(expression)
        if family is not None:
            self._label_families[head] = family

    def _forget(self, head: Basic) -> None:
        definition = self.definitions.pop(head)
        del self.defined_at[head]
        self._names.subtract(names_of(definition))
        self._named[name_of(head)].discard(head)
        self._label_families.pop(head, None)

    def _undefined(self, *exprs, variables: tuple = ()) -> list[str]:
        """Names a statement uses that are neither defined, nor variables of a definition, nor
        what it (or its chain: ``variables``) differentiates by or calls a function at. By name:
        a letter known as a scalar y may be a family y_i later on, and the other way round."""
        here = {quantity_name(v) for v in variables}
        for expr in exprs:
            for derivative in expr.atoms(Derivative):
                here |= {quantity_name(v) for v in derivative.variables}
            for call in expr.atoms(AppliedUndef):
                here |= {name_of(argument) for argument in call.args}
            # tanh(x), e^{x}: a letter that is a function's whole argument is its variable.
            for call in expr.atoms(Function):
                here |= {a.name for a in call.args if type(a) is Symbol}
                here |= {name_of(a.base) for a in call.args if isinstance(a, Indexed)}  # e^{z_k}

        def known(name: str) -> bool:
            return name in here or self._names[name] > 0

        names = set()
        for expr in exprs:
            for call in expr.atoms(AppliedUndef):
                # g(x) with no definition is any function (the quotient rule), but g(2) is one value
                # of a function the post must have defined.
                if call.func not in self.definitions and not all(isinstance(a, Symbol) for a in call.args):
                    names.add(name_of(call.func))
            for atom in expr.atoms(Indexed):
                if not known(name_of(atom.base)):
                    names.add(name_of(atom.base))
            for atom in bare_symbols(expr):
                if not atom.is_integer and not known(atom.name):
                    names.add(name_of(atom))
            names |= self._varying(expr)
        if self.unlearned:
            # ŷ = Wx + b in bold: defined by the post in a form not learned, so not a free vector.
            reached = set().union(*(names_in(e) for e in exprs))
            reached |= set().union(*(names_in(d.expression) for d in self._relied_on(*exprs)))
            names |= reached & self.unlearned
        return sorted(names)

    def _varying(self, expr: Basic) -> set[str]:
        """Quantities a derivative in ``expr`` reaches that the post differentiates (∂p_i/∂z_j),
        never differentiates by, and never defines: p depends on something, how is not known,
        and taking it as a constant (∂p_k/∂z_j = 0) would be a guess."""
        found = set()
        for derivative in expr.atoms(Derivative):
            variables = {quantity_name(v) for v in derivative.variables}
            reached = names_in(derivative.expr).union(
                *(names_in(d.expression) for d in self._relied_on(derivative.expr))
            )
            found |= {
                name
                for name in reached & self.names.varying
                if name not in variables and not self._named.get(name)
            }
        return found

    def _assume_standard(self, names: list[str], parts) -> bool:
        """Take the standard definition of each name the post leaves undefined; True if any."""
        taken = False
        for name in names:
            assumed = standard_definition(
                name, parts, list(self.definitions.values()), self.letters.size, self.softmax_named
            )
            if assumed is not None:
                self._learn(assumed.definition, 0)
                self.assumed[name] = assumed.shown
                taken = True
        return taken

    def _relied_on(self, *exprs) -> tuple[Definition, ...]:
        """The definitions of the names in ``exprs``, and of the names in those, in the post's order.

        A proof looks up only names it meets, in the statement or in a definition it unfolds
        (a vector p is looked up as its entries p_a, by name); so it is the same with these
        definitions alone as with every one before it, and costs no more late in a long post.
        """
        found: set[Basic] = set()
        pending = [name for expr in exprs for name in names_in(expr)]
        while pending:
            for head in self._named.get(pending.pop(), ()):
                if head not in found:
                    found.add(head)
                    pending.extend(self._uses[head])
        return tuple(self.definitions[head] for head in sorted(found, key=self._serial.__getitem__))

    def _labels(self):
        """The label family: the weights of the logarithms in the loss (y in −Σ y_k log p_k)."""
        return next(iter(self._label_families.values()), None)


def names_in(expr) -> frozenset[str]:
    """Every name in ``expr``: of symbols, of families (p of p_i), of vectors, of functions."""
    if not isinstance(expr, Basic):
        return frozenset()
    names = {str(atom) for atom in expr.atoms(Symbol, Str)}  # Str: the name of a MatrixSymbol
    return frozenset(names | {atom.func.__name__ for atom in expr.atoms(AppliedUndef)})


def names_of(definition: Definition) -> set[str]:
    """The names a definition makes known: its own, and those of the variables it is written in
    (x of f(x) = 1 too: the post goes on in x, as after u = x + y)."""
    expression = definition.expression
    atoms = expression.atoms(Indexed, Symbol) if isinstance(expression, Basic) else set()
    if isinstance(definition.name, AppliedUndef):
        atoms |= set(definition.name.args)
    return {name_of(definition.head)} | {quantity_name(a) for a in atoms}


def label_family(expression, *, binary: bool = False) -> Basic | None:
    """In a loss such as −Σ y_k log p_k, the family y that weighs the logarithms.

    With ``binary``, also in −Σ [y_k log p_k + (1 − y_k) log(1 − p_k)]: its labels need not sum
    to one, so it is found only where asked (for the final result), never for the Σ y = 1 rule.
    """
    if not isinstance(expression, Basic):
        return None
    for total in expression.atoms(Sum):
        terms = Add.make_args(total.function) if binary else (total.function,)
        for term in terms:
            for factor in Mul.make_args(term):
                if isinstance(factor, Indexed) and term.has(log):
                    return factor.base
    return None


def label_sum(labels, size) -> Expr:
    bound = Symbol("k_label", integer=True, positive=True)
    return Sum(labels[bound], (bound, 1, size))


def labels_sum_to_one(labels, letters: Letters) -> tuple[Basic, ...]:
    """Σ_k y_k = 1; for labels of every step (y_{τ,k}, see :mod:`~derive.check.ranges`), the
    labels of each step τ = 1..T sum to one, said with each letter that counts the steps (the
    verifier uses it at a free τ, and at every Σ_τ)."""
    ranged = letters.ranged
    steps = dict(ranged.positions).get((name_of(labels), 0)) if ranged is not None else None
    if steps is None or steps == ranged.size:
        return (Eq(label_sum(labels, letters.size), 1),)
    bound = Symbol("k_label", integer=True, positive=True)
    count = Symbol(steps, integer=True, positive=True)
    each = []
    for letter, over in ranged.letters:
        if over == steps:
            step = Symbol(letter, integer=True, positive=True)
            every = Eq(Sum(labels[step, bound], (bound, 1, letters.size)), 1)
            each.append(ForEach(every, (step, Integer(1), count)))
    return tuple(each)


def letters_change_kind(old: Basic, new: Basic) -> bool:
    """Whether a letter that was a scalar in ``old`` is a family in ``new``, or the reverse."""
    if not (isinstance(old, Basic) and isinstance(new, Basic)):
        return False

    def kinds(expr: Basic) -> dict[str, str]:
        found = {str(s): "scalar" for s in bare_symbols(expr) if not s.is_integer}
        return found | {name_of(a.base): "family" for a in expr.atoms(Indexed)}

    before, after = kinds(old), kinds(new)
    return any(before[letter] != kind for letter, kind in after.items() if letter in before)


def bare_symbols(expr: Basic) -> set:
    """Free symbols outside indexed entries (the label p of p_i does not count)."""
    entries = expr.atoms(Indexed)
    indices = {s for a in entries for i in a.indices for s in i.free_symbols}
    found = {s for s in expr.free_symbols if isinstance(s, Symbol)} | indices
    labels = {a.base.label for a in entries} & found - indices
    # Free symbols come only from symbols outside the entries and from the entries' indices and
    # labels: where no label is also written on its own, the labels are all there is to drop,
    # and no copy of the expression with stand-ins for its entries needs building.
    if not _written_outside_entries(expr, labels):
        return found - labels
    return _bare_symbols_by_stand_ins(expr)


def _written_outside_entries(expr: Basic, symbols: set) -> bool:
    if not symbols:
        return False
    pending = [expr]
    while pending:
        node = pending.pop()
        if node in symbols:
            return True
        if not isinstance(node, Indexed):
            pending.extend(node.args)
    return False


def _bare_symbols_by_stand_ins(expr: Basic) -> set:
    stand_ins = {a: Dummy() for a in expr.atoms(Indexed)}
    hidden = expr.xreplace(stand_ins)
    return {s for s in hidden.free_symbols - set(stand_ins.values()) if isinstance(s, Symbol)} | {
        s for a in expr.atoms(Indexed) for i in a.indices for s in i.free_symbols
    }


def name_of(head) -> str:
    label = head.label if isinstance(head, IndexedBase) else head
    return str(label)


def plain_text(expr) -> str:
    return re.sub(r"\[([^\]]*)\]", r"_\1", str(expr))


def concrete_size(exprs, size) -> int | None:
    """The N of a worked example: the largest class number in a statement with no symbolic index."""
    numbers = []
    for expr in exprs:
        if expr.free_symbols & {size}:
            return None
        for atom in expr.atoms(Indexed):
            numbers += [int(index) for index in atom.indices if index.is_Integer]
    return max(numbers) if numbers else None


def _for_one_example(value) -> bool:
    """Whether a definition is about one worked example: it names concrete entries (p_1, z_3)
    and no index that runs (p_k)."""
    if not isinstance(value, Basic):
        return False
    entries = value.atoms(Indexed)
    return bool(entries) and all(all(index.is_Integer for index in entry.indices) for entry in entries)
