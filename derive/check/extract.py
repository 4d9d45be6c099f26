"""Finding the math of a post: display blocks with their line numbers, and the prose between.

Markdown (``$$ … $$``, fenced ```` ```math ```` blocks, ``\\[ … \\]``), LaTeX (``equation``,
``align``, ``gather``, ``multline``, with or without ``*``), HTML previews (the same
delimiters, entities decoded), and math copied from a rendered page, where each equation's
TeX source follows the text it rendered to on the same line.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

_ENVIRONMENTS = r"equation|align|gather|multline|eqnarray|displaymath"
_DISPLAY = re.compile(
    r"(?P<fence>^[ \t]*```+[ \t]*math[ \t]*\n(?P<fenced>.*?)^[ \t]*```+[ \t]*$)"
    r"|\$\$(?P<dollars>.+?)\$\$"
    r"|\\\[(?P<brackets>.+?)\\\]"
    rf"|(?P<environment>\\begin\{{(?P<name>(?:{_ENVIRONMENTS})\*?)\}}.*?\\end\{{(?P=name)\}})",
    re.S | re.M,
)
_FENCE = re.compile(r"^[ \t]*(```+|~~~+)[ \t]*(\w*)")
_INLINE = re.compile(r"(?<![\\$])\$(?!\$)(?P<dollar>[^$\n]+?)(?<!\\)\$|\\\((?P<paren>.+?)\\\)", re.S)
_QUARTO_LABEL = re.compile(r"[ \t]*\{#eq-(?P<label>[\w-]+)\}")
_SCRIPT = re.compile(r"<script\b.*?</script>|<style\b.*?</style>", re.S | re.I)
_TEX_COMMENT = re.compile(r"(?<!\\)%[^\n]*")
_HANGUL_OR_CJK = re.compile(r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u9fff\uac00-\ud7af]")


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


def _mask(text: str, pattern: re.Pattern) -> str:
    """Blank out matches but keep every newline, so line numbers stay right."""
    return pattern.sub(_blank, text)


def _mask_code(text: str) -> str:
    """Blank out fenced code (but not ```math fences), so no example in it is read as math."""
    lines = text.split("\n")
    fence, masking = None, False
    for number, line in enumerate(lines):
        match = _FENCE.match(line)
        if fence is None and match:
            fence, masking = match.group(1), match.group(2) != "math"
        elif fence is not None and match and match.group(1) == fence and not match.group(2):
            fence = None
            if masking:
                lines[number] = ""
            continue
        if fence is not None and masking:
            lines[number] = ""
    return "\n".join(lines)


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
    if suffix in (".html", ".htm"):
        text = _mask(text, _SCRIPT)
    scanned = _mask(text, _TEX_COMMENT) if suffix == ".tex" else _mask_code(text)
    blocks, prose, previous_end = [], [], 0
    line_at = _LineCounter(scanned)
    for match in _DISPLAY.finditer(scanned):
        group = next(
            g for g in ("fenced", "dollars", "brackets", "environment") if match.group(g) is not None
        )
        if group == "dollars" and not _starts_line(scanned, match.start()):
            continue  # kramdown writes inline math as $$…$$ inside a sentence
        start = match.start(group)
        tex = match.group(group)
        if suffix in (".html", ".htm"):
            tex = html.unescape(tex)
        label = None
        after = _QUARTO_LABEL.match(scanned, match.end())
        if after:
            label = after.group("label")
        between = scanned[previous_end : match.start()]
        prose.append(between)
        blocks.append(Block(line_at(start), tex, label, between))
        previous_end = after.end() if after else match.end()
    prose.append(scanned[previous_end:])
    outside = "".join(prose)
    line_at = _LineCounter(scanned)
    inline = tuple(
        (line_at(m.start()), m.group("dollar") or m.group("paren"))
        for m in _INLINE.finditer(_mask_displays(scanned).replace("$$", "$"))
    )
    if not blocks and not inline:
        blocks = list(_pasted_blocks(text))
    return Post(tuple(blocks), outside, inline)


def _starts_line(text: str, offset: int) -> bool:
    before = text[text.rfind("\n", 0, offset) + 1 : offset].strip()
    return not before or before.endswith(">")


def _blank(match: re.Match) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def _mask_displays(text: str) -> str:
    def blank_display(match: re.Match) -> str:
        if match.group("dollars") is not None and not _starts_line(text, match.start()):
            return match.group(0)
        return _blank(match)

    return _DISPLAY.sub(blank_display, text)


# -- math copied from a rendered page -------------------------------------------------------

_TEX_SIGNS = re.compile(r"[\\{}_]")


def _skeleton(text: str) -> str:
    """Letters and digits only, math italic folded to plain: what survives rendering."""
    text = re.sub(r"\\(?:begin|end)\{[^}]*\}|\\[A-Za-z]+", "", text)
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded if c.isalnum() and c.isascii())


def _pasted_blocks(text: str):
    """Math copied from a rendered (KaTeX) page: ``<rendered text><TeX source>`` per line.

    The rendering keeps the letters and digits of the source in order, so the source starts
    where the letters before it spell the same as the letters of the source itself.
    """
    previous = 0
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        prose = _HANGUL_OR_CJK.search(line)
        candidate = line[: prose.start()] if prose else line
        candidate = candidate.strip()
        if not _TEX_SIGNS.search(candidate) or "=" not in candidate:
            continue
        tex = _source_part(candidate)
        if tex is not None:
            yield Block(number, tex, None, "\n".join(lines[previous : number - 1]))
            previous = number


def _source_part(line: str) -> str | None:
    for split in range(1, len(line)):
        rendered, source = line[:split], line[split:]
        starts_like_tex = source[0] in "{\\(-" or source[0].isalnum()
        if (
            starts_like_tex
            and _skeleton(rendered)
            and _skeleton(rendered) == _skeleton(source)
            and _TEX_SIGNS.search(source)
        ):
            return source
    return None


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
