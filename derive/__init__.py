"""derive: build a derivation with SymPy, prove every step, and render it as a post."""

__version__ = "0.1.0"

from derive.errors import DeriveError, IdentityNotProven, StepNotProven

# The rest is imported when first asked for: ``import derive`` stays light, so the ``derive``
# command can answer Ctrl-C during its start-up (derive/entry.py), and generating a post never
# loads the checker.
_LAZY = {
    "Context": "derive.algebra",
    "Definition": "derive.algebra",
    "SumExcept": "derive.algebra",
    "Proof": "derive.verify",
    "Verifier": "derive.verify",
    "assert_identity": "derive.verify",
    "Reading": "derive.check.reading",
    "Unreadable": "derive.check.reading",
    "read_latex": "derive.check.reading",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'derive' has no attribute {name!r}")


__all__ = [
    "Context",
    "Definition",
    "DeriveError",
    "IdentityNotProven",
    "Proof",
    "Reading",
    "StepNotProven",
    "SumExcept",
    "Unreadable",
    "Verifier",
    "__version__",
    "assert_identity",
    "read_latex",
]
