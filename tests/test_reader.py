"""``derive.read_latex``: the notation of ML posts read to SymPy, every ambiguity kept open, and
nothing read as something else. One family of cases per notation group of the grammar."""

from __future__ import annotations

import pytest
from sympy import (
    Abs,
    Derivative,
    E,
    Eq,
    Function,
    Ge,
    ImmutableMatrix,
    Indexed,
    IndexedBase,
    KroneckerDelta,
    Le,
    Lt,
    Max,
    Min,
    Ne,
    Product,
    Rational,
    Sum,
    Symbol,
    asin,
    asinh,
    cos,
    exp,
    log,
    pi,
    sin,
    sqrt,
    symbols,
    tanh,
)
from sympy.matrices.expressions import MatrixSymbol

from derive import DeriveError, Reading, Unreadable, read_latex
from derive.check.reader import Letters, PostNames, read_readings
from derive.check.reading import learn_names
from derive.check.tokens import tokenize

x, y, z, a, b, w, L = symbols("x y z a b w L")
i, j, k, t, N = symbols("i j k t N", integer=True, positive=True)
theta, tau, sigma = symbols("θ τ σ")
p_, y_, z_, W_, h_ = (IndexedBase(n) for n in ("p", "y", "z", "W", "h"))
yhat = IndexedBase("y\u0302")
SOFTMAX = Symbol("softmax_k", integer=True, positive=True)  # the index of the softmax's sum


def only(tex: str):
    """The one reading of ``tex``; fails if there are several."""
    reading = read_latex(tex)
    assert len(reading.expressions) == 1, (tex, reading)
    return reading.expressions[0]


def check(tex: str, meaning) -> None:
    assert only(tex) == meaning, tex


# -- one family per notation group -----------------------------------------------------------


@pytest.mark.parametrize(
    ("tex", "meaning"),
    [
        ("|x|", Abs(x)),
        ("\\vert x \\vert", Abs(x)),
        ("\\left| x - y \\right|", Abs(x - y)),
        ("|x||y|", Abs(x) * Abs(y)),
        ("\\|x\\|", Abs(x)),
        ("\\lVert x \\rVert", Abs(x)),
        ("\\max(a, b)", Max(a, b)),
        ("\\min(a, b, x)", Min(a, b, x)),
        ("\\sqrt{x}", sqrt(x)),
        ("\\sqrt[3]{x}", x ** Rational(1, 3)),
        ("\\pi", pi),
        ("\\sin x \\cos x", sin(x) * cos(x)),
        ("\\tanh^2(x)", tanh(x) ** 2),
        ("\\log^2 x", log(x) ** 2),
        ("\\operatorname{arcsinh}(a)", asinh(a)),
        ("\\mathrm{ReLU}(x)", Function("ReLU")(x)),
        ("\\operatorname{Var}(x)", Function("Var")(x)),
        ("\\mathbb{E}[x^2]", Function("𝔼")(x**2)),
        ("f(x, y)", Function("f")(x, y)),
        ("P(x|z)", Function("P|")(x, z)),
        ("\\operatorname{softmax}(\\mathbf{z})_i", exp(z_[i]) / Sum(exp(z_[SOFTMAX]), (SOFTMAX, 1, N))),
        ("\\text{softmax}(z)_i", exp(z_[i]) / Sum(exp(z_[SOFTMAX]), (SOFTMAX, 1, N))),
        ("\\sum_{k=1}^{N} - z_k", Sum(-z_[k], (k, 1, N))),
        ("\\log \\sum_{k=1}^{N} e^{z_k} + 1", log(Sum(exp(z_[k]), (k, 1, N))) + 1),
        ("\\text{sigmoid}(x)(1 - x)", (1 - x) / (1 + exp(-x))),
    ],
)
def test_functions_norms_and_absolute_values(tex, meaning):
    check(tex, meaning)


@pytest.mark.parametrize(
    ("tex", "meaning"),
    [
        ("x < y", Lt(x, y)),
        ("x \\le y", Le(x, y)),
        ("x \\geq y", Ge(x, y)),
        ("x \\neq y", Ne(x, y)),
        ("x \\ne y", Ne(x, y)),
        ("a = b", Eq(a, b)),
        ("a &=& b", None),  # eqnarray rows are joined by the layout, not by read_latex
    ],
)
def test_relations(tex, meaning):
    if meaning is None:
        with pytest.raises(Unreadable):
            read_latex(tex)
        return
    check(tex, meaning)


