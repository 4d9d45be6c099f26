"""``derive diff``: 37 functions of ML practice, each a proven post ending in its known derivative.

Each case is an expression, the variable, and the derivative as a textbook writes it (None
where the textbook form is long); the last line of the post must equal both that form and
``sympy.diff`` of the expression, proven by the verifier with every named function defined.
"""

from __future__ import annotations

import json

import pytest
from sympy import Derivative, Indexed, Integer, Mul, Symbol, cos, diff, exp

from derive.algebra import Context, Definition
from derive.diff import build, named_functions, problem, read_expression
from derive.document import standard
from derive.pipeline import prove_derivation, publish
from derive.verify import Verifier

#: (name, EXPR, VAR, the known derivative or None)
CASES = [
    ("swish", r"x \sigma(x)", "x", r"\sigma(x) + x \sigma(x) (1 - \sigma(x))"),
    ("sigmoid", r"\sigma(x)", "x", r"\sigma(x) (1 - \sigma(x))"),
    ("tanh", r"\tanh(x)", "x", r"1 - \tanh(x)^{2}"),
    ("softplus", r"\operatorname{softplus}(x)", "x", r"\sigma(x)"),
    ("softplus-written", r"\log(1 + e^{x})", "x", r"\sigma(x)"),
    ("gelu", r"\operatorname{GELU}(x)", "x", r"\Phi(x) + x \phi(x)"),
    ("gelu-phi", r"x \Phi(x)", "x", r"\Phi(x) + x \phi(x)"),
    (
        "gelu-erf",
        r"\frac{x}{2}\left(1 + \operatorname{erf}\left(\frac{x}{\sqrt{2}}\right)\right)",
        "x",
        r"\frac{1}{2}\left(1 + \operatorname{erf}\left(\frac{x}{\sqrt{2}}\right)\right) +"
        r" \frac{x}{\sqrt{2 \pi}} e^{-x^{2}/2}",
    ),
    (
        "gelu-tanh",
        r"\frac{x}{2}\left(1 + \tanh\left(\sqrt{\frac{2}{\pi}}\left(x + \frac{1}{20}"
        r" x^{3}\right)\right)\right)",
        "x",
        None,
    ),
    ("elu-negative", r"\alpha (e^{x} - 1)", "x", r"\alpha e^{x}"),
    (
        "mish",
        r"x \tanh(\log(1 + e^{x}))",
        "x",
        r"\tanh(\log(1 + e^{x})) + x (1 - \tanh(\log(1 + e^{x}))^{2}) \sigma(x)",
    ),
    ("bce", r"-y \log \sigma(z) - (1 - y) \log(1 - \sigma(z))", "z", r"\sigma(z) - y"),
    ("mse", r"\frac{1}{2}(y - w x - b)^{2}", "w", r"x (w x + b - y)"),
    ("log-cosh", r"\log \cosh(x - y)", "x", r"\tanh(x - y)"),
    (
        "focal",
        r"-(1 - p)^{\gamma} \log p",
        "p",
        r"\gamma (1 - p)^{\gamma - 1} \log p - \frac{(1 - p)^{\gamma}}{p}",
    ),
    ("log-sum-exp", r"\log \sum_{k=1}^{N} e^{z_k}", "z_i", r"\frac{e^{z_i}}{\sum_{k=1}^{N} e^{z_k}}"),
    (
        "softmax",
        r"\frac{e^{z_i}}{\sum_{k=1}^{N} e^{z_k}}",
        "z_j",
        r"\frac{e^{z_i}}{\sum_{k=1}^{N} e^{z_k}} \left(\delta_{ij} -"
        r" \frac{e^{z_j}}{\sum_{k=1}^{N} e^{z_k}}\right)",
    ),
    (
        "softmax-ce",
        r"-z_r + \log \sum_{k=1}^{N} e^{z_k}",
        "z_i",
        r"\frac{e^{z_i}}{\sum_{k=1}^{N} e^{z_k}} - \delta_{ir}",
    ),
    ("sum-of-squares", r"\sum_{k=1}^{N} z_k^{2}", "z_i", r"2 z_i"),
    ("l2", r"\frac{\lambda}{2} w^{2}", "w", r"\lambda w"),
    ("kl-term", r"p \log \frac{p}{q}", "q", r"-\frac{p}{q}"),
    ("isru", r"\frac{x}{\sqrt{1 + x^{2}}}", "x", r"(1 + x^{2})^{-3/2}"),
    (
        "gaussian-nll",
        r"\frac{(x - \mu)^{2}}{2 s^{2}} + \log s",
        "s",
        r"\frac{1}{s} - \frac{(x - \mu)^{2}}{s^{3}}",
    ),
    ("logistic-loss", r"\log(1 + e^{-y z})", "z", r"-y \sigma(-y z)"),
    ("exponential-loss", r"e^{-y z}", "z", r"-y e^{-y z}"),
    ("poisson-nll", r"e^{z} - y z", "z", r"e^{z} - y"),
    ("tanh-neuron", r"\tanh(w x + b)", "w", r"x (1 - \tanh(w x + b)^{2})"),
    ("sigmoid-neuron", r"\sigma(w x + b)", "w", r"x \sigma(w x + b) (1 - \sigma(w x + b))"),
    ("cauchy", r"\log(1 + x^{2})", "x", r"\frac{2 x}{1 + x^{2}}"),
    ("x-to-the-x", r"x^{x}", "x", r"x^{x} (1 + \log x)"),
    ("sin-cos", r"\sin(x) \cos(x)", "x", r"\cos(2 x)"),
    ("arctan", r"\arctan(x)", "x", r"\frac{1}{1 + x^{2}}"),
    ("relu", r"\operatorname{ReLU}(x)", "x", None),
    ("softplus-sum", r"\sum_{k=1}^{N} \log(1 + e^{z_k})", "z_i", r"\sigma(z_i)"),
    ("entropy", r"-\sum_{k=1}^{N} p_k \log p_k", "p_i", r"-\log p_i - 1"),
    ("hyperbolic", r"\sinh(x) + \cosh(x)", "x", r"e^{x}"),
    ("tan", r"\tan(x^{2})", "x", r"\frac{2 x}{\cos(x^{2})^{2}}"),
]
NAMES = [case[0] for case in CASES]


