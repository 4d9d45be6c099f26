"""Finding the math of a post: display blocks with their line numbers, and the prose between.

Markdown and Quarto are read by a Markdown parser (:mod:`~derive.check.markdown`). LaTeX
(``equation``, ``align``, ``gather``, ``multline``, with or without ``*``) and HTML previews
(the same delimiters as Markdown, entities decoded) are read by their delimiters. Math copied
from a rendered page, where each equation's TeX source follows the text it rendered to on the
same line, is read by :mod:`~derive.check.pasted`.

Every reading is linear in the post: a delimiter that is never closed is looked for once, not
once per opening, so a file of thousands of unclosed ``\\[`` takes no longer than any other.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass

from derive.check.markdown import Display, read_markdown
from derive.check.pasted import pasted_blocks

_ENVIRONMENTS = r"equation|align|gather|multline|eqnarray|displaymath"
#: Where a display may begin; each kind's closing is looked for from there (:func:`_displays`).
_OPENING = re.compile(
    r"(?P<fence>^[ \t]*```+[ \t]*math[ \t]*\n)"
    r"|(?P<dollars>\$\$)"
    r"|(?P<brackets>\\\[)"
    rf"|(?P<environment>\\begin\{{(?P<name>(?:{_ENVIRONMENTS})\*?)\}})",
    re.M,
)
_FENCE_CLOSING = re.compile(r"^[ \t]*```+[ \t]*$", re.M)
_INLINE_OPENING = re.compile(r"(?<![\\$])\$(?!\$)(?P<dollar>[^$\n]+?)(?<!\\)\$|(?P<paren>\\\()")
_QUARTO_LABEL = re.compile(r"[ \t]*\{#eq-(?P<label>[\w-]+)\}")
_ELEMENT = re.compile(r"<(script|style)\b", re.I)
_TEX_COMMENT = re.compile(r"(?<!\\)%[^\n]*")
_MARKDOWN = frozenset({".md", ".markdown", ".qmd", ".rmd", ".mdx", ".txt", ""})


@dataclass(frozen=True)
class Block:
    """One display: its TeX, the line its TeX starts on, and the prose just before it."""

    line: int
    tex: str
    label: str | None
    prose_before: str
    #: Inline math in a sentence (``$∂p_i/∂z_j = −p_i p_j$ when i ≠ j``): a claim of its own,
    #: judged with the sentence around it, that starts no chain.
    inline: bool = False


@dataclass(frozen=True)
class Post:
    blocks: tuple[Block, ...]
    prose: str
    inline: tuple[tuple[int, str], ...]


class _LineCounter:
    """Line numbers of offsets asked for in increasing order. Counting each newline once, not
    from the start of the text for every block, keeps a post of thousands of blocks linear."""

    def __init__(self, text: str) -> None:
        self.text, self.offset, self.line = text, 0, 1

    def __call__(self, offset: int) -> int:
        if offset < self.offset:
            self.offset, self.line = 0, 1
        self.line += self.text.count("\n", self.offset, offset)
        self.offset = offset
        return self.line


def read_post(text: str, suffix: str = ".md") -> Post:
    """Every display block of ``text`` in order, with the prose and inline math around them."""
    suffix = suffix.lower()
    inline: list[tuple[int, str]]
    if suffix in (".tex", ".html", ".htm"):
        scanned = _mask(text, _TEX_COMMENT) if suffix == ".tex" else _mask_elements(text)
        displays = list(_displays(scanned, unescape=suffix != ".tex"))
        inline = _inline_math(_blank_spans(scanned, displays).replace("$$", "$"))
    else:
        found = read_markdown(text, lambda chunk, offset, line: list(_displays(chunk, offset, line)))
        displays, inline = found.displays, found.inline
        scanned = _blank_lines(text, found.code)
    blocks, prose, previous_end = [], [], 0
    for display in displays:
        between = scanned[previous_end : display.start]
        prose.append(between)
        blocks.append(Block(display.line, display.tex, display.label, between))
        previous_end = display.end
    prose.append(scanned[previous_end:])
    if not blocks and not inline:
        blocks = list(pasted_blocks(text, Block))
    return Post(tuple(blocks), "".join(prose), tuple(inline))


def _displays(
    text: str, offset: int = 0, first_line: int = 1, *, unescape: bool = False
) -> Iterator[Display]:
    """The displays of a LaTeX or HTML text (or an HTML block of a Markdown post) by their
    delimiters; ``text`` starts at ``offset`` of the post, on line ``first_line``."""
    line_at = _LineCounter(text)
    unclosed: set[str] = set()  # closings known to be missing from here to the end
    position = 0
    while (opening := _OPENING.search(text, position)) is not None:
        kind = opening.lastgroup if opening.lastgroup != "name" else "environment"
        closing = {"brackets": "\\]", "dollars": "$$"}.get(kind, f"\\end{{{opening.group('name')}}}")
        if kind == "fence":
            closed = _FENCE_CLOSING.search(text, opening.end())
            bounds = (closed.start(), closed.end()) if closed else None
        elif closing in unclosed:
            bounds = None
        else:
            gap = 0 if kind == "environment" else 1  # $$…$$ and \[…\] hold at least one character
            found = text.find(closing, opening.end() + gap)
            bounds = (found, found + len(closing)) if found >= 0 else None
            if bounds is None:
                unclosed.add(closing)
        if bounds is None:
            position = opening.start() + 1
            continue
        position = bounds[1]
        if kind == "dollars" and not _starts_line(text, opening.start()):
            continue  # kramdown writes inline math as $$…$$ inside a sentence
        start = opening.start() if kind == "environment" else opening.end()
        tex = text[start : bounds[1] if kind == "environment" else bounds[0]]
        label = _QUARTO_LABEL.match(text, bounds[1])
        yield Display(
            offset + opening.start(),
            offset + (label.end() if label else bounds[1]),
            line_at(start) + first_line - 1,
            html.unescape(tex) if unescape else tex,
            label.group("label") if label else None,
        )


def _inline_math(text: str) -> list[tuple[int, str]]:
    """``$…$`` and ``\\(…\\)`` outside the displays (blanked in ``text``), with their lines."""
    line_at = _LineCounter(text)
    found, position, paren_unclosed = [], 0, False
    while (opening := _INLINE_OPENING.search(text, position)) is not None:
        if opening.group("dollar") is not None:
            found.append((line_at(opening.start()), opening.group("dollar")))
            position = opening.end()
            continue
        close = -1 if paren_unclosed else text.find("\\)", opening.end() + 1)
        if close < 0:
            paren_unclosed = True
            position = opening.start() + 1
            continue
        found.append((line_at(opening.start()), text[opening.end() : close]))
        position = close + 2
    return found


def _starts_line(text: str, offset: int) -> bool:
    before = text[text.rfind("\n", 0, offset) + 1 : offset].strip()
    return not before or before.endswith(">")


def _mask(text: str, pattern: re.Pattern) -> str:
    """Blank out matches but keep every newline, so line numbers stay right."""
    return pattern.sub(lambda match: _blank(match.group(0)), text)


def _blank(text: str) -> str:
    return re.sub(r"[^\n]", " ", text)


def _blank_spans(text: str, displays: list[Display]) -> str:
    pieces, previous = [], 0
    for display in displays:
        pieces += [text[previous : display.start], _blank(text[display.start : display.end])]
        previous = display.end
    return "".join([*pieces, text[previous:]])


def _blank_lines(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with the lines of each span (first, last; from 1) left empty: code is not prose."""
    if not spans:
        return text
    lines = text.split("\n")
    for first, last in spans:
        lines[first - 1 : last] = [""] * (last - first + 1)
    return "\n".join(lines)


def _mask_elements(text: str) -> str:
    """An HTML page without its scripts and styles, whose text is not the post's."""
    pieces, position, unclosed = [], 0, set()
    while (opening := _ELEMENT.search(text, position)) is not None:
        name = opening.group(1).lower()
        closing = None if name in unclosed else re.compile(rf"</{name}>", re.I).search(text, opening.end())
        if closing is None:
            unclosed.add(name)
            pieces.append(text[position : opening.end()])
            position = opening.end()
            continue
        pieces += [text[position : opening.start()], _blank(text[opening.start() : closing.end()])]
        position = closing.end()
    return "".join([*pieces, text[position:]])


_CLAIM = re.compile(r"\\partial|∂|\\nabla|\\frac\s*\{\s*d")


def inline_claims(text: str, post: Post) -> tuple[Block, ...]:
    """Inline formulas that state a derivative (``$\\partial p_i / \\partial z_j = -p_i p_j$``), as
    blocks whose prose is their whole line, so a condition in the sentence goes with them."""
    lines = text.split("\n")
    return tuple(
        Block(line, tex, None, lines[line - 1] if line - 1 < len(lines) else "", inline=True)
        for line, tex in post.inline
        if "=" in tex and _CLAIM.search(tex)
    )