@pytest.mark.parametrize(
    ("tex", "meaning"),
    [
        ("\\frac{\\partial L}{\\partial z_i}", Derivative(L, z_[i])),
        ("\\frac{\\mathrm{d} L}{\\mathrm{d} x}", Derivative(L, x)),
        ("\\frac{\\text{d} L}{\\text{d} x}", Derivative(L, x)),
        ("\\frac{dL}{dx}", Derivative(L, x)),
        ("\\frac{d}{dx} x^2", Derivative(x**2, x)),
        ("\\dfrac{\\partial}{\\partial x} L", Derivative(L, x)),
        ("\\frac{\\partial^2 L}{\\partial w^2}", Derivative(L, (w, 2))),
        ("\\frac{\\partial^2 L}{\\partial w \\partial x}", Derivative(L, w, x)),
        ("\\frac{d^2 y}{dx^2}", Derivative(y, (x, 2))),
        ("\\partial_{z_i} L", Derivative(L, z_[i])),
        ("\\partial L / \\partial z_i", Derivative(L, z_[i])),
        ("∂L/∂z_i", Derivative(L, z_[i])),
        ("\\nabla_\\theta L", Derivative(L, theta)),
        ("\\nabla_{\\mathbf{w}} L", None),
        ("f'(x)", Derivative(Function("f")(x), x)),
        ("\\tanh'(x)", Derivative(tanh(x), x)),
        ("\\sigma'(z)", Derivative(1 / (1 + exp(-z)), z)),
        ("\\tfrac{a}{b}", a / b),
        ("{a \\over b}", a / b),
    ],
)
def test_derivatives_and_fractions(tex, meaning):
    if meaning is None:
        assert only(tex).shape == (N, 1)  # the gradient by a bold vector has its shape
        return
    check(tex, meaning)


@pytest.mark.parametrize(
    ("tex", "meaning"),
    [
        ("x^2_i", Indexed(IndexedBase("x"), i) ** 2),
        ("x_i^2", Indexed(IndexedBase("x"), i) ** 2),
        ("h_\\theta", h_[theta]),
        ("z_{\\tau,i}", z_[tau, i]),
        ("W_{ij}", W_[i, j]),
        ("W_{1,2}", W_[1, 2]),
        ("{ p }_{ i }", p_[i]),
        ("\\hat y", Symbol("y\u0302")),
        ("\\hat{y}_i", yhat[i]),
        ("\\widehat{y}_i", yhat[i]),
        ("ŷ_i", yhat[i]),
        ("\\hat{y_i}", yhat[i]),
        ("\\ell", Symbol("ℓ")),
        ("\\xi", Symbol("ξ")),
        ("\\delta_{ij}", KroneckerDelta(i, j)),
        ("\\text{cross\\_entropy}", Symbol("cross_entropy")),
        ("L_{CE}", Indexed(IndexedBase("L"), Symbol("CE"))),
        ("x^{(i)}", Indexed(IndexedBase("x^()"), i)),
        ("W^{[l]}_{ij}", Indexed(IndexedBase("W^[]"), Symbol("l"), i, j)),
        ("h^{(t-1)}", Indexed(IndexedBase("h^()"), t - 1)),
        ("xy", x * y),
        ("损失", Symbol("损失")),  # a word in the post's language standing for a quantity
        ("\\frac{\\partial 손실}{\\partial z_i}", Derivative(Symbol("손실"), z_[i])),
        ("\\text{CE-loss}", Symbol("CE-loss")),
    ],
)
def test_names_scripts_and_accents(tex, meaning):
    check(tex, meaning)


@pytest.mark.parametrize(
    ("tex", "meaning"),
    [
        ("\\mathbf{x}", MatrixSymbol("x", N, 1)),
        ("\\boldsymbol{x}", MatrixSymbol("x", N, 1)),
        ("\\bm{x}", MatrixSymbol("x", N, 1)),
        ("{\\bf x}", MatrixSymbol("x", N, 1)),
        ("\\mathbf{x}_i", Indexed(IndexedBase("x"), i)),
        ("\\mathbf{x}^\\top", MatrixSymbol("x", N, 1).T),
        ("\\mathbf{x}^T", MatrixSymbol("x", N, 1).T),
        ("\\mathbf{x}^{\\mathsf T}", MatrixSymbol("x", N, 1).T),
        ("\\mathbf{x}^{\\mathsf{T}}", MatrixSymbol("x", N, 1).T),
        ("\\begin{bmatrix} 1 \\\\ 2 \\end{bmatrix}", ImmutableMatrix([[1], [2]])),
        ("{\\begin{pmatrix}1\\\\2\\\\3\\end{pmatrix}}", ImmutableMatrix([[1], [2], [3]])),
        ("\\begin{array}{cc} 1 & 2 \\\\ 3 & 4 \\end{array}", ImmutableMatrix([[1, 2], [3, 4]])),
        ("\\begin{vmatrix} a & b \\\\ x & y \\end{vmatrix}", a * y - b * x),
        ("\\left| \\begin{matrix} a & b \\\\ x & y \\end{matrix} \\right|", a * y - b * x),
        ("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}^T", ImmutableMatrix([[1, 2]])),
    ],
)
def test_vectors_and_matrices(tex, meaning):
    check(tex, meaning)


