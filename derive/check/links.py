"""Links: one equality proven under its conditions (the formula's, the prose's, the labels'),
with every assumption it took named."""

from __future__ import annotations

import itertools
from dataclasses import replace

from sympy import (
    Add,
    Basic,
    Derivative,
    Eq,
    Expr,
    Indexed,
    IndexedBase,
    MatrixBase,
    Mul,
    Ne,
    Pow,
    Rational,
    Sum,
    Symbol,
    preorder_traversal,
)
from sympy.core.function import AppliedUndef
from sympy.matrices.expressions import MatrixExpr

from derive.algebra import index_symbols
from derive.check.chains import Chain
from derive.check.definitions import bare_symbols, labels_sum_to_one, name_of, names_in
from derive.check.findings import HOLDS_ONLY, PROVEN, UNCHECKED, WRONG, Link
from derive.check.layout import Piece
from derive.check.reader import SYMPY_FAILURES, Cases, Reader, Unreadable
from derive.check.stated import stated_for
from derive.check.understand import worked_values_agree
from derive.printing import latex
from derive.verify import Proof


class LinkRules:
    """Links between two expressions, proven by :class:`~derive.check.judge._Judge`."""

    def _formula_conditions(self, piece: Piece) -> tuple | None:
        """``, \\quad i = j``, ``(i \\neq j)``, ``\\text{if } i \\neq j``: relations of two indices."""
        found = []
        for tokens in piece.conditions:
            try:
                relation = Reader(list(tokens), self.letters).condition(list(tokens))
            except (Unreadable, *SYMPY_FAILURES):
                return None
            if relation is None:  # "otherwise": what it excludes is in another display
                return None
            if not all(s.is_integer for s in relation.free_symbols):
                return None  # (x > 0): a condition the proof cannot use, so no step is ✗ without it
            found.append(relation)
        return tuple(found)

    def link(self, a, b, chain: Chain | None, conditions: tuple = ()) -> Link:
        """Prove ``a = b`` under the conditions the row's formula states; the report names them,
        and every standard definition the proof relies on."""
        if self.row_conditions is None:
            # A condition the checker cannot read stays with the row: no ✗, and no second look
            # at the end without it.
            result = replace(self._link(a, b, chain, conditions), later=None)
            if result.verdict == WRONG:
                reason = "it may hold under the condition the formula states, which the checker cannot read"
                return Link(UNCHECKED, reason)
        else:
            given, values, missing = stated_for(self.stated, (a, b), self.at_line, self._named.get)
            result = self._link(a, b, chain, (*conditions, *self.row_conditions, *given))
            if result.verdict == WRONG and missing:
                # The post put in values it gave only in words ("every target is the next input").
                unstated = ", ".join(latex(entry) for entry in missing[:4])
                reason = f"uses {unstated}, whose values the post does not give in its math"
                result = Link(UNCHECKED, reason)
            if values:
                result = replace(
                    result, detail=f"{result.detail}; with {', '.join(values)}, as the post states"
                )
            if self.row_conditions:
                stated = ", ".join(relation_text(c) for c in self.row_conditions)
                result = replace(result, detail=f"{result.detail}; under {stated}, as the formula states")
        result = self._ranges_shown(a, b, result)
        used = set().union(*(names_in(e) for e in (a, b) if isinstance(e, Basic)))
        # An assumption is shown wherever a proof relies on it, also through another definition.
        used |= {name_of(d.head) for d in self._relied_on(*(e for e in (a, b) if isinstance(e, Basic)))}
        shown = [self.assumed[name] for name in sorted(used) if name in self.assumed]
        if shown:
            return replace(result, detail=f"{result.detail}; assumes {'; '.join(shown)}")
        return result

    def _through_definitions(self, side: Basic) -> Basic:
        """``side`` with the post's definitions applied (σ(−1) with σ(z) = …, a with a = 0.75),
        a few levels deep; never a vector's value put in for its name inside p_k."""
        for _ in range(4):
            found = {}
            labels = {indexed.base.label for indexed in side.atoms(Indexed)}
            for atom in side.atoms(Symbol, Indexed, AppliedUndef) - labels:
                if isinstance(atom, AppliedUndef):
                    head = atom.func
                else:
                    head = atom.base if isinstance(atom, Indexed) else atom
                definition = self.definitions.get(head)
                if (
                    definition is not None
                    and definition.matches(atom)
                    and isinstance(definition.expression, Expr)
                    and not isinstance(definition.expression, MatrixBase)
                ):
                    found[atom] = definition.instance(atom)
            if not found:
                break
            side = side.xreplace(found)
        return side

    def _plugged_in(self, a, b) -> tuple[tuple, str] | None:
        """``-\\log p_2 = -\\log 0.242``: numbers put in for names a worked example printed. When
        one side is a number and the other one once the printed entries (p_2 of a printed
        vector p) go in, both are compared so; otherwise None."""
        if a.is_number == b.is_number:
            return None
        # Only what this section prints: a second example reuses the letters with other values.
        headings = [line for line in self.heading_lines if line <= self.at_line]
        entries = self.worked.entries(since=headings[-1] if headings else 0)
        a, b = _written_out(a), _written_out(b)  # Σ_{k=1}^{3} y_k log p_k: the three terms
        symbolic = b if a.is_number else a
        named = symbolic.atoms(Indexed)
        if not entries or not named or not named <= entries.keys():
            return None
        put = {name: entries[name][0] for name in named}
        if not symbolic.xreplace(put).is_number:
            return None
        shown = ", ".join(
            f"{name.base}_{name.indices[0]} = {float(entries[name][0]):g} (line {entries[name][1]})"
            for name in sorted(named, key=str)
        )
        return (a.xreplace(put), b.xreplace(put)), f"{shown}, as printed"

    def _ranged_shapes_differ(self, a, b) -> str | None:
        """N×H and H×N in a post whose N counts classes and H hidden units: two sizes of their
        own (ranges.py), so the two sides are not even of one shape for N ≠ H."""
        ranged = self.letters.ranged
        if ranged is None or not all(isinstance(side, (MatrixBase, MatrixExpr)) for side in (a, b)):
            return None
        bounds = {ranged.size, *(bound for _, bound in ranged.letters)}
        shapes = [tuple(side.shape) for side in (a, b)]
        sizes = [size for shape in shapes for size in shape]
        if shapes[0] == shapes[1] or not all(
            size == 1 or (isinstance(size, Symbol) and size.name in bounds) for size in sizes
        ):
            return None
        shown = " and ".join(f"{rows}×{cols}" for rows, cols in shapes)
        return f"the two sides have different shapes: {shown}"

    def _ranges_shown(self, a, b, result: Link) -> Link:
        """Name the ranges a decided link took for its indices (τ from 1 to T): learned from the
        post's sums (ranges.py), they are an assumption the report shows."""
        ranged = self.letters.ranged
        if ranged is None or result.verdict not in (PROVEN, WRONG):
            return result
        used = {str(s) for e in (a, b) if isinstance(e, Basic) for s in e.atoms(Symbol)}
        shown = ranged.shown(used)
        return replace(result, detail=f"{result.detail}; indices {shown}") if shown else result

    def _link(self, a, b, chain: Chain | None, conditions: tuple = ()) -> Link:
        link = self._link_any_function(a, b, chain, conditions)
        if link.verdict == WRONG:
            formless = self._named_functions_without_formula([e for e in (a, b) if isinstance(e, Basic)])
            if formless:
                # f, g, h of a rule stand for any function, so any one refutes the rule; ReLU or
                # GELU is one function, and a ✗ found with a function picked at random is a guess.
                # A proof holds for every function, so it stands.
                return Link(UNCHECKED, f"{', '.join(formless)}: a function the checker has no formula for")
        return link

    def _link_any_function(self, a, b, chain: Chain | None, conditions: tuple = ()) -> Link:
        conditions = tuple(conditions) + (chain.conditions if chain else ())
        if isinstance(a, Cases) or isinstance(b, Cases):
            return Link(UNCHECKED, "cases cannot be compared with each other")
        exprs = [e for e in (a, b) if isinstance(e, Basic)]
        if any(isinstance(e, MatrixBase) for e in exprs):
            parts = [e for m in exprs if isinstance(m, MatrixBase) for e in m]
        else:
            parts = exprs
        componentwise = self._componentwise(exprs) if len(exprs) == 2 else None
        if isinstance(componentwise, str):
            return Link(UNCHECKED, componentwise)
        if componentwise is not None:
            (a, b), index = componentwise
            shown = f"read component by component, {latex(a)} = {latex(b)} for every {index}"
            result = self._link(a, b, chain, conditions)
            return replace(result, detail=f"{result.detail}; {shown}")
        if len(exprs) == 2 and exprs[0] == exprs[1]:
            # σ(z) = 1/(1 + e^{−z}) is read with the σ the checker knows: both sides alike.
            return Link(PROVEN, "proven (both sides read as the same expression)")
        plugged = self._plugged_in(a, b) if len(exprs) == 2 else None
        if plugged is not None:
            (a, b), put = plugged
            link = self._link_any_function(a, b, chain, conditions)
            return replace(link, detail=f"{link.detail}; with {put}")
        worked = worked_values_agree(a, b, self.printed) if len(exprs) == 2 else None
        if worked is None and len(exprs) == 2 and _printed_number(a, b, self.printed):
            # σ(−1) = 0.2689 with the post's own σ, σ(a) = 0.6792 with a = 0.75: numbers once
            # the post's definitions are applied, and rounded as printed.
            through = tuple(self._through_definitions(side) for side in (a, b))
            worked = worked_values_agree(*through, self.printed)
            # −p_1 p_2 = −0.659 × 0.242 with p given in words: numbers put in for names whose
            # values the post does not print in its math. Not an identity to refute.
            if worked is None and any(_quantities(side) for side in through):
                unknown = sorted(set().union(*(_quantities(side) for side in (a, b))))
                return Link(
                    UNCHECKED,
                    f"puts numbers in for {', '.join(unknown)}, "
                    "whose values the post does not give in its math",
                )
        if worked is not None:
            agrees, how = worked
            return Link(PROVEN if agrees else WRONG, how)
        # σ'(z) = … = σ(z)(1 − σ(z)): z is still the variable the chain differentiates by.
        variable = (chain.variable,) if chain is not None and chain.variable is not None else ()
        undefined = self._undefined(*parts, variables=variable)
        if undefined and self._assume_standard(undefined, parts):
            undefined = self._undefined(*parts, variables=variable)
        if undefined:
            return Link(
                UNCHECKED, f"{', '.join(undefined)} not defined before this line", later=(a, b, conditions)
            )
        other_setting = self._index_counts_differ(parts)
        if other_setting is not None:
            return self.one_step(parts, other_setting)
        if any(is_vector(e) for e in parts):
            return Link(UNCHECKED, "a vector without an index; write one component")
        mismatch = shape_mismatch(a, b) or self._ranged_shapes_differ(a, b)
        if mismatch is not None:
            return Link(WRONG, mismatch)
        proof = self._prove(a, b, conditions)
        if proof.verified:
            return Link(PROVEN, method_text(proof))
        labels = self._labels()
        if labels is not None:
            sums_to_one = labels_sum_to_one(labels, self.letters)
            constrained = self._prove(a, b, (*conditions, *sums_to_one))
            if constrained.verified:
                if self.assumption:
                    uses = f"uses Σ {name_of(labels)} = 1 ({self.assumption})"
                    return Link(PROVEN, f"{method_text(constrained)}; {uses}")
                unstated = f"one-hot {name_of(labels)}"
                return Link(
                    UNCHECKED, f"{HOLDS_ONLY} if the labels sum to 1 ({unstated}); the post does not say so"
                )
            if self.assumption:
                # The post says the labels sum to one: a counterexample must keep to that too.
                conditions, proof = (*conditions, *sums_to_one), constrained
        renamed = same_count_renamed(a, b)
        if renamed is not None:
            b_renamed, shown = renamed
            again = self._prove(a, b_renamed, conditions)
            if again.verified:
                return Link(PROVEN, f"{method_text(again)}; assumes {shown}")
        if proof.counterexample is not None:
            cases = {kind: self._index_case(a, b, conditions, kind) for kind in ("ne", "eq")}
            for kind, case in cases.items():
                if case is None or not case[1].verified:
                    continue
                relation, restricted = case
                stated = self._stated_case(kind, relation)
                if stated is not None:
                    return Link(PROVEN, f"{method_text(restricted)}; uses {relation}: {stated}")
                other = cases["eq" if kind == "ne" else "ne"]
                said = self._stated_case("eq" if kind == "ne" else "ne", other[0]) if other else None
                if said is not None and other[1].counterexample is not None:
                    # The prose puts the step in the other case, where it is wrong.
                    detail = f"{other[1].reason} when {other[0]}, the case {said}"
                    return Link(WRONG, detail, other[1].counterexample)
                return Link(UNCHECKED, f"{HOLDS_ONLY} when {relation}, which the post does not state")
            return Link(WRONG, proof.reason + self._correction(a, b, conditions), proof.counterexample)
        return Link(UNCHECKED, proof.reason)

    def _componentwise(self, exprs: list) -> tuple | str | None:
        """``∂L/∂z = ŷ − y`` in a post whose z, ŷ and y are families (z_i, ŷ_i, y_i): the
        statement for one component, ``∂L/∂z_i = ŷ_i − y_i``, and its index; a reason where the
        letters are families but the statement is not entrywise; None where it has no such letter.
        """
        if any(not isinstance(e, Basic) or isinstance(e, (MatrixBase, MatrixExpr)) for e in exprs):
            return None
        families = self._vector_families()
        # A derivative's variable is not among its free symbols (∂L/∂z is free of z).
        variables = {
            v for e in exprs for d in e.atoms(Derivative) for v in d.variables if isinstance(v, Symbol)
        }
        candidates = variables.union(*(bare_symbols(e) for e in exprs))
        vectors = {s for s in candidates if str(s) in families and not s.is_integer}
        if not vectors or variables - vectors:
            return None  # ∂L/∂b with a scalar b is no vector statement, whatever else it holds
        indexed = {name_of(atom.base) for e in exprs for atom in e.atoms(Indexed)}
        if {str(v) for v in vectors} & indexed:
            return None  # L = Σ_τ L_τ: a letter beside its own entries is a scalar of that name
        for expr in exprs:
            for node in preorder_traversal(expr):
                if isinstance(node, Derivative) and (
                    bare_symbols(node.expr) & vectors or len(node.variables) != 1
                ):
                    return "a derivative of a vector (a Jacobian) or a mixed one, read as vectors"
                if isinstance(node, Mul) and sum(bool(bare_symbols(f) & vectors) for f in node.args) > 1:
                    return "a product of two vectors (entrywise, or a dot product?)"
                if isinstance(node, Pow) and bare_symbols(node.base) & vectors:
                    return "a power of a vector (entrywise, or a norm?)"
                if isinstance(node, Sum) and bare_symbols(node) & vectors:
                    return "a vector inside a sum"
        used = {str(s) for e in exprs for s in e.free_symbols}
        letters = ("i", "j", "k", *sorted(self.letters.index_letters - {"i", "j", "k"}), "a", "b")
        free = [letter for letter in letters if letter not in used]
        if not free:
            return "a vector statement that uses every index letter"
        index = Symbol(free[0], integer=True, positive=True)
        entries = {v: IndexedBase(str(v))[index] for v in vectors}
        return tuple(e.xreplace(entries) for e in exprs), index

    def _index_counts_differ(self, parts) -> str | None:
        """``∂L/∂z_i`` in a post that defines z_{τ,i}: the family with fewer indices than its
        definition is another quantity (one example's logits, quoted), not an entry of it."""
        defined = {
            name_of(d.name.base): len(d.name.indices)
            for d in self.definitions.values()
            if isinstance(d.name, Indexed)
        }
        for expr in parts:
            if not isinstance(expr, Basic):
                continue
            for atom in expr.atoms(Indexed):
                count = defined.get(name_of(atom.base))
                if count is not None and count != len(atom.indices):
                    return (
                        f"{latex(atom)} has {len(atom.indices)} index where the post defines {atom.base} "
                        f"with {count}: another setting than the post's definitions"
                    )
        return None

    def _named_functions_without_formula(self, parts) -> list[str]:
        """Functions named by a word (ReLU, GELU, mystery) that a statement reaches, directly or
        through a definition, and that neither the post nor the checker defines."""
        exprs = [p for p in parts if isinstance(p, Basic)]
        reached = [*exprs, *(d.expression for d in self._relied_on(*exprs))]
        return sorted(
            {
                call.func.__name__
                for expr in reached
                if isinstance(expr, Basic)
                for call in expr.atoms(AppliedUndef)
                if len(call.func.__name__) > 1 and call.func not in self.definitions
            }
        )

    def _vector_families(self) -> set[str]:
        """The names the definitions so far use with one index and never on their own."""
        # Asked at every link: kept until a definition comes or goes (each has its own serial).
        state = frozenset(self._serial.values())
        if self._families_of is not None and self._families_of[0] == state:
            return self._families_of[1]
        families, scalars = set(), set()
        for definition in self.definitions.values():
            for expr in (definition.name, definition.expression):
                if isinstance(expr, Basic):
                    families |= {name_of(a.base) for a in expr.atoms(Indexed) if len(a.indices) == 1}
                    scalars |= {str(s) for s in bare_symbols(expr) if not s.is_integer}
        self._families_of = (state, families - scalars)
        return families - scalars

    def _correction(self, a, b, conditions) -> str:
        """``; expected: -p_i p_j``: the wrong side with the one slip undone that makes it right.

        The slips people make are tried, in the post's own letters: the sign of the whole side
        or of one term, and two indices swapped. Nothing is shown when none of them is right.
        """
        if not (isinstance(a, Basic) and isinstance(b, Basic)) or isinstance(b, MatrixBase):
            return ""
        for candidate in _slips_undone(b, a, self.letters.size):
            if self._prove(a, candidate, conditions).verified:
                return f"; expected: {latex(candidate)}"
        return ""

    def _stated_case(self, kind: str, relation: str) -> str | None:
        """Where the prose puts the steps in the case ``kind`` ("ne" or "eq") of their two
        indices, and names those two indices if it names any."""
        pair = set(relation.replace("≠", "=").split(" = "))
        for case in (self.prose_case, self.case_after):
            if case is not None and case.relation == kind and (case.pair is None or set(case.pair) == pair):
                return case.shown()
        return None

    def _index_case(self, a, b, conditions, kind: str):
        """A statement about two free indices proven where they differ ("ne") or agree ("eq"):
        the relation as shown, and the proof; None unless it has exactly two free indices."""
        parts = [e for e in (a, b) if isinstance(e, Basic)]
        indices = [i for i in sorted(index_symbols(*parts), key=str) if i != self.letters.size]
        if len(indices) != 2 or any(isinstance(c, (Eq, Ne)) and c.args[0] in indices for c in conditions):
            return None
        if not (isinstance(a, Basic) and set(indices) <= set(index_symbols(a))):
            return None  # ∂p_j/∂z_j = p_i(1 − p_i) is an index slip, not a statement with two cases
        relation = (Ne if kind == "ne" else Eq)(*indices)
        shown = f"{indices[0]} {'≠' if kind == 'ne' else '='} {indices[1]}"
        return shown, self._prove(a, b, (*conditions, relation))

    def cases(self, a, cases: Cases, chain: Chain) -> Link:
        results = []
        stated = [c.condition for c in cases.branches if c.condition is not None]
        for branch in cases.branches:
            if branch.condition is not None:
                condition = (branch.condition,)
                text = relation_text(branch.condition)
            elif len(stated) == 1 and isinstance(stated[0], Eq):
                condition = (Ne(*stated[0].args),)
                text = f"otherwise ({relation_text(condition[0])})"
            else:
                return Link(UNCHECKED, "cannot tell what 'otherwise' excludes")
            link = self.link(a, branch.value, chain, condition)
            results.append((text, link))
        for text, link in results:
            if link.verdict == WRONG:
                return Link(WRONG, f"case {text}: {link.detail}", link.counterexample)
        for text, link in results:
            if link.verdict != PROVEN:
                return Link(link.verdict, f"case {text}: {link.detail}")
        return Link(PROVEN, "; ".join(f"case {text}: {link.detail}" for text, link in results))


