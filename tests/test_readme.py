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


# -- the README says what the program does ------------------------------------------------------

TEXT = README.read_text(encoding="utf-8")
ROOT = README.parent


def test_the_sample_is_the_post_s_own_text_with_the_numbers_it_names():
    first, last, sample = re.search(
        r"A sample, equations \((\d+)\)–\((\d+)\) of `output/softmax-ce-n3.md`:\n\n```markdown\n(.*?)\n```",
        TEXT,
        re.DOTALL,
    ).groups()
    assert sample in (ROOT / "output" / "softmax-ce-n3.md").read_text(encoding="utf-8")
    tags = [int(tag) for tag in re.findall(r"\\tag\{(\d+)\}", sample)]
    assert tags == list(range(int(first), int(last) + 1))


def test_the_range_of_n_is_each_derivation_s_own():
    (row,) = [line for line in TEXT.splitlines() if line.startswith("| `--n N` |")]
    ranges = {}
    for low, high, names in re.findall(r"(\d+) to (\d+) for ([^;.]+)", row):
        for name in re.findall(r"`([\w-]+)`", names):
            ranges[name] = (int(low), int(high))
    assert ranges == {d.name: (d.min_n, d.max_n) for d in derivations.REGISTRY.values()}


def test_the_tex_install_hint_is_the_one_the_error_gives():
    from derive.pdf import _PACKAGES

    for packages in _PACKAGES.values():
        assert f"apt-get install {packages}`" in TEXT


@pytest.mark.parametrize("base", ["file:///usr/share/katex/dist", "/usr/share/katex/dist"])
def test_katex_base_refuses_what_the_readme_says_it_refuses(base):
    from click.testing import CliRunner

    from cli import cli

    assert "`file://` URLs\nand absolute paths are refused" in TEXT
    result = CliRunner().invoke(cli, ["softmax-ce", "--target", "html", "--katex-base", base, "-o", "-"])
    assert result.exit_code == 2 and "http(s) URL or a relative path" in result.output


GOOD = "$$\n\\frac{d}{dx} x^2 = 2x\n$$\n"


def test_the_check_commands_run_as_written(tmp_path, monkeypatch):
    import shlex
    import subprocess
    import sys

    from click.testing import CliRunner

    from cli import cli

    commands = re.findall(r"^    (derive check [^#\n]*?)\s*(?:#.*)?$", TEXT, re.MULTILINE)
    assert len(commands) >= 5
    monkeypatch.chdir(tmp_path)
    for name in ("post.md", "a.md", "c.html"):
        (tmp_path / name).write_text(GOOD, encoding="utf-8")
    tex = "\\begin{equation}\\frac{d}{dx} x^2 = 2x\\end{equation}\n"
    (tmp_path / "b.tex").write_text(tex, encoding="utf-8")
    for command in commands:
        result = CliRunner().invoke(cli, shlex.split(command)[1:])
        assert result.exit_code == 0, (command, result.output)
    (pytest_command,) = re.findall(r"^    (python -m pytest --derive-check .*)$", TEXT, re.MULTILINE)
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "good.md").write_text(GOOD, encoding="utf-8")
    argv = [sys.executable, *shlex.split(pytest_command)[1:], "-p", "no:cacheprovider"]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and "1 passed" in result.stdout, result.stdout + result.stderr


def test_the_pre_commit_lines_name_the_hook_this_repository_defines():
    import yaml

    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    block = re.search(r"^    - repo: .*\n(?:^      .*\n)+", TEXT, re.MULTILINE).group(0)
    (entry,) = yaml.safe_load("\n".join(line[4:] for line in block.splitlines()))
    assert entry["hooks"] == [{"id": hook["id"]}] and "rev" in entry
