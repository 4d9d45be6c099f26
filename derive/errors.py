"""One exception family for everything derive refuses to do.

The CLI turns each of these into a one-line message and a non-zero exit; library users
catch :class:`DeriveError` and get the same message from ``str(error)``.
"""

from __future__ import annotations


class DeriveError(Exception):
    """Base class: every error derive raises on purpose."""

    exit_code = 1


class StepNotProven(DeriveError):
    """An equation of a derivation could not be proven, so nothing is emitted."""

    def __init__(self, step: str, reason: str) -> None:
        self.step = step
        self.reason = reason
        super().__init__(f"step {step} is not proven: {reason}")


class RuleNotApplicable(DeriveError, ValueError):
    """A derivation applied a rule to an expression it does not fit (an authoring mistake)."""


class IdentityNotProven(DeriveError, AssertionError):
    """``assert_identity`` could not prove two expressions equal."""


class InvalidParameter(DeriveError):
    """A parameter is outside what a derivation supports (for example ``--n``)."""

    exit_code = 2


class UnknownDerivation(DeriveError):
    """No derivation is registered under the requested name."""

    exit_code = 2


class OutputRefused(DeriveError):
    """An output file cannot be written without losing or half-writing something."""
