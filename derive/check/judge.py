"""Judging a post: every statement proven (✓), refuted with a counterexample (✗) or left open (?).

:func:`check_text` shows the stages in order: find the math (:mod:`~derive.check.extract`,
:mod:`~derive.check.layout`), read it (:mod:`~derive.check.reader`), understand the post
(:mod:`~derive.check.prepare`: its letters, the sentences that define, what it says of its
labels; :mod:`~derive.check.understand`: its conditions and standard meanings), and judge it
here, a block at a time, with the rules for chains (:mod:`~derive.check.chains`), definitions
(:mod:`~derive.check.definitions`), links (:mod:`~derive.check.links`), proofs
(:mod:`~derive.check.proving`), worked examples (:mod:`~derive.check.worked`) and the final
result (:mod:`~derive.check.result`); :mod:`~derive.check.report` prints the findings. A claim
stated before the definitions it uses is judged again once the post is read
(``_Judge.revisit``), and a worked example's values once all of them are printed
(``_Judge.judge_worked``).

The post is read in order, as a reader would. Definitions (``p_i = …``, ``S = …``, ``L = …``)
are learned as they come and used for every later step. A row that begins with ``=`` continues
a chain; a link that fails is reported, and the chain goes on from the last expression that
was right, so one slip is reported once, on its own line.
"""

from __future__ import annotations

import itertools
import math
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

from sympy import (
    Basic,
    Eq,
    Indexed,
    Integer,
    Ne,
    Symbol,
)
from sympy.matrices.expressions import MatrixSymbol

from derive.algebra import Definition
from derive.check.chains import Chain, ChainRules
from derive.check.definitions import DefinitionRules
from derive.check.extract import Block, inline_claims, read_post
from derive.check.findings import (
    DEFINITION,
    PROVEN,
    UNCHECKED,
    WRONG,
    Finding,
    Report,
)
from derive.check.layout import Piece
from derive.check.links import LinkRules
from derive.check.onestep import OneStepRules
from derive.check.prepare import (
    glued,
    inline_definitions,
    labels_assumption,
    learn_letters,
    stated_names,
    text_after,
)
from derive.check.proving import STEP_SECONDS, ProofRules, _Expired, _time_limit
from derive.check.reader import (
    Letters,
    PostNames,
    Statement,
    Unreadable,
    quantity_name,
    read_readings,
)
from derive.check.reading import learn_names
from derive.check.relations import WorkedExample, numbers_only
from derive.check.result import ResultRules
from derive.check.stated import stated_vectors
from derive.check.tokens import ShapesDoNotMultiply
from derive.check.understand import (
    INDEX_RELATION,
    ProseCase,
    case_after,
    printed_decimals,
    prose_case,
)
from derive.check.worked import WorkedRules
from derive.proofcache import ProofCache

# What bounds the time and memory of checking one post (tested in tests/test_check_scale.py):
#
# - Time. Every proof, and the reading of every statement, runs under STEP_SECONDS (proving.py) and
#   under what is left of the post's POST_SECONDS (``_Judge.seconds_left``); once those are spent,
#   every step left is reported ? with the reason, so no post runs on for hours, whatever it
#   holds. Finding the math (extract.py, layout.py) runs under POST_SECONDS too. What runs
#   between proofs is linear in the post: a proof gets only the definitions its statement
#   relies on (``_Judge._relied_on``), and the names and labels known so far are kept up to
#   date as definitions come, so a step late in a long post costs what it costs early on.
#   The limits need SIGALRM, so the main thread; elsewhere the budget is kept between proofs.
# - Memory. The post and its findings (linear); the proof memo (proving.py), at most PROOF_MEMO_ENTRIES
#   statements (each of at most reader.MAX_TOKENS tokens) with the definitions they rely on;
#   and caches bounded by entry count: SymPy's LRU cache (SYMPY_CACHE_SIZE, 1000 per
#   function) and the lru_caches of derive.algebra and derive.verify.

#: Longest time for one post. Thousands of steps that each take nearly STEP_SECONDS would
#: otherwise take hours; a 2,000-equation post takes about a minute.
POST_SECONDS = 600

