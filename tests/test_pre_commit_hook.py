"""The pre-commit hook (.pre-commit-hooks.yaml), run by the real pre-commit in a blog's repository.

pre-commit clones this repository (uncommitted changes included: ``try-repo`` commits them in
its clone) and installs derive into a virtualenv of its own with pip, which fetches derive's
dependencies from the package index: the first run takes a minute or so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

GOOD = "# Good\n\n$$\n\\frac{d}{dx} x^2 = 2x\n$$\n"
BROKEN = "# Broken\n\n$$\n\\frac{d}{dx} x^3 = 2x\n$$\n"

pytestmark = pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs git and a clone of derive"
)


def _git(folder: Path, *arguments: str) -> None:
    subprocess.run(["git", "-C", str(folder), *arguments], check=True, capture_output=True)


@pytest.fixture(scope="module")
def blog(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("blog")
    _git(folder, "init", "-q")
    _git(folder, "config", "user.email", "blogger@example.org")
    _git(folder, "config", "user.name", "Blogger")
    (folder / "good.md").write_text(GOOD, encoding="utf-8")
    (folder / "broken.md").write_text(BROKEN, encoding="utf-8")
    (folder / "notes.qmd").write_text(BROKEN, encoding="utf-8")
    (folder / "script.py").write_text("# $$ \\frac{d}{dx} x^3 = 2x $$ is code\n", encoding="utf-8")
    _git(folder, "add", ".")
    environment = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home")),
        "DERIVE_CACHE_DIR": str(tmp_path_factory.mktemp("derive-cache")),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    return folder, environment


def _hook(blog, *files: str) -> subprocess.CompletedProcess:
    folder, environment = blog
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "derive-check", "--files", *files],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=1200,
    )


def test_the_hook_passes_a_good_post(blog):
    result = _hook(blog, "good.md", "script.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "derive check" in result.stdout and "Passed" in result.stdout


def test_the_hook_fails_a_broken_post_and_shows_the_step(blog):
    result = _hook(blog, "good.md", "broken.md", "notes.qmd")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Failed" in result.stdout
    assert "✗ \\frac{d}{dx} x^3 = 2x" in result.stdout
    assert "notes.qmd: 1 step, ✓ 0, ✗ 1, ? 0" in result.stdout
