"""``derive`` as a tool in a pipeline: exit codes, --strict, the summary line, progress only on
a terminal, nothing from a post reaching the terminal raw, and one line (never a traceback)
for an unwritable stdout and for Ctrl-C at any moment."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import Terminal

from bench.posts import long_post
from cli import _Progress, cli
from derive import entry
from derive.check import as_text, check_text

GOOD = "$$\n\\frac{d}{dx} x^2 = 2x\n$$\n"
WRONG = "$$\n\\frac{d}{dx} x^3 = 2x\n$$\n"
OPEN = "$$\n\\int_0^1 e^{-x^2} dx = 0.7468\n$$\n"  # a step derive cannot decide


def _post(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _check(*arguments: str):
    return CliRunner().invoke(cli, ["check", "--no-cache", *arguments])


@pytest.mark.parametrize(
    ("text", "plain", "strict"),
    [(GOOD, 0, 0), (WRONG, 1, 1), (OPEN, 0, 1), ("", 0, 1), ("Prose, and no math.\n", 0, 1)],
    ids=["proven", "wrong", "unchecked", "empty", "no-math"],
)
def test_exit_codes_with_and_without_strict(tmp_path, text, plain, strict):
    path = _post(tmp_path, "post.md", text)
    assert _check(path).exit_code == plain
    assert _check("--strict", path).exit_code == strict


def test_a_notebook_with_no_math_fails_under_strict(tmp_path):
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_markdown_cell("Just words.")]
    path = tmp_path / "empty.ipynb"
    nbformat.write(notebook, path)
    assert _check(str(path)).exit_code == 0
    assert _check("--strict", str(path)).exit_code == 1


def test_an_unreadable_post_exits_2_and_the_others_are_still_checked(tmp_path):
    good = _post(tmp_path, "good.md", GOOD)
    result = _check(str(tmp_path / "missing.md"), good)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == f"derive: error: {tmp_path / 'missing.md'} does not exist"
    assert f"{good}: 1 step, ✓ 1, ✗ 0, ? 0" in result.stderr


def test_one_summary_line_per_post_goes_to_stderr(tmp_path):
    wrong = _post(tmp_path, "wrong.md", GOOD + "\n" + WRONG)
    empty = _post(tmp_path, "empty.md", "")
    result = _check(wrong, empty)
    assert result.stderr.splitlines() == [f"{wrong}: 2 steps, ✓ 1, ✗ 1, ? 0", f"{empty}: no math found"]
    assert "2 steps" not in result.stdout.split("\n")[0]


def test_terminal_escapes_from_a_post_are_shown_escaped():
    report = check_text("$$\n\\text{\x1b]0;owned\x07} = 1 + \u202e2\n$$\n")
    text = as_text("post\x1b[2J.md", report)
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "\\x1b]0;owned\\x07" in text and "post\\x1b[2J.md" in text


@pytest.mark.parametrize(("stderr_tty", "stdout_tty", "shown"), [(True, True, True), (True, False, False)])
def test_progress_is_one_updating_line_and_only_on_a_terminal(stderr_tty, stdout_tty, shown):
    stream = Terminal(stderr_tty)
    progress = _Progress(stream, delay=0, verb="checking", output=Terminal(stdout_tty))
    for done in range(1, 4):
        progress(done, 3, "post.md")
    progress.close()
    written = stream.getvalue()
    assert ("checking 3/3 post.md" in written) == shown
    assert "\n" not in written  # rewritten in place, never a new line
    if not shown:
        assert written == ""


def test_a_bare_derive_prints_its_usage_and_exits_0():
    result = CliRunner().invoke(cli, [])
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage:") and "check" in result.stdout


# -- the real process: stdout that cannot be written, Ctrl-C --------------------------------------

DERIVE = [sys.executable, "-m", "derive"]


def _one_line_error(result: subprocess.CompletedProcess, expected: str) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("derive:")] == [expected]


@pytest.mark.parametrize("arguments", [["list"], ["check", "POST"]], ids=["list", "check"])
def test_a_full_disk_on_stdout_is_one_line_and_exit_1(tmp_path, arguments):
    arguments = [_post(tmp_path, "post.md", GOOD) if a == "POST" else a for a in arguments]
    with open("/dev/full", "w") as full:
        result = subprocess.run([*DERIVE, *arguments], stdout=full, stderr=subprocess.PIPE, text=True)
    assert result.returncode == 1
    _one_line_error(result, "derive: error: cannot write the output: No space left on device")


def test_a_closed_pipe_on_stdout_is_one_line_and_exit_1():
    read, write = os.pipe()
    os.close(read)  # like `derive list | head -c1` once head has gone
    try:
        result = subprocess.run([*DERIVE, "list"], stdout=write, stderr=subprocess.PIPE, text=True)
    finally:
        os.close(write)
    assert result.returncode == 1
    _one_line_error(result, "derive: error: cannot write the output: Broken pipe")


@pytest.mark.parametrize("after", [0.2, 3.0], ids=["during-start-up", "while-checking"])
def test_ctrl_c_at_any_moment_is_aborted_and_exit_130(tmp_path, after):
    # Whenever the signal lands (importing SymPy, reading, proving), the answer is the same.
    post = _post(tmp_path, "long.md", long_post(300))
    process = subprocess.Popen(
        [*DERIVE, "check", "--no-cache", post], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    time.sleep(after)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "derive: aborted" and "Traceback" not in stderr


def test_ctrl_c_while_the_command_loads_is_caught_by_the_entry_point(monkeypatch, capsys):
    class Loading:
        def find_spec(self, name, *args):
            if name in ("derive.cli", "cli"):
                raise KeyboardInterrupt
            return None

    monkeypatch.delitem(sys.modules, "derive.cli", raising=False)
    monkeypatch.delitem(sys.modules, "cli", raising=False)
    monkeypatch.setattr(sys, "meta_path", [Loading(), *sys.meta_path])
    with pytest.raises(SystemExit) as exit_:
        entry.main()
    assert exit_.value.code == 130
    assert capsys.readouterr().err == "derive: aborted\n"
