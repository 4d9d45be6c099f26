"""``python -m pytest --derive-check PATH…``: every post under the paths is a test.

Registered through the ``pytest11`` entry point, so installing derive is all a blog's
repository needs. Each post (``.md``, ``.qmd``, ``.tex``, ``.html``, ``.ipynb``) is one
test item; a wrong step fails it, and the failure shows the report's lines for the wrong
steps: line, step, counterexample. ``--derive-strict`` fails a step left ``?`` too, and a
post with no math. Proofs come from and go to the same cache as ``derive check``.

Without ``--derive-check`` the plugin collects nothing and imports nothing heavy.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SUFFIXES = frozenset({".md", ".qmd", ".tex", ".html", ".ipynb"})


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("derive", "derive check: posts whose derivations are checked")
    group.addoption(
        "--derive-check",
        action="store_true",
        help="Check every post (.md, .qmd, .tex, .html, .ipynb) under the paths given; one test each.",
    )
    group.addoption(
        "--derive-strict",
        action="store_true",
        help="With --derive-check, also fail a post with a step left unchecked (?) or no math.",
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if parent.config.getoption("derive_check") and file_path.suffix.lower() in SUFFIXES:
        return PostFile.from_parent(parent, path=file_path)
    return None


class PostFile(pytest.File):
    """A post: one item, whose name says what is tested."""

    def collect(self):
        yield PostItem.from_parent(self, name="derive-check")


class PostFailed(Exception):
    """The report's lines for what failed."""


class PostItem(pytest.Item):
    def runtest(self) -> None:
        from derive.check.report import check_file, fails, failures_as_text
        from derive.errors import DeriveError
        from derive.proofcache import ProofCache

        strict = self.config.getoption("derive_strict")
        try:
            report = check_file(self.path, cache=ProofCache())
        except DeriveError as error:  # missing, binary, too large: the reason is the failure
            raise PostFailed(str(error)) from None
        if fails(report, strict=strict):
            raise PostFailed(failures_as_text(self.nodeid.split("::")[0], report, strict=strict))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None):
        if isinstance(excinfo.value, PostFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return self.path, None, f"derive check {self.path.name}"