def _verifier(equation) -> Verifier:
    """The post's own definitions (f, and p for a softmax), and every named function besides."""
    context = equation.context
    known = {d.head for d in context.definitions}
    others = [Definition(name, body) for name, body in named_functions(Symbol("u")) if name.func not in known]
    return Verifier(Context((*context.definitions, *others), context.size))


@pytest.fixture(scope="module")
def proven():
    """Each case proven once, by name."""
    cache = {}

    def get(name):
        if name not in cache:
            _, tex, wrt, _ = CASES[NAMES.index(name)]
            from derive.diff import derivation

            cache[name] = prove_derivation(derivation(problem(tex, wrt)), 1)
        return cache[name]

    return get


@pytest.mark.parametrize(("name", "tex", "wrt", "known"), CASES, ids=NAMES)
def test_post_ends_in_the_known_derivative(proven, name, tex, wrt, known):
    result = proven(name)
    last = result.equations[-1]
    spec = problem(tex, wrt)
    assert last.lhs == Derivative(spec.name, spec.variable)
    verifier = _verifier(last)
    # sympy.diff of the expression, every named function written out
    expected = diff(verifier.context.unfold(spec.expr), spec.variable)
    assert verifier.prove(standard(last.rhs), expected).verified, f"{name}: {last.rhs} ≠ {expected}"
    if known is not None:
        textbook = read_expression(known)
        assert verifier.prove(standard(last.rhs), textbook).verified, f"{name}: {last.rhs} ≠ {textbook}"


def test_swish_takes_at_most_ten_equations(proven):
    assert len(proven("swish").equations) <= 10


