"""Printing a proven document through its Jinja template.

One :class:`jinja2.Environment`, built in one place. Templates hold prose and layout only:
every equation comes from a :class:`~derive.document.ProvenEquation`, every bit of inline
math from a SymPy object through the ``inline`` filter. The renderer checks that the
template shows every chain, in the order they were numbered, so a tag in the text is always
the tag that was proven.
"""

from __future__ import annotations

import datetime
from functools import lru_cache
from pathlib import Path

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from derive.document import Document, ProvenEquation
from derive.errors import DeriveError
from derive.printing import latex


class TemplateError(DeriveError):
    """A template does not show the proven equations exactly once, in order."""


def template_dir() -> Path:
    """Templates ship inside the package; a source checkout keeps them at the top level."""
    packaged = Path(__file__).parent / "templates"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "templates"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(template_dir()),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["inline"] = lambda expr: f"${latex(expr)}$"
    return env


def front_matter(document: Document, date: datetime.date) -> str:
    """Hugo front matter, emitted by a YAML library so quoting is always right."""
    fields = {
        "title": document.title,
        "date": date,
        "description": document.description,
        "categories": list(document.categories),
        "tags": list(document.tags),
        "math": True,
        "draft": False,
    }
    return yaml.safe_dump(fields, sort_keys=False, allow_unicode=True, width=1000)


def render(
    document: Document,
    equations: tuple[ProvenEquation, ...],
    template: str,
    *,
    date: datetime.date,
) -> str:
    """The post: ``template`` filled with the proven ``equations`` of ``document``."""
    order = [chain.name for chain in document.chains]
    shown: list[str] = []

    def chain(name: str) -> list[ProvenEquation]:
        if name not in order:
            raise TemplateError(f"template {template} shows an unknown chain '{name}'")
        shown.append(name)
        return [e for e in equations if e.chain == name]

    def ref(name: str) -> int:
        """The tag of the last equation of a chain, for 'by (n)' in the prose."""
        tags = [e.tag for e in equations if e.chain == name]
        if not tags:
            raise TemplateError(f"template {template} refers to an unknown chain '{name}'")
        return tags[-1]

    text = (
        environment()
        .get_template(template)
        .render(
            front_matter=front_matter(document, date),
            chain=chain,
            ref=ref,
            math=document.math,
            data=document.data,
            count=len(equations),
        )
    )
    if shown != order:
        missing = [name for name in order if name not in shown]
        problem = f"does not show {', '.join(missing)}" if missing else "shows chains out of order"
        raise TemplateError(f"template {template} {problem}")
    return text
