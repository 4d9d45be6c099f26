"""From a display block to the statements in it.

A block holds rows (``\\\\`` of ``aligned``, ``align``, ``gather``), a row holds column pairs
(``lhs &= rhs & note &= …``: the first pair is the derivation, later pairs are side notes), and
a pair may carry ``\\quad``-separated extras: annotations (``\\quad \\leftarrow \\text{when } k = j``)
are dropped, a second equation is a side note. An arrow (``f = g/h \\longrightarrow f' = …``)
separates a premise from what follows from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from derive.check.grammar import ARROWS
from derive.check.tokens import Token, Unreadable, normalize_unicode, tokenize

_MULTIROW = {
    "cases",
    "aligned",
    "align",
    "align*",
    "split",
    "gathered",
    "gather",
    "gather*",
    "eqnarray",
    "eqnarray*",
}
# A block that is all one `cases` is a system of equations, one per row.
_WRAPPERS = _MULTIROW | {"equation", "equation*", "multline", "multline*", "displaymath"}
_ANNOTATION_START = {
    "leftarrow",
    "Leftarrow",
    "longleftarrow",
    "text",
    "textrm",
    "mbox",
    "therefore",
    "because",
}


@dataclass(frozen=True)
class Piece:
    """The tokens of one statement, where it came from, and what part it plays."""

    line: int
    tokens: tuple[Token, ...]
    source: str
    role: str  # "main", "side" (a second equation on the row) or "premise"
    label: str | None
    row: int  # the row of the block it is on, from 0
    text: str  # the block's text, which token offsets refer to
    first_line: int = 0  # where the row begins, when it goes on in the next block (``+ …``)
    #: Conditions the formula states for this statement: ``, \\quad i = j``, ``(i \\neq j)``,
    #: ``\\text{if } i \\neq j``, each as its tokens.
    conditions: tuple[tuple[Token, ...], ...] = ()

    def excerpt(self, start: int, end: int) -> str:
        return " ".join(self.text[start:end].split())


def pieces(tex: str, first_line: int, label: str | None) -> list[Piece]:
    text = normalize_unicode(tex)
    tokens = tokenize(text)
    tokens, labels = _strip_labels(tokens)
    tokens = _unwrap(tokens)
    result: list[Piece] = []
    rows = _split(tokens, lambda t: t.kind == "rowsep")
    line, counted = first_line, 0  # newlines counted once each, not from the top for every row
    for row_number, row in enumerate(r for r in rows if r):
        line += text.count("\n", counted, row[0].start)
        counted = row[0].start
        row_label = labels.get(row_number, label if len(rows) == 1 else None)
        cells = _eqnarray_cells(_split(row, lambda t: t.kind == "char" and t.text == "&"))
        pairs = [cells[i] + cells[i + 1] if i + 1 < len(cells) else cells[i] for i in range(0, len(cells), 2)]
        for pair_number, pair in enumerate(pairs):
            role = "main" if pair_number == 0 else "side"
            parts, conditions = _conditions_apart(_split(pair, lambda t: t.kind == "quad"))
            for part_number, part in enumerate(parts):
                part = _drop_annotation(part)
                if not part:
                    continue
                if part_number > 0 and not _is_equation(part):
                    continue  # an annotation such as \text{…}
                part_role = role if part_number == 0 else "side"
                segments = _split(part, lambda t: t.kind == "cmd" and t.text in ARROWS)
                for segment_number, segment in enumerate(segments):
                    segment = _trim(segment)
                    if not segment:
                        continue
                    if len(segments) > 1:
                        segment_role = "premise" if segment_number < len(segments) - 1 else "side"
                    else:
                        segment_role = part_role
                    source = (
                        re.sub(r"&\s*", "", text[segment[0].start : segment[-1].end])
                        if len(cells) > 1
                        else (text[segment[0].start : segment[-1].end])
                    )
                    result.append(
                        Piece(
                            line,
                            tuple(segment),
                            " ".join(source.split()),
                            segment_role,
                            row_label,
                            row_number,
                            text,
                            conditions=conditions if part_number == 0 else (),
                        )
                    )
    return result


_RELATION_MARKS = {"=", "<", ">", "neq", "ne", "le", "leq", "ge", "geq", "not"}
_CONDITION_TEXT = {"text", "textrm", "mbox", "mathrm"}


def _conditions_apart(parts: list[list[Token]]) -> tuple[list[list[Token]], tuple]:
    """The statement parts of a pair, and the conditions it states for its first statement.

    A condition follows the statement after ``\\quad`` or a comma: ``i = j``, ``(i \\neq j)``,
    ``\\text{if } i \\neq j``, ``当 i = j 时``, ``\\text{otherwise}``.
    """
    kept: list[list[Token]] = []
    conditions: list[tuple[Token, ...]] = []
    for number, part in enumerate(parts):
        if number == 0:
            head, tail = _comma_condition(part)
            kept.append(head)
            if tail:
                conditions.append(tuple(tail))
        elif _is_condition(_trim(part)):
            conditions.append(tuple(_trim(part)))
        else:
            kept.append(part)
    return kept, tuple(conditions)


def _comma_condition(part: list[Token]) -> tuple[list[Token], list[Token]]:
    """``p_i (1 - p_i), i = j``: the statement and the condition after its last top-level comma."""
    depth = 0
    for index in range(len(part) - 1, -1, -1):
        token = part[index]
        depth += token.kind == "char" and token.text in ")]}"
        depth -= token.kind == "char" and token.text in "([{"
        if depth == 0 and token.kind == "char" and token.text == ",":
            tail = _trim(part[index + 1 :])
            if tail and _is_condition(tail):
                return part[:index], tail
            return part, []
    return part, []


def _is_condition(tokens: list[Token]) -> bool:
    """A relation between index letters (or an index and a number), maybe in words or brackets."""
    core, words = [], False
    tokens = [t for t in tokens if not (t.kind == "char" and t.text in "():")]
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.kind == "cmd" and token.text in _CONDITION_TEXT:  # \\text{if }, \\text{일 때}
            index = len(tokens) - len(_after_group(tokens[index + 1 :]))
            words = True
        elif token.kind == "word":  # 当 … 时
            index += 1
            words = True
        else:
            core.append(token)
            index += 1
    if not core:
        return words  # \\text{otherwise}
    letters = [t for t in core if t.kind in ("letter", "number")]
    marks = [t for t in core if t.text in _RELATION_MARKS]
    return bool(marks) and len(letters) == 2 and len(core) <= 4 and core[0].kind == "letter"


def _after_group(tokens: list[Token]) -> list[Token]:
    if not tokens or tokens[0].text != "{":
        return tokens
    depth = 0
    for index, token in enumerate(tokens):
        depth += token.text == "{"
        depth -= token.text == "}"
        if depth == 0:
            return tokens[index + 1 :]
    return []


def _eqnarray_cells(cells: list[list[Token]]) -> list[list[Token]]:
    """``a &=& b`` (eqnarray): a relation alone in a cell joins the cells on either side of it."""
    joined: list[list[Token]] = []
    index = 0
    while index < len(cells):
        cell = cells[index]
        relation_cell = len(cell) == 1 and cell[0].kind == "char" and cell[0].text in "=<>"
        if relation_cell and joined and index + 1 < len(cells):
            joined[-1] = joined[-1] + cell + cells[index + 1]
            index += 2
            continue
        if relation_cell and not joined and index + 1 < len(cells):  # the row goes on: &=& b
            joined.append(cell + cells[index + 1])
            index += 2
            continue
        joined.append(cell)
        index += 1
    return joined


def _strip_labels(tokens: list[Token]) -> tuple[list[Token], dict[int, str]]:
    """Drop ``\\tag{…}`` and ``\\label{…}``, remembering them by row."""
    kept, labels, row, index = [], {}, 0, 0
    while index < len(tokens):
        token = tokens[index]
        if token.kind == "rowsep":
            row += 1
        if token.kind == "cmd" and token.text in ("tag", "label", "tag*"):
            end, text = _group_text(tokens, index + 1)
            labels[row] = text.removeprefix("eq:").removeprefix("eq-")
            index = end
            continue
        kept.append(token)
        index += 1
    return kept, labels


def _group_text(tokens: list[Token], index: int) -> tuple[int, str]:
    if index >= len(tokens) or tokens[index].text != "{":
        raise Unreadable("\\tag or \\label without a braced argument")
    depth, parts = 0, []
    while index < len(tokens):
        token = tokens[index]
        if token.kind == "char" and token.text == "{":
            depth += 1
        elif token.kind == "char" and token.text == "}":
            depth -= 1
            if depth == 0:
                return index + 1, "".join(parts)
        else:
            parts.append(token.text)
        index += 1
    raise Unreadable("unbalanced braces in \\tag or \\label")


def _environment_at(tokens: list[Token], index: int) -> str | None:
    if index + 1 < len(tokens) and tokens[index].kind == "cmd" and tokens[index + 1].text == "{":
        _, name = _group_text(tokens, index + 1)
        return name
    return None


def _unwrap(tokens: list[Token]) -> list[Token]:
    """``\\begin{aligned} … \\end{aligned}`` around the whole block: its rows are the block's."""
    if len(tokens) > 2 and tokens[0].kind == "cmd" and tokens[0].text == "boxed" and tokens[1].text == "{":
        closing, _ = _group_text(tokens, 1)
        if closing == len(tokens):  # \boxed{a = b} around the whole display
            tokens = tokens[2:-1]
    while tokens and tokens[0].kind == "cmd" and tokens[0].text == "begin":
        name = _environment_at(tokens, 0)
        if name not in _WRAPPERS:
            return tokens
        start, _ = _group_text(tokens, 1)
        end = _matching_end(tokens, 0)
        if end is None:
            raise Unreadable(f"\\begin{{{name}}} without its \\end")
        if any(t.kind != "char" or t.text not in ",." for t in tokens[end:][_end_length(tokens, end) :]):
            return tokens
        tokens = tokens[start:end]
    return tokens


