"""``derive diff`` on the command line: golden posts, `derive check` reading every post back,
and one-line errors, with nothing written, for expressions it cannot read or differentiate."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import GOLDEN_DATE
from test_cli import assert_one_line_error
from test_diff import CASES

from cli import cli

OUTPUT = Path(__file__).parent.parent / "output"

#: Committed examples: the file in output/ and the arguments that write it.
GOLDEN = [
    ("diff-swish.md", [r"x \sigma(x)", "--wrt", "x"]),
    ("diff-softmax.md", [r"\frac{e^{z_i}}{\sum_{k=1}^{N} e^{z_k}}", "--wrt", "z_j"]),
    ("diff-gelu.ko.md", [r"\operatorname{GELU}(x)", "--wrt", "x", "--lang", "ko"]),
]


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize(("name", "arguments"), GOLDEN, ids=[g[0] for g in GOLDEN])
def test_committed_example_is_current(tmp_path, name, arguments):
    written = tmp_path / name
    options = ["-o", str(written), "--date", GOLDEN_DATE.isoformat()]
    command = shlex.join(["derive", "diff", *arguments[1:], *options[:1], f"output/{name}", *options[2:]])
    command += " -- " + shlex.quote(arguments[0])
    result = run("diff", *arguments[1:], *options, "--", arguments[0])
    assert result.exit_code == 0, result.output
    path = OUTPUT / name
    assert path.is_file(), f"{name} is missing: run `{command}`"
    assert written.read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), (
        f"{name} is stale: run `{command}`"
    )


def test_every_post_checks_clean(tmp_path):
    """`derive check` reads each post back: nothing is wrong, and nothing is left unchecked but
    ReLU's step function, which the checker does not know by name."""
    from derive.check import check_file

    for name, tex, wrt, _ in CASES:
        path = tmp_path / f"{name}.md"
        result = run("diff", "--wrt", wrt, "-o", str(path), "--date", "2026-11-21", "--", tex)
        assert result.exit_code == 0, (name, result.output)
        report = check_file(path)
        verdicts = [finding.verdict for finding in report.findings]
        assert "wrong" not in verdicts, name
        unchecked = verdicts.count("unchecked")
        assert unchecked <= (1 if name == "relu" else 0), (name, verdicts)


def test_summary_and_default_path(tmp_path):
    with CliRunner().isolated_filesystem(temp_dir=tmp_path):
        result = run("diff", r"x \sigma(x)", "--wrt", "x", "--date", "2026-11-21")
        assert result.exit_code == 0
        (written,) = Path("output").iterdir()
        assert written.name.startswith("diff-f-") and written.suffix == ".md"
        assert "6 equations, all proven" in result.stdout
        # run again: derive regenerates its own file, byte for byte
        before = written.read_bytes()
        assert run("diff", r"x \sigma(x)", "--wrt", "x", "--date", "2026-11-21").exit_code == 0
        assert written.read_bytes() == before


def test_name_title_and_notation():
    result = run(
        "diff", r"\log \sum_{k=1}^{N} e^{o_k}", "--wrt", "o_i", "--name", "L", "--title", "LSE", "-o", "-"
    )
    assert result.exit_code == 0
    assert "title: LSE" in result.stdout and "\\frac{\\partial L}{\\partial o_i}" in result.stdout
    renamed = run("diff", r"\log \sum_{k=1}^{N} e^{o_k}", "--wrt", "o_i", "--logits", "a", "-o", "-")
    assert renamed.exit_code == 0 and "e^{a_k}" in renamed.stdout and "e^{o_" not in renamed.stdout


@pytest.mark.parametrize(
    ("expr", "wrt", "says"),
    [
        (r"\foo(x)", "x", "unknown command \\foo"),
        ("x^{2}", "y", "does not occur in the expression"),
        (r"\sum_{k=1}^{N} z_k", "z", "give one entry"),
        ("x^{2}", "x + y", "is not a variable"),
        ("|x|", "x", "not differentiable"),
        (r"\max(0, x)", "x", "not differentiable"),
        (r"\lfloor x \rfloor", "x", "cannot read EXPR"),
        (r"\operatorname{sinc}(x)", "x", "no rule"),
        (r"\frac{x}{0}", "x", "undefined"),
        ("x = 1", "x", "a relation"),
        ("x^{2} +", "x", "cannot read EXPR"),
        ("", "x", "empty"),
    ],
)
def test_bad_expressions_get_one_line_and_write_nothing(tmp_path, expr, wrt, says):
    with CliRunner().isolated_filesystem(temp_dir=tmp_path):
        result = run("diff", "--wrt", wrt, "--certificate", "c.json", "--", expr)
        assert_one_line_error(result, says)
        assert list(Path().iterdir()) == []


def test_name_that_is_a_letter_of_the_expression_is_refused():
    assert_one_line_error(run("diff", "x f", "--wrt", "x", "--name", "f"), "already a letter")


def test_every_equation_typesets_in_katex(tmp_path):
    from renderers import katex_errors
    from test_renderers import display_math, inline_math

    equations = []
    for name, tex, wrt, _ in CASES:
        result = run("diff", "--wrt", wrt, "-o", "-", "--date", "2026-11-21", "--", tex)
        assert result.exit_code == 0, name
        equations += [(f"{name} {n}", math) for n, math in enumerate(display_math("hugo", result.stdout))]
        equations += [
            (f"{name} inline {n}", math) for n, math in enumerate(inline_math("hugo", result.stdout))
        ]
    failures = katex_errors(equations)
    assert not failures, "\n".join(f"{name}: {message}" for name, message in failures[:10])


@pytest.mark.parametrize(("lang", "engine"), [("en", "pdflatex"), ("ko", "xelatex")])
def test_pdf_compiles(tmp_path, lang, engine):
    from renderers import require

    require(engine)
    tex = tmp_path / "post.tex"
    for name in ("gelu", "softmax", "focal"):
        _, expr, wrt, _ = CASES[[case[0] for case in CASES].index(name)]
        result = run(
            "diff",
            "--wrt",
            wrt,
            "--target",
            "latex",
            "--lang",
            lang,
            "--pdf",
            "--force",
            "-o",
            str(tex),
            "--",
            expr,
        )
        assert result.exit_code == 0, (name, result.output)
        assert tex.with_suffix(".pdf").read_bytes().startswith(b"%PDF")