_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t].*$|\\(?:sub)*section\*?\{.*$|<h[1-6][^>]*>.*?</h[1-6]>", re.M)
#: ``$r = 1$`` in prose, in the inline delimiters of Markdown, GitHub (``$`…`$``) and LaTeX (``\(…\)``).
_INDEX_VALUE = re.compile(r"(?:\$`?|\\\()\s*([a-z])\s*=\s*(\d{1,3})\s*(?:`?\$|\\\))")


def check_text(
    text: str,
    suffix: str = ".md",
    *,
    cache: ProofCache | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Read a post and judge every equation in it, in at most about POST_SECONDS.

    ``cache`` answers a statement proven by an earlier run (see :mod:`derive.proofcache`);
    ``progress(done, total)`` is told of each block judged.
    """
    deadline = time.monotonic() + POST_SECONDS
    try:
        # Linear in the post; only hostile text (thousands of \[ that never close) is slow.
        with _time_limit(POST_SECONDS):
            post = read_post(text, suffix)
            claims = inline_claims(text, post)
            named = inline_definitions(text, post, claims)
            letters, assumption = (
                learn_letters(post.blocks + claims + named),
                labels_assumption(post.prose, post.inline, text),
            )
            stated = stated_vectors(post.inline, letters)
            blocks = glued(tuple(sorted(post.blocks + claims + named, key=lambda block: block.line)))
            names = learn_names(
                (p.tokens for _, found in blocks if isinstance(found, list) for p in found),
                letters,
                conventions=True,
            )
    except _Expired:
        reason = f"not checked: finding the math of the post took more than {POST_SECONDS} s"
        return Report((Finding(1, None, "", UNCHECKED, reason),), None, None)
    judge = _Judge(letters, assumption, deadline, cache, names, {(block.line, block.tex) for block in named})
    judge.stated = stated
    lines = text.split("\n")
    starts = list(itertools.accumulate((len(line) + 1 for line in lines), initial=0))
    judge.softmax_named = _SOFTMAX_WORD.search(text) is not None
    judge.worked.stated = stated_names(post.inline)
    judge.heading_lines = tuple(number for number, line in enumerate(lines, 1) if _HEADING_LINE.match(line))
    for done, (block, found) in enumerate(blocks, start=1):
        after = "" if block.inline else text_after(text, block, starts)
        judge.block(block, found, after)
        if progress is not None:
            progress(done, len(blocks))
    judge.revisit()
    judge.judge_worked()
    return Report(tuple(judge.findings), judge.final_result(), judge.assumption)


#: The softmax named in the post, in its four languages.
_SOFTMAX_WORD = re.compile(r"soft-?max|소프트맥스|ソフトマックス|归一化指数", re.I)
#: A heading of Markdown or LaTeX, where a new section begins.
_HEADING_LINE = re.compile(r" {0,3}#{1,6}\s|\s*\\(?:sub)*section\*?\{")


class _Judge(ChainRules, DefinitionRules, LinkRules, OneStepRules, ProofRules, ResultRules, WorkedRules):
    def __init__(
        self,
        letters: Letters,
        assumption: str | None,
        deadline: float = math.inf,
        cache: ProofCache | None = None,
        names: PostNames | None = None,
        naming_only: set[tuple[int, str]] | None = None,
    ) -> None:
        self.letters = letters
        self.names = names or PostNames()
        self.cache = cache
        self.assumption = assumption
        #: Whether the post speaks of the softmax: then p of ∂p_k/∂z_j is the softmax of z.
        self.softmax_named = False
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
        self.chains: list[Chain] = []
        self.findings: list[Finding] = []
        self.local: dict = {}
        self.case: tuple = ()
        self.prose_case: ProseCase | None = None  # "if the indices differ", from the prose
        #: Conditions the formula of the row being judged states (``\\quad i = j``); None when
        #: it states one the checker cannot read.
        self.row_conditions: tuple | None = ()
        self.assumed: dict[str, str] = {}  # name → the standard definition taken for it, as shown
        self.printed: dict = {}  # decimals the post prints, by value, with their places
        #: Findings whose names the post defines only later: the position of each, the link to
        #: judge again, and its chain (a claim on its own, which nothing went on from).
        self.deferred: list[tuple[int, tuple, Chain]] = []
        #: Inline formulas (line, TeX) that count only if they define a name.
        self.naming_only = frozenset(naming_only or ())
        #: Heads defined in a sentence, which a display's definition replaces.
        self.weak: set[Basic] = set()
        #: Names the post defines in a form the checker does not learn (a bold ŷ = Wx + b).
        self.unlearned: set[str] = set()
        self._families_of: tuple | None = None  # the vector families, for one state of the definitions
        #: Whether prose stands between the row being judged and the one before it.
        self.after_prose = False
        #: The lines of the post's headings: a sentence in a new section may define a name anew.
        self.heading_lines: tuple[int, ...] = ()
        #: Values the post gives for its data (the targets of a worked example), and the line
        #: of the row being judged: only values stated before it are used (stated.py).
        self.stated: tuple = ()
        self.at_line = 0
        #: The case the sentence right after the display states ("…, when $i \\neq j$"), if any.
        self.case_after: ProseCase | None = None
        self.worked = WorkedExample()  # the values a worked example prints, and its relations

    # -- reading ---------------------------------------------------------------------------

    def block(self, block: Block, found, text_after: str = "") -> None:
        """Judge one display (or inline formula); ``text_after`` is the prose that follows it."""
        self.case_after = case_after(text_after, self.letters.index_letters)
        if block.inline and (block.line, block.tex) in self.naming_only:
            self.inline_definition(found)
            return
        if block.inline:
            self.inline_claim(block, found)
            return
        if isinstance(found, Unreadable):
            self.note(block.line, block.label, " ".join(block.tex.split())[:80], UNCHECKED, str(found))
            return
        current: Chain | None = None
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
        # Words between a wrong line and the next ("the correct result is") say the post knows.
        self.after_prose = bool(block.prose_before.strip())
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
                if isinstance(error, ShapesDoNotMultiply):
                    self.note(piece.line, piece.label, piece.source, WRONG, str(error))
                    if piece.role == "main":
                        broken, current = piece.line, None
                    continue
                if isinstance(error, Unreadable):
                    reason = str(error)
                    # softmax(z) of a z the post prints: read again with its value.
                    self.read_with_values(piece, len(self.findings))
                    self._defined_unread(piece)
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
            self.at_line = piece.line
            self.row_conditions = self._formula_conditions(piece)
            self.printed.update(printed_decimals(piece.tokens))
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
            self.after_prose = False

    def _defined_unread(self, piece: Piece) -> None:
        """``\\mathbf{p} = \\operatorname{softmax}(\\mathbf{z})``, which the checker cannot read:
        p is defined, in a form not learned, so a later step that reaches p is ?, never judged
        with p as a free constant (∂L/∂z = 0)."""
        tokens = list(piece.tokens)
        equals = next((n for n, t in enumerate(tokens) if t.kind == "char" and t.text == "="), None)
        if not equals:
            return
        try:
            (statement,), _, _ = read_readings(tokens[:equals], self.letters, None, self.names)
        except (Unreadable, ValueError):
            return
        head = statement.sides[0] if len(statement.sides) == 1 else None
        if isinstance(head, (Symbol, MatrixSymbol, Indexed)) and not getattr(head, "is_integer", False):
            self.unlearned.add(quantity_name(head))

    def readings(self, piece: Piece, statements: list[Statement], current: Chain | None):
        """Judge every reading of a row; keep the outcome only if all of them agree.

        Each reading is judged from the same state (definitions, chains, findings); when their
        verdicts differ, nothing of any of them is kept.
        """
        if len(statements) == 1:
            return self.one_reading(piece, statements[0], current), True
        before = self._state()
        # A row read several ways is never judged again at the end, where one reading would do.
        deferred = len(self.deferred)
        outcomes = []
        for statement in statements:
            self._restore(before)
            self.one_reading(piece, statement, current)
            verdicts = [(f.line, f.verdict) for f in self.findings[len(before["findings"]) :]]
            # Two readings that define a name differently disagree, even if both are definitions.
            outcomes.append((verdicts, [(d.name, d.expression) for d in self.definitions.values()]))
        self._restore(before)
        del self.deferred[deferred:]
        if any(outcome != outcomes[0] for outcome in outcomes[1:]):
            return None, False
        chain = self.one_reading(piece, statements[0], current)
        del self.deferred[deferred:]
        return chain, True

    def one_reading(self, piece: Piece, statement: Statement, current: Chain | None) -> Chain | None:
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

    def revisit(self) -> None:
        """Judge again, with every definition of the post, a link whose names were defined only
        after it: a post that states its result first and derives it after."""
        self.case, self.prose_case, self.row_conditions = (), None, ()
        for position, (a, b, conditions), chain in self.deferred:
            if self.seconds_left() <= 0:
                return
            finding = self.findings[position]
            if chain.last_finding is not finding:
                continue  # later rows went on from it: the chain is judged as it was written
            link = self.link(a, b, None, conditions)
            # Only a proof is taken: a post that compares two losses uses letters the later one
            # redefines, and a ✗ against definitions made for another setting would be a guess.
            if link.verdict == PROVEN:
                read_with = finding.detail.partition("; read with ")[2]
                detail = f"{link.detail}; judged with the definitions the post gives after this line"
                self.findings[position] = replace(
                    finding,
                    verdict=PROVEN,
                    detail=f"{detail}; read with {read_with}" if read_with else detail,
                )

    def inline_definition(self, found: list[Piece] | Unreadable) -> None:
        """``$\\hat{y} = wx + b$`` in a sentence: a definition of a name not defined yet, learned as
        a display's would be. Anything else (``$y = 1$``, ``$i = j$``, a restatement) is prose here:
        a sentence's "when $y = 1$" is a case, not a definition."""
        if isinstance(found, Unreadable) or len(found) != 1 or self.seconds_left() <= 0:
            return
        (piece,) = found
        try:
            with _time_limit(min(STEP_SECONDS, self.seconds_left())):
                statements, _, _ = read_readings(list(piece.tokens), self.letters, None, self.names)
        except (Unreadable, _Expired):
            return
        if len(statements) != 1 or statements[0].relation != "eq" or statements[0].continues:
            return
        sides = statements[0].sides
        if len(sides) != 2 or not isinstance(sides[1], Basic) or not sides[1].free_symbols:
            return
        name, value = sides
        if isinstance(value, (Symbol, Indexed)) or value.is_number or numbers_only(value):
            return  # "$p_i = y_i$", "$y = 1$": a relation or a value, not a formula for a name
        if isinstance(name, MatrixSymbol):
            self.vector_defined(name)
            return
        if not self._defines(name, value) or self._recurrence(name, value) is not None:
            return
        head = Definition(name, value).head
        if self._known(name):
            # "and $L = ½‖ŷ − y‖²$" in a new section: a new L, not a restatement of the old one.
            since = self.defined_at[head]
            if head not in self.weak and not any(since < at <= piece.line for at in self.heading_lines):
                return
            self._forget(head)
        self.define(replace(piece, role="side"), name, value)
        # A display that defines the name later is the post's own definition, not a claim.
        self.weak.add(head)

    def inline_claim(self, block: Block, found) -> None:
        """A formula in a sentence: judged on its own, in the case stated nearest to it in its
        sentence ("for $i = j$ we get …, while for $i \\neq j$ …"), as a side note that no
        later row continues; one that cannot be read is passed over, as prose."""
        if isinstance(found, Unreadable):
            return
        kept = (self.prose_case, self.case, list(self.chains))
        line = block.prose_before
        at = max(line.find(block.tex), 0)
        self.prose_case = prose_case(line, self.letters.index_letters, None, near=at)
        try:
            # The sentence is read here, once; the block has no prose of its own left to read.
            plain = replace(block, inline=False, prose_before="")
            self.block(plain, [replace(piece, role="side") for piece in found])
        finally:
            self.prose_case, self.case, self.chains = kept

    def _case_of(self, heading: str) -> tuple:
        """``### Case $i \\neq j$``: a condition for the chains under that heading."""
        conditions = []
        for a, relation, b in INDEX_RELATION.findall(heading):
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

    def note(
        self, line: int, label, source: str, verdict: str, detail: str, counterexample=None, first_line=0
    ) -> None:
        self.findings.append(Finding(line, label, source, verdict, detail, counterexample, first_line))
