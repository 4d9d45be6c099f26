"""Math copied from a rendered (KaTeX) page: ``<rendered text><TeX source>`` on each line.

The rendering keeps the letters and digits of the source in order, so the source starts where
the letters before it spell the same as the letters of the source itself: the letters of the
whole line are one word written twice, and the source begins where the second one does.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

_TEX_SIGNS = re.compile(r"[\\{}_]")
_COMMAND = re.compile(r"\\(?:begin|end)\{[^}]*\}|\\[A-Za-z]+")
_HANGUL_OR_CJK = re.compile(r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u9fff\uac00-\ud7af]")
#: Places to try on one line: the letters fix the place up to the signs around it, so a line
#: with more candidates than this is not a pasted equation.
_MOST_SPLITS = 32


def _skeleton(text: str) -> str:
    """Letters and digits only, math italic folded to plain: what survives rendering."""
    folded = unicodedata.normalize("NFKD", _COMMAND.sub("", text))
    return "".join(c for c in folded if c.isalnum() and c.isascii())


def pasted_blocks(text: str, block: Callable[..., Any]) -> Iterator[Any]:
    """``block(line, tex, label, prose_before)`` for each line that holds a pasted equation."""
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
            yield block(number, tex, None, "\n".join(lines[previous : number - 1]))
            previous = number


def _source_part(line: str) -> str | None:
    for split in _splits(line):
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


def _splits(line: str) -> Iterator[int]:
    """The places where the letters before are the first half of the line's letters; the
    others cannot split the line into a rendering and its source. Linear in the line."""
    skeleton = _skeleton(line)
    half = len(skeleton) // 2
    if not half or len(skeleton) % 2 or skeleton[:half] != skeleton[half:]:
        return
    letters, position, tried = 0, 0, 0
    for command in [*_COMMAND.finditer(line), None]:
        end = command.start() if command else len(line)
        for offset in range(position, end):
            if letters == half and offset > 0:
                tried += 1
                if tried > _MOST_SPLITS:
                    return
                yield offset
            letters += len(_skeleton(line[offset]))
            if letters > half:
                return
        if command is None:
            break
        if letters == half and command.start() > 0:
            yield command.start()
        position = command.end()
