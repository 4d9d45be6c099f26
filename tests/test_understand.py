"""What ``derive check`` understands beyond the formulas: conditions stated in the prose, in four
languages, and standard definitions of what a post uses without defining. Each is an assumption,
shown next to the step that relies on it, and none turns a wrong step into a right one."""

from __future__ import annotations

import pytest
from sympy import IndexedBase, Rational, Sum, Symbol, exp

from derive.check import check_text
from derive.check.findings import DEFINITION, PROVEN, UNCHECKED, WRONG
from derive.check.links import same_count_renamed

SOFTMAX = "$$\np_i = \\frac{e^{z_i}}{\\sum_{k=1}^{N} e^{z_k}}\n$$\n\n"
OFF_DIAGONAL = "$$\n\\frac{\\partial p_i}{\\partial z_j} = -p_i p_j\n$$\n"
DIAGONAL = "$$\n\\frac{\\partial p_i}{\\partial z_j} = p_i (1 - p_i)\n$$\n"


def _verdicts(text: str) -> list[str]:
    return [f.verdict for f in check_text(text).findings]


@pytest.mark.parametrize(
    "prose",
    [
        "When the two indices differ, the numerator does not depend on z_j:",
        "If $i \\neq j$, the numerator is a constant:",
        "두 인덱스가 서로 다르다면 분자는 상수이다.",
        "当两个下标不同时，分子是常数：",
        "添字が異なるとき、分子は定数になる。",
    ],
)
def test_the_prose_puts_the_next_steps_in_the_i_ne_j_case(prose):
    report = check_text(SOFTMAX + prose + "\n\n" + OFF_DIAGONAL)
    step = report.findings[-1]
    assert step.verdict == PROVEN, step.detail
    assert "uses i ≠ j" in step.detail and "the prose says" in step.detail


@pytest.mark.parametrize(
    "prose",
    [
        "For the same index, the quotient rule gives:",
        "If $i = j$:",
        "인덱스가 같을 때는 다음과 같다.",
        "当 $i=j$ 时：",
        "添字が同じとき：",
    ],
)
def test_the_prose_puts_the_next_steps_in_the_i_eq_j_case(prose):
    step = check_text(SOFTMAX + prose + "\n\n" + DIAGONAL).findings[-1]
    assert step.verdict == PROVEN, step.detail
    assert "uses i = j" in step.detail


def test_without_a_condition_in_the_prose_the_step_stays_open():
    step = check_text(SOFTMAX + "Next:\n\n" + OFF_DIAGONAL).findings[-1]
    assert step.verdict == UNCHECKED
    assert "holds only when i ≠ j" in step.detail


def test_a_prose_condition_never_rescues_a_wrong_step():
    # The sign is lost: wrong whether the indices differ or not.
    wrong = OFF_DIAGONAL.replace("-p_i p_j", "p_i p_j")
    step = check_text(SOFTMAX + "When the indices differ:\n\n" + wrong).findings[-1]
    assert step.verdict == WRONG


def test_a_heading_ends_the_case_of_the_section_before():
    text = SOFTMAX + "When the indices differ:\n\n" + OFF_DIAGONAL + "\n## Next part\n\n" + OFF_DIAGONAL
    assert _verdicts(text)[-2:] == [PROVEN, UNCHECKED]


def test_s_used_without_a_definition_is_the_softmax_denominator_and_says_so():
    text = (
        "$$\np_i = \\frac{e^{z_i}}{S}\n$$\n\n"
        "$$\n\\frac{\\partial p_i}{\\partial z_j} = \\frac{0 \\cdot S - e^{z_i} e^{z_j}}{S^2}\n$$\n\n"
        "When the indices differ this is $-p_i p_j$.\n"
    )
    report = check_text(text)
    first, step = report.findings[:2]
    assert first.verdict == DEFINITION
    assert "S read as Σ_k e^{z_k}" in step.detail
    # Without "differ", the step holds only for i ≠ j: the prose says nothing before it.
    assert step.verdict == UNCHECKED or step.verdict == PROVEN


def test_a_wrong_step_with_the_standard_s_is_still_wrong():
    text = "$$\np_i = \\frac{e^{z_i}}{S}\n$$\n\n$$\n\\frac{\\partial S}{\\partial z_i} = S\n$$\n"
    step = check_text(text).findings[-1]
    assert step.verdict == WRONG
    assert "assumes S read as" in step.detail


