"""Worked examples: printed vectors and matrices checked against the relations the post states.

Every test post is a small RNN-style example, computed by hand: V h_1 = (−0.3, 0.5, 0.6),
softmax of that = (0.1759, 0.3915, 0.4326), V h_2 = (0.25, 0.575, 0.2) and its softmax
(0.2998, 0.4150, 0.2852). The mistakes are injected one at a time; each must be found on the
line of the value that is wrong, and the unbroken post must have no ✗.
"""

from __future__ import annotations

import pytest

from derive.check import check_text
from derive.check.findings import NOTE, PROVEN, WRONG

PARAMETERS = r"$$V = \begin{bmatrix} 0.5 & -1 \\ 2 & 0.25 \\ 1 & 1 \end{bmatrix}$$"


def _values(*named: tuple[str, str]) -> str:
    """A display of worked values: ``h_1 = [0.2; 0.4] \\quad h_2 = …``."""
    shown = [rf"{name} = \begin{{bmatrix}} {entries} \end{{bmatrix}}" for name, entries in named]
    return "$$" + r" \quad ".join(shown) + "$$"


def _example(
    h_1: str = r"0.2 \\ 0.4",
    o_1: str = r"-0.3 \\ 0.5 \\ 0.6",
    y_1: str = r"0.176 \\ 0.391 \\ 0.433",
    h_2: str = r"0.3 \\ -0.1",
    o_2: str = r"0.250 \\ 0.575 \\ 0.200",
    y_2: str = r"0.300 \\ 0.415 \\ 0.285",
) -> str:
    return "\n".join(
        [
            "## A worked example",
            "",
            PARAMETERS,
            "",
            _values(("h_1", h_1), ("h_2", h_2)),
            "",
            _values(("o_1", o_1), (r"\hat{y}_1", y_1)),
            "",
            _values(("o_2", o_2), (r"\hat{y}_2", y_2)),
            "",
            "The outputs are computed as",
            "",
            r"$$o_2 = V h_2$$",
            "",
            r"$$\hat{y}_2 = \operatorname{softmax}(o_2)$$",
            "",
        ]
    )


def _wrong(text: str) -> dict[int, str]:
    return {f.line: f.detail for f in check_text(text, ".md").findings if f.verdict == WRONG}


def _line(text: str, start: str) -> int:
    return next(number for number, line in enumerate(text.split("\n"), 1) if line.startswith(start))


def test_a_consistent_example_has_no_mistake():
    text = _example()
    report = check_text(text, ".md")
    assert not report.wrong, _wrong(text)
    assert sum(f.verdict == NOTE and "worked example" in f.detail for f in report.findings) >= 6


def test_a_computed_value_that_disagrees_is_wrong_with_the_value_it_should_have():
    text = _example(o_2=r"-0.250 \\ 0.575 \\ 0.200")  # the sign of the first entry flipped
    wrong = _wrong(text)
    assert list(wrong) == [_line(text, "$$o_2 = \\begin")]
    assert "o_2 is printed (−0.250, 0.575, 0.200)" in wrong[_line(text, "$$o_2 = \\begin")]
    assert "gives o_2 = (0.2500, 0.5750, 0.2000)" in wrong[_line(text, "$$o_2 = \\begin")]


def test_an_input_that_disagrees_is_blamed_when_the_relations_that_hold_clear_the_rest():
    # o_2 and ŷ_2 agree with each other (softmax), so the mistake is h_2's.
    text = _example(h_2=r"0.3 \\ 0.1")
    wrong = _wrong(text)
    assert list(wrong) == [_line(text, "$$h_1 = ")]
    assert "h_2 does not fit the other printed values" in wrong[_line(text, "$$h_1 = ")]


def test_a_relation_for_one_step_is_taken_for_every_step_and_says_so():
    text = _example(h_1=r"0.2 \\ 0.6")  # o_1 = V h_1 and ŷ_1 agree with each other, not with h_1
    wrong = _wrong(text)
    assert list(wrong) == [_line(text, "$$h_1 = ")]
    assert "taken for every step, here for o_1" in wrong[_line(text, "$$h_1 = ")]


@pytest.mark.parametrize(
    "y_2",
    [
        r"0.30 \\ 0.41 \\ 0.29",  # fewer places: 0.4150 rounds to 0.41 or 0.42, both within rounding
        r"0.2998 \\ 0.4150 \\ 0.2852",
        r"0.3 \\ 0.4 \\ 0.3",  # one place: 0.4150 is 0.4
    ],
)
def test_rounding_to_the_places_printed_is_not_a_mistake(y_2):
    assert not _wrong(_example(y_2=y_2))


