"""Notation presets and letters: only the printing changes, never what is proven."""

from __future__ import annotations

import datetime
import json

import pytest

from derive.errors import InvalidParameter
from derive.notation import PRESETS, Notation, letter
from derive.pipeline import publish
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


def test_every_preset_proves_the_same_and_prints_its_own_letters(softmax_ce, post):
    certificates = {
        json.loads(publish(softmax_ce, date=DATE, notation=notation).certificate)["sha256"]
        for notation in PRESETS.values()
    }
    assert len(certificates) == 1, "the certificate does not depend on the notation"
    lecture = post("hugo", "en", PRESETS["o-yhat-y"])
    assert "\\frac{\\partial L}{\\partial o_i} = \\hat{y}_i - y_i" in lecture
    assert "p_i" not in lecture and "z_i" not in lecture
    velog = post("hugo", "en", PRESETS["z-yhat-y-c"])
    assert "\\sum_{i=1}^{c} y_i \\log \\hat{y}_i" in velog and "{N}" not in velog
    chinese = post("hugo", "en", PRESETS["a-s-t"])
    assert "\\frac{\\partial L}{\\partial a_i} = s_i - t_i" in chinese


def test_renaming_changes_letters_only(post):
    default, renamed = post("hugo", "en"), post("hugo", "en", PRESETS["a-s-t"])
    assert len(default.splitlines()) == len(renamed.splitlines())
    assert default.count("\\tag{") == renamed.count("\\tag{") == 55


def test_a_notation_that_prints_two_things_alike_is_refused(softmax_ce):
    for notation, message in [
        (Notation(logits="y"), "--logits and --labels are both 'y'"),
        (Notation(probs="L"), "--probs 'L' is already used"),
        (Notation(classes="S"), "--classes 'S' is already used"),
    ]:
        with pytest.raises(InvalidParameter, match=message):
            publish(softmax_ce, date=DATE, target=TARGETS["hugo"], notation=notation)
