"""Printing a proven document through its Jinja templates.

Two kinds of template, loaded by one :func:`environment` function:

* the derivation's template (``softmax-ce.j2``) holds its prose and structure, once for
  every target and language: prose in ``{% trans %}`` blocks, equations as ``chain(name)``,
  inline math as ``math.<name>``, headings, paragraphs and tables through ``fmt``;
* a target's layout (``markdown.j2``, ``latex.tex.j2``, ``html.html.j2``) holds how each of
  those is written for one host, as macros, and the page around the body.

No template types math: every equation comes from a :class:`~derive.document.ProvenEquation`
and every bit of inline math from a SymPy object, both through the project's printer. The
renderer checks that the template shows every chain, in the order they were numbered, so a
number in the text is always the number that was proven.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined
from jinja2.bccache import Bucket
from sympy import Basic, MatrixBase, Symbol
from sympy.core.function import AppliedUndef

from derive import __version__
from derive.document import Document, ProvenEquation
from derive.errors import DeriveError
from derive.i18n import translations
from derive.notation import Notation
from derive.printing import latex, relation
from derive.proofcache import cache_home
from derive.targets import CJK_FONTS, KATEX_CDN, KATEX_INTEGRITY, RenderTarget


class TemplateError(DeriveError):
    """A template does not show the proven equations exactly once, in order."""


def template_dir() -> Path:
    """Templates ship inside the package; a source checkout keeps them at the top level."""
    packaged = Path(__file__).parent / "templates"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "templates"


#: Jinja delimiters that leave TeX's braces alone, for the LaTeX layout.
_LATEX_SYNTAX = {
    "block_start_string": "\\BLOCK{",
    "block_end_string": "}",
    "variable_start_string": "\\VAR{",
    "variable_end_string": "}",
    "comment_start_string": "\\#{",
    "comment_end_string": "}",
}

_LATEX_SPECIALS = {
    "\\": "\\textbackslash{}",
    "{": "\\{",
    "}": "\\}",
    "$": "\\$",
    "&": "\\&",
    "%": "\\%",
    "#": "\\#",
    "_": "\\_",
    "^": "\\textasciicircum{}",
    "~": "\\textasciitilde{}",
}


def latex_text(value: object) -> str:
    """Plain text (a title, a number, a line of code) made safe for TeX."""
    return "".join(_LATEX_SPECIALS.get(c, c) for c in str(value))


def _yaml(fields: Mapping[str, object]) -> str:
    """Front matter from a YAML library, so quoting is always right."""
    return yaml.safe_dump(dict(fields), sort_keys=False, allow_unicode=True, width=1000)


class _CompiledTemplates(FileSystemBytecodeCache):
    """Templates compiled once and kept in derive's cache, as Python keeps ``__pycache__``.

    Jinja recompiles a template whose source changed; a cache that cannot be read or
    written only costs the compile.
    """

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, ValueError, EOFError):
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            Path(self.directory).mkdir(parents=True, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:
            return


@cache
def environment(syntax: str = "jinja", extra_dir: Path | None = None) -> Environment:
    """The Jinja environment for templates of one syntax: "jinja", or "latex" for TeX layouts.

    ``extra_dir`` holds the templates of a derivation registered outside derive.
    """
    env = Environment(
        loader=FileSystemLoader([template_dir(), *([extra_dir] if extra_dir else [])]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        extensions=["jinja2.ext.i18n"],
        bytecode_cache=_CompiledTemplates(str(cache_home() / "templates")),
        **(_LATEX_SYNTAX if syntax == "latex" else {}),
    )
    # Messages are keyed by their text with line breaks and indentation folded, so that
    # re-wrapping a paragraph in a template does not orphan its translations.
    env.policies["ext.i18n.trimmed"] = True
    # The gettext functions come with each render (see _gettext); this makes {% trans %}
    # use them the new-style way, with %(name)s placeholders filled by Jinja.
    env.install_null_translations(newstyle=True)
    env.filters["yaml"] = _yaml
    env.filters["latex_text"] = latex_text
    return env


def _gettext(lang: str) -> dict[str, Callable[..., str]]:
    """``_``/``gettext``/``ngettext`` for one language, as Jinja's new-style i18n calls them."""
    catalogue = translations(lang)

    def gettext(message: str, **variables: object) -> str:
        return catalogue.gettext(message) % variables

    def ngettext(singular: str, plural: str, number: int, **variables: object) -> str:
        variables.setdefault("num", number)
        return catalogue.ngettext(singular, plural, number) % variables

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}


@dataclass(frozen=True)
class ShownEquation:
    """A proven equation as a layout prints it: ``lhs = rhs`` (or ``= rhs``) and its number."""

    tag: int
    display: str
    aligned: str

    @property
    def tag_command(self) -> str:
        return f"\\tag{{{self.tag}}}"


