"""``derive check`` on hostile posts: wall time and peak memory, and how they grow with size.

    python bench/hostile.py               # every kind at 250 KB, 1 MB and 2 MB
    python bench/hostile.py --sizes 250000 # one size

Each post repeats one opening delimiter that is never closed (``\\[``, ``\\begin{equation}``)
or opens a ``$$`` or a ```` ```math ```` fence that never ends, up to the size asked for, just
under the 2 MB that ``derive check`` reads. A reader that looks for the closing from every
opening takes time quadratic in the size; the target is the 2 MB post under 10 s, growing
linearly (the "× 250 KB" column near 4 at 1 MB and 8 at 2 MB). Peak memory is compared with
that of checking an ordinary post of 40 equations. Every post runs as its own process, as
``derive check`` does for a user (``python cli.py check``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.posts import long_post
from bench.run import PYTHON, ROOT, Command, _environment, run_once

#: The largest post derive check reads is 2,000,000 bytes; the "2 MB" posts stay just under.
SIZES = (250_000, 1_000_000, 1_990_000)
#: Each kind: the file's suffix and the text repeated to fill it.
KINDS = {
    "unclosed \\[ (.md)": (".md", "\\[ a + b = c\n"),
    "unclosed \\[ (.tex)": (".tex", "\\[ a + b = c\n"),
    "unclosed \\begin{equation} (.md)": (".md", "\\begin{equation} a + b = c\n"),
    "unclosed \\begin{equation} (.tex)": (".tex", "\\begin{equation} a + b = c\n"),
    "```math with no end (.md)": (".md", "a + b = c\n"),
    "unclosed $$ (.md)": (".md", "a + b = c\n"),
    "unclosed $$ (.html)": (".html", "a + b = c\n"),
}
#: A 40-byte post whose sum, expanded, would take gigabytes.
HUGE_SUM = "$$\n\\sum_{k=1}^{10^9} k = 5\n$$\n"


def hostile_post(kind: str, size: int) -> str:
    """The post of ``kind`` (a key of :data:`KINDS`), ``size`` bytes long at most."""
    _, unit = KINDS[kind]
    # Repeated $$ close each other; one that never closes is followed by the rest of the post.
    head = "```math\n" if kind.startswith("```math") else "$$\n" if "$$" in kind else ""
    return head + unit * ((size - len(head)) // len(unit))


def _check(path: Path) -> Command:
    return Command(
        [PYTHON, str(ROOT / "cli.py"), "check", "--no-cache", str(path)], lambda: _environment(None), (0, 1)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        normal = Path(folder) / "normal.md"
        normal.write_text(long_post(40), encoding="utf-8")
        floor = run_once(_check(normal))
        tiny = Path(folder) / "sum.md"
        tiny.write_text(HUGE_SUM, encoding="utf-8")
        print(f"ordinary post, 40 equations: {floor.seconds:.1f} s, {floor.rss_mb:.0f} MB")
        summed = run_once(_check(tiny))
        print(
            f"\\sum_{{k=1}}^{{10^9}} k = 5: {summed.seconds:.1f} s, {summed.rss_mb:.0f} MB "
            f"({summed.rss_mb / floor.rss_mb:.2f} × the ordinary post)"
        )
        print()
        print(f"{'post':<38} {'size':>9} {'time':>8} {'× 250 KB':>9} {'memory':>8} {'× ordinary':>10}")
        for kind, (suffix, _) in KINDS.items():
            first = None
            for size in arguments.sizes:
                path = Path(folder) / f"hostile{suffix}"
                path.write_text(hostile_post(kind, size), encoding="utf-8")
                measured = run_once(_check(path))
                first = first or measured.seconds
                growth, memory = measured.seconds / first, measured.rss_mb / floor.rss_mb
                print(
                    f"{kind:<38} {size / 1e6:>7.2f}MB {measured.seconds:>7.1f}s {growth:>9.1f}"
                    f" {measured.rss_mb:>6.0f}MB {memory:>10.2f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
