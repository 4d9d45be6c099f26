"""Compiling the LaTeX article to a PDF with the TeX engine its language needs.

English compiles with pdflatex; Korean and Chinese need xelatex with xeCJK and a CJK font.
The engine runs twice in a scratch directory (the second pass resolves every ``\\eqref``);
a failed run, an undefined reference or a glyph missing from the font is an error, so a PDF
derive writes is always complete.
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from derive.errors import DeriveError
from derive.output import seal_pdf

ENGINES = {"en": "pdflatex", "ko": "xelatex", "zh": "xelatex"}
_PACKAGES = {
    "pdflatex": "texlive-latex-base texlive-latex-recommended",
    "xelatex": "texlive-xetex texlive-fonts-recommended texlive-lang-chinese fonts-noto-cjk",
}
_TIMEOUT_SECONDS = 300
# A TeX error, a reference \eqref could not resolve, or a glyph the font does not have.
_PROBLEMS = re.compile(
    r"^(?:! .*|.*There were undefined references.*|LaTeX Warning: Reference .* undefined.*"
    r"|Missing character: .*)$",
    re.MULTILINE,
)


class PdfFailed(DeriveError):
    """The TeX engine is missing, or the article did not compile cleanly."""


def engine_for(lang: str) -> str:
    """The engine's path, or an error that says how to install it."""
    engine = ENGINES[lang]
    path = shutil.which(engine)
    if path is None:
        raise PdfFailed(
            f"--pdf needs {engine} (TeX Live), which is not installed; on Debian or Ubuntu: "
            f"apt-get install {_PACKAGES[engine]}; or leave out --pdf and compile the .tex yourself"
        )
    return path


def compile_pdf(tex: str, lang: str, *, date: datetime.date) -> bytes:
    """The sealed PDF of ``tex``, compiled twice with the engine for ``lang``.

    The engines stamp the PDF with the time of the run unless told otherwise; pinning that
    to the post's ``date`` makes the same command give the same bytes.
    """
    engine = engine_for(lang)
    midnight = datetime.datetime.combine(date, datetime.time(), datetime.timezone.utc)
    environment = {
        **os.environ,
        "SOURCE_DATE_EPOCH": str(int(midnight.timestamp())),
        "FORCE_SOURCE_DATE": "1",
    }
    with tempfile.TemporaryDirectory(prefix="derive-tex-") as scratch:
        # A fixed name: the user's file name may hold characters TeX reads as commands.
        source = Path(scratch) / "post.tex"
        source.write_text(tex, encoding="utf-8")
        for _ in range(2):
            try:
                run = subprocess.run(
                    [engine, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", source.name],
                    cwd=scratch,
                    env=environment,
                    capture_output=True,
                    timeout=_TIMEOUT_SECONDS,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                raise PdfFailed(f"{Path(engine).name} did not finish in {_TIMEOUT_SECONDS} s") from None
            if run.returncode != 0:
                break
        log_path = source.with_suffix(".log")
        log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else ""
        problems = _PROBLEMS.findall(log)
        if run.returncode != 0 or problems:
            first = problems[0] if problems else f"exit status {run.returncode}"
            raise PdfFailed(f"{Path(engine).name} could not compile the article: {first.strip()}")
        return seal_pdf(source.with_suffix(".pdf").read_bytes())
