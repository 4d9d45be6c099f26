"""The complement and log-sum-exp routes of softmax-ce: proven, rendered, and the same result.

Every route ends its general derivation in ∂L/∂z_i = p_i − y_i (softmax_ce.RESULT); a step
broken on purpose must stop the whole document. The last tests hold the small additions to
the verifier these routes needed — a true class r left free by the definitions, a condition
the definitions already make true, and logarithms of positive quantities taken apart — to
refusing what is false.
"""

from __future__ import annotations

import pytest
from conftest import GOLDEN_DATE, broken, proven_once
from sympy import Derivative, Eq, Integer, KroneckerDelta, Mul, Sum, exp, log, symbols

from derive.algebra import Context, Definition
from derive.derivations.softmax_ce import RESULT, L, N, S, i, k, p, y, z
from derive.derivations.softmax_ce_complement import context, r
from derive.derivations.softmax_ce_log_sum_exp import m
from derive.document import prove, standard
from derive.errors import StepNotProven
from derive.i18n import translations
from derive.notation import PRESETS
from derive.pipeline import Proven, publish
from derive.steps import kept_sum
from derive.targets import TARGETS
from derive.verify import Verifier

ROUTES = ("complement", "log-sum-exp")


@pytest.fixture(scope="module")
def routes(softmax_ce) -> dict[str, Proven]:
    """Every route of softmax-ce proven once for three classes; the quotient route from conftest."""
    return {"quotient": softmax_ce} | {route: proven_once("softmax-ce", 3, route) for route in ROUTES}


def _final_equation(proven: Proven):
    """The last equation of the general derivation: the one before the worked example begins."""
    general = [e for e in proven.equations if not e.chain.startswith("example-")]
    return general[-1]


# -- each route proves and renders ---------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
def test_route_proves_every_equation_and_renders(routes, route):
    proven = routes[route]
    assert proven.route == route
    assert all(e.proof.verified for e in proven.equations)
    post = publish(proven, date=GOLDEN_DATE, target=TARGETS["hugo"]).post
    assert f"All {len(proven.equations)} numbered equations on this page" in post
    assert post.count("\\tag{") == len(proven.equations)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("preset", PRESETS)
def test_route_renders_in_every_notation(routes, route, preset):
    post = publish(routes[route], date=GOLDEN_DATE, target=TARGETS["hugo"], notation=PRESETS[preset]).post
    # The true class r is free in every preset: none of them prints another symbol as r.
    assert "\\delta_{kr}" in post


@pytest.mark.parametrize("route", ROUTES)
def test_shared_sentences_share_their_translation(routes, route):
    # A sentence the quotient route also has keeps its msgid, so it is translated already.
    intro = translations("ko").gettext("The setting")
    assert intro != "The setting"
    assert intro in publish(routes[route], date=GOLDEN_DATE, target=TARGETS["hugo"], lang="ko").post


# -- the same result by every route --------------------------------------------------------


@pytest.mark.parametrize("route", ("quotient", *ROUTES))
def test_every_route_ends_in_the_same_result(routes, route):
    final = _final_equation(routes[route])
    assert Eq(standard(final.lhs), standard(final.rhs)) == Eq(standard(RESULT.lhs), standard(RESULT.rhs))


def test_the_complement_route_reaches_p_r_minus_1_for_the_true_class(routes):
    equation = [e for e in routes["complement"].equations if e.chain == "true-class-gradient"][-1]
    assert equation.lhs == Derivative(L, z[r])
    assert standard(equation.rhs) == p[r] - 1
    assert [e.rhs for e in routes["complement"].equations if e.chain == "other-class-gradient"][-1] == p[i]


def test_the_log_sum_exp_route_states_the_shift_identity(routes):
    shift = [e for e in routes["log-sum-exp"].equations if e.chain == "shift"]
    shifted = Sum(exp(z[k] - m), (k, 1, N))
    assert standard(shift[0].lhs) == log(Sum(exp(z[k]), (k, 1, N)))
    assert any(standard(e.rhs) == m + log(shifted) for e in shift)


# -- a broken step stops the document ------------------------------------------------------


def _negated(expr):
    return Mul(-1, expr, evaluate=False)


