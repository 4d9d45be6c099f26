"""What the checker reads: the grammar and the vocabulary of LaTeX math, in one place.

The reader (:mod:`derive.check.reader`) is a recursive descent over TeX tokens that follows
this grammar; every command, environment and word it knows is listed in the tables below, and
anything else is refused with a reason that names it. Nothing read here is ever evaluated.

::

    statement   := side (RELATION side)*            a = b = c,  x \\le y,  i \\neq j
                 | RELATION side (RELATION side)*   "= b": the row goes on from the one above
    side        := cases | expression
    expression  := ["+" | "-"] term (("+" | "-") term)*
    term        := factor ((PRODUCT | "/")? factor)*  written together is a product
                   \\sum … / \\prod … / d/dx … take the rest of the term as their body
    factor      := "-" factor | primary postfix*
    postfix     := "^" script | "_" script | "'"     scripts in either order: x^2_i = x_i^2
                 | "^" TRANSPOSE                     of a vector or matrix
                 | "^{(" index ")}" | "^{[" index "]}"   a sample or layer index, not a power
    primary     := number | name | "(" expr ")" | "[" expr "]" | "{" expr "}" | "{" a \\over b "}"
                 | "|" expr "|" | "\\|" expr "\\|"   absolute value, norm
                 | FUNCTION argument                \\log x, \\sin^2 x, \\max(a, b), \\mathrm{ReLU}(x)
                                                    \\log \\sum_k e^{z_k}: the sum runs to the term's end
                 | name "(" expr ("," expr)* ")"    an application, or a product: see AMBIGUITIES
                 | \\frac{a}{b} | \\sqrt[n]{x} | \\partial_x f | \\nabla_x f
                 | \\begin{MATRIX} rows \\end{MATRIX}
    name        := LETTER | GREEK | STYLE{…} | ACCENT{…} | ACCENT letter | a known word (CE, softmax)
                   letters written together that are not a known word are a product: xy = x·y

A display is cut into statements before it is read (:mod:`derive.check.layout`): rows at
``\\\\``, column pairs at ``&``, side notes after ``\\quad``, conditions after ``\\text{if}``.
"""

from __future__ import annotations

import sympy

# -- tokens that carry no meaning ---------------------------------------------------------------

#: Spacing: dropped, so ``a \\, b`` is ``a b``. ``\\quad`` and ``\\qquad`` separate statements.
SPACING = frozenset(
    {
        ",", ";", ":", "!", " ", ">", "thinspace", "medspace", "thickspace", "enspace", "negthinspace",
        "negmedspace", "negthickspace", "displaystyle", "textstyle", "scriptstyle", "limits", "nolimits",
        "nonumber", "notag", "mathstrut", "strut", "allowbreak", "hfill", "quad", "qquad",
    }
)  # fmt: skip
#: Sizing of delimiters: dropped, the delimiter itself is read.
SIZING = frozenset(
    {
        "left", "right", "middle", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
        "biggl", "biggr", "Biggl", "Biggr", "bigm", "Bigm",
    }
)  # fmt: skip
#: Commands whose braced argument is decoration around what is read: ``\\boxed{x}`` is x.
TRANSPARENT = frozenset(
    {"boxed", "cancel", "bcancel", "xcancel", "underbrace", "overbrace", "underline", "mathop"}
)
#: Commands with one argument that is not math at all: ``\\color{red}`` colours what follows.
#: (``\\tag`` and ``\\label`` are kept: the layout reads them.)
DROPPED_WITH_ARGUMENT = frozenset(
    {"color", "textcolor", "colorbox", "hspace", "vspace", "hspace*", "vspace*"}
)

# -- names -----------------------------------------------------------------------------------

GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "θ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "omicron": "ο", "rho": "ρ", "varrho": "ρ",
    "sigma": "σ", "varsigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ",
    "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ",
    "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ",
    "Omega": "Ω", "ell": "ℓ",
}  # fmt: skip
#: Constants: ``\\pi`` is the number π, ``\\infty`` infinity, ``e`` (before ``^``) the base of exp.
CONSTANTS = {"pi": sympy.pi, "infty": sympy.oo}

#: Accents make a name of their own: ``\\hat{y}`` is the family ŷ, not y.
ACCENTS = {
    "hat": "\u0302", "widehat": "\u0302", "bar": "\u0304", "overline": "\u0304", "tilde": "\u0303",
    "widetilde": "\u0303", "dot": "\u0307", "ddot": "\u0308", "check": "\u030c",
}  # fmt: skip
#: Styles: the letter inside is the name. Bold ones make a vector or matrix of a bare letter.
STYLES = frozenset(
    {
        "mathbf", "boldsymbol", "bm", "mathrm", "mathit", "mathsf", "mathtt", "vec", "mathbb",
        "mathcal", "mathscr", "mathfrak", "textbf", "textit", "textrm", "pmb", "bf", "rm", "it",
        "operatorname", "text", "mbox",
    }
)  # fmt: skip
BOLD = frozenset({"mathbf", "boldsymbol", "bm", "vec", "textbf", "pmb", "bf"})
#: Old-style switches, written inside the group they style: ``{\\bf x}``.
STYLE_SWITCHES = frozenset({"bf", "rm", "it", "cal", "sf", "tt"})
#: Upright spellings of the differential d: ``\\mathrm{d}x`` is ``dx``.
DIFFERENTIAL_STYLES = frozenset({"mathrm", "text", "operatorname", "textrm", "mathit"})

# -- functions -----------------------------------------------------------------------------

