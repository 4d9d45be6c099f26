"""How well ``read_latex`` reads SymPy's own LaTeX-parser test strings.

    python bench/reader.py                    # the table, then every misread string
    python bench/reader.py --verbose          # also every refused string, refusals grouped by reason
    python bench/reader.py --compare-sympy    # SymPy's own Lark parser on the same strings, as a reference
    python bench/reader.py --json             # counts and lists, machine-readable

The strings and their expected SymPy expressions are the pairs SymPy ships with its LaTeX
parsers' tests, taken from the installed SymPy (``GOOD_PAIRS`` of
``sympy.parsing.tests.test_latex`` and every ``*_PAIRS`` list of
``sympy.parsing.tests.test_latex_lark``), never from the network or a copy. Notation that
derivation posts do not use is left out by named rules (integrals, limits, factorials,
binomials, complex numbers and conjugates, floor and ceiling, bra-ket), and strings listed
in each list are counted once.

Each remaining string is read by ``derive.read_latex`` and counted as

* read right: one reading, equal to SymPy's expected expression;
* ambiguous: several readings, SymPy's expected expression among them;
* misread: readings, none of them the expected one (the thing to fix);
* refused: ``Unreadable``, with its reason;
* crashed: any other exception, which is a bug of the reader.

"Equal" means equal in value, not in tree shape or naming: both sides get the same plain
names (Greek letters spelled out, ``Indexed`` subscripts as ``base_{index}``, no assumptions,
decimals as exact fractions), then they must agree after ``doit()``, or their difference must
simplify to zero; relations compare side by side, matrices entry by entry, each comparison
within a time limit. A few pairs encode conventions derive deliberately does not follow in a
derivation post (``DELIBERATE``); they are listed apart and not counted.

The exit status is 0 whatever the score (this is a benchmark, not a test); 2 when SymPy's
test modules cannot be found, 1 when derive itself cannot be imported.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.machinery
import importlib.util
import json
import re
import signal
import sys
import traceback
import unicodedata
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sympy
from sympy import (
    Basic,
    Float,
    Function,
    I,
    ImmutableMatrix,
    Indexed,
    IndexedBase,
    Integral,
    Limit,
    MatrixBase,
    Rational,
    Symbol,
    adjoint,
    binomial,
    ceiling,
    conjugate,
    factorial,
    factorial2,
    floor,
    im,
    simplify,
    sympify,
)
from sympy.core.function import AppliedUndef
from sympy.core.relational import Relational
from sympy.matrices.expressions import MatrixExpr
from sympy.utilities.exceptions import SymPyDeprecationWarning

ROOT = Path(__file__).resolve().parents[1]
#: Seconds one comparison of a reading with SymPy's expected expression may take.
COMPARISON_SECONDS = 5
#: Seconds one call of a reader may take before it counts as crashed (a reader must not hang).
READING_SECONDS = 30

#: Strings left after the exclusions, as the issue counted them (another SymPy, other rules).
ISSUE_COUNT = 248

SYMPY_TEST_MODULES = ("sympy.parsing.tests.test_latex", "sympy.parsing.tests.test_latex_lark")

# Pairs whose SymPy expectation follows a convention derive deliberately does not follow in a
# derivation post. This list must stay short and honest: a string belongs here only when SymPy's
# expected expression is a genuinely different reading of the notation, never because derive
# currently reads it wrong. Everything not listed here is counted.
PRIME_IS_A_DERIVATIVE = (
    "a prime is a derivative in derive (f' = df/dx); SymPy makes it part of the symbol's name (a'_{b'})"
)
PRIME_IN_FUNCTION_NAME = (
    "a prime on a function is its derivative in derive; SymPy makes it part of the function's name (f_{1}')"
)
PI_IS_THE_CONSTANT = "\\pi is the constant 3.14159… in derive; SymPy's tests make it a free symbol named pi"
_PRIMED_SYMBOLS = (
    # sympy.parsing.tests.test_latex_lark.SYMBOL_EXPRESSION_PAIRS (y''_1 and y_1'' are in GOOD_PAIRS too)
    r"y''_1", r"y_1''", r"a'", r"a''", r"\alpha'", r"\alpha''", r"a_b'", r"a'_b", r"a'_b'", r"a_{b'}",
    r"a_{b'}'", r"a'_{b'}", r"a'_{b'}'", r"\mathit{foo}'", r"\mathit{foo'}", r"\mathit{foo'}'",
    r"\mathit{foo}''", r"\mathit{foo''}", r"\mathit{foo''}'''", r"a_b''", r"a''_b", r"a''_b'''", r"a_{b''}",
    r"a_{b''}''", r"a''_{b''}", r"a''_{b''}'''", r"a_\alpha'", r"a'_\alpha", r"a'_\alpha'", r"a_{\alpha'}",
    r"a_{\alpha'}'", r"a'_{\alpha'}", r"a'_{\alpha'}'", r"a_\alpha''", r"a''_\alpha", r"a''_\alpha'''",
    r"a_{\alpha''}", r"a_{\alpha''}''", r"a''_{\alpha''}", r"a''_{\alpha''}'''", r"\alpha_b'", r"\alpha'_b",
    r"\alpha'_b'", r"\alpha_{b'}", r"\alpha_{b'}'", r"\alpha'_{b'}", r"\alpha'_{b'}'", r"\alpha_b''",
    r"\alpha''_b", r"\alpha''_b'''", r"\alpha_{b''}", r"\alpha_{b''}''", r"\alpha''_{b''}",
    r"\alpha''_{b''}'''", r"\alpha_{\beta'}", r"\alpha_{\beta''}", r"\alpha'_\beta", r"\alpha'_{\beta}",
    r"\alpha'_{\beta'}", r"\alpha'_{\beta''}", r"\alpha''_\beta", r"\alpha''_{\beta}", r"\alpha''_{\beta'}",
    r"\alpha''_{\beta''}", r"\alpha_\beta'", r"\alpha_{\beta}'", r"\alpha_{\beta'}'", r"\alpha_{\beta''}'",
    r"\alpha'_\beta'", r"\alpha'_{\beta}'", r"\alpha'_{\beta'}'", r"\alpha'_{\beta''}'", r"\alpha''_\beta'",
    r"\alpha''_{\beta}'", r"\alpha''_{\beta'}'", r"\alpha''_{\beta''}'", r"\alpha_\beta''",
    r"\alpha_{\beta}''", r"\alpha_{\beta'}''", r"\alpha_{\beta''}''", r"\alpha'_\beta''",
    r"\alpha'_{\beta}''", r"\alpha'_{\beta'}''", r"\alpha'_{\beta''}''", r"\alpha''_\beta''",
    r"\alpha''_{\beta}''", r"\alpha''_{\beta'}''", r"\alpha''_{\beta''}''",
    # UNEVALUATED_SIMPLE_EXPRESSION_PAIRS and GOOD_PAIRS: the symbols a' and b'
    r"a'b+ab'",
)  # fmt: skip
DELIBERATE: dict[str, str] = {
    **dict.fromkeys(_PRIMED_SYMBOLS, PRIME_IS_A_DERIVATIVE),
    r"f'_1(x)": PRIME_IN_FUNCTION_NAME,
    r"f_{1}''(x+y)": PRIME_IN_FUNCTION_NAME,
    # UNEVALUATED_POWER_EXPRESSION_PAIRS, EVALUATED_POWER_EXPRESSION_PAIRS and GOOD_PAIRS
    r"\pi^{|xy|}": PI_IS_THE_CONSTANT,
}


@dataclass(frozen=True)
class Exclusion:
    """A kind of notation left out of the benchmark: derivation posts do not use it.

    A pair falls under it when its string matches ``pattern`` or SymPy's expected expression
    contains one of ``expected_has``.
    """

    category: str
    pattern: re.Pattern[str]
    expected_has: tuple[Any, ...] = ()

    def applies(self, latex: str, expected: Any) -> bool:
        if self.pattern.search(latex):
            return True
        return isinstance(expected, Basic) and any(expected.has(part) for part in self.expected_has)


def _quantum_states() -> tuple[Any, ...]:
    from sympy.physics.quantum import Bra, InnerProduct, Ket

    return (Bra, Ket, InnerProduct)


EXCLUSIONS = (
    Exclusion("integrals", re.compile(r"\\(?:i{1,3}nt|oint)(?![A-Za-z])"), (Integral,)),
    Exclusion("limits", re.compile(r"\\lim(?![A-Za-z])"), (Limit,)),
    # `\!` is a negative thin space, not a factorial.
    Exclusion("factorials", re.compile(r"(?<!\\)!|\\factorial"), (factorial, factorial2)),
    Exclusion("binomials", re.compile(r"\\[dt]?binom|\\choose"), (binomial,)),
    # SymPy reads every \overline as a conjugate, `^*` and `^H` as conjugate transposes; the
    # expected expression catches the rest (I, |1 + I|, re, im).
    Exclusion(
        "complex numbers and conjugates",
        re.compile(r"\\imaginaryunit|\^\s*\{?\s*(?:\*|\\ast|H(?![A-Za-z]))"),
        (I, conjugate, sympy.re, im, adjoint),
    ),
    Exclusion("floor and ceiling", re.compile(r"\\[lr](?:floor|ceil)(?![A-Za-z])"), (floor, ceiling)),
    Exclusion("bra-ket", re.compile(r"\\[lr]angle(?![A-Za-z])"), _quantum_states()),
)


@dataclass
class Pair:
    """One LaTeX string and every expression SymPy's tests expect of it (it may sit in several lists)."""

    latex: str
    expected: list[Any] = field(default_factory=list)
    lists: list[str] = field(default_factory=list)