def relevant(conditions: tuple, a, b, definitions) -> tuple:
    """The conditions that speak of the statement: ``i = j`` under a "Case i = j" heading says
    nothing about ∂p_i/∂z_i, and a j free in the proof would leave every case unevaluated."""
    present = set()
    for expr in (a, b, *(d.expression for d in definitions), *(d.name for d in definitions)):
        if isinstance(expr, Basic):
            present |= expr.atoms(Symbol)  # not free_symbols: ∂p_i/∂z_j has no free j
    kept = []
    for condition in conditions:
        indices = {s for s in condition.free_symbols if isinstance(s, Symbol) and s.is_integer}
        if isinstance(condition, (Eq, Ne)) and not indices <= present:
            continue
        kept.append(condition)
    return tuple(kept)


def same_count_renamed(a, b):
    """``Σ_{j=1}^{n}`` where the line it follows sums ``Σ_{j=1}^{c}``: b with n read as c, or None.

    Posts switch the letter for the number of classes between lines; when each side sums to one
    letter of its own, the second is read as the first, and the reading says so.
    """
    if not (isinstance(a, Basic) and isinstance(b, Basic)):
        return None
    limits_a = {total.limits[0][2] for total in a.atoms(Sum)}
    limits_b = {total.limits[0][2] for total in b.atoms(Sum)}
    if len(limits_a) != 1 or len(limits_b) != 1 or limits_a == limits_b:
        return None
    (count_a,), (count_b,) = limits_a, limits_b
    if not (isinstance(count_a, Symbol) and isinstance(count_b, Symbol)):
        return None
    renamed = b.replace(
        lambda e: isinstance(e, Sum) and e.limits[0][2] == count_b,
        lambda e: e.func(e.function, *((v, lo, count_a if hi == count_b else hi) for v, lo, hi in e.limits)),
    )
    return renamed, f"the sum to {count_b} counts the same {count_a} terms as the line before"


