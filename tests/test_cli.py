"""The command line, through click's CliRunner: output, help, and every kind of bad input."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cli import cli


def run(*args: str, **kwargs):
    return CliRunner().invoke(cli, list(args), **kwargs)


def assert_one_line_error(result, *fragments):
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("derive: error: ")
    assert "Traceback" not in result.output + result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_every_command_has_help_text():
    context = click.Context(cli)
    for name in cli.list_commands(context):
        command = cli.get_command(context, name)
        assert command.help and command.get_short_help_str(), name
        result = run(name, "--help")
        assert result.exit_code == 0 and "Usage" in result.output
        for param in command.params:
            if isinstance(param, click.Argument):  # click arguments are described by the command's help
                assert param.name.upper() in command.help, f"{name} {param.name}"
            else:
                assert getattr(param, "help", None), f"{name} {param.name}"


def test_version_and_list():
    assert run("--version").output.startswith("derive, version ")
    listed = run("list").output.strip().splitlines()
    assert listed and listed[0].startswith("softmax-ce\t")


def test_post_to_stdout_and_summary_to_stderr():
    result = run("softmax-ce", "--n", "2", "-o", "-", "--date", "2026-01-02")
    assert result.exit_code == 0
    assert result.stdout.startswith("---\ntitle:")
    assert "date: 2026-01-02" in result.stdout
    assert "equations, all proven" in result.stderr


def test_default_path_then_rerun_regenerates(tmp_path):
    with CliRunner().isolated_filesystem(temp_dir=tmp_path):
        first = run("softmax-ce", "--date", "2026-01-02")
        assert first.exit_code == 0, first.output
        assert "wrote output/softmax-ce-n3.md" in first.output
        assert "56 equations, all proven" in first.output
        again = run("softmax-ce", "--date", "2026-01-02")
        assert again.exit_code == 0, again.output


def test_certificate_is_written(tmp_path):
    certificate = tmp_path / "proof.json"
    result = run("softmax-ce", "-o", str(tmp_path / "post.md"), "--certificate", str(certificate))
    assert result.exit_code == 0, result.output
    records = json.loads(certificate.read_text())["equations"]
    assert len(records) == 56 and all(r["verified"] for r in records)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [("0", "between 2 and 50"), ("-1", "between 2 and 50"), ("abc", "not a valid integer"), ("100000", "50")],
)
def test_bad_class_counts(tmp_path, value, fragment):
    result = run("softmax-ce", "--n", value, "-o", str(tmp_path / "post.md"))
    assert_one_line_error(result, fragment)
    assert list(tmp_path.iterdir()) == []


def test_unknown_derivation_suggests_the_closest():
    assert_one_line_error(run("softmax-cee"), "did you mean 'softmax-ce'")
    assert_one_line_error(run("lsit"), "did you mean 'list'")


def test_missing_directory(tmp_path):
    assert_one_line_error(run("softmax-ce", "-o", str(tmp_path / "nowhere" / "post.md")), "does not exist")
    assert list(tmp_path.iterdir()) == []


def test_read_only_directory(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        assert_one_line_error(run("softmax-ce", "-o", str(locked / "post.md")), "read-only")
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(stat.S_IRWXU)


def test_a_file_derive_did_not_write_is_kept(tmp_path):
    mine = tmp_path / "post.md"
    mine.write_text("my own notes\n")
    assert_one_line_error(run("softmax-ce", "-o", str(mine)), "not written by derive", "--force")
    assert mine.read_text() == "my own notes\n"
    forced = run("softmax-ce", "-o", str(mine), "--force")
    assert forced.exit_code == 0 and mine.read_text().startswith("---\n")


def test_an_edited_post_is_kept_and_an_unedited_one_regenerated(tmp_path):
    post = tmp_path / "post.md"
    assert run("softmax-ce", "-o", str(post), "--date", "2026-01-02").exit_code == 0
    assert run("softmax-ce", "-o", str(post), "--date", "2026-01-03").exit_code == 0
    assert "date: 2026-01-03" in post.read_text()
    edited = post.read_text().replace("classifier", "network")
    post.write_text(edited)
    assert_one_line_error(run("softmax-ce", "-o", str(post)), "edited")
    assert post.read_text() == edited


def test_certificate_target_is_checked_before_anything_is_written(tmp_path):
    notes = tmp_path / "notes.json"
    notes.write_text("{}\n")
    post = tmp_path / "post.md"
    assert_one_line_error(run("softmax-ce", "-o", str(post), "--certificate", str(notes)), "notes.json")
    assert not post.exists() and notes.read_text() == "{}\n"


def test_no_temporary_files_are_left_behind(tmp_path):
    assert run("softmax-ce", "-o", str(tmp_path / "post.md")).exit_code == 0
    assert sorted(os.listdir(tmp_path)) == ["post.md"]


def test_special_files_are_never_written_even_with_force(tmp_path):
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    assert_one_line_error(run("softmax-ce", "-o", str(fifo)), "not a regular file")
    real = tmp_path / "real.md"
    real.write_text("kept\n")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    assert_one_line_error(run("softmax-ce", "-o", str(link), "--force"), "not a regular file")
    assert link.is_symlink() and real.read_text() == "kept\n"


def test_post_and_certificate_cannot_share_a_path(tmp_path):
    same = tmp_path / "same.md"
    assert_one_line_error(run("softmax-ce", "-o", str(same), "--certificate", str(same)), "are the same file")
    assert not same.exists()


@pytest.mark.parametrize(("args", "fragment"), [(["-o", ""], "empty"), (["--certificate", "-"], "file path")])
def test_unusable_paths_are_refused(tmp_path, args, fragment):
    assert_one_line_error(run("softmax-ce", *args), fragment)


def test_a_bad_source_date_epoch_is_an_error(tmp_path):
    result = run(
        "softmax-ce", "-o", str(tmp_path / "p.md"), env={"SOURCE_DATE_EPOCH": "99999999999999999999"}
    )
    assert_one_line_error(result, "SOURCE_DATE_EPOCH")
    assert list(tmp_path.iterdir()) == []


def test_source_date_epoch_sets_the_default_date():
    result = run("softmax-ce", "--n", "2", "-o", "-", env={"SOURCE_DATE_EPOCH": "1767225600"})
    assert "date: 2026-01-01" in result.stdout


def test_the_certificate_does_not_depend_on_the_notation(tmp_path):
    certificates = []
    for notation in ("z-p-y", "a-s-t"):
        certificate = tmp_path / f"{notation}.json"
        result = run("softmax-ce", "--notation", notation, "-o", "-", "--certificate", str(certificate))
        assert result.exit_code == 0, result.output
        certificates.append(certificate.read_bytes())
    assert certificates[0] == certificates[1]


def test_target_language_and_notation_choose_the_file_and_its_letters(tmp_path):
    with CliRunner().isolated_filesystem(temp_dir=tmp_path):
        result = run(
            "softmax-ce", "--target", "quarto", "--lang", "zh", "--notation", "o-yhat-y", "--labels", "t"
        )
        assert result.exit_code == 0, result.output
        assert "wrote output/softmax-ce-n3.zh.qmd" in result.output
        post = Path("output/softmax-ce-n3.zh.qmd").read_text(encoding="utf-8")
        assert "\\frac{\\partial L}{\\partial o_i} = \\hat{y}_i - t_i" in post and "lang: zh" in post


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--target", "gitlab"], "'gitlab' is not one of"),
        (["--lang", "fr"], "'fr' is not one of"),
        (["--notation", "x-y-z"], "'x-y-z' is not one of"),
        (["--probs", "y"], "--probs and --labels are both 'y'"),
        (["--logits", "12"], "not a letter"),
        (["--pdf"], "--pdf needs --target latex"),
        (
            ["--target", "latex", "--pdf", "-o", "-"],
            "--pdf needs --target latex and the .tex written to a file",
        ),
        (["--katex-base", "https://example.org/katex"], "--katex-base only applies to --target html"),
    ],
)
def test_bad_rendering_options(tmp_path, args, fragment):
    assert_one_line_error(run("softmax-ce", "-o", str(tmp_path / "post.md"), *args), fragment)
    assert not (tmp_path / "post.md").exists()


def test_pdf_without_a_tex_engine_says_how_to_get_one(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no pdflatex on this PATH
    result = run("softmax-ce", "--target", "latex", "--pdf", "-o", str(tmp_path / "post.tex"))
    assert_one_line_error(result, "--pdf needs pdflatex (TeX Live)", "apt-get install")
    assert not (tmp_path / "post.tex").exists(), "nothing is written when the PDF cannot be made"


def test_pdf_is_written_beside_the_tex_and_regenerated_byte_for_byte(tmp_path):
    from renderers import require

    require("pdflatex")
    tex = tmp_path / "a#b%c.tex"  # TeX would read these characters in a job name
    pdf = tex.with_suffix(".pdf")
    runs = []
    for _ in range(2):
        result = run("softmax-ce", "--target", "latex", "--pdf", "-o", str(tex), "--date", "2026-01-02")
        assert result.exit_code == 0, result.output
        runs.append(pdf.read_bytes())
    assert runs[0].startswith(b"%PDF") and f"{tex}, {pdf}" in result.output
    assert runs[0] == runs[1], "the same command gives the same PDF"
    pdf.write_bytes(pdf.read_bytes() + b"edited")
    assert_one_line_error(run("softmax-ce", "--target", "latex", "--pdf", "-o", str(tex)), "was edited")
