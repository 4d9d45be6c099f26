"""Shared fixtures: the softmax-ce derivation proven once, and its posts for every target."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from dataclasses import replace

import pytest
from sympy import Basic, MatrixBase

from derive import derivations
from derive.document import Document
from derive.notation import Notation
from derive.pipeline import Proven, prove_derivation, publish
from derive.targets import TARGETS

GOLDEN_DATE = datetime.date(2026, 11, 21)


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """derive's caches (proofs, compiled templates) go to the test run's own directory,
    never the user's; subprocesses inherit it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DERIVE_CACHE_DIR", str(tmp_path_factory.mktemp("derive-cache")))
        yield


_PROVEN: dict[tuple[str, int, str], Proven] = {}


def proven_once(name: str, n: int, route: str | None = None) -> Proven:
    """``prove_derivation``, once per test session for each derivation, n and route.

    Proofs are read, never changed (a broken copy is a new document), so the catalogue and
    each derivation's own tests can share them.
    """
    key = (name, n, derivations.get(name).get_route(route).name)
    if key not in _PROVEN:
        _PROVEN[key] = prove_derivation(name, n, route)
    return _PROVEN[key]


@pytest.fixture(scope="session")
def softmax_ce() -> Proven:
    return proven_once("softmax-ce", 3)


@pytest.fixture(scope="session")
def document(softmax_ce):
    return softmax_ce.document


@pytest.fixture(scope="session")
def proven(softmax_ce):
    return softmax_ce.equations


@pytest.fixture(scope="session")
def post(softmax_ce) -> Callable[..., str]:
    """``post("quarto", "ko")``: the sealed softmax-ce post, rendered once per combination."""
    cache: dict[tuple, str] = {}

    def render(target: str = "hugo", lang: str = "en", notation: Notation | None = None, **options) -> str:
        key = (target, lang, notation, tuple(sorted(options.items())))
        if key not in cache:
            cache[key] = publish(
                softmax_ce, date=GOLDEN_DATE, target=TARGETS[target], lang=lang, notation=notation, **options
            ).post
        return cache[key]

    return render


def broken(document: Document, chain: str, position: int, expr: Basic) -> Document:
    """Only the chain ``chain``, with its link ``position`` (from 0) written as ``expr``.

    Each chain is proven from its own left side, so the others are not needed to see the
    broken link refused.
    """
    original = document.chain(chain)
    links = list(original.links)
    links[position] = replace(links[position], expr=expr)
    return replace(document, chains=(replace(original, links=tuple(links)),))


def evaluated(expr: Basic) -> Basic:
    """``expr`` rebuilt with SymPy's evaluation, so a kept order compares equal to the canonical one."""
    if isinstance(expr, MatrixBase):
        return expr.applyfunc(evaluated)
    return expr.func(*[evaluated(a) for a in expr.args]) if expr.args else expr


class Terminal(io.StringIO):
    """A stream that says whether it is a terminal, for the progress lines shown only on one."""

    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty
