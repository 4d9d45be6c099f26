"""``derive check`` on generated posts: every correct step is ✓, every broken step is ✗.

Hypothesis writes small Markdown posts whose chains of equations are built with SymPy: a chain
starts from a random expression (a polynomial, a rational function, a product of exponentials,
a log-sum-exp, a squared logarithm or a softmax ratio in x, y and z_1..z_3) and every next line
is a value-preserving rewrite of the line before (expand, factor, collect, together, apart,
combine or split exponentials, take a logarithm of a positive quantity apart, divide a softmax
through, or just the terms in another order). A broken chain has one line mutated: a sign
flipped, a term dropped, a coefficient or an exponent changed, or two variables swapped, each
checked to change the value.
A chain is written as rows of ``aligned``, as one row ``a = b = c``, or one link per display
block (``= c`` continuing the block before), and each post picks its notation: ``\\cdot`` or
juxtaposition, ``e^{…}`` or ``\\exp``, ``\\log`` or ``\\ln``, ``\\left(`` or plain brackets,
``\\frac`` or ``\\dfrac``, ``2x`` or ``2 x``, ``\\log(x)`` or SymPy's ``\\log{\\left(x \\right)}``,
``\\frac{1}{2} x`` or ``\\frac12 x``.

The verdicts expected after a wrong line are the ones ``derive/check/judge.py`` documents: a
mistake is reported where it starts, and a line that only carries it is ✗ "inherited from" that
line. A line after a typo (a wrong line that the derivation then ignores) is ✗ too, as the step
from the typo to it does not hold, and says that it agrees with the last right line again; the
lines after a slip (a wrong line the derivation goes on from) are ✗ inherited, measured against
the last line proven from the head. After a wrong first link there is no such line (the head
itself may be the typo), and they are ✓ as each follows from the line before it.

Shapes the checker once misread are kept in ``test_shapes_once_misread``; a shape it misreads is
left out of the generators, with a comment naming the bug, until it is fixed.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st
from sympy import (
    Add,
    Expr,
    Indexed,
    IndexedBase,
    Integer,
    PolynomialError,
    Pow,
    Rational,
    Symbol,
    apart,
    cancel,
    collect,
    exp,
    expand,
    expand_log,
    expand_power_exp,
    factor,
    fraction,
    log,
    powsimp,
    together,
)
from sympy.printing.latex import LatexPrinter

from derive.check import check_text
from derive.check.findings import DEFINITION, PROVEN, WRONG

X, Y = Symbol("x"), Symbol("y")
Z = IndexedBase("z")
VARIABLES = (X, Y, Indexed(Z, 1), Indexed(Z, 2), Indexed(Z, 3))
# The checker reports a letter that no definition mentions as "x not defined before this line"
# (?), so every post first defines a name in terms of all the variables the chains use. A
# function f(x) = … was not used while the checker refuted that definition (function-definition
# in test_shapes_once_misread); a function of x alone would not name y and z_1..z_3 anyway.
PREAMBLE = "u = x + y + z_{1} + z_{2} + z_{3}"

# Each test runs its examples in a few seconds; the deadline is off because the first check of
# a shape also warms SymPy's caches, which makes single examples slow on a loaded machine.
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    # Drawing an example runs SymPy (factor, apart, numeric checks of every rewrite): up to a few
    # hundred milliseconds each, near Hypothesis's one-second budget for its first examples on a
    # slow or busy machine. The whole file still runs in seconds.
    suppress_health_check=[HealthCheck.too_slow],
)


# -- printing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Style:
    """How one post writes its math: each choice is a notation the checker reads."""

    times: str  # "" (juxtaposition) or "cdot"
    exponential: str  # "e^" or "exp"
    logarithm: str  # "log" or "ln"
    brackets: str  # "left-right" or "plain"
    fraction: str  # "frac" or "dfrac"
    compact: bool  # "2x" rather than "2 x"
    function_braces: bool  # SymPy's \log{\left(x \right)}^{2} rather than \left(\log\left(x\right)\right)^{2}
    digit_fractions: bool  # \frac12 x, TeX's one-token arguments, for a coefficient of one digit over one


_STYLES = st.builds(
    _Style,
    st.sampled_from(["", "cdot"]),
    st.sampled_from(["e^", "exp"]),
    st.sampled_from(["log", "ln"]),
    st.sampled_from(["left-right", "plain"]),
    st.sampled_from(["frac", "dfrac"]),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)


class _Printer(LatexPrinter):
    r"""SymPy's LaTeX in the notation of posts, with the terms of every sum in a random order.

    ``z_{1}`` rather than SymPy's ``{z}_{1}``. A power of a function is ``\log{\left(x \right)}^{2}``
    as SymPy writes it, or ``\left(\log\left(x\right)\right)^{2}``; a coefficient of one digit
    over one is ``\frac{1}{2} x``, or ``\frac12 x`` with TeX's unbraced arguments.
    """

    def __init__(self, rng: random.Random, style: _Style) -> None:
        super().__init__({"mul_symbol": "dot" if style.times == "cdot" else None})
        self.rng = rng
        self.style = style

    def tex(self, expr: Expr) -> str:
        tex = self.doprint(expr)
        if self.style.brackets == "plain":
            tex = tex.replace("\\left(", "(").replace("\\right)", ")")
        if self.style.fraction == "dfrac":
            tex = tex.replace("\\frac", "\\dfrac")
        if self.style.compact:
            tex = re.sub(r"(?<![\w\\.])(\d+) (?=[a-z]|\\(?:log|ln|exp|left)\b)", r"\1", tex)
        return tex

    def _print_Add(self, expr, order=None):
        terms = list(expr.args)
        self.rng.shuffle(terms)
        tex = ""
        for position, term in enumerate(terms):
            if position and term.could_extract_minus_sign():
                tex += " - "
                term = -term
            elif position:
                tex += " + "
            shown = self._print(term)
            tex += rf"\left({shown}\right)" if self._needs_add_brackets(term) else shown
        return tex

    def _print_Indexed(self, expr):
        return f"{expr.base.label}_{{{','.join(map(self._print, expr.indices))}}}"

    def _digit_fraction(self, number: Expr) -> bool:
        return (
            self.style.digit_fractions
            and number.is_Rational
            and not number.is_Integer
            and abs(number.p) < 10
            and number.q < 10
        )

    def _print_Rational(self, expr):
        if self._digit_fraction(expr):
            return rf"{'-' if expr.p < 0 else ''}\frac{abs(expr.p)}{expr.q}"
        return super()._print_Rational(expr)

    def _print_Mul(self, expr):
        # SymPy folds a coefficient into the fraction (\frac{x}{2}); written in front, it is \frac12 x.
        coefficient, rest = expr.as_coeff_Mul()
        if not self._digit_fraction(coefficient):
            return super()._print_Mul(expr)
        factor = self._print(rest)
        if isinstance(rest, Add):
            factor = rf"\left({factor}\right)"
        return f"{self._print(coefficient)}{self._settings['mul_symbol_latex'] or ' '}{factor}"

    def _function(self, name: str, expr, exp=None):
        argument = self._print(expr.args[0])
        if self.style.function_braces:
            tex = rf"\{name}{{\left({argument} \right)}}"
            return f"{tex}^{{{exp}}}" if exp is not None else tex
        tex = rf"\{name}\left({argument}\right)"
        return rf"\left({tex}\right)^{{{exp}}}" if exp is not None else tex

    def _print_log(self, expr, exp=None):
        return self._function(self.style.logarithm, expr, exp)

    def _print_exp(self, expr, exp=None):
        if self.style.exponential == "e^":
            return super()._print_ExpBase(expr, exp)
        return self._function("exp", expr, exp)


# -- values: numbers at random points -----------------------------------------------------

_POINTS = [
    {v: Rational(rng.randint(-20, 20), 10) for v in VARIABLES}
    for rng in [random.Random(seed) for seed in range(8)]
]


def _values_at_points(expr: Expr) -> list[complex | None]:
    found = []
    for point in _POINTS:
        value = expr.xreplace(point).evalf(30)
        found.append(complex(value) if value.is_finite and value.is_number else None)
    return found


def _defined_pairs(a: Expr, b: Expr) -> list[tuple[complex, complex]]:
    pairs = zip(_values_at_points(a), _values_at_points(b), strict=True)
    return [(p, q) for p, q in pairs if p is not None and q is not None]


def _same(a: Expr, b: Expr) -> bool:
    """Equal at every point where both are defined (the generators' own safety net)."""
    pairs = _defined_pairs(a, b)
    return len(pairs) >= 4 and all(abs(p - q) <= 1e-12 * max(1, abs(p), abs(q)) for p, q in pairs)


def _differs(a: Expr, b: Expr) -> bool:
    """Clearly different at some point where both are defined, so a mutation is certainly wrong."""
    return any(abs(p - q) > 1e-3 * max(1, abs(p), abs(q)) for p, q in _defined_pairs(a, b))


# -- values: the start of a chain ---------------------------------------------------------

_COEFFICIENTS = st.sampled_from([-3, -2, -1, 1, 2, 3])


@st.composite
def _linear(draw, constant: bool = True) -> Expr:
    """a·v + b·w + c in one or two of the variables."""
    chosen = draw(st.lists(st.sampled_from(VARIABLES), min_size=1, max_size=2, unique=True))
    terms = [draw(_COEFFICIENTS) * v for v in chosen]
    if constant:
        terms.append(draw(st.integers(-3, 3)))
    return Add(*terms)


@st.composite
def _polynomial(draw) -> Expr:
    first = draw(_linear())
    power = draw(st.sampled_from([1, 2]))
    second = draw(_linear()) if power == 1 or draw(st.booleans()) else Integer(1)
    return draw(st.sampled_from([1, 2, -1, 3, Rational(1, 2), Rational(-2, 3)])) * first**power * second


@st.composite
def _rational(draw) -> Expr:
    numerator = draw(_linear()) * draw(_linear())
    v, w = draw(st.lists(st.sampled_from(VARIABLES), min_size=2, max_size=2, unique=True))
    denominator = draw(st.sampled_from([v, v**2, v * w, v + draw(st.integers(1, 3))]))
    return numerator / denominator


@st.composite
def _exponential(draw) -> Expr:
    a, b = draw(_linear(constant=False)), draw(_linear(constant=False))
    shape = draw(st.sampled_from(["product", "square", "scaled sum"]))
    if shape == "product":
        return draw(_COEFFICIENTS) * exp(a) * (exp(b) + draw(st.sampled_from([1, 2, -1])))
    if shape == "square":
        return (exp(a) + exp(b)) ** 2
    return draw(_linear()) * (exp(a) + exp(b))


@st.composite
def _log_sum_exp(draw) -> Expr:
    """Logarithms only of sums and products of exponentials: positive for every real input, so
    taking them apart is an identity (the checker takes apart only what it knows is positive)."""
    a, b, c = (draw(_linear(constant=False)) for _ in range(3))
    shape = draw(st.sampled_from(["shifted", "product", "squared", "softmax"]))
    if shape == "shifted":
        return a + log(exp(b) + exp(c))
    if shape == "product":
        return log(exp(a) * (exp(b) + exp(c)))
    if shape == "squared":
        return log(exp(a) * (exp(b) + exp(c))) ** 2
    return exp(a) / (exp(a) + exp(b) + exp(c))


_STARTS = st.one_of(_polynomial(), _rational(), _exponential(), _log_sum_exp())


# -- rewrites: the next line of a chain ---------------------------------------------------


def _log_of_exp(expr: Expr) -> Expr:
    return expr.replace(
        lambda e: isinstance(e, log) and isinstance(e.args[0], exp), lambda e: e.args[0].args[0]
    )


def _take_logs_apart(expr: Expr, variable: Expr) -> Expr:
    # force=True is right here: every logarithm generated has a positive argument (see _log_sum_exp).
    return _log_of_exp(expand_log(expr, force=True))


def _divide_through(expr: Expr, variable: Expr) -> Expr:
    """e^a / (e^a + e^b) = 1 / (1 + e^{b - a}): numerator and denominator over one exponential."""
    numerator, denominator = fraction(together(expr))
    pivots = [t for t in Add.make_args(denominator) if isinstance(t, exp)]
    if not pivots:
        return expr
    pivot = pivots[0]
    return powsimp(expand(numerator / pivot)) / powsimp(expand(denominator / pivot))


def _apart(expr: Expr, variable: Expr) -> Expr:
    if not isinstance(variable, Symbol):
        return expr
    try:
        return apart(expr, variable)
    except (PolynomialError, NotImplementedError, ValueError):
        return expr


REWRITES = {
    "expand": lambda e, v: expand(e),
    "factor": lambda e, v: factor(e),
    "collect": lambda e, v: collect(expand(e), v),
    "together": lambda e, v: together(e),
    "cancel": lambda e, v: cancel(e),
    "apart": _apart,
    "combine exponentials": lambda e, v: powsimp(e),
    "split exponentials": lambda e, v: expand_power_exp(e),
    "take logarithms apart": _take_logs_apart,
    "divide through": _divide_through,
    "reorder": lambda e, v: e,  # the printer shuffles the terms: the same value in another order
}


def _positive(expr: Expr) -> bool:
    return all(v is not None and v.imag == 0 and v.real > 0 for v in _values_at_points(expr))


def _usable(expr: Expr) -> bool:
    """Written in what the checker reads, with every logarithm of a positive argument."""
    powers = expr.atoms(Pow)
    return all(p.exp.is_Integer for p in powers) and all(_positive(a.args[0]) for a in expr.atoms(log))


@st.composite
def _rewritten(draw, expr: Expr) -> Expr:
    """A new form of ``expr`` with the same value, preferring one that looks different."""
    names = draw(st.permutations(sorted(REWRITES)))
    variable = draw(st.sampled_from(sorted(expr.free_symbols & set(VARIABLES), key=str) or [X]))
    for name in names:
        new = REWRITES[name](expr, variable)
        if new != expr and _usable(new):
            assert _same(new, expr), f"the rewrite {name!r} changed the value of {expr}"
            return new
    return expr


# -- mutations: a wrong line --------------------------------------------------------------


def _outside_logarithms(expr: Expr):
    """Subexpressions not inside a logarithm: mutating those keeps every log argument positive."""
    yield expr
    if not isinstance(expr, log):
        for arg in expr.args:
            yield from _outside_logarithms(arg)


def _mutations(expr: Expr) -> list[tuple[str, Expr]]:
    found = []
    nodes = list(dict.fromkeys(_outside_logarithms(expr)))
    for node in nodes:
        if isinstance(node, Add):
            for position, term in enumerate(node.args):
                rest = [t for i, t in enumerate(node.args) if i != position]
                found.append(("sign", expr.xreplace({node: Add(*rest, -term)})))
                found.append(("dropped term", expr.xreplace({node: Add(*rest)})))
                coefficient, factors = term.as_coeff_Mul()
                changed = coefficient + 1 if coefficient != -1 else Integer(2)
                found.append(("coefficient", expr.xreplace({node: Add(*rest, changed * factors)})))
        if isinstance(node, Pow) and node.exp.is_Integer and node.exp != -1:
            bumped = node.exp + 1 if node.exp > 0 else node.exp - 1
            found.append(("power", expr.xreplace({node: Pow(node.base, bumped)})))
        if isinstance(node, exp):
            found.append(("power", expr.xreplace({node: exp(2 * node.args[0])})))
    coefficient, rest = expr.as_coeff_Mul()
    found.append(("coefficient", (coefficient + 1 if coefficient != -1 else 2) * rest))
    present = sorted(expr.free_symbols & set(VARIABLES), key=str)
    for position, a in enumerate(present):
        for b in present[position + 1 :]:
            found.append(("swapped variables", expr.xreplace({a: b, b: a})))
    return found


def _plain_head(expr: Expr) -> bool:
    # A chain that begins with a bare letter or number is read as a definition or a worked example.
    return not (isinstance(expr, (Symbol, Indexed)) or expr.is_number)


@st.composite
def _mutated(draw, expr: Expr, head: bool) -> tuple[str, Expr]:
    candidates = [
        (kind, wrong)
        for kind, wrong in _mutations(expr)
        if _usable(wrong) and (not head or _plain_head(wrong)) and _differs(wrong, expr)
    ]
    assume(candidates)
    return draw(st.sampled_from(candidates))


# -- chains and posts ---------------------------------------------------------------------


@dataclass
class _Chain:
    forms: list[Expr]  # the lines of the chain, form[0] = form[1] = …
    values: list[Expr]  # what each line should be worth: the start, or a wrong line's value
    broken: int | None = None  # the wrong line, if any
    kind: str = "correct"  # "correct", "typo" (the chain ignores the wrong line) or "slip"
    mutation: str = ""


@st.composite
def _chains(draw, broken: bool) -> _Chain:
    start = draw(_STARTS.filter(_usable))
    links = draw(st.integers(2, 4))
    forms = [start]
    for _ in range(links):
        forms.append(draw(_rewritten(forms[-1])))
    assume(_plain_head(forms[0]))
    chain = _Chain(forms, [start] * len(forms))
    if not broken:
        return chain
    chain.kind = draw(st.sampled_from(["typo", "slip"]))
    # A wrong first line is a typo in the left-hand side; a slip there would be a correct chain.
    chain.broken = draw(st.integers(1 if chain.kind == "slip" else 0, links))
    chain.mutation, wrong = draw(_mutated(forms[chain.broken], head=chain.broken == 0))
    forms[chain.broken] = wrong
    chain.values[chain.broken] = wrong
    if chain.kind == "slip":
        for position in range(chain.broken + 1, len(forms)):
            forms[position] = draw(_rewritten(forms[position - 1]))
            chain.values[position] = wrong
    return chain


@dataclass
class _Post:
    text: str
    chains: list[_Chain]
    expected: list[tuple[int, str]] = field(default_factory=list)  # (line, verdict) of every link
    anchors: dict[int, int] = field(default_factory=dict)  # link number → "follows from line …"


_PROSE = ["Expanding and tidying up,", "Hence", "which is the same as", "Rewriting once more,"]


def _write(chains: list[_Chain], layouts: list[str], printer: _Printer) -> _Post:
    lines = ["# A few identities", "", "Let", "", "$$", PREAMBLE, "$$", ""]
    post = _Post("", chains)
    for chain, layout in zip(chains, layouts, strict=True):
        tex = [printer.tex(form) for form in chain.forms]
        lines += ["Then", ""]
        form_lines: list[int] = []  # the line each form is written on (form 0 with form 1)
        if layout == "aligned":
            lines += ["$$", r"\begin{aligned}"]
            rows = [f"{tex[0]} &= {tex[1]}"] + [f"&= {t}" for t in tex[2:]]
            for number, row in enumerate(rows):
                lines.append(row + (r" \\" if number < len(rows) - 1 else ""))
                form_lines += [len(lines)] * (2 if number == 0 else 1)
            lines += [r"\end{aligned}", "$$", ""]
        elif layout == "one row":
            lines += ["$$", " = ".join(tex), "$$", ""]
            form_lines = [len(lines) - 2] * len(tex)
        else:  # one link per block, each later block beginning with "="
            lines += ["$$", f"{tex[0]} = {tex[1]}", "$$", ""]
            form_lines = [len(lines) - 2] * 2
            for number, t in enumerate(tex[2:]):
                lines += [_PROSE[number % len(_PROSE)], "", "$$", f"= {t}", "$$", ""]
                form_lines.append(len(lines) - 2)
        for link in range(1, len(chain.forms)):
            position = len(post.expected)
            if chain.broken is not None and link == max(chain.broken, 1):
                post.expected.append((form_lines[link], WRONG))
                continue
            inherited = chain.kind == "slip" and chain.broken is not None and link > chain.broken >= 2
            after_typo = chain.kind == "typo" and chain.broken and link == chain.broken + 1
            post.expected.append((form_lines[link], WRONG if inherited or after_typo else PROVEN))
            if after_typo:
                post.anchors[position] = form_lines[chain.broken - 1]
    post.text = "\n".join(lines)
    return post


@st.composite
def _posts(draw, broken: bool) -> _Post:
    count = draw(st.integers(1, 3))
    flags = [False] * count
    if broken:
        flags = [True, *draw(st.lists(st.booleans(), min_size=count - 1, max_size=count - 1))]
        flags = draw(st.permutations(flags))
    chains = [draw(_chains(flag)) for flag in flags]
    # A block that begins with "=" continues whichever recent chain it follows from, so a wrong
    # line that happened to equal another chain's value would rightly continue that chain.
    values = [v for c in chains for v in dict.fromkeys(c.values)]
    assume(all(_differs(a, b) for i, a in enumerate(values) for b in values[i + 1 :]))
    layouts = [draw(st.sampled_from(["aligned", "one row", "blocks"])) for _ in chains]
    printer = _Printer(draw(st.randoms(use_true_random=False)), draw(_STYLES))
    return _write(chains, layouts, printer)


# -- the properties -----------------------------------------------------------------------


def _judged(post: _Post):
    note(post.text)
    for chain in post.chains:
        note(f"{chain.kind} chain, wrong line {chain.broken} ({chain.mutation}): {chain.forms}")
    report = check_text(post.text, ".md")
    findings = [f for f in report.findings if f.verdict != DEFINITION]
    shown = [(f.line, f.verdict, f.source, f.detail) for f in findings]
    assert [(f.line, f.verdict) for f in findings] == post.expected, shown
    return findings


@SETTINGS
@given(_posts(broken=False))
def test_every_step_of_a_correct_chain_is_proven(post):
    """Chains of value-preserving rewrites, in every layout: each link is ✓, none is ✗ or ?."""
    _judged(post)


@SETTINGS
@given(_posts(broken=True))
def test_a_broken_step_is_wrong_and_the_chain_goes_on(post):
    """One mutated line per broken chain: that link is ✗ with a counterexample, every other link
    of every chain is ✓, and the line after a typo is ✗ as it does not follow from the typo,
    and says it agrees with the last line that was right (the chain goes on from there)."""
    findings = _judged(post)
    assert all(f.counterexample is not None for f in findings if f.verdict == WRONG)
    for position, line in post.anchors.items():
        assert f"agrees with line {line} again" in findings[position].detail


# -- what the generators leave out ----------------------------------------------------------


def _last_verdict(equation: str) -> str:
    """The verdict of ``equation`` after a definition of x and y."""
    report = check_text(f"$$u = x + y$$\n\n$${equation}$$\n", ".md")
    return report.findings[-1].verdict


@pytest.mark.parametrize(
    ("equation", "verdict"),
    [
        # \frac12 is ½ in TeX (a digit is one token), once read as the number 12 over x.
        pytest.param(r"\frac12 x = \frac{12}{x}", WRONG, id="frac12-is-not-12-over-x"),
        pytest.param(r"\frac12 x + \frac12 x = x", PROVEN, id="frac12-sum"),
        # SymPy's LaTeX for (log x)², once read as log(x²) though \log(x)^{2} was (log x)².
        pytest.param(r"\log{\left(x \right)}^{2} = 2 \log{\left(x \right)}", WRONG, id="log-braced-power"),
        pytest.param(
            r"\log{\left(x \right)}^{2} = \log{\left(x \right)} \log{\left(x \right)}",
            PROVEN,
            id="log-braced-power-is-a-square",
        ),
        # A function defined by a formula, once refuted with a random stand-in for f.
        pytest.param(r"f(x) = x^{2} + 1", DEFINITION, id="function-definition"),
    ],
)
def test_shapes_once_misread(equation, verdict):
    """Shapes the generators once left out because the checker misread them."""
    assert _last_verdict(equation) == verdict
