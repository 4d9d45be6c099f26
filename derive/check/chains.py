"""Judging chains: a row ``a = b = c``, a continuation ``= d``, links followed from the last line that
was right, and mistakes reported where they start."""

from __future__ import annotations

from dataclasses import dataclass

from sympy import (
    Basic,
    Derivative,
    Expr,
    Integer,
    MatrixBase,
    Symbol,
)
from sympy.core.function import AppliedUndef
from sympy.matrices.expressions import MatrixExpr, MatrixSymbol

from derive.check.definitions import names_in
from derive.check.findings import NOTE, PROVEN, UNCHECKED, WRONG, Finding, Link, holds_under_a_condition
from derive.check.layout import Piece
from derive.check.reader import Cases, Statement
from derive.check.relations import numbers_only
from derive.check.understand import printed_decimals

RECENT_CHAINS = 8


@dataclass
class Chain:
    head: Expr
    last: Expr
    anchor: Expr  # the last expression known to equal the head
    anchor_line: int
    last_good: bool | None  # None: not known, after a step that could not be checked
    variable: Expr | None
    line: int
    conditions: tuple = ()
    last_finding: Finding | None = None
    error_line: int | None = None  # where the first wrong link of the chain is
    #: Whether the anchor is a line proven from the head, not the head itself: only then is a
    #: line after a wrong one measured against it (a wrong first link may be a typo in the head).
    anchor_proven: bool = False


def after_link(good: bool | None, verdict: str) -> bool | None:
    """Whether a chain is still right after a link: a wrong link makes it wrong, a ? unknown."""
    if verdict == WRONG:
        return False
    if verdict == PROVEN:
        return good
    return None if good is not False else False


def shared_quantities(chain: Chain, side) -> int:
    """How many quantities (not indices) a chain's expressions and a new side have in common."""

    def quantities(expr) -> set[str]:
        if not isinstance(expr, Basic):
            return set()
        indices = {str(s) for s in expr.atoms(Symbol) if s.is_integer}
        return set(names_in(expr)) - indices

    return len((quantities(chain.head) | quantities(chain.last)) & quantities(side))


def split_run_in(sides: list) -> tuple[list, list]:
    """``a = b · d(log x)/dx = … = 1/x``: a side note about x run into the equation before it."""
    for position in range(1, len(sides) - 1):
        side = sides[position]
        if not isinstance(side, Basic) or isinstance(side, MatrixBase):
            continue
        derivatives = sorted(side.atoms(Derivative), key=str)
        for factor in derivatives:
            variable = factor.variables[0]
            # ∂L/∂ŷ · ∂ŷ/∂w is the chain rule through ŷ, not a side note about ŷ.
            through = any(other.expr.has(variable) for other in derivatives if other != factor)
            if (
                isinstance(variable, Symbol)
                and not through
                and all(not (isinstance(s, Basic) and s.has(variable)) for s in sides[:position])
            ):
                return [*sides[:position], side.xreplace({factor: Integer(1)})], [
                    factor,
                    *sides[position + 1 :],
                ]
    return sides, []


@dataclass(frozen=True)
class Shown:
    """How a link is shown in the report, and the lines of the side it reaches."""

    text: str
    first: int
    last: int


def whole(piece: Piece, count: int) -> list[Shown]:
    """``count`` links each shown as the whole row."""
    return [Shown(piece.source, piece.first_line or piece.line, piece.line)] * count


def sources_of(piece: Piece, sides: list, spans, new: bool) -> list[Shown]:
    """How each link of a row is shown: ``a = b`` for the first of a new chain, ``= c`` after,
    on the lines of the side it reaches (``&= …`` on the line below its left-hand side)."""
    if spans is None or piece.first_line:  # a row glued from two blocks: show it whole
        return whole(piece, len(sides))
    row_start = piece.tokens[0].start

    def lines(span) -> tuple[int, int]:
        first = piece.line + piece.text.count("\n", row_start, span[0])
        return first, first + piece.text.count("\n", span[0], span[1])

    if not new:
        return [Shown(f"= {piece.excerpt(*span)}", *lines(span)) for span in spans]
    first = piece.excerpt(spans[0][0], spans[1][1]) if len(spans) > 1 else piece.source
    reached = spans[1] if len(spans) > 1 else spans[0]
    return [Shown(first, *lines(reached))] + [
        Shown(f"= {piece.excerpt(*span)}", *lines(span)) for span in spans[2:]
    ]


def variable_of(head) -> Expr | None:
    if isinstance(head, Basic):
        for derivative in head.atoms(Derivative):
            return derivative.variables[0]
    return None


