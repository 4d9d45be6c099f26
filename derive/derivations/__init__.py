"""The derivations derive knows, each registered once with its name, summary and parameters.

``derive list``, ``derive <name> --help``, the CLI's checks and the library all read this
registry. A derivation is a ``build(n)`` function returning a :class:`~derive.document.Document`
of chains, and a template for its prose; :func:`register` adds one of your own::

    register(Derivation("power-rule", "d/dx xⁿ = n xⁿ⁻¹", build))

Without a template of its own, a derivation is shown by ``generic.j2``: each chain under the
text given for it in ``Document.data["prose"]``.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sympy import Expr, IndexedBase, Sum, Symbol, exp, log, symbols

from derive.document import Document
from derive.errors import InvalidParameter, UnknownDerivation
from derive.notation import ROLES

GENERIC_TEMPLATE = "generic.j2"

#: The letters a derivation's knowledge is written in; a post's own letters replace them.
LOSS, SIZE = Symbol("L"), Symbol("N", integer=True, positive=True)
LOGITS, PROBS, LABELS = IndexedBase("z"), IndexedBase("p"), IndexedBase("y")
_i, _k = symbols("i k", integer=True, positive=True)
INDEX = _i


@dataclass(frozen=True)
class Knowledge:
    """What a derivation proves, as ``derive check`` recognises it in someone else's post.

    ``loss`` and ``probs`` are the definitions (of L, and of p_i in terms of the logits z_i)
    that identify the derivation; ``result`` is ∂L/∂z_i, which holds ``given`` its conditions.
    All are written in :data:`LOSS`, :data:`PROBS`, :data:`LABELS`, :data:`LOGITS`,
    :data:`INDEX` and :data:`SIZE`.
    """

    loss: Expr
    probs: Expr
    result: Expr
    given: str = "Σ y = 1"
    #: Whether ``result`` needs the labels to sum to one (a softmax does; a sigmoid per
    #: output does not).
    labels_sum_to_one: bool = True


@dataclass(frozen=True)
class Route:
    """One way through a derivation: its own chains and prose, the same proven result."""

    name: str
    summary: str
    build: Callable[[int], Document]
    template: str = GENERIC_TEMPLATE


@dataclass(frozen=True)
class Derivation:
    """A named derivation: ``build(n)`` returns its document for a worked example of ``n``.

    ``build`` and ``template`` make the default route, called ``route``; ``other_routes``
    reach the same result another way (``derive softmax-ce --route complement``).
    ``n_help`` says what ``--n`` counts, and ``roles`` which letters a notation may rename.
    ``template_dir`` is where a template of your own lives, outside derive's package.
    """

    name: str
    summary: str
    build: Callable[[int], Document]
    template: str = GENERIC_TEMPLATE
    route: str = "default"
    route_summary: str = ""
    other_routes: tuple[Route, ...] = ()
    n_help: str = "Number of classes in the worked example"
    default_n: int = 3
    min_n: int = 2
    max_n: int = 50
    roles: tuple[str, ...] = ()
    template_dir: Path | None = None
    #: What it proves, for ``derive check`` to compare a post's result with.
    knowledge: Knowledge | None = None

    def __post_init__(self) -> None:
        unknown = set(self.roles) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles {sorted(unknown)}; a notation renames {', '.join(ROLES)}")
        names = [route.name for route in self.routes]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name} has two routes with the same name: {names}")

    @property
    def routes(self) -> tuple[Route, ...]:
        """Every route, the default first."""
        default = Route(self.route, self.route_summary or self.summary, self.build, self.template)
        return (default, *self.other_routes)

    def get_route(self, name: str | None = None) -> Route:
        """The route called ``name`` (the default for None), or an error naming the known ones."""
        for route in self.routes:
            if name is None or route.name == name:
                return route
        known = ", ".join(route.name for route in self.routes)
        raise InvalidParameter(f"{self.name} has no route '{name}'; its routes are {known}")

    def check_n(self, n: int) -> int:
        if not self.min_n <= n <= self.max_n:
            raise InvalidParameter(
                f"--n must be between {self.min_n} and {self.max_n} for {self.name} "
                f"(got {n}); the limit keeps the written-out example readable and fast to prove"
            )
        return n

    def file_stem(self, route: str | None = None) -> str:
        """``softmax-ce``, or ``softmax-ce-complement`` for a route other than the default."""
        chosen = self.get_route(route).name
        return self.name if chosen == self.route else f"{self.name}-{chosen}"


REGISTRY: dict[str, Derivation] = {}


def register(derivation: Derivation) -> Derivation:
    """Add ``derivation`` to the registry; a name can be registered only once."""
    if derivation.name in REGISTRY and REGISTRY[derivation.name] != derivation:
        raise ValueError(f"a derivation named '{derivation.name}' is already registered")
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


def builder(module: str) -> Callable[[int], Document]:
    """``build`` of ``derive.derivations.<module>``, imported when first used.

    Routes that share a derivation's symbols import its module; building them lazily keeps
    that module free of imports back from its routes.
    """

    def build(n: int) -> Document:
        return importlib.import_module(f"derive.derivations.{module}").build(n)

    return build


_CROSS_ENTROPY = -Sum(LABELS[_k] * log(PROBS[_k]), (_k, 1, SIZE))
_TEMPERATURE = Symbol("T", positive=True)

#: derive's own derivations. Their code is imported only when one of them is built, so that
#: ``derive --help`` or a run of one derivation does not pay for all the others.
BUILTINS = (
    Derivation(
        name="softmax-ce",
        summary="softmax + cross-entropy: ∂L/∂z_i = p_i − y_i, with a worked example for N classes",
        build=builder("softmax_ce"),
        template="softmax-ce.j2",
        route="quotient",
        route_summary="the quotient rule on the softmax, case i = j and i ≠ j, then the chain rule",
        other_routes=(
            Route(
                "complement",
                "p_i = 1 − Σ_{j≠i} e^{z_j}/Σ_k e^{z_k} and one true class r, L = −log p_r",
                builder("softmax_ce_complement"),
                "softmax-ce-complement.j2",
            ),
            Route(
                "log-sum-exp",
                "L = −z_r + log Σ_k e^{z_k}: the shortest route, and the one frameworks compute",
                builder("softmax_ce_log_sum_exp"),
                "softmax-ce-log-sum-exp.j2",
            ),
        ),
        roles=("logits", "probs", "labels", "classes"),
        knowledge=Knowledge(
            _CROSS_ENTROPY,
            exp(LOGITS[_i]) / Sum(exp(LOGITS[_k]), (_k, 1, SIZE)),
            PROBS[_i] - LABELS[_i],
        ),
    ),
    Derivation(
        name="sigmoid-bce",
        summary="sigmoid + binary cross-entropy: ∂L/∂z = σ(z) − y, for one output and for N outputs",
        build=builder("sigmoid_bce"),
        template="sigmoid-bce.j2",
        n_help="Number of outputs in the worked example",
        min_n=1,
        max_n=50,
        roles=("logits", "probs", "labels", "classes"),
        knowledge=Knowledge(
            -Sum(LABELS[_k] * log(PROBS[_k]) + (1 - LABELS[_k]) * log(1 - PROBS[_k]), (_k, 1, SIZE)),
            1 / (1 + exp(-LOGITS[_i])),
            PROBS[_i] - LABELS[_i],
            given="any labels in [0, 1]",
            labels_sum_to_one=False,
        ),
    ),
    Derivation(
        name="mse-linear",
        summary="squared error of a linear layer ŷ = W x + b: ∂L/∂W = (ŷ − y) xᵀ and ∂L/∂b = ŷ − y",
        build=builder("mse_linear"),
        template="mse-linear.j2",
        n_help="Number of outputs in the worked example (with 2 inputs)",
        min_n=1,
        max_n=50,
        roles=("labels",),
    ),
    Derivation(
        name="softmax-temperature",
        summary="softmax with temperature T + cross-entropy: ∂L/∂z_i = (p_i − y_i)/T, with a worked example",
        build=builder("softmax_temperature"),
        template="softmax-temperature.j2",
        roles=("logits", "probs", "labels", "classes"),
        knowledge=Knowledge(
            _CROSS_ENTROPY,
            exp(LOGITS[_i] / _TEMPERATURE) / Sum(exp(LOGITS[_k] / _TEMPERATURE), (_k, 1, SIZE)),
            (PROBS[_i] - LABELS[_i]) / _TEMPERATURE,
        ),
    ),
    Derivation(
        name="label-smoothing-ce",
        summary="softmax + cross-entropy with label smoothing ε: ∂L/∂z_i = p_i − (1 − ε)δ_ir − ε/N",
        build=builder("label_smoothing_ce"),
        template="label-smoothing-ce.j2",
        roles=("logits", "probs", "labels", "classes"),
    ),
    Derivation(
        name="softmax-jacobian",
        summary=(
            "softmax Jacobian ∂p_i/∂z_j = p_i(δ_ij − p_j), J = diag(p) − p pᵀ: J = Jᵀ, J 1 = 0, 1ᵀ J = 0ᵀ"
        ),
        build=builder("softmax_jacobian"),
        template="softmax-jacobian.j2",
        n_help="Number of classes N of the worked example, whose N×N Jacobian is written out",
        default_n=3,
        min_n=2,
        max_n=8,
        roles=("logits", "probs", "classes"),
    ),
    Derivation(
        name="rnn-output",
        summary="RNN output layer: ∂L/∂V = Σ_t (ŷ_t − y_t) h_tᵀ, with the lecture's two-step example",
        build=builder("rnn_output"),
        template="rnn-output.j2",
        n_help=(
            "Number of time steps T of the lecture's example; 2 is the lecture's own, and longer "
            "sequences repeat its two inputs, each target being the next input"
        ),
        default_n=2,
        min_n=2,
        max_n=8,
        roles=("logits", "probs", "labels", "classes"),
    ),
)

for _builtin in BUILTINS:
    register(_builtin)


def knowledge() -> list[tuple[str, Knowledge]]:
    """Every registered derivation's knowledge, by name, in the order they were registered."""
    return [(d.name, d.knowledge) for d in REGISTRY.values() if d.knowledge is not None]
