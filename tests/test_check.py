"""``derive check``: derive's own posts check clean, hand-written posts are judged right,
injected mistakes are found on the right line, and bad input never gives a traceback."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sympy import Derivative, E, Indexed, IndexedBase, Rational, Symbol, exp, log, tanh

from cli import cli
from derive.check import check_text
from derive.check.findings import DEFINITION, PROVEN, UNCHECKED, WRONG
from derive.check.reader import (
    Letters,
    PostNames,
    Unreadable,
    normalize_unicode,
    read_readings,
    read_statement,
    tokenize,
)
from derive.notation import PRESETS

ROOT = Path(__file__).resolve().parent.parent
POSTS = Path(__file__).resolve().parent / "check_posts"
GOLDEN = sorted((ROOT / "output").glob("softmax-ce-n3.*"))


def _spec(name: str):
    spec = importlib.util.spec_from_file_location(name, POSTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _report(path: Path):
    return check_text(path.read_text(encoding="utf-8"), path.suffix)


def _verdicts(report) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for finding in report.findings:
        found.setdefault(finding.verdict, []).append(finding.line)
    return found


# -- derive agrees with itself --------------------------------------------------------------


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.name)
def test_every_committed_post_checks_clean(path):
    report = _report(path)
    assert report.steps >= 50
    assert _verdicts(report).keys() <= {"proven", "definition"}, [
        (f.line, f.detail) for f in report.findings if f.verdict not in ("proven", "definition")
    ]
    assert report.final is not None and report.final.agrees


@pytest.mark.parametrize("notation", ["o-yhat-y", "z-yhat-y-c", "a-s-t"])
def test_every_notation_checks_clean(post, notation):
    report = check_text(post("hugo", "en", PRESETS[notation]), ".md")
    assert _verdicts(report).keys() <= {"proven", "definition"}
    assert report.final.agrees


# -- posts in the styles of the seed notes -------------------------------------------------


@pytest.mark.parametrize("name", ["hugo-en.md", "velog-ko.md", "note-zh.md", "lecture-n3.md"])
def test_correct_hand_written_posts_are_proven(name):
    report = _report(POSTS / name)
    wrong_or_open = [
        (f.line, f.verdict, f.detail) for f in report.findings if f.verdict in ("wrong", "unchecked")
    ]
    assert not wrong_or_open
    assert report.count("proven") >= 8
    assert report.final is not None and report.final.agrees


MUTATIONS = _spec("mutations").MUTATIONS if (POSTS / "mutations.py").exists() else []


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: f"{m['post']}:{m['line']}:{m['kind']}")
def test_an_injected_mistake_is_found_on_its_line(mutation):
    lines = (POSTS / mutation["post"]).read_text(encoding="utf-8").split("\n")
    target = lines[mutation["line"] - 1]
    assert target.count(mutation["old"]) == 1
    lines[mutation["line"] - 1] = target.replace(mutation["old"], mutation["new"])
    report = check_text("\n".join(lines), ".md")
    wrong = [f for f in report.findings if f.verdict == "wrong"]
    assert wrong, f"{mutation['kind']} mistake on line {mutation['line']} not found"
    assert mutation["line"] in wrong[0].lines
    assert all(f.counterexample is not None for f in wrong)


def test_a_wrong_line_is_reported_once_and_the_chain_goes_on():
    text = "\n".join(
        [
            "$$p_i = \\frac{e^{z_i}}{\\sum_{k=1}^{N} e^{z_k}}$$",
            "$$S = \\sum_{k=1}^{N} e^{z_k}$$",
            "$$\\frac{\\partial p_i}{\\partial z_i} = \\frac{e^{z_i} S - e^{z_i} e^{z_i}}{S^2}$$",
            "$$= \\frac{e^{z_i}(S + e^{z_i})}{S^2}$$",
            "$$= \\frac{e^{z_i}}{S} \\cdot \\frac{S - e^{z_i}}{S}$$",
        ]
    )
    report = check_text(text)
    assert [(f.line, f.verdict) for f in report.findings if f.verdict != "definition"] == [
        (3, "proven"),
        (4, "wrong"),
        (5, "wrong"),
    ]
    # Line 5 is right again, but the step from line 4 as written does not hold.
    assert "does not follow from line 4" in report.findings[-1].detail
    assert "agrees with line 3 again" in report.findings[-1].detail


def test_a_step_that_needs_unstated_one_hot_labels_is_not_passed():
    body = "$$L = -\\sum_{k=1}^{N} y_k \\log p_k$$\n$$p_i = \\frac{e^{z_i}}{\\sum_{k=1}^{N} e^{z_k}}$$\n"
    claim = "$$\\frac{\\partial L}{\\partial z_i} = p_i - y_i$$\n"
    silent = check_text(body + claim)
    assert silent.findings[-1].verdict == "unchecked"
    assert "sum to 1" in silent.findings[-1].detail
    stated = check_text(body + "The labels $y$ are one-hot.\n" + claim)
    assert stated.findings[-1].verdict == "proven"


# -- a function defined by a formula ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "$$u = x + y$$\n\n$$f(x) = x^{2} + 1$$\n",
        "Now take a function $f$.\n\n$$f(x) = x^{2}$$\n",
    ],
    ids=["after-a-definition", "after-prose"],
)
def test_a_function_defined_by_a_formula_is_a_definition_not_an_equation(text):
    report = check_text(text)
    last = report.findings[-1]
    assert last.verdict == DEFINITION
    assert last.detail.split("; read with")[0] == "defines f"


FUNCTION_POST = "$$u = x + y$$\n\n$$f(x) = x^{2} + 1$$\n\n"
AGREES = "agrees with the definition on line 3"


@pytest.mark.parametrize(
    ("equation", "verdict", "detail"),
    [
        (r"f(x) = x^{2} + 1", PROVEN, AGREES),
        (r"f(t) = t^{2} + 1", PROVEN, AGREES),  # restated at another variable
        (r"f(x) = x^{2}", WRONG, "differ"),
        (r"f(2) = 5", PROVEN, "proven"),  # a value, with the definition unfolded
        (r"f(2) = 4", WRONG, "differ"),
        (r"f(\frac{1}{2}) = \frac{5}{4}", PROVEN, "proven"),
        (r"f(x) + 1 = x^{2} + 2", PROVEN, "proven"),
        (r"f(x) + 1 = x^{2} + 1", WRONG, "differ"),
        (r"\frac{d}{dx} f(x) = 2x", PROVEN, "proven"),
    ],
)
def test_a_defined_function_is_unfolded_in_later_steps(equation, verdict, detail):
    report = check_text(f"{FUNCTION_POST}$${equation}$$\n")
    assert [f.verdict for f in report.findings] == [DEFINITION, DEFINITION, verdict], [
        (f.line, f.verdict, f.detail) for f in report.findings
    ]
    last = report.findings[-1]
    assert detail in last.detail
    assert (last.counterexample is not None) == (verdict == WRONG)


def test_a_chain_from_a_defined_function_goes_on_in_its_variable():
    text = FUNCTION_POST + "$$f(x) + 1 = x^{2} + 2$$\n\n$$= (x + 1)^{2} - 2x + 1$$\n"
    report = check_text(text)
    assert [(f.line, f.verdict) for f in report.findings] == [
        (1, DEFINITION),
        (3, DEFINITION),
        (5, PROVEN),
        (7, PROVEN),
    ]


def test_a_function_at_a_number_needs_a_definition():
    # g(x) alone is any function (the quotient rule's g), but g(2) is a value the post never gave.
    report = check_text("$$u = x + y$$\n\n$$g(2) = 4$$\n\n$$g(x) + g(x) = 2 g(x)$$\n")
    at_two, any_g = report.findings[1:]
    assert at_two.verdict == UNCHECKED
    assert at_two.detail.startswith("g not defined before this line")
    assert "g names a function by convention" in at_two.detail  # the reading's assumption, shown
    assert any_g.verdict == PROVEN


# -- the reader does not fall into the usual traps -------------------------------------------


def _read(tex: str, **notation):
    return read_statement(tokenize(normalize_unicode(tex)), Letters(**notation)).sides


def test_e_is_the_exponential_and_log_is_natural():
    (value,) = _read("e^{x} \\log(x) \\ln x")
    x = Symbol("x")
    assert value == exp(x) * log(x) ** 2
    assert _read("e")[0] == E


def test_a_product_is_not_a_function_call_and_hats_are_their_own_family():
    # ŷ_i written on its own elsewhere in the post makes ŷ_i(…) a product.
    tokens = tokenize(normalize_unicode("\\hat{y}_i(1 - p_i)"))
    (statement,), _, _ = read_readings(tokens, Letters(), names=PostNames(values=frozenset({"y\u0302_"})))
    (value,) = statement.sides
    i = Symbol("i", integer=True, positive=True)
    yhat, p = IndexedBase("y\u0302"), IndexedBase("p")
    assert value == Indexed(yhat, i) * (1 - Indexed(p, i))
    assert _read("ŷ_i")[0] == _read("\\widehat{y}_i")[0] == Indexed(yhat, i)


def test_a_partial_derivative_is_a_derivative_and_a_stray_partial_is_an_error():
    (value,) = _read("\\frac{\\partial L}{\\partial z_i}")
    assert isinstance(value, Derivative)
    for broken in ("\\partial L \\partial z", "\\frac{\\partial}{\\partial i} L", "e^{i}"):
        with pytest.raises(Unreadable):
            _read(broken)


@pytest.mark.parametrize(
    ("tex", "meaning"),
    [
        # TeX takes a single token as an unbraced argument, and a digit is one token.
        ("\\frac12 x", Symbol("x") / 2),
        ("\\frac23 x", 2 * Symbol("x") / 3),
        ("\\dfrac12 + \\tfrac12", 1),
        ("\\frac1x", 1 / Symbol("x")),
        ("\\frac{a}b", Symbol("a") / Symbol("b")),
        ("\\frac a b", Symbol("a") / Symbol("b")),
        ("\\frac\\alpha2", Symbol("α") / 2),
        ("\\frac{1}{2}", Rational(1, 2)),
        ("\\frac{12}{x}", 12 / Symbol("x")),
        ("\\frac{1}2 3", Rational(3, 2)),
    ],
)
def test_an_unbraced_fraction_takes_one_digit_per_argument(tex, meaning):
    assert _read(tex) == [meaning]


@pytest.mark.parametrize("tex", ["\\frac123", "\\frac{1}23", "\\frac1.5"])
def test_digits_run_on_after_an_unbraced_fraction_are_not_guessed(tex):
    with pytest.raises(Unreadable, match="write \\\\frac"):
        _read(tex)


@pytest.mark.parametrize(
    ("tex", "meaning"),
    [
        # A power after the argument's closing bracket is the function's, as it shows: log(x)².
        ("\\log{\\left(x \\right)}^{2}", log(Symbol("x")) ** 2),
        ("\\log{(x)}^2", log(Symbol("x")) ** 2),
        ("\\log(x)^2", log(Symbol("x")) ** 2),
        ("\\ln{\\left[x\\right]}^{3}", log(Symbol("x")) ** 3),
        ("\\tanh{\\left(x \\right)}^{2}", tanh(Symbol("x")) ** 2),
        ("\\exp{\\left(x \\right)}^{2}", exp(Symbol("x")) ** 2),
        # Without a bracket the power is the argument's, as it shows: log x².
        ("\\log x^2", log(Symbol("x") ** 2)),
        ("\\log{x}^{2}", log(Symbol("x") ** 2)),
        ("\\log{\\left(x^{2} \\right)}", log(Symbol("x") ** 2)),
        ("\\log{(x)(y)}", log(Symbol("x") * Symbol("y"))),
        ("e^{x}", exp(Symbol("x"))),
    ],
)
def test_a_power_of_a_function_is_read_as_it_shows(tex, meaning):
    assert _read(tex) == [meaning]


# -- bad input ---------------------------------------------------------------------------


def _run(*args):
    return CliRunner().invoke(cli, ["check", *args])


def test_bad_files_get_one_line_errors(tmp_path):
    binary = tmp_path / "post.md"
    binary.write_bytes(b"\x00\x01\x02")
    large = tmp_path / "large.md"
    large.write_text("x" * 5_000_000)
    for path, message in ((tmp_path / "missing.md", "does not exist"), (binary, "binary"), (large, "MB")):
        result = _run(str(path))
        assert result.exit_code == 2
        assert message in result.output
        assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "text",
    [
        "",
        "A post with prose only.",
        "$$\\frac{a}{b$$",
        "$$" + "{" * 500 + "x" + "}" * 500 + "$$",
        "$$" + "(" * 300 + "x" + ")" * 300 + " = x$$",
        "$$x^{999999999} = (x+1)^{99999}$$",
        "$$\\begin{aligned} a &= b \\\\ &= $$",
        "$$= x$$",
    ],
)
def test_hostile_math_is_unchecked_never_a_crash(tmp_path, text):
    path = tmp_path / "post.md"
    path.write_text(text)
    result = _run(str(path))
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output


def test_several_files_exit_1_when_a_step_is_wrong_and_json_has_the_counterexample(tmp_path):
    good = tmp_path / "good.md"
    good.write_text("$$\\frac{d}{dx} x^2 = 2x$$\n")
    bad = tmp_path / "bad.tex"
    bad.write_text("\\begin{equation}\\frac{d}{dx} x^3 = 2x\\end{equation}\n")
    result = _run(str(good), str(bad), "--format", "json")
    assert result.exit_code == 1
    documents = json.loads(result.output)
    assert [d["wrong"] for d in documents] == [0, 1]
    assert (
        documents[1]["findings"][0]["counterexample"]["lhs"]
        != documents[1]["findings"][0]["counterexample"]["rhs"]
    )
    assert _run(str(good)).exit_code == 0


VECTOR_POST = r"""
Labels that sum to one, and the softmax:

$$
L = - \sum_{k=1}^{N} y_k \log p_k
$$

$$
p_i = \frac{e^{z_i}}{\sum_{k=1}^{N} e^{z_k}}
$$

$$
\frac{\partial L}{\partial \mathbf{z}} = \mathbf{p} - \mathbf{y}
$$

$$
\mathbf{1}^{\top} \left(\operatorname{diag}\left(\mathbf{p}\right)
 - \mathbf{p} \mathbf{p}^{\top}\right) = \mathbf{0}^{\top}
$$
"""


def test_vector_forms_are_read_and_proven_at_a_generic_entry():
    report = check_text(VECTOR_POST)
    assert [f.verdict for f in report.findings if f.verdict in (PROVEN, WRONG, UNCHECKED)] == [PROVEN, PROVEN]


@pytest.mark.parametrize(
    ("right", "wrong"),
    [
        (r"\mathbf{p} - \mathbf{y}", r"\mathbf{y} - \mathbf{p}"),  # sign flipped
        (r"\mathbf{1}^{\top} \left(", r"\mathbf{p}^{\top} \left("),  # p is not a left null vector
        (
            r"\mathbf{p} \mathbf{p}^{\top}\right)",
            r"\mathbf{p}^{\top} \mathbf{p}\right)",
        ),  # a number, not a matrix
    ],
)
def test_a_wrong_vector_form_is_found(right, wrong):
    report = check_text(VECTOR_POST.replace(right, wrong))
    assert report.count(WRONG) + report.count(UNCHECKED) == 1


# -- a row that reads two ways is decided only when both readings agree ---------------------------


def test_a_row_whose_readings_disagree_is_unchecked_and_names_the_ambiguity():
    # a is never written on its own, so a(b + c) defines u as an application of a, or as a product.
    (finding,) = check_text("$$u = a(b + c)$$\n").findings
    assert finding.verdict == UNCHECKED
    assert "a(…): an application or a product" in finding.detail and "disagree" in finding.detail


def test_a_row_whose_readings_agree_is_decided_and_the_post_settles_the_rest():
    # Written on its own in the second row, a is a value: a(b + c) is a product, and the report says so.
    post = "$$u = a(b + c)$$\n\n$$u = ab + ac$$\n\n$$\\frac{\\partial u}{\\partial b} = a$$\n"
    report = check_text(post)
    assert [f.verdict for f in report.findings] == [DEFINITION, PROVEN, PROVEN]
    assert "a(…) read as a product: the post uses it on its own elsewhere" in report.findings[0].detail
    assert check_text("$$u = 2 3 - 23 + 1$$\n\n$$u = 1$$\n").findings[1].verdict != PROVEN


# -- chains as people write them ------------------------------------------------------------------

_DERIVATION = (
    "$$\nL = -\\sum_{k=1}^{N} y_k \\log p_k\n$$\n\n"
    "$$\n\\frac{\\partial L}{\\partial p_i} = "
    "-\\sum_{k=1}^{N} \\frac{\\partial}{\\partial p_i} y_k \\log p_k\n$$\n\n"
)
_SIDE_FORMULA = "$$\n\\frac{d \\log x}{dx} = \\frac{1}{x}\n$$\n\n"


def test_a_continuation_after_a_side_formula_goes_on_with_the_derivation_it_is_about():
    report = check_text(_DERIVATION + _SIDE_FORMULA + "$$\n= -\\frac{y_i}{p_i}\n$$\n")
    step = report.findings[-1]
    assert step.verdict == PROVEN
    wrong = check_text(_DERIVATION + _SIDE_FORMULA + "$$\n= \\frac{y_i}{p_i}\n$$\n").findings[-1]
    assert wrong.verdict == WRONG and "continues the equation on line 6" in wrong.detail


def test_a_line_that_carries_an_earlier_mistake_is_wrong_and_says_where_it_started():
    text = (
        "$$\nu = x + y\n$$\n\n"
        "$$\n\\begin{aligned}\n(x + y)^2 &= x^2 + 2 x y + y^2 \\\\\n"
        "&= x^2 + 3 x y + y^2 \\\\\n&= x^2 + y^2 + 3 x y\n\\end{aligned}\n$$\n"
    )
    first, slip, carried = check_text(text).findings[1:]
    assert (first.verdict, slip.verdict, carried.verdict) == (PROVEN, WRONG, WRONG)
    assert carried.detail.startswith(f"inherited from line {slip.line}")
    assert carried.counterexample is not None


# -- Jupyter notebooks ------------------------------------------------------------------------------


def _notebook(path: Path, *cells) -> Path:
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
        for kind, source in cells
    ]
    nbformat.write(notebook, path)
    return path


def test_a_notebook_is_checked_by_its_markdown_cells_and_reported_by_cell(tmp_path):
    path = _notebook(
        tmp_path / "post.ipynb",
        ("markdown", "# Softmax\n\n$$\np_i = \\frac{e^{z_i}}{\\sum_{k=1}^{N} e^{z_k}}\n$$"),
        ("code", "x = 1  # $$ a = b $$ in code is not math"),
        ("markdown", "For $i \\neq j$:\n\n$$\n\\frac{\\partial p_i}{\\partial z_j} = p_i p_j\n$$"),
    )
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 1
    assert "cell 3, line 4 ✗" in result.output
    assert "cell 2" not in result.output
    data = json.loads(CliRunner().invoke(cli, ["check", "--format", "json", str(path)]).output)
    wrong = [f for f in data[0]["findings"] if f["verdict"] == "wrong"]
    assert [f["place"] for f in wrong] == ["cell 3, line 4"]


def test_a_file_that_is_not_a_notebook_gets_one_line_and_exit_2(tmp_path):
    path = tmp_path / "broken.ipynb"
    path.write_text('{"x": 1}', encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 2
    assert "not a Jupyter notebook" in result.output and "Traceback" not in result.output


def test_a_general_step_that_holds_only_at_small_n_is_not_proven():
    # True for N = 2, 3 and 4 and false at N = 5: the cases are evidence, not a proof.
    text = "$$\n\\sum_{k=1}^{N} 1 = N + (N - 2)(N - 3)(N - 4)\n$$\n"
    (step,) = check_text(text).findings
    assert step.verdict != PROVEN, step.detail


def test_a_plain_name_is_read_as_a_real_number_only_where_a_proof_needs_it():
    text = (
        "$$\nu = \\log\\left(e^{m} \\sum_{k=1}^{N} e^{z_k}\\right)"
        " = m + \\log\\left(\\sum_{k=1}^{N} e^{z_k}\\right)\n$$\n"
    )
    step = check_text(text).findings[-1]
    assert step.verdict == PROVEN and "m read as real number" in step.detail
    plain = check_text("$$\nu = (a + b)^2 = a^2 + 2ab + b^2\n$$\n").findings[-1]
    assert plain.verdict == PROVEN and "real" not in plain.detail


_FAMILIES = (
    "$$\n\\hat{y}_i = \\frac{e^{z_i}}{\\sum_{j=1}^{c} e^{z_j}}\n$$\n\n"
    "$$\nL = -\\sum_{i=1}^{c} y_i \\log \\hat{y}_i\n$$\n\nThe labels are one-hot.\n\n"
)


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        ("\\frac{\\partial L}{\\partial z} = \\hat{y} - y", PROVEN),
        ("\\frac{\\partial L}{\\partial z} = y - \\hat{y}", WRONG),  # the sign flipped
        ("\\frac{\\partial L}{\\partial z} = \\hat{y}", WRONG),  # a term dropped
        ("\\frac{\\partial L}{\\partial z} = \\hat{y} y", UNCHECKED),  # entrywise, or a dot product?
    ],
)
def test_letters_the_post_uses_as_families_are_read_component_by_component(claim, verdict):
    # ∂L/∂z with scalar z would be 0: read so, a right gradient was once ✗.
    step = check_text(f"{_FAMILIES}$$\n{claim}\n$$\n").findings[-1]
    assert step.verdict == verdict, step.detail
    if verdict != UNCHECKED:
        assert "component by component" in step.detail


@pytest.mark.parametrize(("claim", "verdict"), [("\\hat{y} - y", PROVEN), ("y - \\hat{y}", UNCHECKED)])
def test_a_result_stated_before_its_definitions_is_judged_with_them(claim, verdict):
    # Only a proof is taken there: the later definitions may be those of another setting.
    text = f"The result first:\n\n$$\n\\frac{{\\partial L}}{{\\partial z}} = {claim}\n$$\n\n{_FAMILIES}"
    step = check_text(text).findings[0]
    assert step.verdict == verdict, step.detail
    if verdict == PROVEN:
        assert "the definitions the post gives after this line" in step.detail


_BCE = (
    "$$\np_i = \\sigma(z_i)\n$$\n\n"
    "$$\nL = -\\sum_{k=1}^{N} \\left[ y_k \\log p_k + (1 - y_k) \\log(1 - p_k) \\right]\n$$\n\n"
)


@pytest.mark.parametrize(("result", "agrees"), [("p_i - y_i", True), ("y_i - p_i", False)])
def test_a_sigmoid_post_is_compared_with_the_catalogue_s_sigmoid_result(result, agrees):
    report = check_text(f"{_BCE}$$\n\\frac{{\\partial L}}{{\\partial z_i}} = {result}\n$$\n")
    assert report.final is not None and report.final.agrees is agrees, report.final
    assert "sigmoid-bce" in report.final.detail and "Σ y = 1" not in report.final.detail


def test_a_definition_in_a_sentence_is_learned_and_a_sentence_without_one_is_prose():
    steps = "$$\n\\frac{\\partial L}{\\partial w} = (\\hat{y} - y) x\n$$\n"
    defined = "The loss is $L = \\frac{1}{2}(\\hat{y} - y)^2$ with $\\hat{y} = wx + b$.\n\n"
    report = check_text(defined + steps)
    assert [f.verdict for f in report.findings] == [DEFINITION, DEFINITION, PROVEN]
    flipped = check_text(defined + steps.replace("(\\hat{y} - y)", "(y - \\hat{y})"))
    assert flipped.findings[-1].verdict == WRONG
    # A value in a sentence ("when $y = 1$") is a case, and a bare list of formulas is no definition.
    listed = check_text("When $y = 1$:\n\nGate: $L = w$\n\n" + steps)
    assert [f.verdict for f in listed.findings] == [UNCHECKED]


def test_a_quantity_the_post_differentiates_is_not_taken_as_a_constant():
    # p is never defined: ∂p_k/∂z_j = 0 would be a guess, and the right step a false ✗.
    text = (
        "The loss is $L = -\\sum_k y_k \\log p_k$.\n\n"
        "$$\n\\frac{\\partial L}{\\partial z_j}"
        " = -\\sum_k \\frac{y_k}{p_k} \\frac{\\partial p_k}{\\partial z_j}\n$$\n"
    )
    step = check_text(text).findings[-1]
    assert step.verdict == UNCHECKED and "p not defined" in step.detail


def test_a_function_defined_at_its_variable_is_that_name_alone_and_the_chain_rule_is_not_a_side_note():
    text = (
        "$$\nJ(w) = \\frac{1}{2M}\\sum_{m=1}^{M} (w x_m - y_m)^2\n$$\n\n"
        "$$\n\\frac{\\partial J}{\\partial w} = \\frac{1}{M}\\sum_{m=1}^{M} (w x_m - y_m) x_m\n$$\n"
    )
    step = check_text(text).findings[-1]
    assert step.verdict == PROVEN and "J read as J(w)" in step.detail
    chain = (
        "$$\nL = \\frac{1}{2}(y - \\hat{y})^2\n$$\n\n$$\n\\hat{y} = wx + b\n$$\n\n"
        "$$\n\\frac{\\partial L}{\\partial w} = \\frac{\\partial L}{\\partial \\hat{y}}"
        " \\frac{\\partial \\hat{y}}{\\partial w} = (\\hat{y} - y) x\n$$\n"
    )
    assert [f.verdict for f in check_text(chain).findings][-2:] == [PROVEN, PROVEN]


@pytest.mark.parametrize(
    "text",
    [
        "$$u = \\operatorname{mystery}(x)$$\n\n$$u = 3$$\n",
        "$$u = \\mathrm{ReLU}(x)$$\n\n$$\\frac{du}{dx} = 1$$\n",
    ],
)
def test_a_function_named_by_a_word_without_a_formula_is_never_refuted_by_a_random_one(text):
    step = check_text(text).findings[-1]
    assert step.verdict == UNCHECKED and "has no formula for" in step.detail


def test_a_rule_about_any_function_is_still_refuted():
    rule = "$$f(x) = \\frac{g(x)}{h(x)}$$\n\n$$f'(x) = \\frac{g'(x)h(x) + g(x)h'(x)}{h(x)^2}$$\n"
    assert check_text(rule).findings[-1].verdict == WRONG  # the quotient rule has a minus


# -- found by review: each was a false ✗ or an unsound ✓ ----------------------------------------

_SOFTMAX_LATER = (
    "$$p_i = \\frac{e^{z_i}}{\\sum_k e^{z_k}}$$\n\n$$L = -\\sum_k y_k \\log p_k$$\n\n"
    "The labels are one-hot.\n\n$$\\frac{\\partial L}{\\partial z_i} = y_i - p_i$$\n"
)


@pytest.mark.parametrize(
    "sentence",
    [
        "The ideal case is $p_i = y_i$ for every class.",
        "가장 이상적인 경우는 $p_i = y_i$ 이다.",
        "最理想的情况是 $p_i = y_i$。",
        "When the label is $y = 1$ the loss reduces to $L = -\\log p_1$.",
    ],
)
def test_a_case_or_a_relation_in_a_sentence_is_not_a_definition(sentence):
    report = check_text(f"{sentence}\n\n{_SOFTMAX_LATER}")
    assert report.findings[-1].verdict == WRONG, report.findings[-1].detail  # the sign is wrong


def test_a_display_replaces_a_definition_made_in_a_sentence():
    text = "Here $p_i$ is $p_i = e^{z_i}$.\n\n" + _SOFTMAX_LATER
    assert [f.verdict for f in check_text(text).findings][:2] == [DEFINITION, DEFINITION]


def test_a_multi_label_loss_does_not_need_its_labels_to_sum_to_one():
    text = (
        "$$p_k = \\frac{1}{1 + e^{-z_k}}$$\n\n"
        "$$L = -\\sum_{k=1}^{K} \\left[ y_k \\log p_k + (1 - y_k) \\log(1 - p_k) \\right]$$\n\n"
        "$$\\frac{\\partial L}{\\partial z_i} = p_i \\sum_{k=1}^{K} y_k - y_i$$\n"
    )
    assert check_text(text).findings[-1].verdict == WRONG


def test_a_claim_judged_at_the_end_is_only_ever_proven_there():
    # The MSE line is right for MSE; the definitions that follow are cross-entropy's.
    text = (
        "With a squared error:\n\n"
        "$$\\frac{\\partial L}{\\partial z} = (\\hat{y} - y)\\hat{y}(1 - \\hat{y})$$\n\n"
        "Cross-entropy instead. Let\n\n$$\\hat{y} = \\frac{1}{1 + e^{-z}}$$\n\n"
        "$$L = -y \\log \\hat{y} - (1 - y)\\log(1 - \\hat{y})$$\n"
    )
    assert check_text(text).findings[0].verdict == UNCHECKED


def test_a_defined_function_written_alone_in_a_product_is_not_refuted():
    text = "$$g(z) = \\frac{1}{1 + e^{-z}}$$\n\n$$\\frac{dg}{dz} = g(1 - g)$$\n"
    assert check_text(text).findings[-1].verdict != WRONG


def test_a_derivative_by_a_scalar_is_not_read_component_by_component():
    text = (
        "$$\\hat{y}_i = w x_i + b$$\n\n$$L = \\frac{1}{2N} \\sum_{i=1}^{N} (\\hat{y}_i - y_i)^2$$\n\n"
        "For a single example:\n\n$$\\frac{\\partial L}{\\partial b} = \\hat{y} - y$$\n"
    )
    assert check_text(text).findings[-1].verdict == UNCHECKED


def test_a_right_line_after_words_that_leave_a_wrong_one_is_proven():
    text = (
        "$$\\hat{y} = wx + b$$\n\n$$L = \\frac{1}{2}(\\hat{y} - y)^2$$\n\n"
        "$$\\frac{\\partial L}{\\partial w} = (\\hat{y} - y)\\frac{\\partial \\hat{y}}{\\partial w}$$\n\n"
        "A common mistake is to write\n\n$$= \\hat{y} - y$$\n\nThe correct result keeps the input:\n\n"
        "$$= (\\hat{y} - y)x$$\n"
    )
    assert [f.verdict for f in check_text(text).findings][-2:] == [WRONG, PROVEN]


def test_a_proof_for_any_function_holds_for_a_function_named_by_a_word():
    text = (
        "$$a = \\mathrm{ReLU}(z)$$\n\n$$L = \\frac{1}{2}(a - y)^2$$\n\n"
        "$$\\frac{\\partial L}{\\partial a} = a - y$$\n"
    )
    assert check_text(text).findings[-1].verdict == PROVEN


def test_a_recurrence_is_not_learned_as_a_definition():
    text = (
        "The hidden state is $h_t = \\tanh(a_t)$ where $a_t = W h_{t-1} + U x_t$.\n\n"
        "$$\\frac{\\partial h_t}{\\partial a_t} = 1 - \\tanh^2(a_t)$$\n\n$$= 1 - h_t^2$$\n"
    )
    assert [f.verdict for f in check_text(text).findings] == [DEFINITION, PROVEN, PROVEN]


def test_a_condition_in_the_sentence_right_after_a_display_binds_it():
    softmax = "$$p_i = \\frac{e^{z_i}}{\\sum_{k=1}^{N} e^{z_k}}$$\n\n"
    step = "$$\\frac{\\partial p_i}{\\partial z_j} = -p_i p_j$$\n\n"
    bound = check_text(f"{softmax}{step}when $i \\neq j$.\n").findings[-1]
    assert bound.verdict == PROVEN and "i ≠ j" in bound.detail
    loose = check_text(f"{softmax}{step}This is the Jacobian, and $i \\neq j$ is rare.\n").findings[-1]
    assert loose.verdict == UNCHECKED


def test_an_identity_in_a_free_variable_of_a_function_is_proven():
    text = (
        "$$\n\\tanh(x) = \\frac{e^x - e^{-x}}{e^x + e^{-x}}\n$$\n\n"
        "$$\n\\frac{d}{dx}\\tanh(x) = \\frac{(e^x + e^{-x})^2 - (e^x - e^{-x})^2}{(e^x + e^{-x})^2}"
        " = 1 - \\tanh^2(x)\n$$\n"
    )
    assert [f.verdict for f in check_text(text).findings] == [PROVEN, PROVEN, PROVEN]
    flipped = check_text(text.replace("= 1 - \\tanh^2(x)", "= 1 + \\tanh^2(x)"))
    assert flipped.findings[-1].verdict == WRONG


def test_a_vector_defined_in_bold_is_not_taken_as_free():
    # ŷ = Wx + b in bold is not learned; read as free, ∂L/∂W would be 0 and the step a false ✗.
    text = (
        "With $\\mathbf{\\hat{y}} = \\mathbf{W}\\mathbf{x} + \\mathbf{b}$ and "
        "$L = \\frac{1}{2}\\|\\mathbf{\\hat{y}} - \\mathbf{y}\\|^2$:\n\n"
        "$$\n\\frac{\\partial L}{\\partial \\mathbf{W}}"
        " = (\\mathbf{\\hat{y}} - \\mathbf{y})\\mathbf{x}^\\top\n$$\n"
    )
    findings = check_text(text).findings
    assert [f.verdict for f in findings] == [DEFINITION, UNCHECKED]  # L, by "and", after "With"


def test_a_sentence_in_a_new_section_defines_a_name_anew():
    text = (
        "# One\n\n$$L = (a - b)^2$$\n\n# Two\n\nHere the loss is $L = a b$.\n\n"
        "$$\\frac{\\partial L}{\\partial a} = b$$\n"
    )
    assert check_text(text).findings[-1].verdict == PROVEN


def test_the_variable_of_a_chain_is_known_on_its_later_links():
    text = "$$\n\\sigma'(z) = \\frac{e^{-z}}{(1 + e^{-z})^2} = \\sigma(z)(1 - \\sigma(z))\n$$\n"
    assert [f.verdict for f in check_text(text).findings] == [PROVEN, PROVEN]


@pytest.mark.parametrize(
    ("derivative", "verdict"),
    [(r"\sigma(z)(1-\sigma(z))", PROVEN), (r"\sigma(z)(1+\sigma(z))", WRONG)],
)
def test_a_function_the_post_defines_is_its_own_definition_not_the_convention(derivative, verdict):
    # σ(z) = … defines σ: ∂σ/∂z is that σ at z, and σ(…) is σ applied, not a product.
    text = f"Let $\\sigma(z) = \\frac{{1}}{{1+e^{{-z}}}}$.\n\n$$\\frac{{d\\sigma}}{{dz}} = {derivative}$$\n"
    (step,) = [f for f in check_text(text).findings if f.line == 3]
    assert step.verdict == verdict, step.detail


def test_a_post_that_defines_sigma_otherwise_is_read_with_its_definition():
    text = "$$\n\\sigma(x) = x^2\n$$\n\n$$\n\\sigma(3) = 9\n$$\n"
    assert [f.verdict for f in check_text(text).findings] == [DEFINITION, PROVEN]


def test_a_defined_function_written_alone_as_shorthand_is_left_open_not_applied():
    # σ(1 − σ) after σ(x) = …: σ applied at 1 − σ, or σ times (1 − σ)? Both readings stay.
    text = (
        "$$\n\\sigma(x) = \\frac{1}{1 + e^{-x}}\n$$\n\nFor short:\n\n"
        "$$\n\\sigma'(x) = \\sigma(1 - \\sigma)\n$$\n"
    )
    (step,) = [f for f in check_text(text).findings if f.line == 8]
    assert step.verdict == UNCHECKED, step.detail