def test_a_sum_to_another_letter_for_the_same_count_is_read_as_that_count_and_says_so():
    # The definition sums to c, a restatement to n: the same classes, not a mistake.
    text = (
        "$$\n\\hat{y}_i = \\frac{e^{z_i}}{\\sum_{j=1}^{c} e^{z_j}}\n$$\n\n"
        "$$\nq = z_n\n$$\n\n"  # n is an index here too
        "$$\n\\hat{y}_i = \\frac{e^{z_i}}{\\sum_{j=1}^{n} e^{z_j}}\n$$\n"
    )
    step = check_text(text).findings[-1]
    assert step.verdict == PROVEN, step.detail
    broken = text.replace("{\\sum_{j=1}^{n} e^{z_j}}", "{\\sum_{j=1}^{n} e^{2 z_j}}")
    assert check_text(broken).findings[-1].verdict == WRONG


def test_a_sum_to_another_letter_is_renamed_only_where_each_side_has_one_count():
    i, k = (Symbol(n, integer=True, positive=True) for n in "ik")
    c, n = Symbol("c"), Symbol("n")
    z = IndexedBase("z")
    a = exp(z[i]) / Sum(exp(z[k]), (k, 1, c))
    b = exp(z[i]) / Sum(exp(z[k]), (k, 1, n))
    renamed, shown = same_count_renamed(a, b)
    assert renamed == a and "the sum to n counts the same c terms" in shown
    assert same_count_renamed(a, a) is None
    assert same_count_renamed(a, b + Sum(z[k], (k, 1, c))) is None  # two counts on one side


# -- conditions written in the formula ------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "verdict"),
    [
        ("p_i (1 - p_i), \\quad i = j", PROVEN),
        ("-p_i p_j \\quad (i \\neq j)", PROVEN),
        ("-p_i p_j \\qquad \\text{if } i \\neq j", PROVEN),
        ("-p_i p_j \\quad 当 i \\neq j 时", PROVEN),
        ("-p_i p_j \\quad i \\ne j \\text{일 때}", PROVEN),
        ("p_i p_j \\qquad \\text{if } i \\neq j", WRONG),
        ("p_i (1 + p_i), \\quad i = j", WRONG),
        ("p_i p_j \\quad \\text{otherwise}", UNCHECKED),  # what "otherwise" excludes is elsewhere
    ],
)
def test_a_condition_written_in_the_formula_binds_its_statement(row, verdict):
    step = check_text(SOFTMAX + f"$$\n\\frac{{\\partial p_i}}{{\\partial z_j}} = {row}\n$$\n").findings[-1]
    assert step.verdict == verdict, step.detail
    if verdict != UNCHECKED:
        assert "as the formula states" in step.detail


# -- soundness: a heading's case does not hide a wrong step ---------------------------------------


@pytest.mark.parametrize(
    ("right", "wrong"),
    [
        ("= p_i \\left(1 - p_i\\right)", "= p_i \\left(1 + p_i\\right)"),
        ("= \\frac{e^{z_i}}{S} \\cdot \\frac{S - e^{z_i}}{S}", "= S + e^{z_i}"),
    ],
)
def test_a_wrong_step_under_a_case_heading_is_wrong(right, wrong):
    text = (
        "$$\nS = \\sum_{k=1}^{N} e^{z_k}\n$$\n\n$$\np_i = \\frac{e^{z_i}}{S}\n$$\n\n"
        "### Case $i = j$\n\n"
        "$$\n\\frac{\\partial p_i}{\\partial z_i} = "
        "\\frac{e^{z_i} \\cdot S - e^{z_i} \\cdot e^{z_i}}{S^{2}}\n$$\n\n"
        f"$$\n{right}\n$$\n\n### Case $i \\neq j$\n\n"
        "$$\n\\frac{\\partial p_i}{\\partial z_j} = -p_i p_j\n$$\n"
    )
    assert [f.verdict for f in check_text(text).findings][2:] == [PROVEN, PROVEN, PROVEN]
    broken = check_text(text.replace(right, wrong)).findings[3]
    assert broken.verdict == WRONG and broken.counterexample is not None


# -- shorthand and definitions written as chains ----------------------------------------------------


def test_e_to_an_index_is_the_exponentiated_family_where_the_post_has_one_and_says_so():
    text = (
        "$$\ns_i = \\frac{e^{a_i}}{\\sum_j e^{a_j}}\n$$\n\n"
        "$$\ny_i = \\frac{e^i}{\\sum_j e^j} = 1 - \\frac{\\sum_{j \\neq i} e^j}{\\sum_j e^j}\n$$\n\n"
        "$$\n\\frac{\\partial (-\\ln y_i)}{\\partial i} = y_i - 1\n$$\n"
    )
    findings = check_text(text).findings
    assert [f.verdict for f in findings] == [DEFINITION, DEFINITION, PROVEN, PROVEN]
    assert "e^{i} read as e^{a_i}" in findings[2].detail
    assert "∂i read as ∂a_i" in findings[3].detail
    wrong = check_text(text.replace("= y_i - 1", "= 1 - y_i")).findings[-1]
    assert wrong.verdict == WRONG


