"""derive: build a derivation with SymPy, prove every step, and render it as a post."""

__version__ = "0.1.0"

from derive.algebra import Context, Definition, SumExcept
from derive.check.reading import Reading, Unreadable, read_latex
from derive.errors import DeriveError, IdentityNotProven, StepNotProven
from derive.verify import Proof, Verifier, assert_identity

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
