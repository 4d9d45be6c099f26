"""derive: build a derivation with SymPy, prove every step, and render it as a post."""

__version__ = "0.1.0"

from derive.algebra import Context, Definition, SumExcept
from derive.errors import DeriveError, IdentityNotProven, StepNotProven
from derive.verify import Proof, Verifier, assert_identity

# The reader is imported when first asked for: generating a post never loads the checker.
_READER = {"Reading", "Unreadable", "read_latex"}


def __getattr__(name: str):
    if name in _READER:
        from derive.check import reading

        return getattr(reading, name)
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
