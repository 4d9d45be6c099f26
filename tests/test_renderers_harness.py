"""Self-tests of the renderer harness: each engine must hand back, untouched, TeX that contains the
characters naive Markdown pipelines break (underscores, `*`, `\\\\`, `&`, `\\{`), so a failure in a
post test means the post is wrong, not the harness."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from renderers import (
    RenderedMath,
    arithmatex_math,
    chromium_page,
    compile_latex,
    github_math,
    hugo_math,
    katex_errors,
    katex_version,
    kramdown_math,
    pandoc_math,
    require,
)

DISPLAY = [
    r"\frac{\partial L}{\partial z_i} = p_i \left(\delta_{ij} - p_j\right)",
    "\\begin{bmatrix}\na & b \\\\\nc & d\n\\end{bmatrix}",
]
# In one paragraph, so the underscores of neighbouring spans could pair up into <em>.
INLINE = [r"x_1 * y_1", r"a_i b_i", r"\sum_{j \neq i} e^{z_j}", r"\{ j : j \neq i \}"]

FRONT_MATTER = '---\ntitle: "Harness sample: a & b"\ndate: 2026-11-21\n---\n\n'


def post(display: str, inline: str, label: str = "") -> str:
    """A post in one engine's math syntax; `display`/`inline` are format strings around {tex}."""
    paragraph = "Both " + " and ".join(inline.format(tex=tex) for tex in INLINE) + " appear here."
    blocks = [display.format(tex=tex) + (label if index == 0 else "") for index, tex in enumerate(DISPLAY)]
    return FRONT_MATTER + "\n\n".join([paragraph, *blocks]) + "\n"


ENGINES: dict[str, tuple[Callable[[str], RenderedMath], str, str]] = {
    "hugo": (hugo_math, "$$\n{tex}\n$$", "${tex}$"),
    "github": (github_math, "```math\n{tex}\n```", "$`{tex}`$"),
    "kramdown": (kramdown_math, "$$\n{tex}\n$$", "$${tex}$$"),
    "arithmatex": (arithmatex_math, "$$\n{tex}\n$$", "${tex}$"),
}


@pytest.mark.parametrize("engine", ENGINES)
def test_markdown_engine_keeps_math(engine: str) -> None:
    render, display, inline = ENGINES[engine]
    assert render(post(display, inline)) == RenderedMath(display=DISPLAY, inline=INLINE)


def test_pandoc_keeps_math_and_quarto_label() -> None:
    math, labels = pandoc_math(post("$$\n{tex}\n$$", "${tex}$", label=" {#eq-softmax}"))
    assert math == RenderedMath(display=DISPLAY, inline=INLINE)
    assert labels == ["eq-softmax", None]


def test_katex_reports_only_the_bad_equation() -> None:
    good = [(f"good-{index}", tex) for index, tex in enumerate(DISPLAY + INLINE)]
    errors = katex_errors([*good, ("bad", r"\frac{1}{")])
    assert [name for name, _ in errors] == ["bad"]
    assert "KaTeX parse error" in errors[0][1]
    assert katex_version().startswith("0.16.")


PDFLATEX_DOC = r"""\documentclass{article}
\usepackage{amsmath}
\begin{document}
The softmax gradient is \eqref{eq:grad}.
\begin{equation}\label{eq:grad}
  %s
\end{equation}
\end{document}
"""


def test_pdflatex_compiles_with_resolved_reference(tmp_path: Path) -> None:
    pdf = compile_latex(PDFLATEX_DOC % DISPLAY[0], "en", tmp_path)
    assert pdf.pages == 1
    assert "The softmax gradient is (1)." in pdf.text


def test_unresolved_reference_fails(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="Reference"):
        compile_latex(PDFLATEX_DOC.replace(r"\label{eq:grad}", "") % "x", "en", tmp_path)


# xeCJK drops spaces between CJK characters (right for Chinese, wrong for Korean word spacing),
# hence CJKspace. The KR and SC faces of Noto CJK give each script its own glyph forms.
XELATEX_DOC = r"""\documentclass{article}
\usepackage{xeCJK}
\xeCJKsetup{CJKspace=true}
\setCJKmainfont{Noto Serif CJK KR}
\setCJKsansfont{Noto Sans CJK KR}
\setCJKmonofont{Noto Sans Mono CJK KR}
\newCJKfontfamily\zhfont{Noto Serif CJK SC}
\begin{document}
한국어 문장 and {\zhfont 中文句子}.
\end{document}
"""


def test_xelatex_typesets_korean_and_chinese(tmp_path: Path) -> None:
    pdf = compile_latex(XELATEX_DOC, "ko", tmp_path)
    assert pdf.pages == 1
    assert "한국어 문장" in pdf.text
    assert "中文句子" in pdf.text


def test_missing_glyph_fails(tmp_path: Path) -> None:
    # Latin Modern has no Hangul: without xeCJK the characters would silently vanish from the PDF.
    doc = "\\documentclass{article}\n\\begin{document}\n한국어\n\\end{document}\n"
    with pytest.raises(AssertionError, match="Missing character"):
        compile_latex(doc, "ko", tmp_path)


def test_chromium_renders_local_katex(tmp_path: Path) -> None:
    dist = Path(require("katex")) / "dist"
    page = tmp_path / "page.html"
    page.write_text(
        f"""<!doctype html>
<html><head><meta charset="utf-8">
<link rel="stylesheet" href="{(dist / "katex.min.css").as_uri()}">
<script defer src="{(dist / "katex.min.js").as_uri()}"></script>
<script defer src="{(dist / "contrib" / "auto-render.min.js").as_uri()}"
  onload="renderMathInElement(document.body, {{throwOnError: false}})"></script>
</head><body>
<p>Inline \\({INLINE[0]}\\) and display:</p>
<p>$${DISPLAY[1]}$$</p>
</body></html>
""",
        encoding="utf-8",
    )
    screenshot = tmp_path / "page.png"
    dom = chromium_page(page, screenshot)
    assert 'class="katex-display"' in dom
    assert "katex-error" not in dom
    assert screenshot.read_bytes().startswith(b"\x89PNG")


def test_require_skips_locally_and_fails_on_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="install-test-deps"):
        require("derive-no-such-tool")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="install-test-deps"):
        require("derive-no-such-tool")
