"""Judging a post: every statement proven (✓), refuted with a counterexample (✗) or left open (?).

The post is read in order, as a reader would. Definitions (``p_i = …``, ``S = …``, ``L = …``)
are learned as they come and used for every later step. A row that begins with ``=`` continues
a chain; a link that fails is reported, and the chain goes on from the last expression that
was right, so one slip is reported once, on its own line.
"""

from __future__ import annotations

import itertools
import math
import re
import signal
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, replace

from sympy import (
    Basic,
    Derivative,
    Dummy,
    Eq,
    Expr,
    Indexed,
    IndexedBase,
    Integer,
    MatrixBase,
    Mul,
    Ne,
    Sum,
    Symbol,
    log,
)
from sympy.core.function import AppliedUndef
from sympy.core.symbol import Str

from derive import proofcache
from derive.algebra import Context, Definition, index_symbols
from derive.check.extract import Block, inline_claims, read_post
from derive.check.layout import Piece, pieces
from derive.check.reader import (
    SYMPY_FAILURES,
    Cases,
    Letters,
    PostNames,
    Reader,
    Statement,
    Unreadable,
    read_readings,
)
from derive.check.reading import learn_names
from derive.check.understand import ProseCase, prose_case, standard_definition, worked_values_agree
from derive.proofcache import ProofCache
from derive.verify import Counterexample, Proof, Verifier

# What bounds the time and memory of checking one post (tested in tests/test_check_scale.py):
#
# - Time. Every proof, and the reading of every statement, runs under STEP_SECONDS and under
#   what is left of the post's POST_SECONDS (``_Judge.seconds_left``); once those are spent,
#   every step left is reported ? with the reason, so no post runs on for hours, whatever it
#   holds. Finding the math (extract.py, layout.py) runs under POST_SECONDS too. What runs
#   between proofs is linear in the post: a proof gets only the definitions its statement
#   relies on (``_Judge._relied_on``), and the names and labels known so far are kept up to
#   date as definitions come, so a step late in a long post costs what it costs early on.
#   The limits need SIGALRM, so the main thread; elsewhere the budget is kept between proofs.
# - Memory. The post and its findings (linear); the proof memo, at most PROOF_MEMO_ENTRIES
#   statements (each of at most reader.MAX_TOKENS tokens) with the definitions they rely on;
#   and caches bounded by entry count: SymPy's LRU cache (SYMPY_CACHE_SIZE, 1000 per
#   function) and the lru_caches of derive.algebra and derive.verify.

#: Longest time for one proof, and for reading one statement.
STEP_SECONDS = 10
#: Longest time for one post. Thousands of steps that each take nearly STEP_SECONDS would
#: otherwise take hours; a 2,000-equation post takes about a minute.
POST_SECONDS = 600
#: Proofs kept in memory, shared by the posts of one process (one derivation in several
#: formats and languages is checked once); all are dropped when it is full.
PROOF_MEMO_ENTRIES = 20_000
_PROOFS: dict = {}
RECENT_CHAINS = 8

PROVEN, WRONG, UNCHECKED, DEFINITION, NOTE = "proven", "wrong", "unchecked", "definition", "note"
MARKS = {PROVEN: "✓", WRONG: "✗", UNCHECKED: "?", DEFINITION: "≔", NOTE: "·"}

