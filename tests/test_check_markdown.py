"""Finding the math of a post: Markdown read by a Markdown parser, every reading linear.

Math is where a renderer shows it (list items, headings, tables, block quotes), code is not
math, and each display is cited on the line its TeX starts on. Hostile files of unclosed
delimiters run to completion (bench/hostile.py measures how long they take).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.hostile import HUGE_SUM, KINDS, SIZES, hostile_post
from derive.check import check_text
from derive.check.extract import read_post
from derive.check.findings import UNCHECKED

ROOT = Path(__file__).resolve().parent.parent


def _displays(text: str, suffix: str = ".md") -> list[tuple[int, str]]:
    return [(block.line, block.tex.strip()) for block in read_post(text, suffix).blocks]


def test_math_in_lists_quotes_and_tables_is_found_on_its_line():
    text = (
        "---\ntitle: $$x = 1$$ in front matter is not math\n---\n"  # 1-3
        "# A heading\n\n"  # 4-5
        "- an item:\n\n  $$\n  a = b\n  $$\n\n"  # 6-11
        "> quoted\n> $$\n> c = d\n> $$\n\n"  # 12-16
        "| step | formula |\n|---|---|\n| 1 | $e = f$ |\n\n"  # 17-20
        "1. first\n2. $$g = h$$\n"  # 21-22
    )
    assert _displays(text) == [(8, "a = b"), (13, "c = d"), (22, "g = h")]
    assert read_post(text).inline == ((19, "e = f"),)


def test_code_is_not_math():
    text = (
        "```python\nx = 1  # $$ a = b $$\n```\n\n"
        "    $$ indented = code $$\n\n"
        "Text with `$$ c = d $$` in a code span, then $e = f$.\n\n"
        "~~~\n\\[ g = h \\]\n~~~\n\n"
        "$$\ni = j\n$$\n"
    )
    assert _displays(text) == [(13, "i = j")]
    assert read_post(text).inline == ((7, "e = f"),)
    assert "x = 1" not in read_post(text).prose  # code is not prose either


def test_the_delimiters_people_write_keep_working():
    text = (
        "Where\n\\[\na = b\n\\]\n\n"  # 1-4
        "```math\nc = d\n```\n\n"  # 6-8
        "$$\ne = f\n$$ {#eq-one}\n\n"  # 10-12
        "\\begin{align}\ng &= h\n\\end{align}\n\n"  # 14-16
        "so \\(i = j\\) and $$k = l$$ in a sentence.\n"  # 18
    )
    blocks = read_post(text).blocks
    assert [(b.line, b.tex.strip()) for b in blocks] == [
        (2, "a = b"),
        (7, "c = d"),
        (10, "e = f"),
        (14, "\\begin{align}\ng &= h\n\\end{align}"),
    ]
    assert blocks[2].label == "one"
    assert blocks[0].prose_before == "Where\n"
    assert read_post(text).inline == ((18, "i = j"), (18, "k = l"))


def test_a_kramdown_heading_with_inline_double_dollars_is_prose_with_inline_math():
    text = "### Case $$i = j$$\n\nThen\n$$\na = b\n$$\n"
    assert _displays(text) == [(4, "a = b")]
    assert read_post(text).inline[0] == (1, "i = j")
    assert "### Case" in read_post(text).blocks[0].prose_before


def test_a_mistake_in_a_list_item_is_found_on_its_line():
    text = "Steps:\n\n1. Square:\n\n   $$\n   \\frac{d}{dx} x^2 = 3x\n   $$\n"
    (finding,) = check_text(text).findings
    assert (finding.line, finding.verdict) == (6, "wrong")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("kind", list(KINDS))
def test_a_file_of_unclosed_delimiters_is_read_to_the_end(tmp_path, kind, size):
    suffix, _ = KINDS[kind]
    path = tmp_path / f"hostile{suffix}"
    path.write_text(hostile_post(kind, size), encoding="utf-8")
    # No time is asserted (bench/hostile.py measures it); the timeout only keeps a reader that
    # went quadratic from hanging the suite: such a reader took minutes on this file.
    result = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "check", "--no-cache", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr


def test_a_sum_too_large_to_expand_is_unchecked_not_expanded():
    (finding,) = check_text(HUGE_SUM).findings
    assert finding.verdict == UNCHECKED