@pytest.mark.parametrize("name", ["softmax", "log-sum-exp", "softmax-ce"])
def test_softmax_results_are_written_with_p(proven, name):
    last = proven(name).equations[-1]
    assert last.rule == "written with the softmax p"
    assert not last.rhs.has(exp)


def test_every_rule_is_named_and_no_link_is_left_unproven(proven):
    for name in ("swish", "softmax", "focal", "gelu"):
        for equation in proven(name).equations:
            assert equation.proof.verified and equation.rule


@pytest.mark.parametrize("target", ["hugo", "github", "jekyll", "mkdocs", "quarto", "latex", "html"])
@pytest.mark.parametrize("lang", ["en", "ko", "zh"])
def test_every_target_and_language(proven, target, lang):
    import datetime

    from derive.targets import TARGETS

    for name in ("swish", "softmax"):
        post = publish(proven(name), date=datetime.date(2026, 11, 21), target=TARGETS[target], lang=lang).post
        count = len(proven(name).equations)
        numbered = {"latex": "\\label{eq:%d}", "quarto": "{#eq-%d}"}.get(target, "\\tag{%d}")
        assert numbered % count in post and numbered % (count + 1) not in post
        # the rules are named in the post's language
        assert ("product rule" in post) == (lang == "en" and name == "swish")


def test_certificates_recheck_independently(proven):
    from test_certificate import recheck

    for name in NAMES:
        records = json.loads(proven(name).certificate)["equations"]
        for record in records:
            assert record["verified"]
            assert not recheck(record, 3), (name, record["tag"])


# -- wrong rule applications are refused ------------------------------------------------------


def _refused(spec, wrong) -> bool:
    from derive.document import Document, prove
    from derive.errors import StepNotProven
    from derive.steps import Chain

    document = build(spec)
    verifier = document.chain("derivative").verifier
    start = Derivative(spec.expr, spec.variable)
    chain = Chain("wrong", start, verifier).equals(wrong, "a wrong rule")
    try:
        prove(Document("wrong", (chain,)))
    except StepNotProven:
        return True
    return False


def test_wrong_rule_applications_are_refused():
    from derive.diff_rules import phi, sigma

    x = Symbol("x")
    swish = problem(r"x \sigma(x)", "x")
    # the product rule with a term missing, or with the factors' derivatives multiplied
    assert _refused(swish, sigma(x))
    assert _refused(swish, sigma(x) * (1 - sigma(x)))
    # the derivative of σ with the wrong sign
    assert _refused(swish, sigma(x) + x * sigma(x) * (1 + sigma(x)))
    # the chain rule without the inner derivative
    assert _refused(problem(r"\sin(x^{2})", "x"), cos(x**2))
    # the quotient rule with the sign of the second term flipped
    g = 1 + x**2
    assert _refused(problem(r"\frac{x}{1 + x^{2}}", "x"), (g + x * 2 * x) / g**2)
    # Φ′ taken as Φ
    assert _refused(problem(r"x \Phi(x)", "x"), Mul(x, phi(x)))
    # the Kronecker delta collapsed to the wrong index: ∂/∂z_i log Σ e^{z_k} is not e^{z_k}/Σ
    lse = problem(r"\log \sum_{k=1}^{N} e^{z_k}", "z_i")
    z = next(iter(lse.expr.atoms(Indexed))).base
    (total,) = lse.expr.args
    assert _refused(lse, exp(z[Integer(1)]) / total)


@pytest.mark.parametrize("name", ["swish", "softmax", "gelu", "focal", "entropy", "tan"])
def test_every_link_of_a_post_breaks_when_mutated(proven, name):
    from derive.document import Document, prove
    from derive.errors import StepNotProven
    from derive.steps import Chain

    result = proven(name)
    for chain in result.document.chains:
        for position, link in enumerate(chain.links):
            if link.expr == 0:
                continue
            before = chain.links[position - 1].expr if position else chain.lhs
            broken = Chain("broken", before, chain.verifier).equals(2 * link.expr + 1, link.rule)
            with pytest.raises(StepNotProven):
                prove(Document("broken", (broken,)))