_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t].*$|\\(?:sub)*section\*?\{.*$|<h[1-6][^>]*>.*?</h[1-6]>", re.M)
_INDEX_RELATION = re.compile(r"(?<![A-Za-z\\])([a-z])\s*(=|\\neq\b|\\ne\b|≠|\\not\s*=)\s*([a-z])(?![A-Za-z])")
#: ``$r = 1$`` in prose, in the inline delimiters of Markdown, GitHub (``$`…`$``) and LaTeX (``\(…\)``).
_INDEX_VALUE = re.compile(r"(?:\$`?|\\\()\s*([a-z])\s*=\s*(\d{1,3})\s*(?:`?\$|\\\))")
# "The labels are one-hot" or "sum to one", in the four languages of the posts.
_ONE_HOT = re.compile(
    r"one[- ]?hot|one_hot|(?:sum|add)(?:s)?(?: up)? to (?:one|1)\b|원[- ]?핫|합이 1|총합은? 1|나머지는 0"
    r"|独热|和为 ?1|其余为 ?0|其余的为 ?0|ワンホット|one-hot|合計が ?1|総和が ?1|残りは ?0|それ以外は ?0",
    re.I,
)


@dataclass(frozen=True)
class Finding:
    """What the checker says about one equation (or one link of a chain) of the post."""

    line: int
    label: str | None
    source: str
    verdict: str
    detail: str
    counterexample: Counterexample | None = None
    #: For an equation that spans blocks (``= a`` and then ``+ b``), the line it begins on;
    #: ``line`` is the line that completes it, where a mistake in its last part shows.
    first_line: int = 0

    @property
    def lines(self) -> range:
        return range(min(self.line, self.first_line or self.line), self.line + 1)

    @property
    def mark(self) -> str:
        return MARKS[self.verdict]


@dataclass(frozen=True)
class FinalResult:
    line: int
    source: str
    agrees: bool | None
    detail: str


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    final: FinalResult | None
    assumption: str | None

    def count(self, verdict: str) -> int:
        return sum(f.verdict == verdict for f in self.findings)

    @property
    def steps(self) -> int:
        return sum(f.verdict in (PROVEN, WRONG, UNCHECKED) for f in self.findings)

    @property
    def wrong(self) -> bool:
        return self.count(WRONG) > 0


@dataclass
class _Chain:
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


def _after(good: bool | None, verdict: str) -> bool | None:
    """Whether a chain is still right after a link: a wrong link makes it wrong, a ? unknown."""
    if verdict == WRONG:
        return False
    if verdict == PROVEN:
        return good
    return None if good is not False else False


@dataclass
class _Link:
    verdict: str
    detail: str
    counterexample: Counterexample | None = None


def learn_letters(blocks: tuple[Block, ...]) -> Letters:
    """The letter for the number of classes and the letters used as indices, from all the math."""
    text = "\n".join(b.tex for b in blocks)
    bounds = Counter(
        re.findall(r"\\sum(?:\\limits)?\s*_\s*(?:\{[^{}]*\}|\w)\s*\^\s*\{?\s*([A-Za-z])\b", text)
    )
    ranked = [letter for letter, _ in bounds.most_common(2)]
    size = ranked[0] if ranked else "N"
    # A second bound (Σ_{j=1}^{M} W_{ij} x_j) counts the columns of a weight matrix.
    columns = Symbol(ranked[1], integer=True, positive=True) if len(ranked) > 1 else None
    letters = set(re.findall(r"_\s*([a-z])(?![a-zA-Z])", text))
    for group in re.findall(r"_\s*\{([^{}]*)\}", text):
        letters |= set(re.findall(r"(?<![\\A-Za-z])([a-z])(?![A-Za-z])", group))
    letters -= {"e", "x"}
    column_families, column_indices = set(), set()
    if columns is not None:
        # Σ_{j=1}^{M} … x_j: the families indexed by j alone, in the summand after the sum.
        for variable, summand in re.findall(
            rf"\\sum(?:\\limits)?\s*_\s*\{{\s*([a-z])\s*=\s*1\s*\}}\s*\^\s*\{{?\s*{columns.name}\b\}}?(.{{0,80}})",
            text,
        ):
            column_indices.add(variable)
            families = re.findall(
                rf"((?:\\hat\{{)?[A-Za-z]\}}?)_\s*\{{?\s*{variable}(?![a-z,])\s*\}}?", summand
            )
            column_families |= {re.sub(r"\\hat\{(\w)\}", "\\1\u0302", f) for f in families}
    return Letters(
        Symbol(size, integer=True, positive=True),
        frozenset(letters),
        columns,
        frozenset(column_families),
        frozenset(column_indices),
    )


def check_text(text: str, suffix: str = ".md", *, cache: ProofCache | None = None) -> Report:
    """Read a post and judge every equation in it, in at most about POST_SECONDS.

    ``cache`` answers a statement proven by an earlier run (see :mod:`derive.proofcache`).
    """
    deadline = time.monotonic() + POST_SECONDS
    try:
        # Linear in the post; only hostile text (thousands of \[ that never close) is slow.
        with _time_limit(POST_SECONDS):
            post = read_post(text, suffix)
            claims = inline_claims(text, post)
            letters, assumption = learn_letters(post.blocks + claims), _assumption(post.prose, post.inline)
            blocks = _glued(tuple(sorted(post.blocks + claims, key=lambda block: block.line)))
            names = learn_names(
                (p.tokens for _, found in blocks if isinstance(found, list) for p in found),
                letters,
                conventions=True,
            )
    except _Expired:
        reason = f"not checked: finding the math of the post took more than {POST_SECONDS} s"
        return Report((Finding(1, None, "", UNCHECKED, reason),), None, None)
    judge = _Judge(letters, assumption, deadline, cache, names)
    for block, found in blocks:
        judge.block(block, found)
    return Report(tuple(judge.findings), judge.final_result(), judge.assumption)


def _assumption(prose: str, inline) -> str | None:
    """Where the post says the labels are one-hot or sum to one, if it does."""
    match = _ONE_HOT.search(prose)
    if match:
        return f"line {prose.count(chr(10), 0, match.start()) + 1}: “{match.group(0)}”"
    for line, tex in inline:
        if re.search(r"\\sum.*=\s*1\s*$", tex.strip()):
            return f"line {line}: ${tex.strip()}$"
    return None


def _glued(blocks: tuple[Block, ...]):
    """Blocks with their pieces; a block that begins with ``+`` is the end of the one before."""
    result: list[tuple[Block, list[Piece] | Unreadable]] = []
    for block in blocks:
        try:
            found: list[Piece] | Unreadable = pieces(block.tex, block.line, block.label)
        except Unreadable as error:
            found = error
        previous = result[-1] if result else None
        if (
            previous is not None
            and isinstance(found, list)
            and len(found) == 1
            and found[0].tokens[0].text == "+"
            and isinstance(previous[1], list)
            and previous[1]
            and not block.prose_before.strip()
        ):
            last = previous[1][-1]
            merged = Piece(
                found[0].line,
                last.tokens + found[0].tokens,
                f"{last.source} {found[0].source}",
                last.role,
                last.label,
                last.row,
                last.text,
                last.line,
            )
            previous[1][-1] = merged
            continue
        result.append((block, found))
    return result


class _Judge:
    def __init__(
        self,
        letters: Letters,
        assumption: str | None,
        deadline: float = math.inf,
        cache: ProofCache | None = None,
        names: PostNames | None = None,
    ) -> None:
        self.letters = letters
        self.names = names or PostNames()
        self.cache = cache
        self.assumption = assumption
        # By head, in the order the post gives them (a definition made anew moves to the end).
        self.definitions: dict[Basic, Definition] = {}
        self.defined_at: dict[Basic, int] = {}
        # Kept up to date as definitions come and go, so that no step has to look through all
        # of them: a step costs the same on line 10 as on line 10,000.
        self._serial: dict[Basic, int] = {}
        self._serials = itertools.count()
        self._named: dict[str, set] = {}  # name → the heads of that name (p of p_i, or a scalar p)
        self._uses: dict[Basic, frozenset] = {}  # head → the names in its definition
        self._names: Counter = Counter()  # how many definitions make each name known
        self._label_families: dict[Basic, Basic] = {}  # head of a loss → its label family
        self.deadline = deadline
        self.chains: list[_Chain] = []
        self.findings: list[Finding] = []
        self.local: dict = {}
        self.case: tuple = ()
        self.prose_case: ProseCase | None = None  # "if the indices differ", from the prose
        #: Conditions the formula of the row being judged states (``\\quad i = j``); None when
        #: it states one the checker cannot read.
        self.row_conditions: tuple | None = ()
        self.assumed: dict[str, str] = {}  # name → the standard definition taken for it, as shown

    # -- reading ---------------------------------------------------------------------------

    def block(self, block: Block, found) -> None:
        if block.inline:
            self.inline_claim(block, found)
            return
        if isinstance(found, Unreadable):
            self.note(block.line, block.label, " ".join(block.tex.split())[:80], UNCHECKED, str(found))
            return
        current: _Chain | None = None
        self.local = {}
        headings = _HEADING.findall(block.prose_before)
        if headings:
            self.case = self._case_of(headings[-1])
            self.prose_case = None  # a new section starts without the case of the one before
        # "Take the first class as the true one ($r = 1$)": an index fixed for this section.
        after_heading = _HEADING.split(block.prose_before)[-1]
        self.prose_case = prose_case(after_heading, self.letters.index_letters, self.prose_case)
        for letter, number in _INDEX_VALUE.findall(after_heading):
            if letter in self.letters.index_letters:
                index = Symbol(letter, integer=True, positive=True)
                # A later value of the same index replaces an earlier one; i ≠ r stays.
                kept = [
                    c
                    for c in self.case
                    if not (isinstance(c, Eq) and c.args[0] == index and c.args[1].is_Integer)
                ]
                self.case = (*kept, Eq(index, Integer(number)))
        broken = None  # the line of an unreadable row that later rows of the block continue
        for piece in found:
            continuing = piece.row > 0 and piece.role == "main" and current is not None
            variable = current.variable if current is not None else self._recent_variable()
            seconds = self.seconds_left()
            if seconds <= 0:
                self.note(piece.line, piece.label, piece.source, UNCHECKED, self.out_of_time())
                continue
            try:
                # Reading is fast on any real post, but nested fractions can be read in ways
                # that multiply with their depth.
                with _time_limit(min(STEP_SECONDS, seconds)):
                    statements, ambiguities, assumptions = read_readings(
                        list(piece.tokens), self.letters, variable, self.names
                    )
            except (Unreadable, _Expired) as error:
                if isinstance(error, Unreadable):
                    reason = str(error)
                elif seconds < STEP_SECONDS:
                    reason = self.out_of_time()
                else:
                    reason = f"could not be read in {STEP_SECONDS} s"
                self.note(piece.line, piece.label, piece.source, UNCHECKED, reason)
                if piece.role == "main":
                    broken, current = piece.line, None
                continue
            if statements[0].continues and piece.row > 0 and piece.role == "main" and broken is not None:
                self.note(
                    piece.line, piece.label, piece.source, UNCHECKED, "continues a row that could not be read"
                )
                continue
            first = len(self.findings)
            self.row_conditions = self._formula_conditions(piece)
            chain, agreed = self.readings(piece, statements, current if continuing else None)
            self.row_conditions = ()
            if not agreed:
                ways = "; ".join(ambiguities)
                reason = f"it can be read {len(statements)} ways ({ways}), and the readings disagree"
                self.note(piece.line, piece.label, piece.source, UNCHECKED, reason)
                if piece.role == "main":
                    broken, current = piece.line, None
                continue
            if assumptions:
                self._assumed(first, assumptions)
            if piece.role == "main" and chain is not None:
                current = chain

    def readings(self, piece: Piece, statements: list[Statement], current: _Chain | None):
        """Judge every reading of a row; keep the outcome only if all of them agree.

        Each reading is judged from the same state (definitions, chains, findings); when their
        verdicts differ, nothing of any of them is kept.
        """
        if len(statements) == 1:
            return self.one_reading(piece, statements[0], current), True
        before = self._state()
        outcomes = []
        for statement in statements:
            self._restore(before)
            self.one_reading(piece, statement, current)
            verdicts = [(f.line, f.verdict) for f in self.findings[len(before["findings"]) :]]
            # Two readings that define a name differently disagree, even if both are definitions.
            outcomes.append((verdicts, [(d.name, d.expression) for d in self.definitions.values()]))
        self._restore(before)
        if any(outcome != outcomes[0] for outcome in outcomes[1:]):
            return None, False
        return self.one_reading(piece, statements[0], current), True

    def one_reading(self, piece: Piece, statement: Statement, current: _Chain | None) -> _Chain | None:
        statement = self._localize(statement)
        try:
            if piece.role == "premise":
                self.premise(piece, statement)
                return None
            return self.statement(piece, statement, current)
        except (ArithmeticError, TypeError, ValueError, AttributeError, RecursionError) as error:
            # SymPy fails in many ways on odd input; that is an open question, never a pass.
            self.note(piece.line, piece.label, piece.source, UNCHECKED, f"could not be checked ({error})")
            return None

    def _assumed(self, first: int, assumptions: list[str]) -> None:
        """Show what the reading took for granted next to every finding of the row."""
        shown = "; ".join(assumptions)
        for number in range(first, len(self.findings)):
            finding = self.findings[number]
            if finding.verdict in (PROVEN, WRONG, UNCHECKED, DEFINITION):
                self.findings[number] = replace(finding, detail=f"{finding.detail}; read with {shown}")

    _STATE = ("definitions", "defined_at", "_serial", "_uses", "_label_families", "local", "assumed")

    def _state(self) -> dict:
        """What judging a row can change, copied so that it can be put back."""
        state = {name: dict(getattr(self, name)) for name in self._STATE}
        state["_named"] = {name: set(heads) for name, heads in self._named.items()}
        state["_names"] = Counter(self._names)
        state["chains"] = [(chain, dict(vars(chain))) for chain in self.chains]
        state["findings"] = list(self.findings)
        state["case"] = self.case
        return state

    def _restore(self, state: dict) -> None:
        for name in self._STATE:
            setattr(self, name, dict(state[name]))
        self._named = {name: set(heads) for name, heads in state["_named"].items()}
        self._names = Counter(state["_names"])
        for chain, fields in state["chains"]:
            vars(chain).update(fields)  # the same objects: the caller's current chain stays valid
        self.chains = [chain for chain, _ in state["chains"]]
        self.findings = list(state["findings"])
        self.case = state["case"]

    def inline_claim(self, block: Block, found) -> None:
        """A formula in a sentence: judged on its own, in the case its sentence states, as a side
        note that no later row continues; one that cannot be read is passed over, as prose."""
        if isinstance(found, Unreadable):
            return
        kept = (self.prose_case, self.case, list(self.chains))
        self.prose_case = prose_case(block.prose_before, self.letters.index_letters, None)
        try:
            self.block(replace(block, inline=False), [replace(piece, role="side") for piece in found])
        finally:
            self.prose_case, self.case, self.chains = kept

    def _case_of(self, heading: str) -> tuple:
        """``### Case $i \\neq j$``: a condition for the chains under that heading."""
        conditions = []
        for a, relation, b in _INDEX_RELATION.findall(heading):
            if a in self.letters.index_letters and b in self.letters.index_letters and a != b:
                x, y = (Symbol(n, integer=True, positive=True) for n in (a, b))
                conditions.append(Eq(x, y) if relation == "=" else Ne(x, y))
        return tuple(conditions)

    def _recent_variable(self):
        return self.chains[-1].variable if self.chains else None

    def seconds_left(self) -> float:
        return self.deadline - time.monotonic()

    def out_of_time(self) -> str:
        return f"not checked: the {POST_SECONDS} s allowed for one post ran out before this step"

    def _localize(self, statement: Statement) -> Statement:
        if not self.local:
            return statement
        sides = [s.xreplace(self.local) if isinstance(s, Basic) else s for s in statement.sides]
        return Statement(sides, statement.continues, statement.relation, statement.spans)

    def premise(self, piece: Piece, statement: Statement) -> None:
        """``f(x) = g(x)/h(x) →``: f is g/h in what follows on this row."""
        sides = statement.sides
        if len(sides) == 2 and isinstance(sides[0], AppliedUndef):
            self.local[sides[0]] = sides[1]
            self.note(piece.line, piece.label, piece.source, NOTE, "premise of a side note")
        else:
            self.statement(piece, statement, None)

    def note(
        self, line: int, label, source: str, verdict: str, detail: str, counterexample=None, first_line=0
    ) -> None:
        self.findings.append(Finding(line, label, source, verdict, detail, counterexample, first_line))

    # -- statements ------------------------------------------------------------------------

    def statement(self, piece: Piece, statement: Statement, current: _Chain | None) -> _Chain | None:
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
        if statement.continues:
            return self.continuation(piece, sides, current, _sources(piece, sides, spans, new=False))
        head = sides[0]
        if isinstance(head, Cases):
            self.note(piece.line, piece.label, piece.source, UNCHECKED, "cases on the left-hand side")
            return None
        if len(sides) == 2 and self._defines(head, sides[1]):
            self.define(piece, head, sides[1])
            return None
        if len(sides) > 2 and self._defines(head, sides[1]) and not self._known(head):
            # y_i = e^{a_i}/Σ_j e^{a_j} = 1 − …: the first equality defines y, the rest is a chain.
            self.define(piece, head, sides[1])
            rest = sides[1:]
            chain = _Chain(rest[0], rest[0], rest[0], piece.line, True, None, piece.line, self.case)
            if piece.role == "main":
                self.chains.append(chain)
            self.follow(piece, chain, rest[1:], _sources(piece, sides, spans, new=True)[1:])
            return chain
        if any(_numbers_only(s) for s in sides):
            self.note(piece.line, piece.label, piece.source, NOTE, "values of a worked example")
            return None
        sides, side_note = _split_run_in(sides)
        chain = _Chain(head, head, head, piece.line, True, _variable(head), piece.line, self.case)
        if piece.role == "main":  # side notes are never continued by a later block
            self.chains.append(chain)
        sources = _sources(piece, sides, spans, new=True) if not side_note else [piece.source] * len(sides)
        self.follow(piece, chain, sides[1:], sources)
        if side_note:
            note_chain = _Chain(side_note[0], side_note[0], side_note[0], piece.line, True, None, piece.line)
            self.follow(piece, note_chain, side_note[1:], [piece.source] * len(side_note), side=True)
        return chain

    def continuation(self, piece: Piece, sides: list, current: _Chain | None, sources: list) -> _Chain | None:
        """``= b``: continue the chain of the row above, or of a recent block if it follows from that."""
        if current is not None:
            self.follow(piece, current, sides, sources)
            return current
        candidates = list(reversed(self.chains[-RECENT_CHAINS:]))
        if not candidates:
            self.note(
                piece.line, piece.label, piece.source, UNCHECKED, "begins with = but nothing comes before it"
            )
            return None
        nearest = candidates[0]
        if not isinstance(sides[0], Cases) and self.link(nearest.last, sides[0], nearest).verdict != PROVEN:
            for candidate in candidates[1:]:
                if self.link(candidate.last, sides[0], candidate).verdict == PROVEN:
                    where = f"continues the equation on line {candidate.line}"
                    wrong = candidate.last_finding
                    if candidate.last == sides[0] and wrong is not None and wrong.verdict == WRONG:
                        # Written again in a later block, a wrong line is still wrong.
                        detail = f"restates line {wrong.line}, which is wrong: {wrong.detail}"
                        label = piece.label if len(sides) == 1 else None
                        self._record(
                            piece, label, sources[0], _Link(WRONG, detail, wrong.counterexample), where, False
                        )
                        if len(sides) > 1:
                            self.follow(piece, candidate, sides[1:], sources[1:])
                        return candidate
                    self.follow(piece, candidate, sides, sources, note=where)
                    return candidate
            # It follows from none: it goes on with the derivation it is about, the recent chain
            # that shares the most quantities with it (not a side formula in between).
            about = max(candidates, key=lambda chain: _shared_quantities(chain, sides[0]))
            if about is not nearest and _shared_quantities(about, sides[0]) > _shared_quantities(
                nearest, sides[0]
            ):
                self.follow(piece, about, sides, sources, note=f"continues the equation on line {about.line}")
                return about
        self.follow(piece, nearest, sides, sources)
        return nearest

    def follow(self, piece: Piece, chain: _Chain, sides: list, sources: list, note="", side=False) -> None:
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
                    link = _Link(
                        WRONG,
                        f"inherited from line {where}: it follows from the line before, but against "
                        f"line {chain.anchor_line}, {carried.detail}",
                        carried.counterexample,
                    )
            if follows_anchor is not None:
                where = f"follows from line {chain.anchor_line}, not from the wrong line before it"
                self._record(
                    piece, label, source, _Link(PROVEN, f"{follows_anchor.detail}; {where}"), note, side
                )
                chain.last_good = True
            else:
                if link.verdict == WRONG and chain.error_line is None:
                    chain.error_line = piece.line
                self._record(piece, label, source, link, note, side)
                chain.last_good = _after(chain.last_good, link.verdict)
            chain.last = side_value
            chain.last_finding = self.findings[-1]
            if chain.last_good:
                chain.anchor, chain.anchor_line = side_value, piece.line
                chain.anchor_proven = True
            note = ""

    def _record(self, piece: Piece, label, source: str, link: _Link, note: str, side: bool) -> None:
        detail = link.detail
        if side:
            detail = f"side note; {detail}"
        if note:
            detail = f"{detail}; {note}"
        self.note(piece.line, label, source, link.verdict, detail, link.counterexample, piece.first_line)

    # -- definitions -----------------------------------------------------------------------

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
        # A name defined in terms of itself is an equation to check, not a definition.
        return not (isinstance(value, Basic) and value.has(Definition(name, value).head))

    def _known(self, name) -> bool:
        """Whether ``name`` (p_i, L, f(x)) has a definition already."""
        return Definition(name, name).head in self.definitions

    def define(self, piece: Piece, name, value) -> None:
        definition = Definition(name, value)
        head = definition.head
        known = self.definitions.get(head)
        if known is not None and (
            _letters_change_kind(known.expression, value)
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
            concrete = _concrete_size([value], self.letters.size) if isinstance(value, Basic) else None
            if concrete is not None:  # a worked example writes the definition out for its own N
                restated = restated.xreplace({self.letters.size: Integer(concrete)})
            link = self.link(restated, value, None)
            where = f"agrees with the definition on line {self.defined_at[head]}"
            detail = f"{link.detail}; {where}" if link.verdict == PROVEN else link.detail
            self.note(piece.line, piece.label, piece.source, link.verdict, detail, link.counterexample)
            return
        # p_i = e^{z_i}/S with S nowhere defined: S is the softmax's denominator, not a constant.
        unknown = sorted(n for n in _names_in(value) if self._names[n] <= 0 and n not in self.assumed)
        taken = [n for n in unknown if self._assume_standard([n], [value])]
        self._learn(definition, piece.line)
        detail = f"defines {_name(head)}"
        if taken:
            detail += "; assumes " + "; ".join(self.assumed[n] for n in taken)
        self.note(piece.line, piece.label, piece.source, DEFINITION, detail)

    def _learn(self, definition: Definition, line: int) -> None:
        head, expression = definition.head, definition.expression
        self.definitions[head] = definition
        self.defined_at[head] = line
        self._serial[head] = next(self._serials)
        self._named.setdefault(_name(head), set()).add(head)
        self._uses[head] = _names_in(expression)
        self._names.update(_names_of(definition))
        family = _label_family(expression)
        if family is not None:
            self._label_families[head] = family

    def _forget(self, head: Basic) -> None:
        definition = self.definitions.pop(head)
        del self.defined_at[head]
        self._names.subtract(_names_of(definition))
        self._named[_name(head)].discard(head)
        self._label_families.pop(head, None)

    # -- proving ---------------------------------------------------------------------------

    def _undefined(self, *exprs) -> list[str]:
        """Names a statement uses that are neither defined, nor variables of a definition, nor
        what it differentiates by or calls a function at. By name: a letter known as a scalar
        y may be a family y_i later on, and the other way round."""
        here = set()
        for expr in exprs:
            for derivative in expr.atoms(Derivative):
                here |= {_name(v.base if isinstance(v, Indexed) else v) for v in derivative.variables}
            for call in expr.atoms(AppliedUndef):
                here |= {_name(argument) for argument in call.args}

        def known(name: str) -> bool:
            return name in here or self._names[name] > 0

        names = set()
        for expr in exprs:
            for call in expr.atoms(AppliedUndef):
                # g(x) with no definition is any function (the quotient rule), but g(2) is one value
                # of a function the post must have defined.
                if call.func not in self.definitions and not all(isinstance(a, Symbol) for a in call.args):
                    names.add(_name(call.func))
            for atom in expr.atoms(Indexed):
                if not known(_name(atom.base)):
                    names.add(_name(atom.base))
            for atom in _bare_symbols(expr):
                if not atom.is_integer and not known(atom.name):
                    names.add(_name(atom))
        return sorted(names)

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
            if all(s.is_integer for s in relation.free_symbols):
                found.append(relation)
        return tuple(found)

    def link(self, a, b, chain: _Chain | None, conditions: tuple = ()) -> _Link:
        """Prove ``a = b``; a standard definition the link relies on is shown with its verdict.

        Under the conditions the row's formula states, which the report names.
        """
        if self.row_conditions is None:
            result = self._link(a, b, chain, conditions)
            if result.verdict == WRONG:
                reason = "it may hold under the condition the formula states, which the checker cannot read"
                return _Link(UNCHECKED, reason)
        else:
            result = self._link(a, b, chain, (*conditions, *self.row_conditions))
            if self.row_conditions:
                stated = ", ".join(_relation_text(c) for c in self.row_conditions)
                result = _Link(
                    result.verdict,
                    f"{result.detail}; under {stated}, as the formula states",
                    result.counterexample,
                )
        used = set().union(*(_names_in(e) for e in (a, b) if isinstance(e, Basic)))
        shown = [self.assumed[name] for name in sorted(used) if name in self.assumed]
        if shown:
            return _Link(
                result.verdict, f"{result.detail}; assumes {'; '.join(shown)}", result.counterexample
            )
        return result

    def _assume_standard(self, names: list[str], parts) -> bool:
        """Take the standard definition of each name the post leaves undefined; True if any."""
        taken = False
        for name in names:
            assumed = standard_definition(name, parts, list(self.definitions.values()), self.letters.size)
            if assumed is not None:
                self._learn(assumed.definition, 0)
                self.assumed[name] = assumed.shown
                taken = True
        return taken

    def _link(self, a, b, chain: _Chain | None, conditions: tuple = ()) -> _Link:
        conditions = tuple(conditions) + (chain.conditions if chain else ())
        if isinstance(a, Cases) or isinstance(b, Cases):
            return _Link(UNCHECKED, "cases cannot be compared with each other")
        exprs = [e for e in (a, b) if isinstance(e, Basic)]
        if any(isinstance(e, MatrixBase) for e in exprs):
            parts = [e for m in exprs if isinstance(m, MatrixBase) for e in m]
        else:
            parts = exprs
        if len(exprs) == 2 and exprs[0] == exprs[1]:
            # σ(z) = 1/(1 + e^{−z}) is read with the σ the checker knows: both sides alike.
            return _Link(PROVEN, "proven (both sides read as the same expression)")
        worked = worked_values_agree(a, b) if len(exprs) == 2 else None
        if worked is not None:
            agrees, how = worked
            return _Link(PROVEN if agrees else WRONG, how)
        undefined = self._undefined(*parts)
        if undefined and self._assume_standard(undefined, parts):
            undefined = self._undefined(*parts)
        if undefined:
            return _Link(UNCHECKED, f"{', '.join(undefined)} not defined before this line")
        if any(_vector(e) for e in parts):
            return _Link(UNCHECKED, "a vector without an index; write one component")
        proof = self._prove(a, b, conditions)
        if proof.verified:
            return _Link(PROVEN, _method(proof))
        labels = self._labels()
        if labels is not None:
            sums_to_one = Eq(_label_sum(labels, self.letters.size), 1)
            constrained = self._prove(a, b, (*conditions, sums_to_one))
            if constrained.verified:
                if self.assumption:
                    return _Link(
                        PROVEN, f"{_method(constrained)}; uses Σ {_name(labels)} = 1 ({self.assumption})"
                    )
                return _Link(
                    UNCHECKED,
                    f"holds only if the labels sum to 1 (one-hot {_name(labels)}); the post does not say so",
                )
        if proof.counterexample is not None:
            renamed = _same_count_renamed(a, b)
            if renamed is not None:
                b_renamed, shown = renamed
                again = self._prove(a, b_renamed, conditions)
                if again.verified:
                    return _Link(PROVEN, f"{_method(again)}; assumes {shown}")
            distinct = self._distinct_indices(a, b, conditions)
            if distinct is not None:
                relation, restricted = distinct
                if restricted.verified:
                    stated = self._stated_case("ne", restricted)
                    if stated is not None:
                        return _Link(PROVEN, f"{_method(restricted)}; uses {relation}: {stated}")
                    return _Link(
                        UNCHECKED, f"holds only when {relation}, which the math of the post does not state"
                    )
            same = self._same_indices(a, b, conditions)
            if same is not None:
                relation, restricted = same
                if restricted.verified:
                    return _Link(PROVEN, f"{_method(restricted)}; uses {relation}: {self.prose_case.shown()}")
                if restricted.counterexample is not None:
                    return _Link(
                        WRONG, f"{restricted.reason} (even when {relation})", restricted.counterexample
                    )
            return _Link(WRONG, proof.reason, proof.counterexample)
        return _Link(UNCHECKED, proof.reason)

    def _stated_case(self, relation: str, restricted) -> str | None:
        """Where the prose puts the steps in the case ``relation`` of their two indices, if it does."""
        case = self.prose_case
        if case is None or case.relation != relation:
            return None
        return case.shown()

    def _same_indices(self, a, b, conditions):
        """In the prose's "i = j" case, a statement about two free indices proven where they agree."""
        if self.prose_case is None or self.prose_case.relation != "eq":
            return None
        parts = [e for e in (a, b) if isinstance(e, Basic)]
        indices = sorted(index_symbols(*parts), key=str)
        indices = [i for i in indices if i != self.letters.size]
        if len(indices) != 2 or any(isinstance(c, (Eq, Ne)) and c.args[0] in indices for c in conditions):
            return None
        if self.prose_case.pair is not None and set(self.prose_case.pair) != {i.name for i in indices}:
            return None
        relation = Eq(*indices)
        return f"{indices[0]} = {indices[1]}", self._prove(a, b, (*conditions, relation))

    def _distinct_indices(self, a, b, conditions):
        """A statement about two free indices may hold only when they differ (the i ≠ j case)."""
        parts = [e for e in (a, b) if isinstance(e, Basic)]
        indices = sorted(index_symbols(*parts), key=str)
        indices = [i for i in indices if i != self.letters.size]
        if len(indices) != 2 or any(isinstance(c, (Eq, Ne)) and c.args[0] in indices for c in conditions):
            return None
        relation = Ne(*indices)
        return f"{indices[0]} ≠ {indices[1]}", self._prove(a, b, (*conditions, relation))

    def cases(self, a, cases: Cases, chain: _Chain) -> _Link:
        results = []
        stated = [c.condition for c in cases.branches if c.condition is not None]
        for branch in cases.branches:
            if branch.condition is not None:
                condition = (branch.condition,)
                text = _relation_text(branch.condition)
            elif len(stated) == 1 and isinstance(stated[0], Eq):
                condition = (Ne(*stated[0].args),)
                text = f"otherwise ({_relation_text(condition[0])})"
            else:
                return _Link(UNCHECKED, "cannot tell what 'otherwise' excludes")
            link = self.link(a, branch.value, chain, condition)
            results.append((text, link))
        for text, link in results:
            if link.verdict == WRONG:
                return _Link(WRONG, f"case {text}: {link.detail}", link.counterexample)
        for text, link in results:
            if link.verdict != PROVEN:
                return _Link(link.verdict, f"case {text}: {link.detail}")
        return _Link(PROVEN, "; ".join(f"case {text}: {link.detail}" for text, link in results))

    def _labels(self):
        """The label family: the weights of the logarithms in the loss (y in −Σ y_k log p_k)."""
        return next(iter(self._label_families.values()), None)

    def _relied_on(self, *exprs) -> tuple[Definition, ...]:
        """The definitions of the names in ``exprs``, and of the names in those, in the post's order.

        A proof looks up only names it meets, in the statement or in a definition it unfolds
        (a vector p is looked up as its entries p_a, by name); so it is the same with these
        definitions alone as with every one before it, and costs no more late in a long post.
        """
        found: set[Basic] = set()
        pending = [name for expr in exprs for name in _names_in(expr)]
        while pending:
            for head in self._named.get(pending.pop(), ()):
                if head not in found:
                    found.add(head)
                    pending.extend(self._uses[head])
        return tuple(self.definitions[head] for head in sorted(found, key=self._serial.__getitem__))

    def _prove(self, a, b, conditions) -> Proof:
        conditions = _relevant(conditions, a, b, self._relied_on(a, b))
        definitions = self._relied_on(a, b, *conditions)
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
        context = Context(definitions, size, ranges)
        exprs = [e for e in (a, b) if isinstance(e, Basic)]
        concrete = _concrete_size(exprs, size)
        if concrete is not None:
            values = {size: Integer(concrete)}
            if columns is not None:  # W_{3,2} x_2: the example's own number of inputs
                values[columns] = Integer(_concrete_columns(exprs, self.letters) or concrete)
            context = context.instantiate(values)
            conditions = tuple(c.xreplace(values) for c in conditions)
        sizes = (concrete,) if concrete is not None else (2, 3, 4)
        verifier = Verifier(context, exact_sizes=sizes, by_instances=True)
        with _time_limit(seconds):
            return proofcache.prove(verifier, a, b, conditions, self.cache)

    # -- the result ------------------------------------------------------------------------

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
        link = self.link(value, expected, None, (Eq(_label_sum(labels, self.letters.size), 1),))
        shown = f"derive's result for this loss is {_plain(expected)} (given Σ {_name(labels)} = 1)"
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


def _names_in(expr) -> frozenset[str]:
    """Every name in ``expr``: of symbols, of families (p of p_i), of vectors, of functions."""
    if not isinstance(expr, Basic):
        return frozenset()
    names = {str(atom) for atom in expr.atoms(Symbol, Str)}  # Str: the name of a MatrixSymbol
    return frozenset(names | {atom.func.__name__ for atom in expr.atoms(AppliedUndef)})


def _names_of(definition: Definition) -> set[str]:
    """The names a definition makes known: its own, and those of the variables it is written in
    (x of f(x) = 1 too: the post goes on in x, as after u = x + y)."""
    expression = definition.expression
    atoms = expression.atoms(Indexed, Symbol) if isinstance(expression, Basic) else set()
    if isinstance(definition.name, AppliedUndef):
        atoms |= set(definition.name.args)
    return {_name(definition.head)} | {_name(a.base if isinstance(a, Indexed) else a) for a in atoms}


def _label_family(expression) -> Basic | None:
    """In a loss such as −Σ y_k log p_k, the family y that weighs the logarithms."""
    if not isinstance(expression, Basic):
        return None
    for total in expression.atoms(Sum):
        for term in Mul.make_args(total.function):
            if isinstance(term, Indexed) and total.function.has(log):
                return term.base
    return None


def _label_sum(labels, size) -> Expr:
    bound = Symbol("k_label", integer=True, positive=True)
    return Sum(labels[bound], (bound, 1, size))


def _split_run_in(sides: list) -> tuple[list, list]:
    """``a = b · d(log x)/dx = … = 1/x``: a side note about x run into the equation before it."""
    for position in range(1, len(sides) - 1):
        side = sides[position]
        if not isinstance(side, Basic) or isinstance(side, MatrixBase):
            continue
        for factor in sorted(side.atoms(Derivative), key=str):
            variable = factor.variables[0]
            if isinstance(variable, Symbol) and all(
                not (isinstance(s, Basic) and s.has(variable)) for s in sides[:position]
            ):
                return [*sides[:position], side.xreplace({factor: Integer(1)})], [
                    factor,
                    *sides[position + 1 :],
                ]
    return sides, []


def _numbers_only(side) -> bool:
    return isinstance(side, MatrixBase) and all(entry.is_number for entry in side)


def _relevant(conditions: tuple, a, b, definitions) -> tuple:
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


def _shared_quantities(chain: _Chain, side) -> int:
    """How many quantities (not indices) a chain's expressions and a new side have in common."""

    def quantities(expr) -> set[str]:
        if not isinstance(expr, Basic):
            return set()
        indices = {str(s) for s in expr.atoms(Symbol) if s.is_integer}
        return set(_names_in(expr)) - indices

    return len((quantities(chain.head) | quantities(chain.last)) & quantities(side))


def _same_count_renamed(a, b):
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


def _variable(head) -> Expr | None:
    if isinstance(head, Basic):
        for derivative in head.atoms(Derivative):
            return derivative.variables[0]
    return None


def _vector(expr: Basic) -> bool:
    """A family used without an index (``∂L/∂z``): a vector statement the checker does not read."""
    return bool(_bare_symbols(expr) & {a.base.label for a in expr.atoms(Indexed)})


def _bare_symbols(expr: Basic) -> set:
    """Free symbols outside indexed entries (the label p of p_i does not count)."""
    stand_ins = {a: Dummy() for a in expr.atoms(Indexed)}
    hidden = expr.xreplace(stand_ins)
    return {s for s in hidden.free_symbols - set(stand_ins.values()) if isinstance(s, Symbol)} | {
        s for a in expr.atoms(Indexed) for i in a.indices for s in i.free_symbols
    }


def _concrete_size(exprs, size) -> int | None:
    """The N of a worked example: the largest class number in a statement with no symbolic index."""
    numbers = []
    for expr in exprs:
        if expr.free_symbols & {size}:
            return None
        for atom in expr.atoms(Indexed):
            numbers += [int(index) for index in atom.indices if index.is_Integer]
    return max(numbers) if numbers else None


def _concrete_columns(exprs, letters: Letters) -> int | None:
    """The number of inputs of a worked example: the largest column of W_{ab} or index of x_j."""
    numbers = []
    for expr in exprs:
        for atom in expr.atoms(Indexed):
            if len(atom.indices) == 2 and atom.indices[1].is_Integer:
                numbers.append(int(atom.indices[1]))
            elif _name(atom.base) in letters.column_families and atom.indices[0].is_Integer:
                numbers.append(int(atom.indices[0]))
    return max(numbers) if numbers else None


def _method(proof: Proof) -> str:
    return f"proven ({proof.method})"


def _letters_change_kind(old: Basic, new: Basic) -> bool:
    """Whether a letter that was a scalar in ``old`` is a family in ``new``, or the reverse."""
    if not (isinstance(old, Basic) and isinstance(new, Basic)):
        return False

    def kinds(expr: Basic) -> dict[str, str]:
        found = {str(s): "scalar" for s in _bare_symbols(expr) if not s.is_integer}
        return found | {_name(a.base): "family" for a in expr.atoms(Indexed)}

    before, after = kinds(old), kinds(new)
    return any(before[letter] != kind for letter, kind in after.items() if letter in before)


def _name(head) -> str:
    label = head.label if isinstance(head, IndexedBase) else head
    return str(label)


def _plain(expr) -> str:
    return re.sub(r"\[([^\]]*)\]", r"_\1", str(expr))


def _relation_text(relation) -> str:
    a, b = relation.args
    return f"{a} {'=' if isinstance(relation, Eq) else '≠'} {b}"


def _sources(piece: Piece, sides: list, spans, new: bool) -> list[str]:
    """How each link of a row is shown: ``a = b`` for the first of a new chain, ``= c`` after."""
    if spans is None or piece.first_line:  # a row glued from two blocks: show it whole
        return [piece.source] * len(sides)
    if not new:
        return [f"= {piece.excerpt(*span)}" for span in spans]
    first = piece.excerpt(spans[0][0], spans[1][1]) if len(spans) > 1 else piece.source
    return [first] + [f"= {piece.excerpt(*span)}" for span in spans[2:]]


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
