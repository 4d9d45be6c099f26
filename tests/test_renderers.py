"""Every target, checked by the real renderer it is written for.

KaTeX typesets every equation of every target, language and notation; each Markdown target
goes through its host's Markdown engine and must come out with its math untouched; the LaTeX
article compiles in every language; the HTML preview renders in headless Chromium. Missing
renderers skip locally and fail under CI=true (see tests/renderers.py).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import shutil
from pathlib import Path

import pytest
from renderers import (
    KATEX_DIR,
    REPO,
    arithmatex_math,
    chromium_page,
    compile_latex,
    github_math,
    hugo_math,
    katex_errors,
    katex_version,
    kramdown_math,
    pandoc_math,
)

from derive.i18n import LANGUAGES, translations
from derive.notation import PRESETS
from derive.printing import latex, relation
from derive.targets import KATEX_INTEGRITY, KATEX_VERSION, TARGETS

MARKDOWN_ENGINES = {
    "hugo": hugo_math,
    "github": github_math,
    "jekyll": kramdown_math,
    "mkdocs": arithmatex_math,
}

#: How each target writes a display equation and inline math, as the source of the post.
_DISPLAY = {
    "hugo": r"^\$\$\n(.*?)\n\$\$$",
    "jekyll": r"^\$\$\n(.*?)\n\$\$$",
    "mkdocs": r"^\$\$\n(.*?)\n\$\$$",
    "github": r"^```math\n(.*?)\n```$",
    "quarto": r"^\$\$\n(.*?)\n\$\$ \{#eq-\d+\}$",
    "html": r'<div class="equation">\$\$(.*?)\$\$</div>',
    "latex": r"\\begin\{(?:equation|align)\}\n(.*?)\n\\end\{(?:equation|align)\}",
}
_INLINE = {
    "hugo": r"(?<!\$)\$([^$\n]+)\$(?!\$)",
    "mkdocs": r"(?<!\$)\$([^$\n]+)\$(?!\$)",
    "quarto": r"(?<!\$)\$([^$\n]+)\$(?!\$)",
    "jekyll": r"(?<!^)\$\$([^$\n]+)\$\$",
    "github": r"\$`([^`\n]+)`\$",
    "html": r"\\\((.*?)\\\)",
    "latex": r"\\\((.*?)\\\)",
}


def display_math(target: str, post: str) -> list[str]:
    found = re.findall(_DISPLAY[target], post, re.MULTILINE | re.DOTALL)
    if target == "html":
        return [html.unescape(tex) for tex in found]
    if target == "latex":
        # KaTeX has no \label; the align rows are typeset as KaTeX's aligned environment.
        rows = [re.sub(r" \\label\{eq:\d+\}", "", block) for block in found]
        return [f"\\begin{{aligned}}{row}\\end{{aligned}}" if "&=" in row else row for row in rows]
    return found


def inline_math(target: str, post: str) -> list[str]:
    # Neither front matter nor the HTML page's script is prose.
    body = post.split("\n---\n", 1)[1] if post.startswith("---\n") else post.split("<body>", 1)[-1]
    found = re.findall(_INLINE[target], body, re.MULTILINE)
    return [html.unescape(tex) for tex in found] if target == "html" else found


def expected_display(proven, target: str) -> list[str]:
    """The equations as the printer writes them, independently of any template."""
    shown = [relation(latex(e.lhs), latex(e.rhs), continued=e.continued) for e in proven]
    if target == "quarto":
        return shown
    return [f"{tex} \\tag{{{e.tag}}}" for tex, e in zip(shown, proven, strict=True)]


def test_katex_typesets_every_equation_of_every_combination(post):
    equations = []
    for target in TARGETS:
        for lang in LANGUAGES:
            for preset, notation in PRESETS.items():
                text = post(target, lang, notation)
                name = f"{target}/{lang}/{preset}"
                displays = display_math(target, text)
                assert len(displays) == (56 if target != "latex" else 16), name
                equations += [(f"{name} display {n + 1}", tex) for n, tex in enumerate(displays)]
                equations += [
                    (f"{name} inline {n + 1}", tex) for n, tex in enumerate(inline_math(target, text))
                ]
    failures = katex_errors(equations)
    assert not failures, "\n".join(f"{name}: {message}" for name, message in failures[:10])


def test_katex_reports_a_broken_equation_by_name():
    assert [name for name, _ in katex_errors([("fine", "p_i"), ("broken", "\\frac{1}{")])] == ["broken"]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("target", list(MARKDOWN_ENGINES))
def test_markdown_engine_keeps_the_math(post, proven, target, lang):
    text = post(target, lang)
    rendered = MARKDOWN_ENGINES[target](text)
    assert rendered.display == expected_display(proven, target)
    assert rendered.inline == inline_math(target, text)
    assert rendered.inline, "the prose has inline math"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_pandoc_keeps_quartos_math_and_labels(post, proven, lang):
    text = post("quarto", lang)
    rendered, labels = pandoc_math(text)
    assert rendered.display == expected_display(proven, "quarto")
    assert labels == [f"eq-{e.tag}" for e in proven]
    assert rendered.inline == inline_math("quarto", text)
    references = set(re.findall(r"@(eq-\d+)", text))
    assert references and references <= set(labels), "every @eq- reference has its label"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_latex_article_compiles(post, lang, tmp_path):
    compiled = compile_latex(post("latex", lang), lang, tmp_path)  # what --pdf runs
    assert compiled.pages >= 3
    numbers = [int(n) for n in re.findall(r"\((\d+)\)\s*$", compiled.text, re.MULTILINE)]
    assert sorted(set(numbers)) == list(range(1, 57)), "every numbered equation is in the PDF"
    title = translations(lang).gettext("The gradient of softmax cross-entropy, step by step")
    assert " ".join(title.split()[:2]) in " ".join(compiled.text.split())


def _page_with_local_katex(post, directory: Path) -> Path:
    shutil.copytree(KATEX_DIR / "dist", directory / "katex")
    page = directory / "post.html"
    page.write_text(post("html", "ko", katex_base="katex"), encoding="utf-8")
    return page


def test_html_preview_renders_in_chromium(post, tmp_path):
    dom = chromium_page(_page_with_local_katex(post, tmp_path), tmp_path / "post.png")
    assert dom.count('class="katex-display"') == 56
    assert "katex-error" not in dom
    assert 'id="katex-missing"' not in dom, "the offline note is removed once KaTeX has rendered"
    assert (tmp_path / "post.png").stat().st_size > 10_000


def test_html_preview_says_why_when_katex_is_unreachable(post, tmp_path):
    page = _page_with_local_katex(post, tmp_path)
    shutil.rmtree(tmp_path / "katex")
    dom = chromium_page(page, tmp_path / "offline.png")
    assert 'id="katex-missing"' in dom and 'class="katex-display"' not in dom


def test_katex_pins_agree_and_the_integrity_hashes_match_the_files():
    package = json.loads((REPO / "package.json").read_text(encoding="utf-8"))
    assert package["dependencies"]["katex"] == KATEX_VERSION == katex_version()
    for name, integrity in KATEX_INTEGRITY.items():
        digest = hashlib.sha384((KATEX_DIR / "dist" / name).read_bytes()).digest()
        assert integrity == "sha384-" + base64.b64encode(digest).decode(), name
