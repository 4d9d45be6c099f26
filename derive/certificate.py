"""The certificate: one JSON record per numbered equation, enough to re-check it alone.

Each record holds the two sides and the conditions as ``srepr`` strings of plain SymPy
objects, the definitions the equation uses as ``Eq(abbreviation, expression)`` in the order
to apply them, the rule, how it was proven, and whether it was. To re-check a record, an
independent program parses the strings with SymPy, evaluates each derivative with respect
to an abbreviation (``∂L/∂p_j``) while that abbreviation is still a variable, substitutes
the definitions in order, and compares the sides — for example at every index of a concrete
N. An indexed definition such as ``Eq(p[i], …)`` stands for every member of its family.
"""

from __future__ import annotations

from sympy import srepr

from derive import __version__
from derive.document import ProvenEquation, standard


def record(equation: ProvenEquation) -> dict:
    return {
        "tag": equation.tag,
        "lhs": srepr(standard(equation.lhs)),
        "rhs": srepr(standard(equation.rhs)),
        "conditions": [srepr(standard(c)) for c in equation.conditions],
        "definitions": [srepr(d.as_eq()) for d in equation.definitions],
        "rule": equation.rule,
        "method": equation.proof.method,
        "verified": equation.proof.verified,
    }


def certificate(derivation: str, n: int, equations: tuple[ProvenEquation, ...], *, route: str) -> dict:
    return {
        "derivation": derivation,
        "route": route,
        "n": n,
        "generator": f"derive {__version__}",
        "equations": [record(e) for e in equations],
    }