@pytest.mark.parametrize("y_2", [r"0.300 \\ 0.418 \\ 0.285", r"0.31 \\ 0.41 \\ 0.29"])
def test_an_entry_off_by_more_than_its_rounding_is_wrong(y_2):
    text = _example(y_2=y_2)
    assert list(_wrong(text)) == [_line(text, "$$o_2 = \\begin")]


def test_a_dropped_term_is_found():
    text = _example(o_2=r"0.150 \\ 0.575 \\ 0.200")  # V_{11} h_{2,1} dropped from the first entry
    assert list(_wrong(text)) == [_line(text, "$$o_2 = \\begin")]


def test_an_example_in_another_section_is_not_judged_by_this_sections_relations():
    # A second example with other numbers and no relation of its own: nothing is said of it.
    other = "\n".join(
        [
            "## Another example",
            "",
            _values(("h_2", r"1 \\ 1"), ("o_2", r"7 \\ 7 \\ 7")),
        ]
    )
    assert not _wrong(_example() + "\n" + other)


def test_a_relation_with_a_name_that_has_no_value_decides_nothing():
    text = _example(o_2=r"9 \\ 9 \\ 9").replace(r"$$o_2 = V h_2$$", r"$$o_2 = V h_2 + b$$")
    text = text.replace(r"\operatorname{softmax}(o_2)", r"\operatorname{softmax}(o_2 + c)")
    assert not _wrong(text)


def test_the_printed_values_never_reach_a_proof_of_the_general_steps():
    text = _example() + "\n" + r"$$\frac{\partial L}{\partial o_i} = \hat{y}_i - y_i$$" + "\n"
    report = check_text(text, ".md")
    assert not report.wrong


def test_two_examples_in_one_section_are_each_judged_with_their_own_inputs():
    first = _values(("o_1", r"-0.3 \\ 0.5 \\ 0.6"), (r"\hat{y}_1", r"0.176 \\ 0.391 \\ 0.433"))
    second = _values(("o_1", r"0.250 \\ 0.575 \\ 0.200"), (r"\hat{y}_1", r"0.300 \\ 0.415 \\ 0.285"))
    relation = r"$$\hat{y}_1 = \operatorname{softmax}(o_1)$$"
    for order in ([relation, first, second], [first, second, relation], [first, relation, second]):
        text = "## Two inputs\n\n" + "\n\nand another input:\n\n".join(order) + "\n"
        assert not _wrong(text), order
    broken = second.replace("0.415", "0.451")
    text = "## Two inputs\n\n" + "\n\n".join([first, broken, relation]) + "\n"
    assert list(_wrong(text)) == [5]


def test_bold_vectors_of_a_step_are_read_like_plain_ones():
    text = _example(o_2=r"-0.250 \\ 0.575 \\ 0.200")
    for plain, bold in [
        ("o_2 = V h_2", r"\mathbf{o}_2 = \mathbf{V} \mathbf{h}_2"),
        ("$$o_2 = \\begin", "$$\\mathbf{o}_2 = \\begin"),
        ("h_2 = \\begin", "\\mathbf{h}_2 = \\begin"),
        ("V = \\begin", "\\mathbf{V} = \\begin"),
        ("softmax}(o_2)", "softmax}(\\mathbf{o}_2)"),
    ]:
        text = text.replace(plain, bold)
    wrong = _wrong(text)
    assert list(wrong) == [_line(text, "$$\\mathbf{o}_2 = \\begin")]
    assert r"$\mathbf{o}_2 = \mathbf{V} \mathbf{h}_2$ (line 13) gives o_2 = (0.2500" in wrong[9]


LOGITS = r"$$z = \begin{bmatrix} 2 \\ 1 \\ 0.1 \end{bmatrix}$$"  # softmax: (0.6590, 0.2424, 0.0986)


@pytest.mark.parametrize(
    "row",
    [
        r"p = \operatorname{softmax}(z) = \begin{bmatrix} 0.659 \\ 0.242 \\ 0.099 \end{bmatrix}",
        r"\operatorname{softmax}(z) = \begin{bmatrix} 0.66 \\ 0.24 \\ 0.10 \end{bmatrix}",
        r"\operatorname{softmax}\left(\begin{bmatrix} 2 \\ 1 \\ 0.1 \end{bmatrix}\right)"
        r" = \begin{bmatrix} 0.659 \\ 0.242 \\ 0.099 \end{bmatrix}",
    ],
)
def test_a_row_that_computes_a_vector_and_prints_it_right_is_proven(row):
    report = check_text(f"{LOGITS}\n\n$${row}$$\n", ".md")
    (finding,) = [f for f in report.findings if f.line == 3]
    assert finding.verdict == PROVEN, finding.detail
    assert "agrees, to the places printed, with what it computes: (0.659" in finding.detail