class SympyTestsMissing(Exception):
    """SymPy's LaTeX-parser test modules are not in the installed SymPy."""


def _find_spec(module_name: str) -> importlib.machinery.ModuleSpec | None:
    try:
        return importlib.util.find_spec(module_name)
    except ImportError:  # a parent package is missing
        return None


def _module_attributes(module_name: str, seed: dict[str, Any]) -> dict[str, Any]:
    """The names a test module defines, executing its top-level statements one by one.

    The fallback for a module that will not import as a whole (say an optional parser
    dependency is missing): statements that fail are skipped, the pair lists usually survive.
    """
    spec = _find_spec(module_name)
    if spec is None or spec.origin is None:
        raise SympyTestsMissing(module_name)
    namespace: dict[str, Any] = {
        **{name: value for name, value in seed.items() if not name.endswith("_PAIRS")},
        "__name__": module_name,
        "__package__": module_name.rpartition(".")[0],
    }
    for statement in ast.parse(Path(spec.origin).read_text(encoding="utf-8")).body:
        try:
            exec(compile(ast.Module(body=[statement], type_ignores=[]), spec.origin, "exec"), namespace)
        except Exception:
            continue
    return namespace


def load_pairs() -> tuple[dict[str, Pair], list[str]]:
    """SymPy's test pairs, by string, and notes on how they were loaded."""
    notes: list[str] = []
    modules: list[dict[str, Any]] = []
    for module_name in SYMPY_TEST_MODULES:
        try:
            modules.append(vars(importlib.import_module(module_name)))
        except Exception as error:
            if _find_spec(module_name) is None:
                raise SympyTestsMissing(module_name) from error
            notes.append(
                f"{module_name} did not import ({error}); its lists were read statement by statement"
            )
            # test_latex_lark imports its helpers from test_latex: hand them over.
            modules.append(_module_attributes(module_name, seed=modules[0] if modules else {}))
    good_pairs, lark_module = modules
    lists: list[tuple[str, list[tuple[str, Any]]]] = [("GOOD_PAIRS", good_pairs.get("GOOD_PAIRS", []))]
    lists += sorted((name, value) for name, value in lark_module.items() if name.endswith("_PAIRS"))
    if not any(pairs for _, pairs in lists):
        raise SympyTestsMissing("no *_PAIRS lists in " + ", ".join(SYMPY_TEST_MODULES))
    by_string: dict[str, Pair] = {}
    for list_name, pairs in lists:
        for latex, expected in pairs:
            pair = by_string.setdefault(latex, Pair(latex))
            pair.expected.append(sympify(expected))
            pair.lists.append(list_name)
    return by_string, notes


