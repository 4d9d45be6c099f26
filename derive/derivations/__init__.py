"""The derivations derive knows, each registered once with its name, summary and limits.

``derive list``, ``derive <name> --help`` and the CLI's checks all read this registry.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

from derive.document import Document
from derive.errors import InvalidParameter, UnknownDerivation


@dataclass(frozen=True)
class Derivation:
    """A named derivation: ``build(n)`` returns its document for a worked example of ``n``."""

    name: str
    summary: str
    template: str
    build: Callable[[int], Document]
    default_n: int = 3
    min_n: int = 2
    max_n: int = 50

    def check_n(self, n: int) -> int:
        if not self.min_n <= n <= self.max_n:
            raise InvalidParameter(
                f"--n must be between {self.min_n} and {self.max_n} for {self.name} "
                f"(got {n}); the limit keeps the written-out example readable and fast to prove"
            )
        return n


REGISTRY: dict[str, Derivation] = {}


def register(derivation: Derivation) -> Derivation:
    REGISTRY[derivation.name] = derivation
    return derivation


def get(name: str) -> Derivation:
    """The derivation called ``name``, or an error that suggests the closest name."""
    try:
        return REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(name, REGISTRY, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; known: {', '.join(sorted(REGISTRY))}"
        raise UnknownDerivation(f"no derivation named '{name}'{hint}") from None


def _register_builtins() -> None:
    from derive.derivations import softmax_ce

    register(
        Derivation(
            name="softmax-ce",
            summary="softmax + cross-entropy: ∂L/∂z_i = p_i − y_i, with a worked example for N classes",
            template="softmax-ce.j2",
            build=softmax_ce.build,
        )
    )


_register_builtins()
