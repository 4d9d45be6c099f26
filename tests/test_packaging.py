"""The wheel carries the templates and the CLI inside the package, and works when installed."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = dist.glob("derive-*.whl")
    return built


def test_wheel_contains_every_template_and_no_bare_cli_module(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for template in (ROOT / "templates").iterdir():
        assert f"derive/templates/{template.name}" in names
    for catalogue in (ROOT / "derive" / "locale").glob("*/LC_MESSAGES/*.po"):
        assert catalogue.relative_to(ROOT).as_posix() in names
    assert "derive/cli.py" in names
    assert not {
        name for name in names if name in ("cli.py", "cli/__init__.py") or name.startswith("templates/")
    }


def test_installed_derive_runs_outside_the_repository(wheel, tmp_path):
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    where = subprocess.run(
        [sys.executable, "-c", "import derive, derive.cli; print(derive.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(site))
    result = subprocess.run(
        [str(site / "bin" / "derive"), "softmax-ce", "--n", "2", "--date", "2026-01-02", "--lang", "ko"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "all proven" in result.stdout
    post = (elsewhere / "output" / "softmax-ce-n2.ko.md").read_text(encoding="utf-8")
    assert post.startswith("---\ntitle: 소프트맥스"), "templates and catalogues are found when installed"