def exclusion_of(pair: Pair) -> str | None:
    """The category that leaves ``pair`` out, or None when it is in scope."""
    for exclusion in EXCLUSIONS:
        if any(exclusion.applies(pair.latex, expected) for expected in pair.expected):
            return exclusion.category
    return None


# -- comparing by value, whatever the names ------------------------------------------------------------


class ComparisonTimedOut(Exception):
    pass


@contextmanager
def time_limit(seconds: int, raised: type[Exception] = ComparisonTimedOut) -> Iterator[None]:
    """Raise ``raised`` when the block runs longer than ``seconds`` (no limit where SIGALRM is missing)."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise raised(f"over {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _greek_spellings() -> dict[str, str]:
    spellings = {}
    for code in [*range(0x391, 0x3AA), *range(0x3B1, 0x3CA)]:
        letter = chr(code)
        name = unicodedata.name(letter, "")
        if not name:
            continue
        word = name.split()[-1].lower()  # "GREEK SMALL LETTER FINAL SIGMA" → "sigma"
        spellings[letter] = word.capitalize() if "CAPITAL" in name else word
    spellings.update({"ϵ": "epsilon", "ϑ": "theta", "ϕ": "phi"})
    return spellings


GREEK_SPELLINGS = _greek_spellings()


def canonical_name(name: str) -> str:
    """One spelling for a name however a reader wrote it: θ, \\theta and {theta} are all ``theta``."""
    spelled = "".join(GREEK_SPELLINGS.get(char, char) for char in unicodedata.normalize("NFC", name))
    return re.sub(r"[\\{}\s]", "", spelled)


def _exact(number: Float) -> Rational:
    # SymPy's tests write decimals as Floats; a reader that keeps 3.14 exact as 157/50 read it right.
    return Rational(str(number))


def normalize(expr: Any) -> Any:
    """``expr`` with plain names: canonical spelling, no assumptions, ``x[i]`` as the symbol ``x_{i}``."""
    if isinstance(expr, MatrixBase):
        expr = ImmutableMatrix(expr)
    expr = sympify(expr)
    if isinstance(expr, Relational):
        # Rebuilding a relation may decide it (Eq(x, x) is True): keep the class, normalize each side.
        return type(expr)(normalize(expr.lhs), normalize(expr.rhs), evaluate=False)
    if not isinstance(expr, Basic):
        return expr
    expr = expr.replace(lambda node: isinstance(node, Float), _exact)
    expr = expr.replace(
        lambda node: isinstance(node, AppliedUndef),
        lambda node: Function(canonical_name(node.func.__name__))(*node.args),
    )
    indexed = {
        node: Symbol(
            f"{canonical_name(str(node.base.label))}_{{"
            + ",".join(canonical_name(str(normalize(index))) for index in node.indices)
            + "}"
        )
        for node in expr.atoms(Indexed)
    }
    indexed.update({base: Symbol(canonical_name(str(base.label))) for base in expr.atoms(IndexedBase)})
    expr = expr.xreplace(indexed)
    return expr.xreplace({symbol: Symbol(canonical_name(symbol.name)) for symbol in expr.atoms(Symbol)})


def _evaluated(expr: Any) -> Any:
    try:
        return expr.doit()
    except Exception:
        return expr


def _as_matrix(expr: Any) -> ImmutableMatrix | None:
    value = _evaluated(expr)
    if isinstance(value, MatrixExpr):
        try:
            value = value.as_explicit()
        except Exception:
            return None
    return ImmutableMatrix(value) if isinstance(value, MatrixBase) else None


def _is_matrix(expr: Any) -> bool:
    return isinstance(expr, (MatrixBase, MatrixExpr))


def _equal_expressions(left: Any, right: Any) -> bool:
    if left == right:
        return True
    left_value, right_value = _evaluated(left), _evaluated(right)
    if left_value == right_value:
        return True
    if _is_matrix(left_value) or _is_matrix(right_value):
        left_matrix, right_matrix = _as_matrix(left_value), _as_matrix(right_value)
        if left_matrix is None or right_matrix is None or left_matrix.shape != right_matrix.shape:
            return False
        return all(_equal_expressions(a, b) for a, b in zip(left_matrix, right_matrix, strict=True))
    try:
        return simplify(left_value - right_value) == 0
    except Exception:
        return False


def same_value(reading: Any, expected: Any) -> bool:
    """Whether ``reading`` and ``expected`` are the same mathematics, names normalized on both sides.

    Raises :class:`ComparisonTimedOut` when the comparison takes over ``COMPARISON_SECONDS``.
    """
    with time_limit(COMPARISON_SECONDS):
        left, right = normalize(reading), normalize(expected)
        if isinstance(left, Relational) or isinstance(right, Relational):
            return (
                isinstance(left, Relational)
                and isinstance(right, Relational)
                and left.rel_op == right.rel_op
                and _equal_expressions(left.lhs, right.lhs)
                and _equal_expressions(left.rhs, right.rhs)
            )
        return _equal_expressions(left, right)


def distinct_values(expressions: list[Any]) -> list[Any]:
    """``expressions`` with those equal in value to an earlier one left out."""
    distinct: list[Any] = []
    for expression in expressions:
        try:
            if any(same_value(expression, kept) for kept in distinct):
                continue
        except ComparisonTimedOut:
            pass
        distinct.append(expression)
    return distinct


# -- reading and classifying ---------------------------------------------------------------------------

RIGHT, AMBIGUOUS, MISREAD, REFUSED, CRASHED = "read right", "ambiguous", "misread", "refused", "crashed"
VERDICTS = (RIGHT, AMBIGUOUS, MISREAD, REFUSED, CRASHED)
ROW_LABELS = {
    RIGHT: "read right",
    AMBIGUOUS: "ambiguous (right reading among them)",
    MISREAD: "misread",
    REFUSED: "refused",
    CRASHED: "crashed",
}


class ReadingTimedOut(Exception):
    pass


@dataclass
class Outcome:
    pair: Pair
    verdict: str
    readings: tuple[Any, ...] = ()
    detail: str = ""  # the refusal's reason, or the exception of a crash

    @property
    def latex(self) -> str:
        return self.pair.latex

    @property
    def expected(self) -> list[Any]:
        return self.pair.expected

    @property
    def lists(self) -> list[str]:
        return self.pair.lists


@dataclass
class Scorer:
    """Reads strings with one reader and classifies the results; remembers comparisons that timed out."""

    read: Callable[[str], tuple[Any, ...]]
    refusals: tuple[type[BaseException], ...]
    timeouts: list[str] = field(default_factory=list)

    def matches(self, latex: str, reading: Any, expected: list[Any]) -> bool:
        for candidate in expected:
            try:
                if same_value(reading, candidate):
                    return True
            except ComparisonTimedOut:
                self.timeouts.append(f"{latex!r}: {reading} against {candidate}")
        return False

    def score(self, pair: Pair) -> Outcome:
        try:
            with time_limit(READING_SECONDS, ReadingTimedOut):
                readings = tuple(self.read(pair.latex))
        except self.refusals as refusal:
            return Outcome(pair, REFUSED, detail=str(refusal))
        except Exception as error:
            detail = f"{type(error).__name__}: {error}\n" + traceback.format_exc(limit=-3)
            return Outcome(pair, CRASHED, detail=detail)
        if not any(self.matches(pair.latex, reading, pair.expected) for reading in readings):
            return Outcome(pair, MISREAD, readings)
        return Outcome(pair, RIGHT if len(readings) == 1 else AMBIGUOUS, readings)


def derive_reader() -> tuple[Callable[[str], tuple[Any, ...]], tuple[type[BaseException], ...]]:
    """derive's ``read_latex`` from this checkout (not an installed copy), and its refusal."""
    sys.path.insert(0, str(ROOT))
    from derive import Unreadable, read_latex

    return (lambda latex: read_latex(latex).expressions), (Unreadable,)