@pytest.mark.parametrize(
    "row",
    [
        r"p = \operatorname{softmax}(z) = \begin{bmatrix} 0.659 \\ 0.252 \\ 0.099 \end{bmatrix}",  # a digit
        r"\operatorname{softmax}(z) = \begin{bmatrix} 0.242 \\ 0.659 \\ 0.099 \end{bmatrix}",  # swapped
        r"\operatorname{softmax}(z) = \begin{bmatrix} 0.67 \\ 0.24 \\ 0.10 \end{bmatrix}",  # off by 0.01
    ],
)
def test_a_row_that_prints_a_wrong_vector_is_wrong_with_what_it_computes(row):
    report = check_text(f"{LOGITS}\n\n$${row}$$\n", ".md")
    (finding,) = [f for f in report.findings if f.line == 3]
    assert finding.verdict == WRONG, finding.detail
    assert "but what it computes is (0.659" in finding.detail  # one place more than printed


def _general_example(o_1: str = r"-0.3 \\ 0.5 \\ 0.6", h_1: str = r"0.2 \\ 0.4") -> str:
    return "\n".join(
        [
            "## The model",
            "",
            r"At every step, $o_t$ is read from the hidden state:",
            "",
            r"$$o_t = V h_t$$",
            "",
            r"$$\hat{y}_t = \operatorname{softmax}(o_t)$$",
            "",
            "For example,",
            "",
            PARAMETERS,
            "",
            _values(("h_1", h_1)),
            "",
            _values(("o_1", o_1), (r"\hat{y}_1", r"0.176 \\ 0.391 \\ 0.433")),
            "",
        ]
    )


def test_a_relation_for_every_step_judges_the_printed_steps_of_its_section():
    assert not _wrong(_general_example())
    text = _general_example(o_1=r"-0.3 \\ 0.5 \\ 0.7")
    wrong = _wrong(text)
    assert list(wrong) == [_line(text, "$$o_1 = ")]
    assert (
        "$o_t = V h_t$ (line 5, here for o_1) gives o_1 = (−0.30, 0.50, 0.60)"
        in wrong[_line(text, "$$o_1 = ")]
    )


def test_a_relation_for_every_step_finds_a_wrong_input_cleared_by_none():
    # o_1 and ŷ_1 agree with each other, not with h_1; step 2 clears V.
    step_2 = _values(("h_2", r"0.3 \\ -0.1"), ("o_2", r"0.250 \\ 0.575 \\ 0.200"))
    text = _general_example(h_1=r"0.2 \\ 0.5") + step_2 + "\n"
    assert list(_wrong(text)) == [_line(text, "$$h_1 = ")]
    # With V cleared by nothing, h_1 and V are equally suspect: nothing is blamed.
    assert not _wrong(_general_example(h_1=r"0.2 \\ 0.5"))


def test_a_post_with_more_worked_values_than_an_example_has_is_read_within_bounds(monkeypatch):
    # Every reading with values in place counts against a budget, and past the caps on values
    # and relations the pass is skipped: a long post is never slow for its worked values.
    from derive.check import relations, worked

    readings = []
    original = relations.read_readings

    def counted(*args, values=None):
        readings.append(values is not None)
        return original(*args, values=values)

    monkeypatch.setattr(relations, "read_readings", counted)
    rows = [
        _values((f"h_{{{k}}}", r"0.2 \\ 0.4"), (f"o_{{{k}}}", r"-0.3 \\ 0.5 \\ 0.6")) for k in range(1, 120)
    ]
    rows += [rf"$$o_{{{k}}} = V h_{{{k}}}$$" for k in range(1, 120)]
    text = PARAMETERS + "\n\n" + "\n\n".join(rows) + "\n"
    assert not check_text(text, ".md").wrong
    assert 0 < sum(readings) <= relations.MAX_EVALUATIONS
    monkeypatch.setattr(worked, "MAX_PRINTED", 10)
    readings.clear()
    skipped = check_text(text, ".md")
    assert not any(readings)
    assert all(
        "not checked against the post's relations" in f.detail
        for f in skipped.findings
        if f.line > 1 and "values of a worked example" in f.detail
    )
    assert any("more than 10 values" in f.detail for f in skipped.findings)


