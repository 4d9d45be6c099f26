"""Proofs remembered between runs, addressed by what they prove.

A proof is kept under the SHA-256 of everything its verdict depends on: both sides of the
equation and its conditions (in effect their ``srepr``, which spells out every symbol with
its assumptions), the definitions in force, the verifier's settings, the source of the modules
that decide proofs, and the SymPy version. Change any of them — a flipped sign, a new
definition, an edited verifier, another SymPy — and the key changes, so a proof is only
ever reused for the very statement it proved, by the very code that proved it.

Only successful proofs are kept. A step that fails is proven afresh on every run, so its
error and counterexample always come from the current code. ``--no-cache`` (or
``cache=None`` in the library, the default there) proves everything from scratch.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from functools import cache, lru_cache
from pathlib import Path

import sympy
from sympy import Basic, MatrixBase, srepr
from sympy.core.function import AppliedUndef

from derive.verify import Proof, Verifier

#: Bumped when the layout of an entry changes; old entries are then simply never found.
FORMAT = "1"
#: The modules whose code decides whether an equation is proven.
_DECIDING_MODULES = (
    "algebra.py",
    "differentiate.py",
    "evaluation.py",
    "matrices.py",
    "symmetry.py",
    "verify.py",
    "proofcache.py",
)


@cache
def _code_fingerprint() -> str:
    digest = hashlib.sha256(f"derive-proof-cache {FORMAT} sympy {sympy.__version__}".encode())
    for name in _DECIDING_MODULES:
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()


# A link's right side is the next link's left side, and a chain shares its verifier: each is
# digested once.
def _digest(expr: Basic) -> str:
    if isinstance(expr, MatrixBase):  # a mutable Matrix cannot be a dictionary key
        expr = expr.as_immutable()
    return _digest_of(expr) if isinstance(expr, Basic) else srepr(expr)


@lru_cache(maxsize=65536)
def _digest_of(expr: Basic) -> str:
    """The SHA-256 of ``srepr`` in effect, built from the digests of the parts, which are kept
    (a Merkle hash: a long matrix costs one digest per node, not one string per subtree).

    A SymPy object is its class and its arguments (SymPy's invariant
    ``expr.func(*expr.args) == expr``); what an atom carries besides — a symbol's
    assumptions, a dummy's index, a float's precision — is in its ``srepr``, and so is the
    identity of an undefined function.
    """
    if not isinstance(expr, Basic) or not expr.args:
        text = srepr(expr)
    else:
        head = (
            srepr(expr.func)
            if isinstance(expr, AppliedUndef)
            else f"{type(expr).__module__}.{type(expr).__qualname__}"
        )
        text = f"{head}({','.join(map(_digest_of, expr.args))})"
    return hashlib.sha256(text.encode()).hexdigest()


@lru_cache(maxsize=64)
def _verifier_text(verifier: Verifier) -> str:
    context = verifier.context
    return "\n".join(
        [
            _code_fingerprint(),
            *(f"{_digest(d.name)}:={_digest(d.expression)}:{d.opaque}" for d in context.definitions),
            f"size {_digest(context.size)}; ranges {srepr(context.ranges)}",
            f"{verifier.exact_sizes} {verifier.numeric_points} {verifier.seed} "
            f"{verifier.by_instances} {verifier.witness_points}",
        ]
    )


def cache_home() -> Path:
    """derive's cache: ``$DERIVE_CACHE_DIR``, else ``$XDG_CACHE_HOME/derive``, else ``~/.cache/derive``."""
    configured = os.environ.get("DERIVE_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "derive"


class ProofCache:
    """A directory of proven statements, one small JSON file per key."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory if directory is not None else cache_home() / "proofs"

    def key(self, verifier: Verifier, lhs: Basic, rhs: Basic, conditions: Sequence[Basic]) -> str:
        parts = [_verifier_text(verifier), _digest(lhs), _digest(rhs), *map(_digest, conditions)]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> Proof | None:
        try:
            entry = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        # An entry names its own key: a file copied or renamed by hand is not trusted.
        if not isinstance(entry, dict) or entry.get("key") != key or not isinstance(entry.get("method"), str):
            return None
        return Proof(True, entry["method"])

    def put(self, key: str, proof: Proof) -> None:
        if not proof.verified:
            return
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        except OSError:
            return  # a cache that cannot be written only costs time: the proof itself stands
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump({"key": key, "method": proof.method}, stream)
            os.replace(temporary, path)
        except OSError:
            Path(temporary).unlink(missing_ok=True)


def prove(
    verifier: Verifier,
    lhs: Basic,
    rhs: Basic,
    conditions: Sequence[Basic] = (),
    cache: ProofCache | None = None,
) -> Proof:
    """``verifier.prove``, answered from ``cache`` when this very statement was proven before."""
    if cache is None:
        return verifier.prove(lhs, rhs, conditions)
    key = cache.key(verifier, lhs, rhs, conditions)
    proof = cache.get(key)
    if proof is None:
        proof = verifier.prove(lhs, rhs, conditions)
        cache.put(key, proof)
    return proof