def _is_matrix(value) -> bool:
    return isinstance(value, (MatrixBase, MatrixExpr))


class ChainRules:
    """Statements and the chains they make, judged by :class:`~derive.check.judge._Judge`."""

    def statement(self, piece: Piece, statement: Statement, current: Chain | None) -> Chain | None:
        sides = statement.sides
        if statement.relation != "eq" or (len(sides) == 1 and not statement.continues):
            what = (
                "a relation, not an identity"
                if statement.relation != "eq"
                else "an expression, not an equation"
            )
            self.note(piece.line, piece.label, piece.source, NOTE, what)
            return None
        spans = statement.spans if len(statement.spans) == len(sides) else None
        if not statement.continues:
            self.worked.row(sides, piece, printed_decimals(piece.tokens), len(self.findings))
        if statement.continues:
            return self.continuation(piece, sides, current, sources_of(piece, sides, spans, new=False))
        head = sides[0]
        if isinstance(head, Cases):
            self.note(piece.line, piece.label, piece.source, UNCHECKED, "cases on the left-hand side")
            return None
        if len(sides) == 2 and self._defines(head, sides[1]):
            self.define(piece, head, sides[1])
            return None
        if len(sides) == 2 and isinstance(head, MatrixSymbol) and not numbers_only(sides[1]):
            self.vector_defined(head)
        if (
            len(sides) > 2
            and self._defines(head, sides[1])
            and not self._known_here(head, sides[1], piece.line)
        ):
            # y_i = e^{a_i}/Σ_j e^{a_j} = 1 − …: the first equality defines y, the rest is a chain.
            self.define(piece, head, sides[1])
            rest = sides[1:]
            chain = Chain(rest[0], rest[0], rest[0], piece.line, True, None, piece.line, self.case)
            if piece.role == "main":
                self.chains.append(chain)
            self.follow(piece, chain, rest[1:], sources_of(piece, sides, spans, new=True)[1:])
            return chain
        if any(numbers_only(s) for s in sides):
            self.note(piece.line, piece.label, piece.source, NOTE, "values of a worked example")
            return None
        sides, side_note = split_run_in(sides)
        chain = Chain(head, head, head, piece.line, True, variable_of(head), piece.line, self.case)
        if piece.role == "main":  # side notes are never continued by a later block
            self.chains.append(chain)
        sources = sources_of(piece, sides, spans, new=True) if not side_note else whole(piece, len(sides))
        self.follow(piece, chain, sides[1:], sources)
        if side_note:
            note_chain = Chain(side_note[0], side_note[0], side_note[0], piece.line, True, None, piece.line)
            self.follow(piece, note_chain, side_note[1:], whole(piece, len(side_note)), side=True)
        return chain

    def continuation(self, piece: Piece, sides: list, current: Chain | None, sources: list) -> Chain | None:
        """``= b``: continue the chain of the row above, or of a recent block if it follows from that."""
        if current is not None:
            self.follow(piece, current, sides, sources)
            return current
        recent = list(reversed(self.chains[-RECENT_CHAINS:]))
        # Under "Case i ≠ j" a line does not go on with a chain of the case i = j.
        candidates = recent[:1] + [chain for chain in recent[1:] if chain.conditions == self.case]
        if not candidates:
            self.note(
                piece.line, piece.label, piece.source, UNCHECKED, "begins with = but nothing comes before it"
            )
            return None
        nearest = candidates[0]
        # A row that follows from the one before under a condition the post does not state (Σ y = 1)
        # goes on with that chain: it is ? there, never compared with another derivation.
        if (
            not isinstance(sides[0], Cases)
            and (link := self.link(nearest.last, sides[0], nearest)).verdict != PROVEN
            and not holds_under_a_condition(link)
        ):
            for candidate in candidates[1:]:
                if self.link(candidate.last, sides[0], candidate).verdict == PROVEN:
                    where = f"continues the equation on line {candidate.line}"
                    wrong = candidate.last_finding
                    if candidate.last == sides[0] and wrong is not None and wrong.verdict == WRONG:
                        # Written again in a later block, a wrong line is still wrong.
                        detail = f"restates line {wrong.line}, which is wrong: {wrong.detail}"
                        label = piece.label if len(sides) == 1 else None
                        self._record(
                            piece, label, sources[0], Link(WRONG, detail, wrong.counterexample), where, False
                        )
                        if len(sides) > 1:
                            self.follow(piece, candidate, sides[1:], sources[1:])
                        return candidate
                    self.follow(piece, candidate, sides, sources, note=where)
                    return candidate
            # It follows from none: it goes on with the derivation it is about, the recent chain
            # that shares the most quantities with it (not a side formula in between).
            # A scalar row does not go on with a matrix (∂L/∂V = Σ_τ …), nor the reverse.
            alike = [chain for chain in candidates if _is_matrix(chain.last) == _is_matrix(sides[0])]
            about = max(alike or candidates, key=lambda chain: shared_quantities(chain, sides[0]))
            if about is not nearest and shared_quantities(about, sides[0]) > shared_quantities(
                nearest, sides[0]
            ):
                self.follow(piece, about, sides, sources, note=f"continues the equation on line {about.line}")
                return about
        self.follow(piece, nearest, sides, sources)
        return nearest

    def follow(self, piece: Piece, chain: Chain, sides: list, sources: list, note="", side=False) -> None:
        """Link each of ``sides`` to the chain's last expression; ``sources`` shows each link."""
        for number, side_value in enumerate(sides):
            label = piece.label if number == len(sides) - 1 else None
            source = sources[number]
            if isinstance(side_value, Cases):
                link = self.cases(chain.last, side_value, chain)
                self._record(piece, label, source, link, note, side)
                continue
            link = self.link(chain.last, side_value, chain)
            follows_anchor = None
            if link.verdict != PROVEN and chain.last_good is False:
                retry = self.link(chain.anchor, side_value, chain)
                if retry.verdict == PROVEN:
                    follows_anchor = retry
            if link.verdict == PROVEN and chain.last_good is False and chain.anchor_proven:
                # It follows from a wrong line: it carries that mistake, once checked against the
                # last line that was right (a restated wrong line is not right by repetition).
                carried = self.link(chain.anchor, side_value, chain)
                if carried.verdict == WRONG:
                    where = chain.error_line or chain.anchor_line
                    link = Link(
                        WRONG,
                        f"inherited from line {where}: it follows from the line before, but against "
                        f"line {chain.anchor_line}, {carried.detail}",
                        carried.counterexample,
                    )
            if follows_anchor is not None:
                previous = chain.last_finding.line if chain.last_finding is not None else None
                # Prose before this row stands between it and a wrong line above, not a side.
                words_between = self.after_prose and previous != source.last
                if link.verdict == WRONG and previous is not None and not words_between:
                    # The step as written does not hold: the line differs from the one before it.
                    # That it is right again (a second mistake cancels the first, or the line
                    # before was a typo) is said, and the chain goes on from here. With words
                    # between ("the correct result is"), the post has left the wrong line itself.
                    before = "the side before it" if previous == source.last else f"line {previous}"
                    undone = (
                        f"does not follow from {before} ({link.detail}), though it agrees "
                        f"with line {chain.anchor_line} again: the mistake is undone here"
                    )
                    shown = Link(WRONG, undone, link.counterexample)
                else:
                    where = f"follows from line {chain.anchor_line}, not from the wrong line before it"
                    shown = Link(PROVEN, f"{follows_anchor.detail}; {where}")
                self._record(piece, label, source, shown, note, side)
                chain.last_good = True
                chain.error_line = None  # back on track: a later mistake starts where it is made
            else:
                if link.verdict == WRONG and chain.error_line is None:
                    chain.error_line = source.last
                self._record(piece, label, source, link, note, side)
                alone = len(sides) == 1 and chain.last == chain.head  # a claim of one link
                if link.later is not None and link.verdict == UNCHECKED and alone:
                    self.deferred.append((len(self.findings) - 1, link.later, chain))
                chain.last_good = after_link(chain.last_good, link.verdict)
            chain.last = side_value
            chain.last_finding = self.findings[-1]
            if chain.last_good:
                chain.anchor, chain.anchor_line = side_value, source.last
                chain.anchor_proven = True
            note = ""

    def _record(self, piece: Piece, label, source: Shown, link: Link, note: str, side: bool) -> None:
        detail = link.detail
        if side:
            detail = f"side note; {detail}"
        if note:
            detail = f"{detail}; {note}"
        first = source.first if source.first != source.last else 0
        self.note(source.last, label, source.text, link.verdict, detail, link.counterexample, first)

    def premise(self, piece: Piece, statement: Statement) -> None:
        """``f(x) = g(x)/h(x) →``: f is g/h in what follows on this row."""
        sides = statement.sides
        if len(sides) == 2 and isinstance(sides[0], AppliedUndef):
            self.local[sides[0]] = sides[1]
            self.note(piece.line, piece.label, piece.source, NOTE, "premise of a side note")
        else:
            self.statement(piece, statement, None)