@pytest.mark.parametrize(
    ("tex", "meaning"),
    [
        ("\\sum_{k=1}^{N} z_k", Sum(z_[k], (k, 1, N))),
        ("\\sum^{N}_{k=1} z_k", Sum(z_[k], (k, 1, N))),
        ("\\sum\\limits_{k=1}^{N} z_k", Sum(z_[k], (k, 1, N))),
        ("\\sum_k z_k", Sum(z_[k], (k, 1, N))),
        ("\\sum_{i, j} W_{ij}", Sum(W_[i, j], (j, 1, N), (i, 1, N))),
        ("\\prod_{k=1}^{N} z_k", Product(z_[k], (k, 1, N))),
        (
            "e^{z_1} + e^{z_2} + \\cdots + e^{z_N}",
            Sum(
                exp(z_[Symbol("elided_k", integer=True, positive=True)]),
                (Symbol("elided_k", integer=True, positive=True), 1, N),
            ),
        ),
    ],
)
def test_sums_and_products(tex, meaning):
    check(tex, meaning)


@pytest.mark.parametrize(
    ("tex", "meaning"),
    [
        ("\\left( x \\right)", x),
        ("\\Bigg( x \\Bigg)", x),
        ("\\bigl[ x \\bigr]", x),
        ("a \\, b \\; x \\! y", a * b * x * y),
        ("\\boxed{x}", x),
        ("\\cancel{x}", x),
        ("\\color{red}{x}", x),
        ("\\underbrace{x + y}", x + y),
        ("a \\cdot b", a * b),
        ("a \\times b", a * b),
        ("a \\odot b", a * b),
        ("a \\div b", a / b),
        ("−x × y · z", -x * y * z),
        ("２x", 2 * x),
        ("e^{x}", exp(x)),
        ("e", E),
        ("\\ln x", log(x)),
        ("\\log_2 x", log(x, 2)),
    ],
)
def test_layout_spacing_decoration_and_unicode(tex, meaning):
    check(tex, meaning)


# -- ambiguity: every plausible reading, settled only by the post -------------------------------


@pytest.mark.parametrize(
    ("tex", "readings"),
    [
        ("f(x)", {Function("f")(x), Symbol("f") * x}),
        ("2 3", {23, 6}),
        ("\\log x y", {log(x * y), log(x) * y}),
        ("\\ln xy", {log(x * y), log(x) * y}),
        ("\\sin^{-1} x", {asin(x), 1 / sin(x)}),
        ("\\mathcal{L}(\\theta)", {Function("L")(theta), L * theta}),
        ("\\frac{d\\theta(x)}{dx}", {Derivative(Function("θ")(x), x), Derivative(theta * x, x)}),
        ("p_{\\theta}(x)", {Function("p_{θ}")(x), p_[theta] * x}),
    ],
)
def test_an_ambiguous_string_gives_every_reading_and_names_the_choice(tex, readings):
    reading = read_latex(tex)
    assert set(reading.expressions) == readings
    assert reading.ambiguities, "the reason names the ambiguity"


def test_the_post_settles_application_or_product():
    # A name the post writes on its own is a value; one it applies to several arguments is a function.
    assert read_latex("x(1 - x) + x").expressions == (x * (1 - x) + x,)
    assert read_latex("f(x) + f(y, z)").expressions == (Function("f")(x) + Function("f")(y, z),)
    value = read_latex("p_i(1 - p_i)", PostNames(values=frozenset({"p_"})))
    assert value.expressions == (p_[i] * (1 - p_[i]),)
    assert "the post uses it on its own" in value.assumptions[0]
    applied = read_latex("\\mathcal{L}(\\theta)", PostNames(functions=frozenset({"L"})))
    assert applied.expressions == (Function("L")(theta),)


def test_sigma_of_an_argument_is_the_logistic_function_and_says_so():
    reading = read_latex("\\sigma(z)")
    assert reading.expressions == (1 / (1 + exp(-z)),)
    assert "logistic" in reading.assumptions[0]


def test_a_superscript_in_brackets_is_an_index_and_says_so():
    reading = read_latex("x^{(i)}")
    assert "index" in reading.assumptions[0]
    assert read_latex("e^{(x + y)}").expressions == (exp(x + y),)  # not an index: a power


# -- every misreading once reported stays fixed ---------------------------------------------------

