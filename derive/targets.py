"""Where a post is published: the render targets and what each one needs.

A target names the layout template that turns the shared prose and the proven equations
into that host's Markdown, a LaTeX article or an HTML page, and the file it goes to.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RenderTarget:
    """A host or format a post is written for."""

    name: str
    summary: str
    layout: str
    extension: str
    #: How the file's seal is written: a comment the host keeps out of the page.
    comment: str = "<!-- {} -->"
    #: The Jinja syntax of the layout: "latex" uses \\BLOCK{…} and \\VAR{…} delimiters.
    syntax: str = "jinja"


TARGETS: dict[str, RenderTarget] = {
    target.name: target
    for target in (
        RenderTarget("hugo", "Hugo (goldmark passthrough): $$ blocks with \\tag", "markdown.j2", ".md"),
        RenderTarget("github", "GitHub Markdown: ```math fences, no front matter", "markdown.j2", ".md"),
        RenderTarget("jekyll", "Jekyll (kramdown): $$ math with blank lines around", "markdown.j2", ".md"),
        RenderTarget("mkdocs", "MkDocs (pymdownx.arithmatex, generic)", "markdown.j2", ".md"),
        RenderTarget("quarto", "Quarto: {#eq-n} labels and @eq-n references", "markdown.j2", ".qmd"),
        RenderTarget(
            "latex", "a LaTeX article (pdflatex; xelatex for ko/zh)", "latex.tex.j2", ".tex", "% {}", "latex"
        ),
        RenderTarget("html", "one preview page, KaTeX from a CDN", "html.html.j2", ".html"),
    )
}
DEFAULT_TARGET = "hugo"

#: KaTeX for the HTML preview, pinned with subresource integrity; package.json pins the same
#: version for the tests, which check these hashes against the installed files.
KATEX_VERSION = "0.16.47"
KATEX_CDN = f"https://cdn.jsdelivr.net/npm/katex@{KATEX_VERSION}/dist"
KATEX_INTEGRITY = {
    "katex.min.css": "sha384-nH0MfJ44wi1dd7w6jinlyBgljjS8EJAh2JBoRad8a3VDw2K69vfaaqm4WnR+gXtA",
    "katex.min.js": "sha384-CwjPRVHTvLiMBFjEoij+QZViMV5rhTOIp7CJzl24JEqpRDA1sJFHVXXLURktbYYp",
    "contrib/auto-render.min.js": "sha384-bjyGPfbij8/NDKJhSGZNP/khQVgtHUE5exjm4Ydllo42FwIgYsdLO2lXGmRBf5Mz",
}

#: The CJK fonts of each language for xelatex (Debian's fonts-noto-cjk).
CJK_FONTS = {
    lang: {
        style: f"Noto {name} CJK {region}"
        for style, name in (("serif", "Serif"), ("sans", "Sans"), ("mono", "Sans Mono"))
    }
    for lang, region in (("ko", "KR"), ("zh", "SC"))
}


def default_path(derivation: str, n: int | None, target: RenderTarget, lang: str) -> Path:
    """``output/softmax-ce-n3.md``; other languages and Markdown hosts add to the name.

    Without ``n`` (a derivative of the user's, which has no worked example), no ``-n3``.
    ``.ko.md`` is also how a multilingual Hugo site recognises a page's translation.
    """
    parts = [derivation if n is None else f"{derivation}-n{n}"]
    if lang != "en":
        parts.append(lang)
    if target.extension == ".md" and target.name != DEFAULT_TARGET:
        parts.append(target.name)
    return Path("output") / (".".join(parts) + target.extension)
