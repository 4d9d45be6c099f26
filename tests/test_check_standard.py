"""Standard meanings: a post that uses LSE or MSE without defining it gets the standard
definition, the report says so, and a step that is wrong under it is still found."""

from __future__ import annotations

import pytest

from derive.check import check_text
from derive.check.findings import DEFINITION, PROVEN, UNCHECKED, WRONG


def _only(text: str):
    (finding,) = [f for f in check_text(text, ".md").findings if f.verdict in (PROVEN, WRONG, UNCHECKED)]
    return finding


@pytest.mark.parametrize("name", [r"\mathrm{LSE}", r"\operatorname{logsumexp}", r"\text{LSE}"])
def test_the_gradient_of_the_log_sum_exp_is_the_softmax(name):
    step = _only(
        f"$$\\frac{{\\partial}}{{\\partial z_i}} {name}(z) = \\frac{{e^{{z_i}}}}{{\\sum_k e^{{z_k}}}}$$\n"
    )
    assert step.verdict == PROVEN, step.detail
    assert "read as log Σ_k e^{z_k}, the log-sum-exp" in step.detail


def test_a_wrong_gradient_of_the_log_sum_exp_is_found():
    step = _only(
        r"$$\frac{\partial}{\partial z_i} \mathrm{LSE}(z) = \frac{e^{-z_i}}{\sum_k e^{z_k}}$$" + "\n"
    )
    assert step.verdict == WRONG, step.detail


def test_the_log_sum_exp_of_printed_numbers_is_computed():
    step = _only(r"$$\mathrm{LSE}\left(\begin{bmatrix} 0 \\ 0 \end{bmatrix}\right) = \log 2$$" + "\n")
    assert step.verdict == PROVEN, step.detail


@pytest.mark.parametrize(
    "gradient",
    [r"\frac{2}{N}(\hat{y}_i - y_i)", r"-\frac{2}{N}(y_i - \hat{y}_i)"],
)
def test_the_mse_is_the_mean_of_the_squared_differences(gradient):
    step = _only(f"$$\\frac{{\\partial \\mathrm{{MSE}}}}{{\\partial \\hat{{y}}_i}} = {gradient}$$\n")
    assert step.verdict == PROVEN, step.detail
    assert "MSE read as (1/N) Σ_k" in step.detail and "the mean squared error" in step.detail


@pytest.mark.parametrize(
    "gradient",
    [
        r"\frac{1}{N}(\hat{y}_i - y_i)",  # the 2 dropped
        r"\frac{2}{N}(y_i - \hat{y}_i)",  # the sign flipped
        r"2(\hat{y}_i - y_i)",  # the mean forgotten
    ],
)
def test_a_wrong_mse_gradient_is_found_and_names_the_meaning_taken(gradient):
    step = _only(f"$$\\frac{{\\partial \\mathrm{{MSE}}}}{{\\partial \\hat{{y}}_i}} = {gradient}$$\n")
    assert step.verdict == WRONG, step.detail
    assert "MSE read as" in step.detail


def test_a_post_that_defines_its_mse_is_read_with_its_own_definition():
    text = (
        r"$$\mathrm{MSE} = \frac{1}{2N} \sum_{k=1}^{N} (\hat{y}_k - y_k)^2$$"
        "\n\n"
        r"$$\frac{\partial \mathrm{MSE}}{\partial \hat{y}_i} = \frac{1}{N}(\hat{y}_i - y_i)$$"
        "\n"
    )
    (step,) = [f for f in check_text(text, ".md").findings if f.line == 3]
    assert step.verdict == PROVEN, step.detail
    assert "read as" not in step.detail


def test_an_mse_over_more_than_two_families_is_left_open():
    step = _only(r"$$\frac{\partial \mathrm{MSE}}{\partial w_j} = \frac{2}{N} x_j (\hat{y}_j - y_j)$$" + "\n")
    assert step.verdict == UNCHECKED


_MID_DERIVATION = r"""We use the softmax Jacobian from the previous post,

$$\frac{\partial p_k}{\partial z_j} = p_k(\delta_{kj} - p_j)$$

and the loss

$$L = -\sum_k y_k \log p_k$$

$$\frac{\partial L}{\partial z_j} = -\sum_k y_k (\delta_{kj} - p_j) = p_j - y_j$$

since the labels are one-hot.
"""


def test_a_post_that_starts_mid_derivation_reads_p_as_the_softmax_it_speaks_of():
    report = check_text(_MID_DERIVATION, ".md")
    assert [f.verdict for f in report.findings] == [PROVEN, DEFINITION, PROVEN, PROVEN]
    assert all("p read as the softmax of z" in f.detail for f in report.findings if f.verdict == PROVEN)


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        (r"p_k(\delta_{kj} - p_j)", r"p_k(\delta_{kj} + p_j)", 3),  # a sign
        ("= p_j - y_j", "= y_j - p_j", 9),  # the result's sign
        (r"(\delta_{kj} - p_j) =", r"(\delta_{kj} - p_k) =", 9),  # an index
    ],
)
def test_a_mistake_in_a_post_that_starts_mid_derivation_is_found(old, new, line):
    report = check_text(_MID_DERIVATION.replace(old, new), ".md")
    assert [f.line for f in report.findings if f.verdict == WRONG][:1] == [line]


def test_without_the_softmax_named_a_family_stays_undefined():
    text = _MID_DERIVATION.replace("softmax", "output")
    assert check_text(text, ".md").findings[0].verdict == UNCHECKED
