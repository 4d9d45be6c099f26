"""The whole job in two short functions, stage by stage.

Proving does not depend on how a post is printed, so one proof serves every target,
language and notation: :func:`prove_derivation` once, :func:`publish` for each post.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from derive import derivations
from derive.certificate import certificate
from derive.derivations import Derivation
from derive.document import Document, Progress, ProvenEquation, prove
from derive.notation import Notation
from derive.output import seal_json, seal_text
from derive.proofcache import ProofCache
from derive.render import render
from derive.targets import DEFAULT_TARGET, TARGETS, RenderTarget


@dataclass(frozen=True)
class Proven:
    """A derivation's document with every equation proven."""

    name: str
    n: int
    route: str
    document: Document
    equations: tuple[ProvenEquation, ...]
    #: The derivation itself, for one built at run time (``derive diff``) and not registered.
    derivation: Derivation | None = field(default=None, compare=False)

    @cached_property
    def certificate(self) -> str:
        """The sealed JSON record of every proof: the same for every post of this derivation."""
        return seal_json(certificate(self.name, self.n, self.equations, route=self.route))


@dataclass(frozen=True)
class Generated:
    """A rendered post, and the proven derivation behind it."""

    post: str
    proven: Proven

    @property
    def equations(self) -> tuple[ProvenEquation, ...]:
        return self.proven.equations

    @property
    def certificate(self) -> str:
        """The sealed JSON record of every proof (made only when asked for)."""
        return self.proven.certificate

    def summary(self) -> str:
        """'55 equations, all proven: 35 symbolic for all N, 20 exact'."""
        kinds = Counter(
            "symbolic for all N" if "symbolic" in e.proof.method else "exact" for e in self.equations
        )
        detail = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items(), reverse=True))
        return f"{len(self.equations)} equations, all proven: {detail}"


def prove_derivation(
    name: str | Derivation,
    n: int,
    route: str | None = None,
    *,
    cache: ProofCache | None = None,
    progress: Progress | None = None,
) -> Proven:
    # 1. which derivation (by name, or one built at run time), route and limits
    derivation = name if isinstance(name, Derivation) else derivations.get(name)
    chosen = derivation.get_route(route)
    derivation.check_n(n)
    document = chosen.build(n)  # 2. the chains of SymPy equations
    equations = prove(document, cache=cache, progress=progress)  # 3. every link proven, or StepNotProven
    built = derivation if isinstance(name, Derivation) else None
    return Proven(derivation.name, n, chosen.name, document, equations, built)


def publish(
    proven: Proven,
    *,
    date: datetime.date,
    target: RenderTarget = TARGETS[DEFAULT_TARGET],
    lang: str = "en",
    notation: Notation | None = None,
    katex_base: str | None = None,
) -> Generated:
    derivation = proven.derivation or derivations.get(proven.name)
    post = render(  # 4. printed for one host, language and notation
        proven.document,
        proven.equations,
        derivation.get_route(proven.route).template,
        template_dir=derivation.template_dir,
        target=target,
        lang=lang,
        notation=notation,
        date=date,
        katex_base=katex_base,
    )
    # 5. sealed, so a later run knows its own unedited files
    return Generated(post=seal_text(post, target.comment), proven=proven)


def generate(
    name: str | Derivation,
    n: int,
    *,
    date: datetime.date,
    route: str | None = None,
    cache: ProofCache | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> Generated:
    """Prove and publish one post; ``options`` are those of :func:`publish`."""
    proven = prove_derivation(name, n, route, cache=cache, progress=progress)
    return publish(proven, date=date, **options)
