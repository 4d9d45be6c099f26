"""A derivation as data: its chains of equations, and the proof of every one of them.

:func:`prove` is the gate between building a derivation and printing it: it numbers the
equations in order, proves each link, and raises :class:`~derive.errors.StepNotProven`
naming the first one that fails. Only a :class:`ProvenEquation` can be rendered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from sympy import Basic, Expr, Indexed, MatrixBase, Symbol, UnevaluatedExpr

from derive import proofcache
from derive.algebra import Context, Definition, SumExcept
from derive.errors import StepNotProven
from derive.proofcache import ProofCache
from derive.steps import Chain
from derive.verify import Proof


@dataclass(frozen=True)
class Document:
    """Everything a template needs: chains to show, and named objects for the prose.

    ``roles`` names the symbols a notation may print differently (``{"logits": z, …}``);
    the prose, title and tags are the template's, so that they can be translated.
    """

    derivation: str
    chains: tuple[Chain, ...]
    math: Mapping[str, Basic] = field(default_factory=dict)
    data: Mapping[str, object] = field(default_factory=dict)
    roles: Mapping[str, Symbol] = field(default_factory=dict)

    def chain(self, name: str) -> Chain:
        """The chain called ``name``."""
        for chain in self.chains:
            if chain.name == name:
                return chain
        raise KeyError(f"{self.derivation} has no chain '{name}'")


@dataclass(frozen=True)
class ProvenEquation:
    """One numbered equation, with the proof that it follows."""

    tag: int
    chain: str
    lhs: Expr
    rhs: Expr
    rule: str
    conditions: tuple[Basic, ...]
    continued: bool
    proof: Proof
    context: Context

    @cached_property
    def definitions(self) -> tuple[Definition, ...]:
        """The definitions the equation relies on, in the order a reader meets them."""
        return self.context.used_by(standard(self.lhs), standard(self.rhs))


def standard(expr: Basic) -> Basic:
    """The same value in plain SymPy: display-only nodes replaced by what they mean."""
    if isinstance(expr, MatrixBase):
        return expr.applyfunc(standard)
    if isinstance(expr, SumExcept):
        return standard(expr.as_sum())
    if isinstance(expr, UnevaluatedExpr):
        return standard(expr.args[0])
    if not expr.args or isinstance(expr, Indexed):
        return expr
    return expr.func(*[standard(a) for a in expr.args])


#: Told before each equation is proven: how many are done, out of how many, and which is next.
Progress = Callable[[int, int, str], None]


def prove(
    document: Document, *, cache: ProofCache | None = None, progress: Progress | None = None
) -> tuple[ProvenEquation, ...]:
    """Number and prove every equation of ``document``, or raise on the first failure.

    ``cache`` answers a statement proven by an earlier run (see :mod:`derive.proofcache`).
    """
    return tuple(_prove_all(document, cache, progress))


def _prove_all(
    document: Document, cache: ProofCache | None = None, progress: Progress | None = None
) -> Iterator[ProvenEquation]:
    tag = 0
    total = sum(len(chain.links) for chain in document.chains)
    for chain in document.chains:
        previous = chain.lhs
        conditions = tuple(chain.conditions)
        for position, link in enumerate(chain.links):
            tag += 1
            conditions += tuple(c for c in link.conditions if c not in conditions)
            if progress is not None:
                progress(tag - 1, total, f"({tag}) {chain.name}: {link.rule}")
            proof = proofcache.prove(chain.verifier, previous, link.expr, conditions, cache)
            if not proof.verified:
                raise StepNotProven(f"({tag}) [{chain.name}: {link.rule}]", proof.explain())
            yield ProvenEquation(
                tag=tag,
                chain=chain.name,
                lhs=chain.lhs,
                rhs=link.expr,
                rule=link.rule,
                conditions=conditions,
                continued=position > 0,
                proof=proof,
                context=chain.verifier.context,
            )
            previous = link.expr
