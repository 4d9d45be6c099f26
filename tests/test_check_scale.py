"""``derive check`` on long posts: every equation reported, and what bounds time and memory held.

Nothing here measures time (bench/ does); these are the deterministic halves of the bounds in
derive/check/judge.py: a verdict per equation, a proof memo that never outgrows its cap, a
proof whose context does not grow with the post, and a post's time budget that turns what is
left into ? rather than into a longer run.
"""

from __future__ import annotations

import contextlib
import time

import pytest

from bench.posts import long_post, long_post_with_mistakes
from derive.check import check_text, judge, proving
from derive.check.findings import DEFINITION, PROVEN, UNCHECKED, WRONG

EQUATIONS = 50
SEED = 11  # a post of this size and seed has several deliberate mistakes, of different kinds


@pytest.fixture(scope="module")
def long():
    text, mistakes = long_post_with_mistakes(EQUATIONS, SEED)
    return text, mistakes, check_text(text)


def _verdicts(report) -> list[tuple[int, str]]:
    return [(f.line, f.verdict) for f in report.findings]


def test_the_benchmark_post_has_the_equations_it_was_asked_for():
    assert len(check_text(long_post(40)).findings) == 40


def test_a_long_post_gets_one_verdict_per_equation_and_its_mistakes_are_found(long):
    _, mistakes, report = long
    assert len(mistakes) >= 3
    assert len(report.findings) == EQUATIONS
    assert len({f.line for f in report.findings}) == EQUATIONS  # each on its own line
    wrong = [f for f in report.findings if f.verdict == WRONG]
    assert [f.line for f in wrong if f.line in mistakes] == mistakes
    # The line after a wrong one is right again, so the step from the wrong line to it is ✗ too.
    undone = tuple(f"does not follow from line {line} " for line in mistakes)
    assert all(f.detail.startswith(undone) for f in wrong if f.line not in mistakes)
    assert all(f.counterexample is not None for f in report.findings if f.verdict == WRONG)
    assert {f.verdict for f in report.findings} == {PROVEN, WRONG, DEFINITION}
    assert report.steps == EQUATIONS - report.count(DEFINITION)


def test_the_proof_memo_never_outgrows_its_cap_and_changes_no_verdict(long, monkeypatch):
    text, _, report = long

    class Memo(dict):
        largest = 0

        def __setitem__(self, key, value):
            super().__setitem__(key, value)
            Memo.largest = max(Memo.largest, len(self))

    cap = 8
    monkeypatch.setattr(proving, "_PROOFS", Memo())
    monkeypatch.setattr(proving, "PROOF_MEMO_ENTRIES", cap)
    again = check_text(text)
    assert 0 < Memo.largest <= cap
    assert _verdicts(again) == _verdicts(report)


def test_a_proof_sees_only_the_definitions_it_relies_on(monkeypatch):
    # 200 definitions that no step uses come first: a step must not carry them along, or every
    # step of a long post costs more than the one before (and the memo keys grow with them).
    unused = "\n".join(f"$$\n\\text{{w{n}}} = \\frac{{{n + 1}}}{{{n + 2}}}\n$$\n" for n in range(200))
    text = unused + long_post(20, seed=1)
    sizes = []
    real = proving.Context

    def context(definitions, *args):
        sizes.append(len(definitions))
        return real(definitions, *args)

    monkeypatch.setattr(proving, "_PROOFS", {})
    monkeypatch.setattr(proving, "Context", context)
    report = check_text(text)
    assert report.count(DEFINITION) >= 203 and report.count(PROVEN) >= 10
    assert sizes and max(sizes) <= 3  # the loss, the softmax and its denominator at most


def test_when_the_post_s_time_is_spent_every_step_left_is_unchecked_with_the_reason(monkeypatch):
    text = long_post(30, seed=2)
    calls = []

    def seconds_left(self):
        calls.append(None)
        return 1000.0 if len(calls) <= 12 else 0.0

    monkeypatch.setattr(proving, "_PROOFS", {})
    monkeypatch.setattr(judge._Judge, "seconds_left", seconds_left)
    report = check_text(text)
    assert len(report.findings) == 30
    checked = [f for f in report.findings if "allowed for one post ran out" not in f.detail]
    rest = report.findings[len(checked) :]
    assert checked and rest
    assert all(f.verdict in (PROVEN, WRONG, DEFINITION) for f in checked)
    assert all(f.verdict == UNCHECKED for f in rest)


def test_a_statement_that_cannot_be_read_in_time_is_unchecked(monkeypatch):
    def slow(*args, **kwargs):
        time.sleep(30)

    monkeypatch.setattr(judge, "STEP_SECONDS", 0.05)
    monkeypatch.setattr(judge, "read_readings", slow)
    report = check_text("$$\nL = - \\sum_{k=1}^{N} y_k \\log p_k\n$$\n")
    assert [(f.verdict, f.detail) for f in report.findings] == [(UNCHECKED, "could not be read in 0.05 s")]


def test_a_time_limit_is_not_swallowed_by_except_exception():
    # SymPy and the verifier catch Exception around computations that may fail; the end of a
    # step's time must get through them, or the step runs on with no alarm left.
    end = time.monotonic() + 10
    with pytest.raises(proving._Expired), proving._time_limit(0.05):
        while time.monotonic() < end:
            with contextlib.suppress(Exception):
                sum(range(1000))