def sympy_lark_reader() -> tuple[Callable[[str], tuple[Any, ...]], tuple[type[BaseException], ...]]:
    """SymPy's Lark LaTeX parser: one reading, and any exception is its refusal."""
    from sympy.parsing.latex import parse_latex

    def read(latex: str) -> tuple[Any, ...]:
        result = parse_latex(latex, backend="lark")
        if not isinstance(result, (Basic, MatrixBase)):
            # An unresolved parse tree (the grammar found several readings and kept none).
            raise ValueError(f"no expression, but {type(result).__name__}")
        return (result,)

    return read, (Exception,)


# -- the report ------------------------------------------------------------------------------------------


def _show(expr: Any) -> str:
    # Matrices print over several lines inside a product; one line reads better in a list.
    return re.sub(r"\s*\n\s*", "", str(expr))


def _counts(outcomes: list[Outcome]) -> Counter[str]:
    return Counter(outcome.verdict for outcome in outcomes)


def _table(columns: dict[str, list[Outcome]]) -> list[str]:
    header = "| |" + "".join(f" {name} strings | share |" for name in columns)
    rule = "|---|" + "---:|---:|" * len(columns)
    counts = {name: _counts(outcomes) for name, outcomes in columns.items()}
    lines = [header, rule]
    for verdict in VERDICTS:
        if verdict == CRASHED and not any(count[CRASHED] for count in counts.values()):
            continue
        cells = ""
        for name, outcomes in columns.items():
            count = counts[name][verdict]
            cells += f" {count} | {100 * count / max(len(outcomes), 1):.1f}% |"
        lines.append(f"| {ROW_LABELS[verdict]} |{cells}")
    total = "".join(f" {len(outcomes)} | 100% |" for outcomes in columns.values())
    lines.append(f"| **all** |{total}")
    return lines