def _end_length(tokens: list[Token], end: int) -> int:
    closing, _ = _group_text(tokens, end + 1)
    return closing - end


def _matching_end(tokens: list[Token], begin: int) -> int | None:
    depth = 0
    for index in range(begin, len(tokens)):
        token = tokens[index]
        if token.kind == "cmd" and token.text == "begin":
            depth += 1
        elif token.kind == "cmd" and token.text == "end":
            depth -= 1
            if depth == 0:
                return index
    return None


def _split(tokens: list[Token], is_separator) -> list[list[Token]]:
    """Split at separators outside braces and nested environments."""
    parts: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.kind == "char" and token.text == "{":
            depth += 1
        elif token.kind == "char" and token.text == "}":
            depth -= 1
        elif token.kind == "cmd" and token.text == "begin":
            depth += 1
        elif token.kind == "cmd" and token.text == "end":
            depth -= 1
        if depth < 0:
            raise Unreadable("unbalanced braces")
        if depth == 0 and is_separator(token):
            parts.append([])
        else:
            parts[-1].append(token)
    if depth != 0:
        raise Unreadable("unbalanced braces")
    return parts


def _drop_annotation(tokens: list[Token]) -> list[Token]:
    """Everything from a top-level ``\\leftarrow`` or ``\\therefore`` on is commentary."""
    depth = 0
    for index, token in enumerate(tokens):
        if token.kind == "char" and token.text in "{":
            depth += 1
        elif token.kind == "char" and token.text == "}":
            depth -= 1
        elif depth == 0 and token.kind == "cmd" and token.text in ("leftarrow", "Leftarrow", "therefore"):
            return tokens[:index]
    return tokens


def _is_equation(tokens: list[Token]) -> bool:
    first = tokens[0]
    if first.kind == "cmd" and first.text in _ANNOTATION_START:
        return False
    if first.kind == "char" and first.text == "(":
        return False
    depth = 0
    for token in tokens:
        depth += token.kind == "char" and token.text == "{"
        depth -= token.kind == "char" and token.text == "}"
        if depth == 0 and token.kind == "char" and token.text == "=":
            return True
    return False


def _trim(tokens: list[Token]) -> list[Token]:
    while tokens and tokens[-1].kind == "char" and tokens[-1].text in ",.;":
        tokens = tokens[:-1]
    return tokens