def method_text(proof: Proof) -> str:
    return f"proven ({proof.method})"


def is_vector(expr: Basic) -> bool:
    """A family used without an index (``∂L/∂z``): a vector statement the checker does not read."""
    return bool(bare_symbols(expr) & {a.base.label for a in expr.atoms(Indexed)})


def shape_mismatch(a, b) -> str | None:
    """ "a column vector equals a row vector": two shapes that differ in which sides are 1.

    Only that is certain: N×1 and M×1 may be the same size, but never N×1 and 1×N (N ≥ 2 classes).
    """
    shapes = [side.shape if isinstance(side, (MatrixBase, MatrixExpr)) else None for side in (a, b)]
    if None in shapes or shapes[0] == shapes[1]:
        return None
    (rows_a, cols_a), (rows_b, cols_b) = shapes
    if (rows_a == 1) != (rows_b == 1) or (cols_a == 1) != (cols_b == 1):
        shown = " and ".join(f"{rows}×{cols}" for rows, cols in shapes)
        return f"the two sides have different shapes: {shown}"
    return None


def relation_text(relation) -> str:
    a, b = relation.args
    return f"{a} {'=' if isinstance(relation, Eq) else '≠'} {b}"


#: Candidate corrections tried for one wrong link, at most (each is a proof).
MAX_CORRECTIONS = 8


