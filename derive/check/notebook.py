"""Jupyter notebooks: their markdown cells, as one post, with every line traced to its cell.

nbformat reads every notebook format version and refuses a file that is not a notebook, so a
stray ``.ipynb`` gets a one-line reason rather than a wrong reading of its JSON.
"""

from __future__ import annotations

from dataclasses import dataclass

from derive.errors import DeriveError


class NotANotebook(DeriveError):
    """An ``.ipynb`` file nbformat cannot read."""

    exit_code = 2


@dataclass(frozen=True)
class NotebookText:
    """The markdown cells joined into one post; ``places[n]`` is where line n + 1 came from."""

    text: str
    places: tuple[tuple[int, int], ...]  # (cell number, line in that cell), both from 1

    def where(self, line: int) -> str:
        if 1 <= line <= len(self.places):
            cell, cell_line = self.places[line - 1]
            return f"cell {cell}, line {cell_line}"
        return f"line {line}"


def markdown_of(source: str) -> NotebookText:
    """The markdown cells of a notebook, a blank line between two cells."""
    import nbformat  # only for notebooks: it brings jsonschema and traitlets along

    try:
        notebook = nbformat.reads(source, as_version=4)
    except Exception as error:  # nbformat raises several unrelated types for a bad file
        raise NotANotebook(f"not a Jupyter notebook: {str(error).splitlines()[0][:120]}") from None
    lines: list[str] = []
    places: list[tuple[int, int]] = []
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type != "markdown":
            continue
        if lines:
            lines.append("")
            places.append((number, 0))
        for cell_line, text in enumerate(cell.source.split("\n"), start=1):
            lines.append(text)
            places.append((number, cell_line))
    return NotebookText("\n".join(lines), tuple(places))
