"""Reading post files safely and showing a checker's report as text or JSON."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from derive.check.findings import PROVEN, UNCHECKED, WRONG, Report
from derive.check.judge import check_text
from derive.check.notebook import markdown_of
from derive.errors import DeriveError
from derive.proofcache import ProofCache

MAX_BYTES = 2_000_000


class PostUnreadable(DeriveError):
    """A post file that cannot be checked at all: missing, binary, too large."""

    exit_code = 2


def read_text(path: Path) -> str:
    """The text of a post, or a one-line reason why not."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise PostUnreadable(f"{path} is not a file")
        if size > MAX_BYTES:
            raise PostUnreadable(
                f"{path} is {size / 1e6:.1f} MB; derive check reads posts up to {MAX_BYTES / 1e6:.0f} MB"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise PostUnreadable(f"{path} does not exist") from None
    except OSError as error:
        raise PostUnreadable(f"cannot read {path}: {error.strerror or error}") from None
    if b"\0" in data:
        raise PostUnreadable(f"{path} is a binary file, not a post")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PostUnreadable(f"{path} is not UTF-8 text") from None


def check_file(
    path: Path, *, cache: ProofCache | None = None, progress: Callable[[int, int], None] | None = None
) -> Report:
    suffix = path.suffix.lower()
    if suffix == ".ipynb":
        notebook = markdown_of(read_text(path))
        report = check_text(notebook.text, ".md", cache=cache, progress=progress)
        return replace(report, where=notebook.where)
    return check_text(read_text(path), suffix, cache=cache, progress=progress)


def fails(report: Report, *, strict: bool = False) -> bool:
    """Whether a post fails its check: a step is wrong; with ``strict``, also a step left
    unchecked, or no math at all (an empty post proves nothing)."""
    return report.wrong or (strict and (report.count(UNCHECKED) > 0 or not report.findings))


def one_line(path: str, report: Report) -> str:
    """``post.md: 42 steps, ✓ 40, ✗ 1, ? 1``, for the end of a run or a CI log."""
    if not report.findings:
        return f"{_printable(path)}: no math found"
    counts = f"✓ {report.count(PROVEN)}, ✗ {report.count(WRONG)}, ? {report.count(UNCHECKED)}"
    steps = "1 step" if report.steps == 1 else f"{report.steps} steps"
    return f"{_printable(path)}: {steps}, {counts}"


# Control characters (ESC starts a terminal escape, which can set the title or move the
# cursor), and the marks that reorder text on screen, are shown as escapes, never sent out.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _printable(text: str) -> str:
    return _UNPRINTABLE.sub(lambda match: match.group(0).encode("unicode_escape").decode("ascii"), text)


def summary(report: Report) -> str:
    counts = f"{report.count(PROVEN)} ✓, {report.count(WRONG)} ✗, {report.count(UNCHECKED)} ?"
    parts = [f"{report.steps} steps: {counts}"]
    if not report.findings:
        parts = ["no display math found"]
    return "; ".join(parts)


def as_text(path: str, report: Report) -> str:
    """The report for a terminal: nothing from the post reaches it unescaped."""
    return "\n".join(_printable(line) for line in _text_lines(path, report))


def failures_as_text(path: str, report: Report, *, strict: bool = False) -> str:
    """Only what makes the post fail (see :func:`fails`), as :func:`as_text` shows it."""
    failing = (WRONG, UNCHECKED) if strict else (WRONG,)
    shown = replace(report, findings=tuple(f for f in report.findings if f.verdict in failing))
    lines = [*_text_lines(path, shown)[:-1], summary(report)]
    if strict and not report.findings:
        lines.insert(1, "no math found: --derive-strict asks for a post with math")
    return "\n".join(_printable(line) for line in lines)


def _text_lines(path: str, report: Report) -> list[str]:
    lines = [path]
    width = 60
    for finding in report.findings:
        span = f"{finding.first_line}–{finding.line}" if finding.first_line else str(finding.line)
        if report.where is not None:
            span = report.where(finding.line)
        where = f"{span:>5}" + (f" ({finding.label})" if finding.label else "")
        source = finding.source if len(finding.source) <= width else finding.source[: width - 1] + "…"
        lines.append(f"{where:<12} {finding.mark} {source}")
        detail = finding.detail
        if finding.counterexample is not None:
            detail = f"{detail}: {_counterexample(finding.counterexample)}"
        lines.append(f"{'':<14}{detail}")
    if report.assumption:
        lines.append(f"labels assumed one-hot (Σ = 1), as the post says at {report.assumption}")
    if report.final is not None:
        verdict = {True: "✓", False: "✗", None: "?"}[report.final.agrees]
        lines.append(
            f"result {verdict} line {report.final.line}: {report.final.source} — {report.final.detail}"
        )
    lines.append(summary(report))
    return lines


def _counterexample(counterexample) -> str:
    return str(counterexample).replace("[", "_").replace("]", "")


def as_json(path: str, report: Report) -> dict:
    return {
        "path": path,
        "steps": report.steps,
        "proven": report.count(PROVEN),
        "wrong": report.count(WRONG),
        "unchecked": report.count(UNCHECKED),
        "assumption": report.assumption,
        "findings": [
            {
                "line": f.line,
                "end_line": f.line,
                "begins_on_line": f.first_line or f.line,
                **({"place": report.where(f.line)} if report.where is not None else {}),
                "label": f.label,
                "source": f.source,
                "verdict": f.verdict,
                "mark": f.mark,
                "detail": f.detail,
                "counterexample": None
                if f.counterexample is None
                else {
                    "N": f.counterexample.size,
                    "indices": f.counterexample.indices,
                    "values": {
                        k.replace("[", "_").replace("]", ""): v for k, v in f.counterexample.values.items()
                    },
                    "lhs": f.counterexample.lhs,
                    "rhs": f.counterexample.rhs,
                },
            }
            for f in report.findings
        ],
        "result": None
        if report.final is None
        else {
            "line": report.final.line,
            "source": report.final.source,
            "agrees": report.final.agrees,
            "detail": report.final.detail,
        },
    }


def dumps(documents: list[dict]) -> str:
    return json.dumps(documents, ensure_ascii=False, indent=2)
