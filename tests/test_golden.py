"""The committed examples are what derive writes today, byte for byte, and have the right shape."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from conftest import GOLDEN_DATE

from derive.i18n import LANGUAGES
from derive.pipeline import generate
from derive.render import template_dir
from derive.targets import TARGETS, default_path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "output" / "softmax-ce-n3.md"
EXAMPLES = [(target, lang) for target in TARGETS for lang in LANGUAGES]


@pytest.mark.parametrize(("target", "lang"), EXAMPLES)
def test_committed_example_is_current(post, target, lang):
    path = ROOT / default_path("softmax-ce", 3, TARGETS[target], lang)
    command = f"derive softmax-ce --n 3 --target {target} --lang {lang} --date {GOLDEN_DATE}"
    assert path.is_file(), f"{path.name} is missing: run `{command}`"
    assert post(target, lang) == path.read_text(encoding="utf-8"), f"{path.name} is stale: run `{command}`"


def test_output_holds_only_current_examples():
    from test_catalogue import ROUTES, golden_path
    from test_diff_cli import GOLDEN as DIFF_GOLDEN

    expected = {default_path("softmax-ce", 3, TARGETS[t], lang).name for t, lang in EXAMPLES}
    expected |= {golden_path(name, route).name for name, route in ROUTES}
    expected |= {name for name, _ in DIFF_GOLDEN}
    assert {p.name for p in (ROOT / "output").iterdir()} == expected


def test_two_runs_are_byte_identical():
    date = datetime.date(2026, 1, 18)
    first = generate("softmax-ce", 4, date=date, target=TARGETS["latex"], lang="ko")
    second = generate("softmax-ce", 4, date=date, target=TARGETS["latex"], lang="ko")
    assert first.post == second.post and first.certificate == second.certificate


def test_numbering_and_layout():
    post = GOLDEN.read_text(encoding="utf-8")
    lines = post.splitlines()
    blocks = re.findall(r"^\$\$\n(.*?)\n\$\$$", post, re.MULTILINE | re.DOTALL)
    assert post.count("$$") == 2 * len(blocks)
    tags = [int(t) for block in blocks for t in re.findall(r"\\tag\{(\d+)\}", block)]
    assert tags == list(range(1, len(blocks) + 1)), "exactly one tag per block, numbered from 1"
    openings = [n for n, line in enumerate(lines) if line == "$$"][::2]
    for number in openings:
        assert lines[number + 2] == "$$", f"the equation at line {number + 2} is not one line"
        assert lines[number - 1] == "" and lines[number + 3] == "", f"no blank line around line {number + 1}"


def test_the_post_contains_every_part():
    post = GOLDEN.read_text(encoding="utf-8")
    for expected in [
        r"L = - \sum_{i=1}^{N} y_i \log p_i",
        r"p_i = \frac{e^{z_i}}{\sum_{k=1}^{N} e^{z_k}}",
        r"\frac{\partial L}{\partial p_i}",
        r"= - \frac{y_i}{p_i}",
        r"= p_i \left(1 - p_i\right)",
        r"= - p_i p_j",
        r"p_i \left(\delta_{ij} - p_j\right)",
        r"\sum_{j \neq i}",
        r"= p_i - y_i",
        r"e^{z_1} + 0 + 0",
        r"e^{z_1} + e^{z_2} + e^{z_3}",
        "| class | logit |",
        "any label distribution",
    ]:
        assert expected in post, expected
    assert r"{z}_{i}" not in post and "}^{2}^" not in post and "\\frac{d}{d" not in post
    front = post.split("---\n")[1]
    for key in ("title:", "date:", "description:", "categories:", "tags:", "math: true", "draft: false"):
        assert key in front


#: What a layout may type: the delimiters and environments around an equation, never its content.
_LAYOUT_MARKUP = {
    "markdown.j2": ("$",),
    "html.html.j2": ("$",),
    "latex.tex.j2": (),
}


def test_templates_hold_no_hand_typed_math():
    for template in template_dir().glob("*.j2"):
        text = template.read_text(encoding="utf-8")
        prose = re.sub(
            r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|\\VAR\{.*?\}|\\BLOCK\{.*?\}", "", text, flags=re.DOTALL
        )
        for marker in ("$", "\\frac", "\\sum", "\\partial", "\\delta", "_{", "^{", "\\log"):
            if marker in _LAYOUT_MARKUP.get(template.name, ()):
                continue
            assert marker not in prose, f"{template.name} types {marker!r} by hand"