class _KaTeX:
    """Where the HTML preview loads KaTeX from: the pinned CDN, or a copy the user hosts."""

    def __init__(self, base: str | None) -> None:
        self.base = (base or KATEX_CDN).rstrip("/")
        self.host = self.base.split("/")[2] if "://" in self.base else self.base

    def integrity(self, name: str) -> str:
        # Subresource integrity for the CDN only: a copy opened from file:// cannot pass the
        # CORS check that integrity needs, and a copy the user hosts is theirs to trust.
        if self.base != KATEX_CDN:
            return ""
        return f' integrity="{KATEX_INTEGRITY[name]}" crossorigin="anonymous"'


def render(
    document: Document,
    equations: tuple[ProvenEquation, ...],
    template: str,
    *,
    target: RenderTarget,
    lang: str = "en",
    notation: Notation | None = None,
    date: datetime.date,
    katex_base: str | None = None,
    template_dir: Path | None = None,
) -> str:
    """The post: ``template`` filled with the proven ``equations``, laid out for ``target``."""
    names = (notation or Notation()).names(document.roles, _other_names(document, equations))

    def printed(expr: Basic) -> str:
        return latex(expr, names=names)

    shared = {"target": target.name, "lang": lang, **_gettext(lang)}
    layout = (
        environment(target.syntax)
        .get_template(target.layout)
        .make_module({**shared, "katex": _KaTeX(katex_base), "cjk_fonts": CJK_FONTS, "version": __version__})
    )
    order = [chain.name for chain in document.chains]
    shown: list[str] = []

    def chain(name: str) -> str:
        if name not in order:
            raise TemplateError(f"template {template} shows an unknown chain '{name}'")
        shown.append(name)
        return layout.equations([_shown(e, printed) for e in equations if e.chain == name])

    def ref(name: str) -> str:
        """The number of the last equation of a chain, for 'by (n)' in the prose."""
        tags = [e.tag for e in equations if e.chain == name]
        if not tags:
            raise TemplateError(f"template {template} refers to an unknown chain '{name}'")
        return layout.ref(tags[-1])

    def refs(name: str) -> list[str]:
        """The number of every equation of a chain, for 'in (4), by the product rule'."""
        if name not in order:
            raise TemplateError(f"template {template} refers to an unknown chain '{name}'")
        return [layout.ref(e.tag) for e in equations if e.chain == name]

    body = (
        environment(extra_dir=template_dir)
        .get_template(template)
        .make_module(
            {
                **shared,
                "fmt": layout,
                "chain": chain,
                "ref": ref,
                "refs": refs,
                "math": {key: layout.math(printed(expr)) for key, expr in document.math.items()},
                "data": document.data,
                "chains": order,
                "derivation": document.derivation,
                "count": len(equations),
            }
        )
    )
    if shown != order:
        missing = [name for name in order if name not in shown]
        problem = f"does not show {', '.join(missing)}" if missing else "shows chains out of order"
        raise TemplateError(f"template {template} {problem}")
    meta = {
        "title": body.title,
        "description": body.description,
        "categories": list(body.categories),
        "tags": list(body.tags),
        "date": date,
    }
    return str(layout.page(meta, str(body)))


def _shown(equation: ProvenEquation, printed: Callable[[Basic], str]) -> ShownEquation:
    lhs, rhs = printed(equation.lhs), printed(equation.rhs)
    return ShownEquation(
        tag=equation.tag,
        display=relation(lhs, rhs, continued=equation.continued),
        aligned=relation(lhs, rhs, continued=equation.continued, aligned=True),
    )


def _symbols_and_functions(exprs: Iterable) -> set[Basic]:
    """``expr.atoms(Symbol, AppliedUndef)`` of all ``exprs``, meeting each subexpression once: the
    entries of a worked example at N = 50 repeat the same sums many times over."""
    found: set[Basic] = set()
    seen: set[int] = set()
    pending = [e for expr in exprs for e in (expr if isinstance(expr, MatrixBase) else (expr,))]
    while pending:
        node = pending.pop()
        if id(node) in seen or not isinstance(node, Basic):
            continue
        seen.add(id(node))
        if isinstance(node, (Symbol, AppliedUndef)):
            found.add(node)
        pending.extend(node.args)
    return found


def _other_names(document: Document, equations: Iterable[ProvenEquation]) -> set[str]:
    """Every name the post prints besides the renamed roles: a notation must not reuse one."""
    # Each chain's left side is every one of its equations' left side: look at it once.
    exprs = {id(e): e for eq in equations for e in (eq.lhs, eq.rhs)} | {
        id(e): e for e in document.math.values()
    }
    atoms = _symbols_and_functions(exprs.values())
    roles = set(document.roles.values())
    symbols = {str(a) for a in atoms if isinstance(a, Symbol) and a not in roles}
    functions = {str(a.func) for a in atoms if isinstance(a, AppliedUndef)}
    return {"e"} | symbols | functions
