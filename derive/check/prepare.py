"""What :func:`~derive.check.judge.check_text` learns from the whole post before it judges a
row: the letter that counts the classes and the letters used as indices, the sentences whose
formulas define a name, where the post says its labels sum to one, the words after each
display, and the rows a ``+`` in the next block continues.
"""

from __future__ import annotations

import re
from collections import Counter

from sympy import Symbol

from derive.check.extract import Block, Post
from derive.check.layout import Piece, pieces
from derive.check.ranges import learn_ranges
from derive.check.reader import Letters, Unreadable
from derive.check.understand import introduces_definition

# "The labels are one-hot" or "sum to one", in the four languages of the posts.
_ONE_HOT = re.compile(
    r"one[- ]?hot|one_hot|(?:sum|add)(?:s)?(?: up)? to (?:one|1)\b|원[- ]?핫|합이 1|총합은? 1|나머지는 0"
    r"|独热|和为 ?1|其余为 ?0|其余的为 ?0|ワンホット|one-hot|合計が ?1|総和が ?1|残りは ?0|それ以外は ?0",
    re.I,
)


def learn_letters(blocks: tuple[Block, ...]) -> Letters:
    """The letter for the number of classes and the letters used as indices, from all the math."""
    text = "\n".join(b.tex for b in blocks)
    bounds = Counter(
        re.findall(r"\\sum(?:\\limits)?\s*_\s*(?:\{[^{}]*\}|\w)\s*\^\s*\{?\s*([A-Za-z])\b", text)
    )
    ranked = [letter for letter, _ in bounds.most_common(2)]
    size = ranked[0] if ranked else "N"
    # A second bound (Σ_{j=1}^{M} W_{ij} x_j) counts the columns of a weight matrix.
    columns = Symbol(ranked[1], integer=True, positive=True) if len(ranked) > 1 else None
    letters = set(re.findall(r"_\s*([a-z])(?![a-zA-Z])", text))
    for group in re.findall(r"_\s*\{([^{}]*)\}", text):
        letters |= set(re.findall(r"(?<![\\A-Za-z])([a-z])(?![A-Za-z])", group))
    letters -= {"e", "x"}
    ranged = learn_ranges(text)
    if ranged is not None:
        # Steps, hidden units and classes: each index runs over its own bound (ranges.py).
        letters |= {letter for letter, _ in ranged.letters}
        return Letters(
            Symbol(ranged.size, integer=True, positive=True), frozenset(letters), None, ranged=ranged
        )
    column_families, column_indices = set(), set()
    if columns is not None:
        # Σ_{j=1}^{M} … x_j: the families indexed by j alone, in the summand after the sum.
        for variable, summand in re.findall(
            rf"\\sum(?:\\limits)?\s*_\s*\{{\s*([a-z])\s*=\s*1\s*\}}\s*\^\s*\{{?\s*{columns.name}\b\}}?(.{{0,80}})",
            text,
        ):
            column_indices.add(variable)
            families = re.findall(
                rf"((?:\\hat\{{)?[A-Za-z]\}}?)_\s*\{{?\s*{variable}(?![a-z,])\s*\}}?", summand
            )
            column_families |= {re.sub(r"\\hat\{(\w)\}", "\\1\u0302", f) for f in families}
    return Letters(
        Symbol(size, integer=True, positive=True),
        frozenset(letters),
        columns,
        frozenset(column_families),
        frozenset(column_indices),
    )


#: What closes a display, before the words that follow it.
_CLOSING = re.compile(r"^\s*(?:\$\$|\\\]|```+|\\end\{[a-z]+\*?\})?[ \t]*(?:\{#eq-[\w-]+\})?")


def text_after(text: str, block: Block, starts: list[int]) -> str:
    """The words right after a display in the post, or "" where its TeX is not found as written."""
    if block.line - 1 >= len(starts):
        return ""
    start = starts[block.line - 1]
    at = text.find(block.tex, start, start + len(block.tex) + 200)  # near its line: linear in the post
    if at < 0:
        return ""
    rest = text[at + len(block.tex) : at + len(block.tex) + 400]
    return rest[_CLOSING.match(rest).end() :]


def inline_definitions(text: str, post: Post, claims: tuple[Block, ...]) -> tuple[Block, ...]:
    """Inline formulas that may define a name ("the loss is $L = -\\sum_k y_k \\log p_k$"): the
    judge learns the ones that read as a definition and passes over the rest, as prose."""
    claimed = {(block.line, block.tex) for block in claims}
    lines = text.split("\n")
    found: list[Block] = []
    for line, tex in post.inline:
        sentence = lines[line - 1] if line - 1 < len(lines) else ""
        at = sentence.find(tex)
        if at < 0 or "=" not in tex or (line, tex) in claimed:
            continue
        after_definition = bool(found) and found[-1].line == line
        if introduces_definition(sentence[:at].rstrip(" $\\("), after_definition):
            found.append(Block(line, tex, None, sentence, inline=True))
    return tuple(found)


def labels_assumption(prose: str, inline, text: str) -> str | None:
    """Where the post says the labels are one-hot or sum to one, if it does."""
    match = _ONE_HOT.search(prose)
    if match:
        # The prose has the displays cut out: the line is counted in the post itself.
        found = _ONE_HOT.search(text)
        at = found.start() if found is not None else match.start()
        return f"line {text.count(chr(10), 0, at) + 1}: “{match.group(0)}”"
    for line, tex in inline:
        if re.search(r"\\sum.*=\s*1\s*$", tex.strip()):
            return f"line {line}: ${tex.strip()}$"
    return None


def glued(blocks: tuple[Block, ...]):
    """Blocks with their pieces; a block that begins with ``+`` is the end of the one before."""
    result: list[tuple[Block, list[Piece] | Unreadable]] = []
    for block in blocks:
        try:
            found: list[Piece] | Unreadable = pieces(block.tex, block.line, block.label)
        except Unreadable as error:
            found = error
        previous = result[-1] if result else None
        if (
            previous is not None
            and isinstance(found, list)
            and len(found) == 1
            and found[0].tokens[0].text == "+"
            and isinstance(previous[1], list)
            and previous[1]
            and not block.prose_before.strip()
        ):
            last = previous[1][-1]
            merged = Piece(
                found[0].line,
                last.tokens + found[0].tokens,
                f"{last.source} {found[0].source}",
                last.role,
                last.label,
                last.row,
                last.text,
                last.line,
            )
            previous[1][-1] = merged
            continue
        result.append((block, found))
    return result


#: The letter on the left of a formula in a sentence: o of ``o_t = …``, of ``\mathbf{o}_t = …``.
_STATED_LETTER = re.compile(r"^\s*(?:\\(?:mathbf|boldsymbol|bm|vec)\s*\{\s*)?\\?([A-Za-z]+)\s*\}?\s*(?:_|=)")


def stated_names(inline) -> list[tuple[int, str]]:
    """The letters the post's formulas in sentences state (``$o_t = \\sigma(W_o x_t)$``), with
    their lines."""
    found = []
    for line, tex in inline:
        if "=" in tex:
            match = _STATED_LETTER.match(tex.split("=", 1)[0] + "=")
            if match:
                found.append((line, match.group(1)))
    return found
