"""Shared fixtures: the softmax-ce document and its proven equations, built once."""

from __future__ import annotations

import datetime

import pytest

from derive.derivations import get
from derive.document import prove

GOLDEN_DATE = datetime.date(2026, 11, 21)


@pytest.fixture(scope="session")
def document():
    return get("softmax-ce").build(3)


@pytest.fixture(scope="session")
def proven(document):
    return prove(document)