_PLUGGED = "\n\n".join(
    [
        "$$"
        + r"\mathbf{z} = \begin{bmatrix} 2.0 \\ 1.0 \\ 0.1 \end{bmatrix}, \quad "
        + r"\mathbf{y} = \begin{bmatrix} 0 \\ 1 \\ 0 \end{bmatrix}$$",
        r"$$\mathbf{p} = \text{softmax}(\mathbf{z})"
        + r" = \begin{bmatrix} 0.659 \\ 0.242 \\ 0.099 \end{bmatrix}$$",
        r"$$\frac{\partial L}{\partial \mathbf{z}} = \mathbf{p} - \mathbf{y}"
        + r" = \begin{bmatrix} 0.659 \\ -0.758 \\ 0.099 \end{bmatrix}$$",
        r"$$L = -\log p_2 = -\log 0.242 = 1.419$$",
        "",
    ]
)


def test_an_entry_of_a_printed_vector_is_put_in_where_the_post_plugs_it_in():
    report = check_text(_PLUGGED, ".md")
    assert not report.wrong, [f.detail for f in report.findings if f.verdict == WRONG]
    (plugged,) = [f for f in report.findings if f.source == r"= -\log 0.242"]
    assert plugged.verdict == PROVEN and "with p_2 = 0.242 (line 3), as printed" in plugged.detail
    wrong = check_text(_PLUGGED.replace(r"-\log 0.242 =", r"-\log 0.659 ="), ".md")
    assert [f.source for f in wrong.findings if f.verdict == WRONG][:1] == [r"= -\log 0.659"]


def test_a_row_with_a_side_that_cannot_be_evaluated_is_wrong_but_never_proven_by_its_numbers():
    report = check_text(_PLUGGED, ".md")
    (gradient,) = [f for f in report.findings if f.line == 5]
    assert gradient.verdict == NOTE  # ∂L/∂z itself is not checked by the numbers
    wrong = check_text(_PLUGGED.replace("-0.758", "-0.768"), ".md")
    (gradient,) = [f for f in wrong.findings if f.line == 5]
    assert gradient.verdict == WRONG and "what it computes is (0.6590, −0.7580, 0.0990)" in gradient.detail


# -- found by review: each was a false ✗ on a correct post ----------------------------------------


def _vec(*entries: str) -> str:
    return r"\begin{bmatrix} " + r" \\ ".join(entries) + r" \end{bmatrix}"


def _display(*rows: str) -> str:
    return "\n\n".join(f"$${row}$$" for row in rows) + "\n"


_V = r"V = \begin{bmatrix} 0.5 & -1 \\ 2 & 0.25 \\ 1 & 1 \end{bmatrix}"
_SOFTMAX = r"\operatorname{softmax}"
_W1 = r"W = \begin{bmatrix} 1.0 & 2.0 \\ 3.0 & -1.0 \end{bmatrix}"
_W2 = r"W = \begin{bmatrix} 0.2 & -0.4 & 0.1 \\ 0.0 & 0.3 & 0.5 \end{bmatrix}"
_SCIENTIFIC = (r"9.92 \times 10^{-1}", r"6.69 \times 10^{-3}", r"9.05 \times 10^{-4}")

