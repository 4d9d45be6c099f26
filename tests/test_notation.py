"""Notation presets and letters: only the printing changes, never what is proven."""

from __future__ import annotations

import datetime

import pytest
from test_renderers import display_math

from derive.errors import InvalidParameter
from derive.notation import PRESETS, Notation, letter
from derive.pipeline import publish
from derive.printing import latex, relation
from derive.targets import TARGETS

DATE = datetime.date(2026, 1, 1)


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ("y", "y"),
        ("yhat", "\\hat{y}"),
        ("y-hat", "\\hat{y}"),
        ("ŷ", "\\hat{y}"),
        ("\\hat{y}", "\\hat{y}"),
        ("\\widehat{y}", "\\hat{y}"),
        ("xbar", "\\bar{x}"),
        (" t ", "t"),
    ],
)
def test_letters_as_people_type_them(typed, printed):
    assert letter(typed) == printed


@pytest.mark.parametrize("typed", ["", "yy", "1", "\\frac{a}{b}", "$", "y_i", "\\hat{yy}"])
def test_what_is_not_a_letter_is_refused(typed):
    with pytest.raises(InvalidParameter, match="not a letter"):
        letter(typed)


def test_every_preset_prints_its_own_letters(post):
    lecture = post("hugo", "en", PRESETS["o-yhat-y"])
    assert "\\frac{\\partial L}{\\partial o_i} = \\hat{y}_i - y_i" in lecture
    assert "p_i" not in lecture and "z_i" not in lecture
    velog = post("hugo", "en", PRESETS["z-yhat-y-c"])
    assert "\\sum_{i=1}^{c} y_i \\log \\hat{y}_i" in velog and "{N}" not in velog
    chinese = post("hugo", "en", PRESETS["a-s-t"])
    assert "\\frac{\\partial L}{\\partial a_i} = s_i - t_i" in chinese


def test_renaming_prints_every_equation_with_the_new_letters_and_nothing_else(softmax_ce, post):
    renamed = display_math("hugo", post("hugo", "en", PRESETS["a-s-t"]))
    z, p, y = (softmax_ce.document.roles[role] for role in ("logits", "probs", "labels"))
    names = {z: "a", p: "s", y: "t"}
    printed = [
        relation(latex(e.lhs, names=names), latex(e.rhs, names=names), continued=e.continued)
        for e in softmax_ce.equations
    ]
    assert renamed == [
        f"{tex} \\tag{{{e.tag}}}" for tex, e in zip(printed, softmax_ce.equations, strict=True)
    ]


def test_a_notation_that_prints_two_things_alike_is_refused(softmax_ce):
    for notation, message in [
        (Notation(logits="y"), "--logits and --labels are both 'y'"),
        (Notation(probs="L"), "--probs 'L' is already used"),
        (Notation(classes="S"), "--classes 'S' is already used"),
        (Notation(logits="k"), "--logits 'k' is already used"),  # a summation index
        (Notation(probs="e"), "--probs 'e' is already used"),  # Euler's number
        (Notation(labels="f"), "--labels 'f' is already used"),  # the f of the quotient rule
    ]:
        with pytest.raises(InvalidParameter, match=message):
            publish(softmax_ce, date=DATE, target=TARGETS["hugo"], notation=notation)