def text_report(
    pairs: dict[str, Pair],
    excluded: Counter[str],
    deliberate: list[Outcome],
    columns: dict[str, list[Outcome]],
    timeouts: list[str],
    notes: list[str],
    verbose: bool,
) -> str:
    derive_outcomes = columns["derive"]
    lines = [*(f"note: {note}" for note in notes)]
    remaining = len(derive_outcomes) + len(deliberate)
    lines.append(
        f"SymPy {sympy.__version__}: {len(pairs)} distinct strings in its LaTeX-parser test pairs; "
        f"{sum(excluded.values())} left out as notation derivation posts do not use:"
    )
    lines += [f"  {category}: {excluded[category]}" for category in (e.category for e in EXCLUSIONS)]
    lines.append(
        f"{remaining} remain (the issue counted {ISSUE_COUNT}); {len(deliberate)} of them are read "
        f"differently on purpose (DELIBERATE), so {len(derive_outcomes)} are counted."
    )
    lines += ["", *_table(columns), ""]
    lines.append("target: ≥ 95% read right or ambiguous-with-the-right-reading, 0 misread")
    counts = _counts(derive_outcomes)
    good = counts[RIGHT] + counts[AMBIGUOUS]
    lines.append(
        f"derive now: {100 * good / max(len(derive_outcomes), 1):.1f}% read right or ambiguous, "
        f"{counts[MISREAD]} misread"
    )
    lines.append(f"deliberately read differently: {len(deliberate)}")

    misread = [outcome for outcome in derive_outcomes if outcome.verdict == MISREAD]
    lines += ["", f"## Misread by derive ({len(misread)})"]
    for outcome in misread:
        lines.append(f"  {outcome.latex}")
        readings = outcome.readings or ("(no readings)",)
        lines += [f"      derive:   {_show(reading)}" for reading in readings]
        lines += [f"      expected: {_show(expected)}" for expected in outcome.expected]

    crashed = [outcome for outcome in derive_outcomes if outcome.verdict == CRASHED]
    if crashed:
        lines += ["", f"## Crashed in derive ({len(crashed)})"]
        for outcome in crashed:
            first, _, trace = outcome.detail.partition("\n")
            lines.append(f"  {outcome.latex}\n      {first}")
            if verbose:
                lines += [f"      {line}" for line in trace.rstrip().splitlines()]

    if timeouts:
        lines += ["", f"## Comparisons that timed out after {COMPARISON_SECONDS} s (counted as not equal)"]
        lines += [f"  {timeout}" for timeout in timeouts]

    lines += ["", f"## Deliberately read differently ({len(deliberate)}, not counted)"]
    by_reason: dict[str, list[Outcome]] = {}
    for outcome in deliberate:
        by_reason.setdefault(DELIBERATE[outcome.latex], []).append(outcome)
    for reason, outcomes in by_reason.items():
        lines.append(f"  {reason}:")
        lines += [f"      {outcome.latex}  →  {_summary(outcome)}" for outcome in outcomes]
    stale = sorted(set(DELIBERATE) - set(pairs))
    if stale:
        lines.append("  listed in DELIBERATE but no longer among SymPy's pairs: " + ", ".join(stale))

    if verbose:
        ambiguous = [outcome for outcome in derive_outcomes if outcome.verdict == AMBIGUOUS]
        lines += ["", f"## Ambiguous in derive, the right reading among them ({len(ambiguous)})"]
        for outcome in ambiguous:
            lines.append(f"  {outcome.latex}")
            lines += [f"      derive:   {_show(reading)}" for reading in outcome.readings]
        refused = [outcome for outcome in derive_outcomes if outcome.verdict == REFUSED]
        lines += ["", f"## Refused by derive ({len(refused)}), by reason"]
        for reason, count in Counter(outcome.detail for outcome in refused).most_common():
            lines.append(f"  {count:3d} × {reason}")
        lines += ["", "## Refused strings"]
        lines += [f"  {outcome.latex}\n      {outcome.detail}" for outcome in refused]
        for name, outcomes in columns.items():
            if name == "derive":
                continue
            wrong = [outcome for outcome in outcomes if outcome.verdict == MISREAD]
            lines += ["", f"## Misread by {name} ({len(wrong)})"]
            for outcome in wrong:
                lines.append(f"  {outcome.latex}\n      {name}: {_show(outcome.readings[0])}")
                lines.append(f"      expected: {_show(outcome.expected[0])}")
    return "\n".join(lines)


