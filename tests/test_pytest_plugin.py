"""The pytest plugin (derive/pytest_plugin.py), run by pytest's own pytester in a blog's folder."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

GOOD = "# Good\n\n$$\n\\frac{d}{dx} x^2 = 2x\n$$\n"
BROKEN = "# Broken\n\nSquare it:\n\n$$\n\\frac{d}{dx} x^3 = 2x\n$$\n"
UNCHECKED = "$$\n\\int_0^1 e^{-x^2} dx = 0.7468\n$$\n"


@pytest.fixture
def blog(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".md", **{"posts/good": GOOD, "posts/broken": BROKEN})
    pytester.makefile(".qmd", **{"posts/open": UNCHECKED})
    pytester.makefile(".py", test_own="def test_the_blog_s_own_test():\n    assert True\n")
    (pytester.path / "posts" / "notes.txt").write_text(BROKEN)  # not a post's suffix
    return pytester


def test_each_post_is_an_item_named_by_its_path_and_a_wrong_step_fails_it(blog):
    result = blog.runpytest("--derive-check", "-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*posts/broken.md::derive-check FAILED*",
            "*posts/good.md::derive-check PASSED*",
            "*posts/open.qmd::derive-check PASSED*",
            "*test_own.py::test_the_blog_s_own_test PASSED*",
        ]
    )
    # The failure is the report's lines: where, the step, the counterexample.
    step = "*6*✗ \\frac{d}{dx} x^3 = 2x"
    result.stdout.fnmatch_lines(["posts/broken.md", step, "*the two sides differ: at x=*"])
    assert "Traceback" not in result.stdout.str() and "good.md\n" not in result.stdout.str()


def test_strict_fails_a_step_left_unchecked(blog):
    result = blog.runpytest("--derive-check", "--derive-strict", "posts", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(["*? \\int_0^1 e^{-x^2} dx = 0.7468*"])


def test_without_the_option_no_post_is_collected(blog):
    result = blog.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