def _slips_undone(side: Basic, other: Basic, size: Symbol) -> list:
    """``side`` with one common slip undone: the sign of everything, of one term, or two of the
    indices of the statement (``other`` is its other side) exchanged."""
    candidates = [-side]
    terms = Add.make_args(side)
    if len(terms) > 1:
        candidates += [side - 2 * term for term in terms]
    symbols = set().union(
        *(e.free_symbols for e in (side, other)),
        *(v.free_symbols for d in other.atoms(Derivative) for v in d.variables),  # ∂p_i/∂z_j: j too
    )
    indices = sorted((s for s in symbols if isinstance(s, Symbol) and s.is_integer and s != size), key=str)
    for first, second in itertools.combinations(indices, 2):
        candidates.append(side.xreplace({first: second, second: first}))
    unique = []
    for candidate in candidates:
        if candidate != side and candidate not in unique:
            unique.append(candidate)
    return unique[:MAX_CORRECTIONS]


def _printed_number(a: Basic, b: Basic, printed: dict) -> bool:
    """Whether one side is a number written with decimals: one the post printed (0.6792), or a
    product of such that SymPy has already multiplied out (−0.659 × 0.242 is −0.159478)."""
    for side in (a, b):
        if side.is_number and any(
            abs(atom) in printed or _terminating(atom) for atom in side.atoms(Rational) | {side}
        ):
            return True
    return False


def _terminating(number) -> bool:
    """A fraction that is a decimal with a point (0.159478), not a whole number or 1/3."""
    if not isinstance(number, Rational) or number.is_Integer:
        return False
    q = int(number.q)
    for prime in (2, 5):
        while q % prime == 0:
            q //= prime
    return q == 1


def _quantities(side: Basic) -> set[str]:
    """The names ``side`` still has, by family (z of z_1): what would need a value to make it a
    number."""
    labels = {indexed.base.label for indexed in side.atoms(Indexed)}
    names = {str(indexed.base) for indexed in side.atoms(Indexed)}
    names |= {name_of(atom) for atom in side.atoms(Symbol) - labels if not atom.is_integer}
    return names | {name_of(call.func) for call in side.atoms(AppliedUndef)}


def _written_out(side: Basic) -> Basic:
    """``side`` with every sum of concrete limits written out term by term (at most 50 terms)."""
    sums = {
        total: total.doit()
        for total in side.atoms(Sum)
        if all(bound.is_Integer for _, low, high in total.limits for bound in (low, high))
        and all(0 <= high - low < 50 for _, low, high in total.limits)
    }
    return side.xreplace(sums) if sums else side