REVIEWED_CORRECT = {
    "inputs rounded to three places": _display(
        "o_1 = V h_1",
        _V,
        "h_1 = " + _vec("0.094", "0.135") + r" \quad o_1 = " + _vec("-0.0877", "0.2225", "0.2293"),
    ),
    "the post's own sigma, rounded": "Let $\\sigma(z) = \\frac{1}{1 + e^{-z}}$.\n\n"
    + _display(r"\sigma(-1) = 0.2689"),
    "sigma of a printed vector": _display(
        "z = " + _vec("0.0", "1.0", "-2.0"),
        r"\sigma(z) = " + _vec("0.500", "0.731", "0.119"),
        r"\sigma(0) = 0.5",
    ),
    "LSE of a printed vector": _display("z = " + _vec("1.0", "2.0", "0.5"), r"\mathrm{LSE}(z) = 2.4644"),
    "values given in words": "Using the softmax Jacobian with $p = (0.659, 0.242, 0.099)$:\n\n"
    + _display(r"\frac{\partial p_1}{\partial z_2} = -p_1 p_2 = -0.659 \times 0.242 = -0.159"),
    "a second example in the same section": _display(
        r"\mathbf{z} = " + _vec("-0.1", "0.0", "1.0", "1.8"),
        r"\mathbf{p} = " + _SOFTMAX + r"(\mathbf{z}) = " + _vec("0.085", "0.094", "0.255", "0.567"),
        r"\mathbf{z} = " + _vec("-1.9", "-1.5", "1.3", "1.8"),
        r"\mathbf{p} = " + _SOFTMAX + r"(\mathbf{z}) = " + _vec("0.015", "0.022", "0.364", "0.599"),
    ),
    "scientific notation": _display(
        "z = " + _vec("5", "0", "-2"),
        "p = " + _SOFTMAX + "(z) = " + _vec(*_SCIENTIFIC),
        r"e^{-5} = 6.74 \times 10^{-3}",
    ),
    "a name printed again in a later section": "## Example 1\n\n"
    + _display(r"V = \begin{bmatrix} 1 & 2 \end{bmatrix}")
    + "\n## Example 2\n\n"
    + _display(r"V = \begin{bmatrix} 3 & 4 \end{bmatrix}"),
    "a loss for another example in a later section": _display(
        "z = " + _vec("1", "2", "3"),
        "p = " + _SOFTMAX + "(z) = " + _vec("0.0900", "0.2447", "0.6652"),
        r"L = -\log p_3 = -\log 0.6652 = 0.4077",
    )
    + "\n## Another\n\n"
    + _display(
        "z = " + _vec("0.5", "-0.5", "1.5", "0.0"),
        "p = " + _SOFTMAX + "(z) = " + _vec("0.2131", "0.0784", "0.5793", "0.1293"),
        r"L = -\log p_1 = 1.5460",
    ),
    "a sum over printed entries": _display(
        r"\mathbf{p} = " + _vec("0.7", "0.2", "0.1") + r" \quad \mathbf{y} = " + _vec("0", "1", "0"),
        r"L = -\sum_{k=1}^{3} y_k \log p_k = -\log 0.2 = 1.6094",
    ),
    "a relation and values of another section": "## A linear layer\n\n"
    + _display("h = W x", _W1 + r" \quad x = " + _vec("0.5", "1.0") + r" \quad h = " + _vec("2.5", "0.5"))
    + "\n## A tanh layer\n\n"
    + _display(
        r"h = \tanh(W x)", _W2 + r" \quad x = " + _vec("1.0", "2.0", "-1.0"), "h = " + _vec("-0.604", "0.100")
    ),
    "a vector softmax the checker cannot read": _display(r"\mathbf{p} = " + _SOFTMAX + r"(\mathbf{z})")
    + "\nand with a one-hot label the loss is $L = -\\sum_k y_k \\log p_k$, whose gradient is\n\n"
    + _display(r"\frac{\partial L}{\partial \mathbf{z}} = \mathbf{p} - \mathbf{y}"),
}


@pytest.mark.parametrize("text", REVIEWED_CORRECT.values(), ids=REVIEWED_CORRECT.keys())
def test_a_correct_post_found_by_review_has_no_mistake(text):
    assert not _wrong(text)


def test_a_model_stated_in_one_section_judges_the_example_of_the_next_until_restated():
    model = "## The model\n\n" + _display("o_t = V h_t") + "\n## An example\n\n" + PARAMETERS + "\n\n"
    example = _display("h_1 = " + _vec("0.2", "0.4") + r" \quad o_1 = " + _vec("-0.3", "0.5", "0.7"))
    text = model + example
    assert list(_wrong(text)) == [_line(text, "$$h_1 = ")]
    # A later section that states o_t anew (an LSTM's output gate) is not judged by the model.
    gate = "\n## An LSTM\n\nHere $o_t = \\sigma(W_o x_t)$ is the output gate.\n\n" + PARAMETERS + "\n\n"
    gate += _display("h_1 = " + _vec("0.2", "0.4") + r" \quad o_1 = " + _vec("0.500", "0.750", "0.269"))
    assert list(_wrong(model + example.replace("0.7", "0.6") + gate)) == []


def test_every_row_of_a_long_drill_is_judged_and_the_wrong_one_found():
    import math

    rows = []
    for k in range(1, 16):
        z = [round(math.sin(k * j) * 2, 1) for j in (1, 2, 3)]
        total = sum(math.exp(v) for v in z)
        p = [f"{math.exp(v) / total:.3f}" for v in z]
        if k == 9:
            p[0], p[1] = p[1], p[0]  # two entries swapped
        name = f"\\mathbf{{z}}_{{{k}}}"
        rows += [
            name + " = " + _vec(*map(str, z)),
            f"\\mathbf{{p}}_{{{k}}} = {_SOFTMAX}({name}) = " + _vec(*p),
        ]
    report = check_text(_display(*rows), ".md")
    assert sum(f.verdict == PROVEN for f in report.findings) == 14
    assert [f.line for f in report.findings if f.verdict == WRONG] == [35]