MISREADINGS = [
    ("\\operatorname{arcsinh}(a)", "a·arcsinh", {asinh(a)}),
    ("\\ln xy", "a symbol named xy", {log(x * y), log(x) * y}),
    # y stands on its own inside the bracket, so y(…) is a product here.
    ("\\frac{1}{2}xy(x+y)", "a symbol named xy", {x * y * (x + y) / 2}),
    ("{\\begin{pmatrix}1\\\\2\\\\3\\end{pmatrix}}", "[[6]]", {ImmutableMatrix([[1], [2], [3]])}),
    ("x^{(i)}", "x**i", {Indexed(IndexedBase("x^()"), i)}),
    ("W^{[l]}", "W**l", {Indexed(IndexedBase("W^[]"), Symbol("l"))}),
    ("\\mathrm{ReLU}(x)", "ReLU·x", {Function("ReLU")(x)}),
    ("2 3", "6 alone", {23, 6}),
    (
        "\\operatorname{Var}(x) = \\mathbb{E}[x^2] - \\mathbb{E}[x]^2",
        "Var·x = 0",
        {Eq(Function("Var")(x), Function("𝔼")(x**2) - Function("𝔼")(x) ** 2)},
    ),
    (
        "\\frac{\\mathrm{d} L}{\\mathrm{d} p_i} = -\\frac{y_i}{p_i}",
        "a false ✗",
        {Eq(Derivative(L, p_[i]), -y_[i] / p_[i])},
    ),
    # A bar right after the bracket opens |w|: no conditional P(t | z) to read.
    ("x(|w| + w)", "a term with nothing in it", {x * (Abs(w) + w)}),
]


@pytest.mark.parametrize(("tex", "was", "readings"), MISREADINGS, ids=[m[0] for m in MISREADINGS])
def test_a_reported_misreading_is_read_right_now(tex, was, readings):
    assert set(read_latex(tex).expressions) == readings, f"was read as {was}"


@pytest.mark.parametrize(
    "tex",
    [
        "a \\quad b",  # two statements side by side: the layout splits them, the reader never joins them
        "\\text{if } i = j",  # prose inside math is never a product of letters
        "\\int x dx",
        "\\lim_{x \\to 0} x",
        "x \\in \\mathbb{R}",
        "\\sum_{k=1}^{10^9} k",  # refused before anything is expanded
        "2^{10^9}",
        "x^{1000}",
        "\\frobnicate{x}",
        "\\begin{pmatrix} 1 & \\cdots \\\\ 2 & 3 \\end{pmatrix}",
        "\\mathbf{x}^{\\top} + 1",
        "x^T",  # a transpose of a scalar, or the power T: neither is assumed
        "当 i = j",  # a condition word is prose
        "손실 함수 x",
        "a_1 + \\cdots",
    ],
)
def test_what_is_outside_the_grammar_is_refused_with_a_reason(tex):
    with pytest.raises(Unreadable) as refused:
        read_latex(tex)
    assert str(refused.value)
    assert isinstance(refused.value, DeriveError)


def test_read_latex_is_the_public_reader():
    reading = read_latex("a = b")
    assert isinstance(reading, Reading)
    assert reading.expressions == (Eq(a, b),)
    assert read_latex("a = b = x").expressions[0].args == (Eq(a, b), Eq(b, x))


def test_reading_is_linear_and_bounded_on_long_and_deep_input():
    # Many ambiguous sites do not multiply the readings without bound, and nesting is capped.
    with pytest.raises(Unreadable, match="ways to read it"):
        read_latex(" + ".join(f"q_{n}(x)" for n in range(1, 8)) + " + " + " ".join(["2 3"] * 6))
    with pytest.raises(Unreadable, match="nested"):
        read_latex("(" * 200 + "x" + ")" * 200)
    # Nested brackets after names that could be functions: each bracket is read once per reading.
    names = "abfgloqrsuvwABCDFGHKMPQRSUVW"
    nested = "".join(f"{name}(" for name in names) + "x" + ")" * len(names)
    with pytest.raises(Unreadable, match="ways to read it"):
        read_latex(nested)
    long_sum = " + ".join(f"x_{{{n}}}" for n in range(1, 600))
    assert len(read_latex(long_sum).expressions) == 1


def test_a_row_that_defines_a_subscripted_function_applies_it():
    # h_θ(x) = σ(θx) and h_θ written alone elsewhere: this row still applies h_θ.
    names = learn_names([tokenize("h_\\theta"), tokenize("h_\\theta(x) = x")], Letters())
    (statement,) = read_readings(tokenize("h_\\theta(x) = x"), Letters(), names=names)[0]
    assert statement.sides[0].func.__name__.startswith("h")