def _summary(outcome: Outcome) -> str:
    if outcome.verdict in (REFUSED, CRASHED):
        return f"{outcome.verdict}: {outcome.detail.splitlines()[0]}"
    return " | ".join(_show(reading) for reading in outcome.readings)


def json_report(
    pairs: dict[str, Pair],
    excluded: Counter[str],
    deliberate: list[Outcome],
    columns: dict[str, list[Outcome]],
    timeouts: list[str],
    notes: list[str],
) -> str:
    def column(outcomes: list[Outcome]) -> dict[str, Any]:
        counts = _counts(outcomes)
        return {
            "counts": {verdict: counts[verdict] for verdict in VERDICTS},
            "share": {verdict: counts[verdict] / max(len(outcomes), 1) for verdict in VERDICTS},
            "misread": [
                {
                    "latex": outcome.latex,
                    "lists": outcome.lists,
                    "readings": [_show(reading) for reading in outcome.readings],
                    "expected": [_show(expected) for expected in outcome.expected],
                }
                for outcome in outcomes
                if outcome.verdict == MISREAD
            ],
            "ambiguous": [
                {"latex": outcome.latex, "readings": [_show(reading) for reading in outcome.readings]}
                for outcome in outcomes
                if outcome.verdict == AMBIGUOUS
            ],
            "refused": [
                {"latex": outcome.latex, "lists": outcome.lists, "reason": outcome.detail}
                for outcome in outcomes
                if outcome.verdict == REFUSED
            ],
            "crashed": [
                {"latex": outcome.latex, "error": outcome.detail.splitlines()[0]}
                for outcome in outcomes
                if outcome.verdict == CRASHED
            ],
        }

    document = {
        "sympy": sympy.__version__,
        "notes": notes,
        "distinct_strings": len(pairs),
        "after_exclusions": len(columns["derive"]) + len(deliberate),
        "counted": len(columns["derive"]),
        "excluded": {exclusion.category: excluded[exclusion.category] for exclusion in EXCLUSIONS},
        "deliberate": [
            {"latex": outcome.latex, "reason": DELIBERATE[outcome.latex], "derive": _summary(outcome)}
            for outcome in deliberate
        ],
        "timeouts": timeouts,
        "readers": {name: column(outcomes) for name, outcomes in columns.items()},
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--verbose", action="store_true", help="also list ambiguous and refused strings")
    parser.add_argument("--json", action="store_true", help="machine-readable counts and lists")
    parser.add_argument(
        "--compare-sympy", action="store_true", help="also score SymPy's Lark parser, as a reference"
    )
    options = parser.parse_args(argv)
    # Readers may build objects SymPy has deprecated (SymPy's Lark parser multiplies Tuples);
    # the warnings would bury the report.
    warnings.filterwarnings("ignore", category=SymPyDeprecationWarning)

    try:
        pairs, notes = load_pairs()
    except SympyTestsMissing as missing:
        print(f"SymPy's LaTeX-parser tests are not in the installed SymPy: {missing}", file=sys.stderr)
        return 2
    try:
        read, refusals = derive_reader()
    except Exception as error:
        print(f"derive cannot be imported: {type(error).__name__}: {error}", file=sys.stderr)
        return 1

    excluded: Counter[str] = Counter()
    in_scope: list[Pair] = []
    deliberate_pairs: list[Pair] = []
    for pair in pairs.values():
        category = exclusion_of(pair)
        if category is not None:
            excluded[category] += 1
        elif pair.latex in DELIBERATE:
            deliberate_pairs.append(pair)
        else:
            in_scope.append(pair)

    # One string may sit in several lists with expectations of different shapes but one value;
    # where SymPy's own lists disagree in value, a reading equal to any of them counts as right.
    for pair in [*in_scope, *deliberate_pairs]:
        pair.expected = distinct_values(pair.expected)
        if len(pair.expected) > 1:
            notes.append(
                f"SymPy's lists disagree on {pair.latex}: "
                + " vs ".join(_show(expected) for expected in pair.expected)
            )

    derive_scorer = Scorer(read, refusals)
    columns = {"derive": [derive_scorer.score(pair) for pair in in_scope]}
    deliberate = [derive_scorer.score(pair) for pair in deliberate_pairs]
    timeouts = [f"derive, {timeout}" for timeout in derive_scorer.timeouts]
    if options.compare_sympy:
        sympy_scorer = Scorer(*sympy_lark_reader())
        columns["SymPy Lark"] = [sympy_scorer.score(pair) for pair in in_scope]
        timeouts += [f"SymPy Lark, {timeout}" for timeout in sympy_scorer.timeouts]

    if options.json:
        print(json_report(pairs, excluded, deliberate, columns, timeouts, notes))
    else:
        print(text_report(pairs, excluded, deliberate, columns, timeouts, notes, options.verbose))
    return 0


if __name__ == "__main__":
    sys.exit(main())
