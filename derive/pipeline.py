"""The whole job in one short function, stage by stage."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

from derive import derivations
from derive.certificate import certificate
from derive.document import ProvenEquation, prove
from derive.output import seal_json, seal_markdown
from derive.render import render


@dataclass(frozen=True)
class Generated:
    """A rendered post, its certificate, and the proven equations behind both."""

    post: str
    certificate: str
    equations: tuple[ProvenEquation, ...]

    def summary(self) -> str:
        """'55 equations, all proven: 35 symbolic for all N, 20 exact'."""
        kinds = Counter(
            "symbolic for all N" if "symbolic" in e.proof.method else "exact" for e in self.equations
        )
        detail = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items(), reverse=True))
        return f"{len(self.equations)} equations, all proven: {detail}"


def generate(name: str, n: int, *, date: datetime.date) -> Generated:
    derivation = derivations.get(name)  # 1. which derivation, and its limits
    derivation.check_n(n)
    document = derivation.build(n)  # 2. the chains of SymPy equations
    equations = prove(document)  # 3. every link proven, or StepNotProven names it
    post = render(document, equations, derivation.template, date=date)  # 4. printed
    return Generated(
        post=seal_markdown(post),
        certificate=seal_json(certificate(name, n, equations)),
        equations=equations,
    )