def test_e_to_an_index_is_refused_where_the_post_exponentiates_no_one_family():
    (finding,) = check_text("$$\nq_i = e^{i}\n$$\n").findings
    assert finding.verdict == UNCHECKED and "raises e to the index i" in finding.detail


def test_a_restated_wrong_line_in_a_later_block_is_wrong():
    text = (
        "$$\nu = x + y\n$$\n\n"
        "$$\n(x + y)^2 = x^2 + 2 x y + y^2\n$$\n\n$$\n= x^2 + 3 x y + y^2\n$$\n\n"
        "$$\n\\frac{d}{dx} x^2 = 2 x\n$$\n\nOnce more:\n\n$$\n= x^2 + 3 x y + y^2\n$$\n"
    )
    restated = check_text(text).findings[-1]
    assert restated.verdict == WRONG and restated.detail.startswith("restates line 10")


# -- worked numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "verdict"),
    [
        ("L = -\\log(0.245) = 1.406", PROVEN),  # 1.40650 printed to three places
        ("L = -\\log(0.245) = 1.42", WRONG),
        ("0.245 - 1 = -0.755", PROVEN),
        ("0.245 - 1 = -0.775", WRONG),  # a slip in the digits, not rounding
        ("e^{0.5} = 1.65", PROVEN),
        ("e^{0.5} = 1.64", WRONG),
        ("\\frac{e^{1.2}}{e^{1.2} + e^{0.3} + e^{-0.5}} = 0.63", PROVEN),
        ("0.094 \\cdot 2 = 0.19", PROVEN),  # 0.094 may itself be rounded: 0.188 ± 0.001
        ("\\frac{1}{2} = 0.54", WRONG),  # a fraction is exact, not a rounded decimal
        ("2 \\cdot 0.125 = 0.26", WRONG),  # 0.125 has three digits but is exact as written
    ],
)
def test_a_printed_number_is_right_when_it_rounds_the_exact_value(row, verdict):
    step = check_text(f"$$\n{row}\n$$\n").findings[-1]
    assert step.verdict == verdict, step.detail
    if verdict == WRONG:
        assert "the exact value is" in step.detail


# -- formulas in sentences ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "verdict"),
    [
        ("So $\\partial p_i / \\partial z_j = -p_i p_j$ when $i \\neq j$.", PROVEN),
        ("그래서 $\\partial p_i / \\partial z_j = p_i (1 - p_i)$ 가 됩니다 ($i = j$ 일 경우)", PROVEN),
        ("So $\\partial p_i / \\partial z_j = p_i p_j$ when $i \\neq j$.", WRONG),
        ("Here $p_1 = 0.3$ and $x = 2$.", None),  # values, not claims: nothing is judged
    ],
)
def test_a_derivative_stated_in_a_sentence_is_judged_with_its_sentence(sentence, verdict):
    findings = check_text(SOFTMAX + sentence + "\n").findings
    claims = [f for f in findings if f.line == 5]
    if verdict is None:
        assert not claims
        return
    assert [f.verdict for f in claims] == [verdict], [f.detail for f in claims]


@pytest.mark.parametrize(
    "prose",
    [
        "The labels are one-hot.",
        "The labels add up to 1.",
        "y는 원-핫 벡터이다.",
        "标签是独热编码，其余为0。",
        "ラベルはワンホットで、正解以外は0。",
        "ラベルの合計が1になる。",
    ],
)
def test_labels_summing_to_one_are_read_from_the_prose_in_four_languages(prose):
    text = (
        "$$\nL = -\\sum_{k=1}^{N} y_k \\log p_k\n$$\n\n" + SOFTMAX + prose + "\n\n"
        "$$\n\\frac{\\partial L}{\\partial z_i} = p_i - y_i\n$$\n"
    )
    step = check_text(text).findings[-1]
    assert step.verdict == PROVEN, step.detail
    assert "uses Σ y = 1" in step.detail
    unstated = check_text(text.replace(prose, "Then:")).findings[-1]
    assert unstated.verdict == UNCHECKED and "the post does not say so" in unstated.detail


