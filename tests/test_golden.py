"""The committed example is what derive writes today, byte for byte, and has the right shape."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

from derive.pipeline import generate
from derive.render import template_dir

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "output" / "softmax-ce-n3.md"


def _date_of(post: str) -> datetime.date:
    return datetime.date.fromisoformat(re.search(r"^date: (\S+)$", post, re.MULTILINE).group(1))


def test_committed_post_is_current():
    committed = GOLDEN.read_text(encoding="utf-8")
    fresh = generate("softmax-ce", 3, date=_date_of(committed)).post
    assert fresh == committed, "output/ is stale: run `derive softmax-ce --n 3 --date <its date>`"


def test_two_runs_are_byte_identical():
    date = datetime.date(2026, 1, 18)
    first = generate("softmax-ce", 4, date=date)
    second = generate("softmax-ce", 4, date=date)
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


def test_templates_hold_no_hand_typed_math():
    for template in template_dir().glob("*.j2"):
        text = template.read_text(encoding="utf-8")
        prose = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", "", text, flags=re.DOTALL)
        for marker in ("$", "\\frac", "\\sum", "\\partial", "_{", "^{"):
            if marker == "$" and template.name == "_markdown.j2":
                continue  # the $$ delimiters are the layout of a display equation
            assert marker not in prose, f"{template.name} types {marker!r} by hand"