BROKEN_STEPS = [
    # complement: a sign flipped, an index swapped, a term dropped, and the slip of a classic
    # note, where the sum over the other classes became 1 − e^{z_r}.
    ("complement", "complement-same-index", 6, _negated),
    ("complement", "complement-other-index", 7, lambda e: e.xreplace({p[i]: p[r]})),
    ("complement", "complement", 1, lambda e: e.args[0]),
    (
        "complement",
        "complement-same-index",
        3,
        lambda e: e.xreplace({e.args[1]: kept_sum(1, -exp(z[r]))}),
    ),
    ("complement", "gradient", 2, lambda e: kept_sum(p[i], y[i])),
    ("complement", "example-same-index", 6, _negated),
    # log-sum-exp: the shift with the wrong sign, an index swapped, a term dropped.
    ("log-sum-exp", "shift", 4, lambda e: kept_sum(-m, e.args[1])),
    ("log-sum-exp", "gradient", 4, lambda e: e.xreplace({exp(z[i]): exp(z[r])})),
    ("log-sum-exp", "log-sum-exp", 3, lambda e: e.args[0]),
    ("log-sum-exp", "example-log-sum-exp", 2, lambda e: e.xreplace({z[1]: z[2]})),
]


@pytest.mark.parametrize(("route", "chain", "position", "mutate"), BROKEN_STEPS)
def test_a_broken_step_is_caught_and_named(routes, route, chain, position, mutate):
    document = routes[route].document
    link = document.chain(chain).links[position - 1]
    with pytest.raises(StepNotProven) as caught:
        prove(broken(document, chain, position - 1, mutate(link.expr)))
    # The broken link itself is refused, not a later one that no longer follows from it.
    assert caught.value.step.endswith(f"[{chain}: {link.rule}]")


# -- the verifier's additions --------------------------------------------------------------


def test_a_true_class_left_free_by_the_definitions_is_a_case_of_its_own():
    verifier = Verifier(context(N, r))
    assert r in verifier.context.parameters(RESULT.lhs)
    # ∂L/∂z_i never names r, yet it depends on r through L; its numeric check must choose r.
    proof = verifier.prove(RESULT.lhs, RESULT.rhs)
    assert proof.verified and "numeric" in proof.method
    wrong = verifier.prove(RESULT.lhs, kept_sum(p[i], -KroneckerDelta(i, 1)))
    assert not wrong.verified and wrong.counterexample is not None
    assert wrong.counterexample.indices["r"] != 1


def test_labels_that_sum_to_one_by_definition_are_no_condition():
    verifier = Verifier(context(N, r))
    labels = Sum(y[k], (k, 1, N))
    assert verifier.prove(RESULT.lhs, RESULT.rhs, [Eq(labels, 1)]).verified
    # A condition its definitions contradict proves nothing.
    assert not verifier.prove(RESULT.lhs, kept_sum(p[i], -y[i], 1), [Eq(labels, 2)]).verified


def test_logarithms_of_positive_quantities_are_taken_apart():
    verifier = Verifier(context(N, r))
    total = Sum(exp(z[k]), (k, 1, N))
    assert verifier.prove(log(total), m + log(Sum(exp(z[k] - m), (k, 1, N)))).verified
    assert verifier.prove(log(exp(z[r]) / total), z[r] - log(total)).verified
    assert verifier.prove(L, -z[r] + log(total)).verified


def test_wrong_logarithm_rules_are_refused():
    verifier = Verifier(context(N, r))
    total = Sum(exp(z[k]), (k, 1, N))
    shifted_wrong = verifier.prove(log(total), m + log(Sum(exp(z[k] + m), (k, 1, N))))
    assert not shifted_wrong.verified and shifted_wrong.counterexample is not None
    assert not verifier.prove(log(exp(z[1]) + exp(z[2])), z[1] + z[2]).verified
    assert not verifier.prove(L, z[r] - log(total)).verified


def test_a_logarithm_of_unknown_sign_is_left_whole():
    # log(ab) = log a + log b needs a, b > 0: a plain symbol may be negative, S may be anything.
    a, b = symbols("a b")
    assert not Verifier().prove(log(a * b), log(a) + log(b)).verified
    assert not Verifier().prove(log(exp(a)), a).verified  # a may be complex
    # A negative factor blocks the rule: log(−2 e^{z_1}) is not log 2 + z_1.
    opaque = Verifier(Context((Definition(S, Integer(-2) * exp(z[1]), opaque=True),), N))
    assert not opaque.prove(log(S), log(2) + z[1]).verified