# -- a correction for every ✗ that one slip explains ------------------------------------------------


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("\\frac{\\partial p_i}{\\partial z_j} = p_i p_j \\quad (i \\neq j)", "expected: - p_i p_j"),  # sign
        ("\\frac{\\partial p_j}{\\partial z_j} = p_i (1 - p_i)", "expected: \\left(1 - p_j\\right) p_j"),
    ],
)
def test_a_wrong_step_shows_the_line_as_it_should_read(row, expected):
    step = check_text(SOFTMAX + f"$$\n{row}\n$$\n").findings[-1]
    assert step.verdict == WRONG
    assert expected in step.detail


def test_no_correction_is_shown_when_no_single_slip_explains_the_mistake():
    step = check_text(SOFTMAX + "$$\n\\frac{\\partial p_i}{\\partial z_i} = 7 p_i^3\n$$\n").findings[-1]
    assert step.verdict == WRONG and "expected:" not in step.detail


# -- the catalogue is the checker's knowledge ---------------------------------------------------------


_TEMPERATURE_POST = (
    "$$\nL = -\\sum_{k=1}^{N} y_k \\log p_k\n$$\n\n"
    "$$\np_i = \\frac{e^{z_i / T}}{\\sum_{k=1}^{N} e^{z_k / T}}\n$$\n\nThe labels are one-hot.\n\n"
    "$$\n\\frac{\\partial L}{\\partial z_i} = \\frac{p_i - y_i}{T}\n$$\n"
)


def test_a_post_s_result_is_compared_with_the_derivation_whose_definitions_it_shares():
    final = check_text(_TEMPERATURE_POST).final
    assert final.agrees is True and "derive's softmax-temperature result" in final.detail
    wrong = check_text(_TEMPERATURE_POST.replace("{p_i - y_i}{T}", "{p_i - y_i}{T^2}"))
    assert wrong.findings[-1].verdict == WRONG  # the step itself; a wrong line is no result


def test_no_module_of_the_checker_imports_one_particular_derivation():
    from pathlib import Path

    checker = Path(__file__).resolve().parent.parent / "derive" / "check"
    for module in checker.glob("*.py"):
        imports = [line for line in module.read_text(encoding="utf-8").splitlines() if "import" in line]
        assert not [line for line in imports if "derive.derivations." in line], module.name
        assert not [line for line in imports if "import softmax" in line], module.name


# -- shapes ---------------------------------------------------------------------------------------------


def test_a_vector_statement_is_proven_at_a_generic_entry_and_a_shape_mismatch_is_wrong():
    text = (
        "$$\nL = -\\sum_{k=1}^{N} y_k \\log p_k\n$$\n\n" + SOFTMAX + "The labels are one-hot.\n\n"
        "$$\n\\frac{\\partial L}{\\partial \\mathbf{z}} = \\mathbf{p} - \\mathbf{y}\n$$\n\n"
        "$$\n\\frac{\\partial L}{\\partial \\mathbf{z}} = \\mathbf{p}^\\top - \\mathbf{y}^\\top\n$$\n"
    )
    column, row = check_text(text).findings[-2:]
    assert column.verdict == PROVEN
    assert row.verdict == WRONG and "N×1 and 1×N" in row.detail


def test_a_column_times_a_square_matrix_is_a_shape_error():
    column = "\\begin{bmatrix} 1 \\\\ 2 \\\\ 3 \\end{bmatrix}"
    square = "\\begin{bmatrix} 1 & 0 & 0 \\\\ 0 & 1 & 0 \\\\ 0 & 0 & 1 \\end{bmatrix}"
    (finding,) = check_text(f"$$\nu = {column} {square}\n$$\n").findings
    assert finding.verdict == WRONG and "3×1 matrix times a 3×3" in finding.detail
    (fine,) = check_text(f"$$\nu = {square} {column}\n$$\n").findings
    assert fine.verdict != WRONG


def test_a_wrong_conclusion_is_the_post_s_result_not_an_earlier_right_line():
    text = (
        "$$\nL = -\\sum_{k=1}^{N} y_k \\log p_k\n$$\n\n" + SOFTMAX + "The labels are one-hot.\n\n"
        "$$\n\\frac{\\partial L}{\\partial z_i} = p_i - y_i\n$$\n\n"
        "$$\n\\frac{\\partial L}{\\partial z_i} = y_i - p_i\n$$\n"
    )
    final = check_text(text).final
    assert final.agrees is False and final.line == 16
    assert "expected: - y_i + p_i" in final.detail  # the post's line with its sign slip undone


# -- found in review: assumptions that were guesses --------------------------------------------------


