"""The math of a Markdown post, found by a Markdown parser: markdown-it-py (CommonMark, tables)
with the dollarmath, amsmath and front-matter plugins of mdit-py-plugins.

A parser knows what a renderer shows: math in list items, headings, tables and block quotes is
math, and ``$$`` in a code block or a code span is code. Every display comes back with the
offsets of its delimiters in the post, so the report cites the line its TeX starts on and the
prose between displays is the post's own text.

Three additions keep the parse linear in the post and the inputs that were read before:

- ``\\[ … \\]`` and ``\\( … \\)`` (MathJax's delimiters, which CommonMark reads as escapes);
- amsmath's rule again, with ``displaymath`` and a closing anywhere on its line, and with the
  answer "no closing after here" remembered: the plugin's own rule looks for the closing from
  every unclosed ``\\begin{equation}``, which takes minutes on a file of them;
- a ``$$`` that opens a line inside a paragraph is a display, as the renderers show it
  (dollarmath reads it as inline math when no blank line comes before it).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.amsmath import ENVIRONMENTS, amsmath_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

_OPEN_ENVIRONMENT = re.compile(r"\\begin\{(" + "|".join([*ENVIRONMENTS, "displaymath"]) + r")(\*?)\}")
_QUARTO_LABEL = re.compile(r"[ \t]*\{#eq-(?P<label>[\w-]+)\}")


@dataclass(frozen=True)
class Display:
    """A display found in the post: ``start`` and ``end`` are offsets in the post, from its
    opening delimiter to just past its closing one (and its label); ``line`` is where ``tex``
    starts."""

    start: int
    end: int
    line: int
    tex: str
    label: str | None


@dataclass(frozen=True)
class MarkdownMath:
    displays: list[Display]
    inline: list[tuple[int, str]]
    #: (first, last) line numbers of code blocks, from 1: not prose either.
    code: list[tuple[int, int]]


@cache
def _parser() -> MarkdownIt:
    parser = (
        MarkdownIt("commonmark")
        .enable("table")
        .use(front_matter_plugin)
        .use(dollarmath_plugin, double_inline=True)
        .use(amsmath_plugin)
    )
    parser.block.ruler.at("amsmath", _environment_block)
    parser.block.ruler.before(
        "math_block",
        "labelled_math_block",
        _labelled_block,
        {"alt": ["paragraph", "reference", "blockquote", "list", "footnote_def"]},
    )
    parser.block.ruler.before(
        "amsmath",
        "bracket_math_block",
        _bracket_block,
        {"alt": ["paragraph", "reference", "blockquote", "list"]},
    )
    parser.inline.ruler.before("escape", "bracket_math", _bracket_inline)
    parser.inline.ruler.at("escape", _escape)
    parser.inline.ruler.at("newline", _newline)
    parser.core.ruler.before("inline", "mathless_text", _skip_mathless)
    return parser


# -- the rules added to the parser ---------------------------------------------------------------


def _closing_line(state: StateBlock, start_line: int, end_line: int, offset: int) -> int | None:
    """The line (of ``start_line`` … ``end_line - 1``) that holds ``offset``, or None when the
    offset is past the block, or a line on the way is less indented than the block."""
    line = start_line
    while state.eMarks[line] < offset:
        line += 1
        if line >= end_line or (state.sCount[line] < state.blkIndent and not state.isEmpty(line)):
            return None
    return line


def _find_closing(state: StateBlock, closing: str, start: int) -> int:
    """``str.find`` of ``closing`` in the post, remembering a miss: nothing after a miss can
    find it either, so a file of unclosed openings is read once, not once per opening."""
    misses = state.env.setdefault("derive_unclosed", {})
    if closing in misses and misses[closing] <= start:
        return -1
    found = state.src.find(closing, start)
    if found < 0:
        misses[closing] = start
    return found


def _math_block(state: StateBlock, lines: tuple[int, int], silent: bool, opening: str, closing: str) -> bool:
    """A display from ``opening`` at the start of ``lines[0]`` to the first ``closing`` after it,
    if the block (which ends before line ``lines[1]``) holds it."""
    start_line, end_line = lines
    start = state.bMarks[start_line] + state.tShift[start_line]
    close = _find_closing(state, closing, start + len(opening))
    if close < 0:
        return False
    last = _closing_line(state, start_line, end_line, close)
    if last is None:
        return False
    if silent:
        return True
    state.line = last + 1
    token = state.push(_token_type(closing), "math", 0)
    token.block = True
    token.map = [start_line, last + 1]
    text = state.getLines(start_line, last + 1, state.blkIndent, False)
    begin = text.find(opening)
    end = text.find(closing, begin + len(opening))
    whole = closing.startswith("\\end")  # an environment's TeX is all of it
    token.content = text[begin : end + len(closing)] if whole else text[begin + len(opening) : end]
    token.meta = {"closing": closing}
    return True


def _token_type(closing: str) -> str:
    return "amsmath" if closing.startswith("\\end") else "bracket_math_block"


def _environment_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False  # indented code
    start = state.bMarks[start_line] + state.tShift[start_line]
    opening = _OPEN_ENVIRONMENT.match(state.src[start : state.eMarks[start_line]])
    if opening is None:
        return False
    closing = f"\\end{{{opening.group(1)}{opening.group(2)}}}"
    return _math_block(state, (start_line, end_line), silent, opening.group(0), closing)


_LABEL_TO_END_OF_LINE = re.compile(r"[ \t]*\{#eq-(?P<label>[\w-]+)\}[ \t]*$", re.M)


def _labelled_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """``$$ … $$ {#eq-label}``, Quarto's labelled display: dollarmath looks for a line that ends
    in ``$$`` and would read on into the next display."""
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    start = state.bMarks[start_line] + state.tShift[start_line]
    if not state.src.startswith("$$", start):
        return False
    close = _find_closing(state, "$$", start + 3)
    if close < 0 or not _LABEL_TO_END_OF_LINE.match(state.src, close + 2):
        return False
    if not _math_block(state, (start_line, end_line), silent, "$$", "$$"):
        return False
    if not silent:
        state.tokens[-1].type = "math_block_label"
        state.tokens[-1].info = _LABEL_TO_END_OF_LINE.match(state.src, close + 2).group("label")
    return True


def _bracket_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    start = state.bMarks[start_line] + state.tShift[start_line]
    if not state.src.startswith("\\[", start):
        return False
    return _math_block(state, (start_line, end_line), silent, "\\[", "\\]")


def _bracket_inline(state: StateInline, silent: bool) -> bool:
    """``\\( … \\)`` inline, ``\\[ … \\]`` a display, inside a paragraph."""
    if not state.src.startswith(("\\(", "\\["), state.pos):
        return False
    closing = "\\)" if state.src[state.pos + 1] == "(" else "\\]"
    misses = state.env.setdefault("derive_unclosed_inline", {})
    key = (id(state.src), closing)
    if key in misses and misses[key] <= state.pos:
        return False
    close = state.src.find(closing, state.pos + 3)  # at least one character between
    if close < 0:
        misses[key] = state.pos
        return False
    if not silent:
        token = state.push("math_inline_paren" if closing == "\\)" else "math_inline_bracket", "math", 0)
        token.content = state.src[state.pos + 2 : close]
        token.markup = state.src[state.pos : state.pos + 2]
    state.pos = close + 2
    return True


# A paragraph's line breaks and escapes are passed over, not made a token each: only the math
# tokens are used (their place is found in the paragraph's source), and a token per line of a
# 2 MB paragraph would take hundreds of MB.

_ESCAPABLE = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def _skip_mathless(state: StateCore) -> None:
    """Text with no ``$`` and no closed ``\\(`` or ``\\[`` holds no math: it is not parsed."""
    for token in state.tokens:
        if token.type == "inline" and "$" not in token.content:
            content = token.content
            if not (("\\(" in content and "\\)" in content) or ("\\[" in content and "\\]" in content)):
                token.content = ""


def _escape(state: StateInline, silent: bool) -> bool:
    """``\\$`` is a dollar, not math; ``\\```` a backtick, not code."""
    position = state.pos
    if state.src[position] != "\\" or position + 1 >= state.posMax:
        return False
    escaped = state.src[position + 1]
    if escaped not in _ESCAPABLE:
        return False
    state.pos = position + 2
    return True


def _newline(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != "\n":
        return False
    state.pos += 1
    return True


# -- from tokens to displays ----------------------------------------------------------------------


class _Lines:
    """Offsets of the post's lines: line n (from 0) starts at ``starts[n]``."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        position = text.find("\n")
        while position >= 0:
            self.starts.append(position + 1)
            position = text.find("\n", position + 1)

    def start(self, line: int) -> int:
        return self.starts[line] if line < len(self.starts) else len(self.text)

    def end(self, line: int) -> int:
        """Offset of the newline that ends ``line`` (or the end of the text)."""
        return self.starts[line + 1] - 1 if line + 1 < len(self.starts) else len(self.text)

    def number(self, offset: int) -> int:
        return bisect_right(self.starts, offset)

    def find(self, needle: str, line: int, after: int = 0) -> int:
        """Offset of ``needle`` in ``line`` at or after ``after``, else the line's start."""
        found = self.text.find(needle, max(self.start(line), after), self.end(line))
        return found if found >= 0 else self.start(line)


def _display(lines: _Lines, first: int, last: int, tex: str, opening: str, closing: str, label=None):
    """A display whose delimiters are on lines ``first`` and ``last`` (from 0)."""
    start = lines.find(opening, first)
    if not closing:
        end = lines.end(last)
    else:
        after = start + len(opening) if first == last else 0
        end = lines.find(closing, last, after) + len(closing)
    found = _QUARTO_LABEL.match(lines.text, end, lines.end(last))
    if found:
        label, end = label or found.group("label"), found.end()
    return Display(start, end, first + 1, tex, label)


def read_markdown(text: str, scan_html) -> MarkdownMath:
    """The displays, inline math and code blocks of a Markdown post.

    ``scan_html(text, offset, line)`` finds the displays of an HTML block, which starts at
    ``offset`` on ``line``, by their delimiters.
    """
    lines = _Lines(text)
    displays: list[Display] = []
    inline: list[tuple[int, str]] = []
    code: list[tuple[int, int]] = []
    previous = None
    for token in _parser().parse(text):
        opened_by, previous = previous, token.type
        if token.map is None:
            continue
        first, end = token.map
        kind = token.type
        if kind in ("math_block", "math_block_label"):
            tex, label = token.content, token.info if kind == "math_block_label" else None
            if "$$" in tex:  # dollarmath reads `$$a$$ and $$b$$` as one display
                tex = tex[: tex.index("$$")]
                last = first
            else:
                last = end - 1
            displays.append(_display(lines, first, last, tex, "$$", "$$", label or None))
        elif kind in ("amsmath", "bracket_math_block"):
            closing = token.meta["closing"]
            opening = "\\[" if closing == "\\]" else "\\begin"
            displays.append(_display(lines, first, end - 1, token.content, opening, closing))
        elif kind == "fence" and token.info.strip() == "math":
            display = _display(lines, first, end - 1, token.content, token.markup, "")
            displays.append(Display(display.start, display.end, first + 2, token.content, display.label))
        elif kind in ("fence", "code_block"):
            code.append((first + 1, end))
        elif kind == "html_block":
            start = lines.start(first)
            displays.extend(scan_html(text[start : lines.start(end)], start, first + 1))
        elif kind == "inline":
            _inline_math(token, lines, displays, inline, in_paragraph=opened_by == "paragraph_open")
    displays.sort(key=lambda display: display.start)
    return MarkdownMath(displays, inline, code)


_DELIMITERS = {
    "math_inline": ("$", "$"),
    "math_inline_double": ("$$", "$$"),
    "math_inline_paren": ("\\(", "\\)"),
    "math_inline_bracket": ("\\[", "\\]"),
}


def _inline_math(
    token: Token,
    lines: _Lines,
    displays: list[Display],
    inline: list[tuple[int, str]],
    *,
    in_paragraph: bool,
) -> None:
    """The math of a paragraph, heading or table cell. Its children carry no positions, but
    the token's text is its source lines, so each is found there in turn. A ``$$`` that opens
    a line of a paragraph is a display; elsewhere (``### Case $$i = j$$``) kramdown's inline math."""
    source, cursor, first = token.content, 0, token.map[0]
    for child in token.children or ():
        if child.type == "code_inline":
            opened = source.find(child.markup, cursor)
            if opened >= 0:
                cursor = source.find(child.markup, opened + len(child.markup)) + len(child.markup)
            continue
        if child.type not in _DELIMITERS:
            continue
        opening, closing = _DELIMITERS[child.type]
        at = source.find(opening + child.content + closing, cursor)
        at = cursor if at < 0 else at
        cursor = at + len(opening) + len(child.content) + len(closing)
        line = first + source.count("\n", 0, at)
        starts_line = in_paragraph and not source[source.rfind("\n", 0, at) + 1 : at].strip()
        if child.type == "math_inline_bracket" or (child.type == "math_inline_double" and starts_line):
            last = line + child.content.count("\n")
            displays.append(_display(lines, line, last, child.content, opening, closing))
        else:
            inline.append((line + 1, child.content))
