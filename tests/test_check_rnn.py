"""``derive check`` reads derive's own RNN post: steps, hidden units and classes, each index over
its own range; every step proven, and every mistake put into it found on its own line.

The post is the committed ``output/rnn-output-n2.md``: the definitions at every step τ, the
softmax-ce result quoted for one step, the Kronecker-delta chains, the sum over the steps, the
matrix form Σ_τ (p_τ − y_τ) h_τᵀ and the worked 3×2 example with its stated targets.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_text
from derive.check.findings import DEFINITION, PROVEN, UNCHECKED, WRONG
from derive.check.ranges import learn_ranges

POST = (Path(__file__).resolve().parent.parent / "output" / "rnn-output-n2.md").read_text(encoding="utf-8")


def _line_of(text: str, fragment: str) -> int:
    assert text.count(fragment) >= 1, fragment
    return text[: text.index(fragment)].count("\n") + 1


def test_the_ranges_are_learned_from_the_sums_and_the_positions():
    ranged = learn_ranges(POST)
    assert ranged is not None
    assert ranged.size == "N"
    # τ is summed to T, m to H; j is free, at the hidden units' position of V_{ij} and h_{τ,j}.
    assert dict(ranged.letters) == {"τ": "T", "m": "H", "j": "H"}
    assert dict(ranged.vectors) == {"h": "H", "p": "N", "y": "N"}
    assert dict(ranged.examples) == {"T": 2, "N": 3, "H": 2}


def test_a_post_of_one_index_range_is_read_as_before():
    assert (
        learn_ranges("$$L = -\\sum_{k=1}^{N} y_k \\log p_k$$ $$p_i = e^{z_i} / \\sum_{k=1}^{N} e^{z_k}$$")
        is None
    )


def test_every_step_of_the_post_is_proven():
    report = check_text(POST, ".md")
    verdicts = [f.verdict for f in report.findings]
    assert WRONG not in verdicts and UNCHECKED not in verdicts, [
        (f.line, f.detail) for f in report.findings if f.verdict != PROVEN
    ]
    assert verdicts.count(DEFINITION) == 4
    assert verdicts.count(PROVEN) == 16
    details = {f.line: f.detail for f in report.findings}
    # Every assumption is shown: the ranges, the one-step reading, the labels and stated targets.
    assert "τ from 1 to T" in details[_line_of(POST, "= \\sum_{\\tau=1}^{T} \\left(p_{\\tau,i}")]
    assert "read at one step of the post" in details[_line_of(POST, "Its result, $")]
    worked = details[_line_of(POST, "= \\begin{bmatrix}p_{1,1} h_{1,1}")]
    assert "H = 2, N = 3, T = 2" in worked and "(line 125)" in worked


# Each mistake, put in on purpose: (what it is, the text as generated, the text with the mistake).
MUTATIONS = [
    (
        "sign",
        "= \\left(p_{\\tau,i} - y_{\\tau,i}\\right) h_{\\tau,j} \\tag{13}",
        "= \\left(p_{\\tau,i} + y_{\\tau,i}\\right) h_{\\tau,j} \\tag{13}",
    ),
    (
        "index τ and i swapped",
        "= \\sum_{\\tau=1}^{T} \\left(p_{\\tau,i} - y_{\\tau,i}\\right) h_{\\tau,j} \\tag{16}",
        "= \\sum_{\\tau=1}^{T} \\left(p_{i,\\tau} - y_{\\tau,i}\\right) h_{\\tau,j} \\tag{16}",
    ),
    (
        "dropped factor",
        "= \\sum_{m=1}^{H} h_{\\tau,m} \\delta_{ik} \\delta_{jm} \\tag{9}",
        "= \\sum_{m=1}^{H} h_{\\tau,m} \\delta_{ik} \\tag{9}",
    ),
    (
        "dropped step of the worked example",
        "\\left(p_{1,1} - y_{1,1}\\right) h_{1,1} + \\left(p_{2,1} - y_{2,1}\\right) h_{2,1} &",
        "\\left(p_{1,1} - y_{1,1}\\right) h_{1,1} &",
    ),
    (
        "wrong transpose",
        "\\left(\\mathbf{p}_{\\tau} - \\mathbf{y}_{\\tau}\\right) \\mathbf{h}_{\\tau}^{\\top} \\tag{17}",
        "\\mathbf{h}_{\\tau} \\left(\\mathbf{p}_{\\tau} - \\mathbf{y}_{\\tau}\\right)^{\\top} \\tag{17}",
    ),
    (
        "sum over the wrong index",
        "= \\sum_{k=1}^{N} \\left(p_{\\tau,k} - y_{\\tau,k}\\right) \\delta_{ik} h_{\\tau,j} \\tag{12}",
        "= \\sum_{k=1}^{N} \\left(p_{\\tau,k} - y_{\\tau,k}\\right) \\delta_{jk} h_{\\tau,j} \\tag{12}",
    ),
    (
        "wrong target put in",
        "p_{1,2} h_{1,1} + p_{2,2} h_{2,1} &",
        "p_{1,2} h_{1,1} + \\left(p_{2,2} - 1\\right) h_{2,1} &",
    ),
]


@pytest.mark.parametrize(("what", "right", "wrong"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_a_mistake_put_in_is_found_on_its_own_line(what, right, wrong):
    assert POST.count(right) == 1, what
    broken = POST.replace(right, wrong)
    line = _line_of(broken, wrong)
    findings = check_text(broken, ".md").findings
    at_line = [f for f in findings if f.line == line]
    assert [f.verdict for f in at_line] == [WRONG], [(f.verdict, f.detail) for f in at_line]
    # Nothing before it is wrong: the mistake is reported where it starts.
    assert not [f for f in findings if f.verdict == WRONG and f.line < line]


def test_without_labels_that_sum_to_one_the_steps_that_need_it_are_open_not_wrong():
    """The same post, saying nothing of its labels: a step that needs Σ_k y_{τ,k} = 1 is ?, and
    a row after it goes on with its own chain rather than being compared with another one."""
    silent = (
        POST.replace(
            "for labels that sum to one at every step ($\\sum_{k=1}^{N} y_{\\tau,k} = 1$)", "for any labels"
        )
        .replace("those of every step sum to one", "they are given")
        .replace("One-hot targets", "Targets")
        .replace("one-hot", "single")
    )
    assert "sum to one" not in silent and "one-hot" not in silent.lower()
    findings = check_text(silent, ".md").findings
    assert not [(f.line, f.detail) for f in findings if f.verdict == WRONG]
    open_lines = {f.line for f in findings if f.verdict == UNCHECKED and "labels sum to 1" in f.detail}
    assert _line_of(silent, "= \\sum_{k=1}^{N} \\left(p_{\\tau,k} - y_{\\tau,k}\\right)") in open_lines


def test_a_quote_of_one_step_that_does_not_hold_there_is_open():
    """∂L/∂z_i = p_i + y_i quoted for one step does not hold at a step of the post; it may quote
    another setting, so it is ?, with the reason, never ✓."""
    quote = "Its result, $\\frac{\\partial L}{\\partial z_i} = p_i - y_i$"
    broken = POST.replace(quote, quote.replace("p_i - y_i", "p_i + y_i"))
    line = _line_of(broken, "p_i + y_i")
    (finding,) = [f for f in check_text(broken, ".md").findings if f.line == line]
    assert finding.verdict == UNCHECKED
    assert "read at one step of the post, the two sides differ" in finding.detail