#: Functions written as commands or as upright words, and what they are.
FUNCTIONS = {
    "log": sympy.log, "ln": sympy.log, "exp": sympy.exp,
    "lg": lambda x: sympy.log(x, 10),
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "cot": sympy.cot, "sec": sympy.sec,
    "csc": sympy.csc, "arcsin": sympy.asin, "arccos": sympy.acos, "arctan": sympy.atan,
    "arccot": sympy.acot, "arcsec": sympy.asec, "arccsc": sympy.acsc,
    "sinh": sympy.sinh, "cosh": sympy.cosh, "tanh": sympy.tanh, "coth": sympy.coth,
    "sech": sympy.sech, "csch": sympy.csch, "arcsinh": sympy.asinh, "arccosh": sympy.acosh,
    "arctanh": sympy.atanh, "arsinh": sympy.asinh, "arcosh": sympy.acosh, "artanh": sympy.atanh,
    "asinh": sympy.asinh, "acosh": sympy.acosh, "atanh": sympy.atanh,
    "sigmoid": lambda x: 1 / (1 + sympy.exp(-x)),
    "erf": sympy.erf, "sgn": sympy.sign, "sign": sympy.sign,
}  # fmt: skip
#: ``\\sin^{-1}``: the inverse function (or the reciprocal: both are read).
INVERSES = {
    "sin": "arcsin", "cos": "arccos", "tan": "arctan", "cot": "arccot", "sec": "arcsec", "csc": "arccsc",
    "sinh": "arcsinh", "cosh": "arccosh", "tanh": "arctanh",
}  # fmt: skip
#: Functions of several arguments, written with commas: ``\\max(a, b)``.
VARIADIC = {"max": sympy.Max, "min": sympy.Min}
#: Upright words the reader knows as functions the checker has no formula for: an application
#: ``\\operatorname{Var}(X)`` stays an application of that name, never a product.
#: Any other multi-letter upright word applied to an argument is an application too.
#: ``softmax`` is read by the reader itself (it needs the vector's size).
SOFTMAX = "softmax"
#: The log-sum-exp of a vector, log Σ_k e^{z_k}: read by the reader too, and the reading says so.
LOG_SUM_EXP = frozenset({"LSE", "logsumexp", "LogSumExp"})
#: ``\\sigma(z)`` is the logistic function, as in every ML text; the reading says so.
LOGISTIC_LETTER = "σ"

#: Letters that name functions by convention, in a post that never uses them on their own.
FUNCTION_LETTERS = frozenset({"f", "g", "h"})

#: Letters written together that are one name, not a product (``CE`` is not C·E).
WORDS = frozenset(
    {
        "CE", "BCE", "MSE", "MAE", "NLL", "KL", "LSE", "ReLU", "GELU", "ELU", "SiLU", "Var", "Cov",
        "softmax", "sigmoid", "relu", "tanh", "loss", "logit", "logits", "diag", "tr", "Tr",
        "argmax", "argmin", "avg", "std", "var", "cov", "sgn", "sign",
    }
)  # fmt: skip

# -- operators and relations -----------------------------------------------------------------

PRODUCT = frozenset({"cdot", "times", "ast", "odot", "circ", "bullet"})
#: Elementwise products: ``a \\odot b`` is the entrywise product of two vectors.
HADAMARD = frozenset({"odot", "circ"})
RELATIONS = {
    "=": "eq", "eq": "eq", "ne": "ne", "neq": "ne", "<": "lt", "lt": "lt", ">": "gt", "gt": "gt",
    "le": "le", "leq": "le", "leqslant": "le", "ge": "ge", "geq": "ge", "geqslant": "ge",
    "approx": "approx", "equiv": "equiv", "coloneqq": "def", "triangleq": "def", "doteq": "approx",
}  # fmt: skip
RELATION_CLASSES = {
    "eq": sympy.Eq, "ne": sympy.Ne, "lt": sympy.Lt, "le": sympy.Le, "gt": sympy.Gt, "ge": sympy.Ge,
}  # fmt: skip
#: Arrows separate a premise from what follows from it (layout) and end a term.
ARROWS = frozenset(
    {"rightarrow", "longrightarrow", "Rightarrow", "Longrightarrow", "to", "implies", "mapsto"}
)
#: Transpose marks after ``^``: ``x^\\top``, ``x^{\\mathsf T}``, ``x^T`` of a matrix.
TRANSPOSE = frozenset({"top", "intercal", "T", "mathsf{T}", "mathrm{T}", "mathit{T}", "sf{T}"})

# -- environments ------------------------------------------------------------------------------

MATRICES = frozenset(
    {"bmatrix", "pmatrix", "matrix", "Bmatrix", "vmatrix", "Vmatrix", "smallmatrix", "array"}
)
DETERMINANTS = frozenset({"vmatrix"})
#: Elisions: ``a_1 + \\cdots + a_N`` is a sum the reader writes as Σ when the pattern is plain.
ELISIONS = frozenset({"cdots", "ldots", "dots", "dotsb", "dotsc", "vdots", "ddots"})

# -- conditions and annotations ------------------------------------------------------------------

#: Words that introduce a condition: ``\\text{if } i = j``, ``(当 i = j 时)``.
CONDITION_WORDS = frozenset(
    {
        "if", "for", "when", "where", "with", "for all", "whenever", "provided", "iff",
        "if and only if", "falls", "case", "in case",
        "만약", "일 때", "인 경우", "경우", "일때", "이면", "때",
        "当", "时", "若", "如果", "其中", "对于", "的时候",
        "のとき", "の時", "とき", "場合", "の場合", "ならば", "なら",
    }
)  # fmt: skip
#: Words that say "in every other case".
OTHERWISE_WORDS = frozenset(
    {"otherwise", "else", "sonst", "그 외", "그 외에", "나머지", "否则", "其他", "それ以外", "その他"}
)
