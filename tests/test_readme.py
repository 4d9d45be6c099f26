"""The README's examples work as written, and the claims made beside them hold."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from derive import derivations
from derive.errors import StepNotProven

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


@pytest.fixture(autouse=True)
def own_registry(monkeypatch):
    """A derivation an example registers is gone after the test."""
    monkeypatch.setattr(derivations, "REGISTRY", dict(derivations.REGISTRY))


def test_python_examples_run():
    assert BLOCKS
    for block in BLOCKS:
        exec(compile(block, str(README), "exec"), {})


def test_the_user_derivation_is_listed_and_its_broken_copy_refused():
    (example,) = [block for block in BLOCKS if "register(" in block]
    exec(compile(example, str(README), "exec"), {})
    assert "lse-gradient" in derivations.REGISTRY
    derivations.REGISTRY.pop("lse-gradient")
    broken = example.replace("1 / (1 + Add", "1 / (1 - Add")
    assert broken != example
    with pytest.raises(StepNotProven, match=r"step \(2\)"):
        exec(compile(broken, str(README), "exec"), {})
