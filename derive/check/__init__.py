"""``derive check``: read someone else's derivation and say, step by step, whether it follows."""

from derive.check.findings import FinalResult, Finding, Report
from derive.check.judge import check_text
from derive.check.report import PostUnreadable, as_json, as_text, check_file

__all__ = [
    "FinalResult",
    "Finding",
    "PostUnreadable",
    "Report",
    "as_json",
    "as_text",
    "check_file",
    "check_text",
]