def test_same_or_different_says_nothing_unless_it_speaks_of_indices():
    for prose in ("We proceed in the same way as before.", "The derivative is different from the sigmoid's:"):
        step = check_text(SOFTMAX + prose + "\n\n" + DIAGONAL).findings[-1]
        assert step.verdict == UNCHECKED and "which the post does not state" in step.detail, prose


def test_a_step_the_prose_puts_in_the_other_case_is_wrong():
    prose = "For $i \\neq j$ the numerator is constant, and the two sides are equal:"
    step = check_text(SOFTMAX + prose + "\n\n" + DIAGONAL).findings[-1]
    assert step.verdict == WRONG and "when i ≠ j" in step.detail


def test_each_formula_in_a_sentence_takes_the_case_stated_nearest_to_it():
    sentence = (
        "For $i = j$ we get $\\partial p_i / \\partial z_j = p_i (1 - p_i)$, "
        "while for $i \\neq j$ we get $\\partial p_i / \\partial z_j = -p_i p_j$.\n"
    )
    claims = check_text(SOFTMAX + sentence).findings[-2:]
    assert [f.verdict for f in claims] == [PROVEN, PROVEN]
    assert "uses i = j" in claims[0].detail and "uses i ≠ j" in claims[1].detail


def test_a_post_s_own_s_replaces_the_standard_one():
    text = "$$\np_i = \\frac{e^{z_i}}{S}\n$$\n\n$$\nS = \\sum_{k=1}^{N} e^{2 z_k}\n$$\n\n"
    text += "$$\n\\frac{\\partial S}{\\partial z_i} = 2 e^{2 z_i}\n$$\n"
    findings = check_text(text).findings
    assert [f.verdict for f in findings] == [DEFINITION, DEFINITION, PROVEN]


def test_e_to_an_index_a_concrete_sum_counts_is_a_power_of_e():
    text = "$$\nq = e^{z_1}\n$$\n\n$$\n\\sum_{k=1}^{3} e^{k} = e + e^{2} + e^{3}\n$$\n"
    assert check_text(text).findings[-1].verdict == PROVEN


def test_a_condition_on_something_other_than_indices_keeps_a_step_from_being_wrong():
    step = check_text("$$\nu = x\n$$\n\n$$\n\\frac{d}{dx} \\sqrt{x^2} = 1 \\quad (x > 0)\n$$\n").findings[-1]
    assert step.verdict == UNCHECKED and "cannot read" in step.detail


def test_a_mistake_after_a_recovery_is_inherited_from_where_it_starts():
    text = (
        "$$\nu = x + y\n$$\n\n$$\n\\begin{aligned}\n(x + y)^2 &= x^2 + 2 x y + y^2 \\\\\n"
        "&= x^2 + 3 x y + y^2 \\\\\n&= x^2 + y^2 + 2 x y \\\\\n&= x^2 + y^2 + 4 x y \\\\\n"
        "&= y^2 + x^2 + 4 x y\n\\end{aligned}\n$$\n"
    )
    findings = check_text(text).findings
    last_slip, carried = findings[-2], findings[-1]
    assert last_slip.verdict == WRONG and carried.verdict == WRONG
    assert carried.detail.startswith(f"inherited from line {last_slip.line}")


def test_a_counterexample_keeps_to_labels_the_post_says_sum_to_one():
    text = (
        "$$\nL = -\\sum_{k=1}^{N} y_k \\log p_k\n$$\n\n" + SOFTMAX + "The labels are one-hot.\n\n"
        "$$\n\\frac{\\partial L}{\\partial z_i} = p_i + y_i\n$$\n"
    )
    step = check_text(text).findings[-1]
    assert step.verdict == WRONG and step.counterexample is not None
    labels = [Rational(v) for k, v in step.counterexample.values.items() if k.startswith("y[")]
    assert len(labels) < step.counterexample.size or sum(labels) == 1


def test_ce_used_without_a_definition_is_the_cross_entropy_the_post_defines():
    text = (
        "$$\nL = -\\sum_{k=1}^{N} y_k \\log p_k\n$$\n\n" + SOFTMAX + "The labels are one-hot.\n\n"
        "$$\n\\frac{\\partial CE}{\\partial z_i} = p_i - y_i\n$$\n"
    )
    step = check_text(text).findings[-1]
    assert step.verdict == PROVEN and "CE read as the cross-entropy L the post defines" in step.detail
    wrong = check_text(text.replace("= p_i - y_i", "= p_i + y_i")).findings[-1]
    assert wrong.verdict == WRONG
