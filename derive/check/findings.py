"""What the checker says: a finding per equation or link, the final result, the report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from derive.verify import Counterexample

PROVEN, WRONG, UNCHECKED, DEFINITION, NOTE = "proven", "wrong", "unchecked", "definition", "note"
MARKS = {PROVEN: "✓", WRONG: "✗", UNCHECKED: "?", DEFINITION: "≔", NOTE: "·"}


@dataclass(frozen=True)
class Finding:
    """What the checker says about one equation (or one link of a chain) of the post."""

    line: int
    label: str | None
    source: str
    verdict: str
    detail: str
    counterexample: Counterexample | None = None
    #: For an equation that spans blocks (``= a`` and then ``+ b``), the line it begins on;
    #: ``line`` is the line that completes it, where a mistake in its last part shows.
    first_line: int = 0

    @property
    def lines(self) -> range:
        return range(min(self.line, self.first_line or self.line), self.line + 1)

    @property
    def mark(self) -> str:
        return MARKS[self.verdict]


@dataclass(frozen=True)
class FinalResult:
    line: int
    source: str
    agrees: bool | None
    detail: str


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    final: FinalResult | None
    assumption: str | None
    #: Where each line of the text came from, for a notebook: ``where(7)`` is "cell 3, line 2".
    where: Callable[[int], str] | None = None

    def count(self, verdict: str) -> int:
        return sum(f.verdict == verdict for f in self.findings)

    @property
    def steps(self) -> int:
        return sum(f.verdict in (PROVEN, WRONG, UNCHECKED) for f in self.findings)

    @property
    def wrong(self) -> bool:
        return self.count(WRONG) > 0


@dataclass
class Link:
    verdict: str
    detail: str
    counterexample: Counterexample | None = None
    #: ``(a, b, conditions)`` of a link whose names the post defines only later (a result
    #: stated first, then derived): judged again once the whole post is read.
    later: tuple | None = None


#: How a link that holds under a condition the post does not state begins: the row follows
#: from the line before it, under that condition.
HOLDS_ONLY = "holds only"


def holds_under_a_condition(link: Link) -> bool:
    """A ? that says the step holds if the labels sum to one, or when i = j: it follows."""
    return link.verdict == UNCHECKED and link.detail.startswith(HOLDS_ONLY)
