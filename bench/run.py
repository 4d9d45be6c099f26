"""derive's benchmark: whole-process times and peak memory, as ratios taken in one run.

    python bench/run.py              # every table of the README's performance section
    python bench/run.py --runs 3     # fewer runs per command (the median is reported)
    python bench/run.py --targets    # only the four targets of proving cold, as ratios

Every command runs as its own process, the way a user or a CI job runs it (``python cli.py``
is what the ``derive`` script runs), and is compared with the floor, a process that only
imports what derive is built on: ``python -c "import sympy, jinja2, click"``. The commands
take turns, one run each per round, for ``--runs`` rounds; times are medians, and memory is
the largest peak resident set (max RSS) among the runs.
Ratios, not seconds, are the result: the machines are noisy, and a ratio taken within one
run is what another machine can reproduce.

Proofs are measured three ways: ``--no-cache`` proves every step and keeps nothing; an
empty cache ("cold") proves every step and stores the proofs; a filled cache ("warm") answers
each unchanged statement from an earlier run (see ``derive/proofcache.py``).

The exact verification of the softmax Jacobian and gradient is measured inside one process
per case (``--verify``), after the same verification at N = 2 has warmed SymPy up, against a
naive SymPy baseline, warmed up the same way: differentiate the written-out softmax and
``simplify`` the difference to the expected entry. At N = 50 the baseline would
take hours, so it is timed on a spread of entries and scaled to all of them (marked "est.").
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
DATE = "2026-11-21"
#: Entries of the naive baseline timed at N = 50, spread over the rows and columns.
NAIVE_SAMPLE = 12


@dataclass(frozen=True)
class Measured:
    seconds: float
    rss_mb: float
    #: Processor time (user + system) of the process: on a shared machine, less of the
    #: other work's noise than the wall clock.
    cpu_seconds: float = 0.0


@dataclass(frozen=True)
class Command:
    argv: list[str]
    env: Callable[[], dict[str, str]]
    allowed: tuple[int, ...] = (0,)


def measure_rounds(commands: dict[str, Command], runs: int) -> dict[str, Measured]:
    """Every command once per round, for ``runs`` rounds: a machine that slows down for a while
    slows every command alike, and the ratios stay true."""
    results: dict[str, list[Measured]] = {name: [] for name in commands}
    for command in commands.values():  # once, untimed: bytecode and the disk cache are written
        run_once(command)
    for _ in range(runs):
        for name, command in commands.items():
            results[name].append(run_once(command))
    return {
        name: Measured(
            statistics.median(m.seconds for m in runs_),
            max(m.rss_mb for m in runs_),
            statistics.median(m.cpu_seconds for m in runs_),
        )
        for name, runs_ in results.items()
    }


def run_once(command: Command) -> Measured:
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: a long stderr cannot block
        started = time.perf_counter()
        process = subprocess.Popen(
            command.argv, cwd=ROOT, env=command.env(), stdout=subprocess.DEVNULL, stderr=errors
        )
        # wait4 gives this process's own peak memory, which Popen.wait does not.
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        code = process.returncode = os.waitstatus_to_exitcode(status)
        if code not in command.allowed:
            errors.seek(0)
            raise SystemExit(
                f"bench: {' '.join(command.argv)} exited {code}:\n{errors.read().decode(errors='replace')}"
            )
    return Measured(elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime)


def _environment(cache: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("SOURCE_DATE_EPOCH", None)
    # A user's Python keeps the compiled bytecode of derive's modules (pip writes it for an
    # install, Python for a checkout), as it does for SymPy's; without it every run would
    # compile derive from source, which the floor never does.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if cache is not None:
        env["DERIVE_CACHE_DIR"] = str(cache)
    return env


class Caches:
    """An empty cache for every cold run; one filled cache per command for the warm runs."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.count = 0

    def empty(self) -> dict[str, str]:
        self.count += 1
        return _environment(self.root / f"cold-{self.count}")

    def warm(self, name: str) -> Callable[[], dict[str, str]]:
        return lambda: _environment(self.root / f"warm-{name}")


def derive_command(arguments: list[str], out: Path) -> list[str]:
    return [PYTHON, str(ROOT / "cli.py"), *arguments, "-o", str(out), "--force", "--date", DATE]


# -- the exact verification, one case per process ---------------------------------------


def _our_verification(kind: str, n: int) -> tuple[float, int]:
    from sympy import Derivative, Eq, Integer, Matrix

    from derive.derivations import softmax_ce
    from derive.derivations.softmax_ce import L, p, y, z
    from derive.steps import kept_sum
    from derive.verify import Verifier

    verifier = Verifier(softmax_ce.context(Integer(n)))
    started = time.perf_counter()
    if kind == "jacobian":
        lhs = Matrix(n, n, lambda a, b: Derivative(p[a + 1], z[b + 1]))
        rhs = Matrix(n, n, lambda a, b: p[a + 1] * ((1 if a == b else 0) - p[b + 1]))
        proof = verifier.prove(lhs, rhs)
    else:
        lhs = Matrix([Derivative(L, z[a]) for a in range(1, n + 1)])
        rhs = Matrix([p[a] - y[a] for a in range(1, n + 1)])
        labels = Eq(kept_sum(*(y[a] for a in range(1, n + 1))), 1)
        proof = verifier.prove(lhs, rhs, (labels,))
    if not proof.verified:
        raise SystemExit(f"bench: derive did not prove the {kind} at N = {n}: {proof.explain()}")
    return time.perf_counter() - started, n * n if kind == "jacobian" else n


def _naive_verification(kind: str, n: int, sample: int | None) -> tuple[float, int]:
    from sympy import Add, diff, exp, log, simplify, symbols

    z = symbols(f"z1:{n + 1}", real=True)
    y = symbols(f"y1:{n + 1}", real=True)
    total = Add(*(exp(v) for v in z))
    p = [exp(v) / total for v in z]
    if kind == "jacobian":
        entries = [(a, b) for a in range(n) for b in range(n)]
    else:
        entries = [(a, None) for a in range(n)]
    if sample is not None and sample < len(entries):
        entries = entries[:: len(entries) // sample][:sample]
    loss = -Add(*(y[k] * log(p[k]) for k in range(n)))
    last_label = {y[-1]: 1 - Add(*y[:-1])}  # the labels sum to 1
    started = time.perf_counter()
    for a, b in entries:
        if kind == "jacobian":
            difference = diff(p[a], z[b]) - p[a] * ((1 if a == b else 0) - p[b])
        else:
            difference = (diff(loss, z[a]) - (p[a] - y[a])).subs(last_label)
        if simplify(difference) != 0:
            raise SystemExit(f"bench: the naive baseline did not reach 0 at entry {a, b}")
    return time.perf_counter() - started, len(entries)


def verify_main(kind: str, n: int, who: str, sample: int | None) -> None:
    sys.path.insert(0, str(ROOT))
    if who == "derive":
        _our_verification(kind, 2)  # SymPy's first diff, cancel and evalf import and set up
        seconds, entries = _our_verification(kind, n)
    else:
        _naive_verification(kind, 2, None)  # and its first simplify
        seconds, entries = _naive_verification(kind, n, sample)
    print(f"{seconds:.6f} {entries}")


def verification(kind: str, n: int, who: str, sample: int | None = None) -> tuple[float, int]:
    argv = [PYTHON, __file__, "--verify", kind, str(n), who]
    if sample is not None:
        argv += ["--sample", str(sample)]
    output = subprocess.run(argv, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    seconds, entries = output.split()
    return float(seconds), int(entries)


# -- the tables ------------------------------------------------------------------------------


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}×"


def _row(label: str, measured: Measured, base: Measured, target: str) -> str:
    return (
        f"| {label} | {measured.seconds:.2f} s | {_ratio(measured.seconds, base.seconds)} | "
        f"{measured.rss_mb:.0f} MB | {_ratio(measured.rss_mb, base.rss_mb)} | {target} |"
    )


def process_tables(runs: int, work: Path) -> None:
    """(1) softmax-ce --n 3, (2) --n 10 and 50, (4) derive check, (5) peak memory: whole processes."""
    from bench.posts import long_post

    caches = Caches(work / "caches")
    out = work / "post.md"
    posts = {}
    for equations in (40, 2000):
        posts[equations] = work / f"post-{equations}.md"
        posts[equations].write_text(long_post(equations), encoding="utf-8")

    def no_cache() -> dict[str, str]:
        return _environment(None)

    wrong_steps = (0, 1)  # the posts carry a few wrong steps on purpose: exit 1
    check = [PYTHON, str(ROOT / "cli.py"), "check", str(posts[40])]

    commands = {"floor": Command([PYTHON, "-c", "import sympy, jinja2, click"], no_cache)}
    for n in (3, 10, 50):
        derive = derive_command(["softmax-ce", "--n", str(n)], out)
        commands[f"{n} no cache"] = Command([*derive, "--no-cache"], no_cache)
        commands[f"{n} cold"] = Command(derive, caches.empty)
        commands[f"{n} warm"] = Command(derive, caches.warm(f"n{n}"))
    commands["check no cache"] = Command([*check, "--no-cache"], no_cache, wrong_steps)
    commands["check warm"] = Command(check, caches.warm("check"), wrong_steps)
    for name, command in commands.items():
        if name.endswith("warm"):
            run_once(command)  # fills its cache
    measured = measure_rounds(commands, runs)
    long_check = [PYTHON, str(ROOT / "cli.py"), "check", "--no-cache", str(posts[2000])]
    long_run = run_once(Command(long_check, no_cache, wrong_steps))

    floor = measured["floor"]
    rows = ["| command | time | × floor | max RSS | × floor | target |", "|---|---|---|---|---|---|"]
    rows.append(_row('floor: `python -c "import sympy, jinja2, click"`', floor, floor, ""))
    targets = {"no cache": "≤ 1.5×", "cold": "≤ 2×", "warm": "≤ 1.5×"}
    for mode in ("no cache", "cold", "warm"):
        rows.append(_row(f"`derive softmax-ce --n 3`, {mode}", measured[f"3 {mode}"], floor, targets[mode]))
    for n in (10, 50):
        for mode in ("no cache", "warm"):
            rows.append(
                _row(f"`derive softmax-ce --n {n}`, {mode}", measured[f"{n} {mode}"], floor, "RSS ≤ 2×")
            )
    for mode in ("no cache", "warm"):
        rows.append(
            _row(f"`derive check` on a 40-equation post, {mode}", measured[f"check {mode}"], floor, "≤ 2×")
        )
    rows.append(_row("`derive check` on a 2,000-equation post, no cache", long_run, floor, "bounded"))
    print("\n".join(rows))

    print("\n| `derive softmax-ce` | n = 3 | n = 10 | × n = 3 | n = 50 | × n = 3 | target (n = 50) |")
    print("|---|---|---|---|---|---|---|")
    for mode in ("no cache", "cold", "warm"):
        base, ten, fifty = (measured[f"{n} {mode}"].seconds for n in (3, 10, 50))
        print(
            f"| {mode} | {base:.2f} s | {ten:.2f} s | {_ratio(ten, base)} | "
            f"{fifty:.2f} s | {_ratio(fifty, base)} | ≤ 3× |"
        )


def targets_table(runs: int, work: Path) -> None:
    """The issue's four targets for proving with no cache, each a ratio taken within this run:
    ``derive softmax-ce --n 3`` against the floor, ``--n 50`` against ``--n 3``, ``derive check``
    of the committed post against the floor, and the peak memory of all three."""

    def no_cache() -> dict[str, str]:
        return _environment(None)

    out = work / "target.md"
    commands = {
        "floor": Command([PYTHON, "-c", "import sympy, jinja2, click"], no_cache),
        "n3": Command([*derive_command(["softmax-ce", "--n", "3"], out), "--no-cache"], no_cache),
        "n50": Command([*derive_command(["softmax-ce", "--n", "50"], out), "--no-cache"], no_cache),
        "check": Command(
            [PYTHON, str(ROOT / "cli.py"), "check", "--no-cache", str(ROOT / "output" / "softmax-ce-n3.md")],
            no_cache,
        ),
    }
    measured = measure_rounds(commands, runs)
    floor, n3, n50, check = (measured[name] for name in ("floor", "n3", "n50", "check"))
    peak = max(m.rss_mb for m in (n3, n50, check))

    def both(value: Measured, base: Measured) -> str:
        return f"{_ratio(value.seconds, base.seconds)} | {_ratio(value.cpu_seconds, base.cpu_seconds)}"

    print("| target, no cache | wall | CPU | target |")
    print("|---|---|---|---|")
    print(f"| `derive softmax-ce --n 3` × floor | {both(n3, floor)} | ≤ 1.5× |")
    print(f"| `derive softmax-ce --n 50` × the `--n 3` run | {both(n50, n3)} | ≤ 3× |")
    print(f"| `derive check output/softmax-ce-n3.md` × floor | {both(check, floor)} | ≤ 2× |")
    print(f"| peak memory (max RSS) of the three × floor | {_ratio(peak, floor.rss_mb)} |  | ≤ 2× |")
    print(
        f"\nfloor: {floor.seconds:.2f} s wall, {floor.cpu_seconds:.2f} s CPU, {floor.rss_mb:.0f} MB; "
        f"--n 3: {n3.seconds:.2f} s; --n 50: {n50.seconds:.2f} s; check: {check.seconds:.2f} s\n"
    )


def limits_table(work: Path) -> None:
    """Every derivation and route at its largest --n: it finishes, and how long it takes."""
    from derive.derivations import REGISTRY

    print("\n| at the largest `--n`, no cache | time | max RSS |")
    print("|---|---|---|")
    for derivation in REGISTRY.values():
        for route in derivation.routes:
            arguments = [derivation.name, "--n", str(derivation.max_n)]
            if len(derivation.routes) > 1:
                arguments += ["--route", route.name]
            command = [*derive_command(arguments, work / "limit.md"), "--no-cache"]
            measured = run_once(Command(command, lambda: _environment(None)))
            print(f"| `derive {' '.join(arguments)}` | {measured.seconds:.1f} s | {measured.rss_mb:.0f} MB |")


def verification_table() -> None:
    """(3) The exact verification of the Jacobian and the gradient against the naive baseline."""
    print("\n| exact verification | N | derive | naive diff + simplify | derive faster by | target |")
    print("|---|---|---|---|---|---|")
    for kind, what in (("jacobian", "N×N Jacobian"), ("gradient", "N-entry gradient")):
        for n in (10, 50):
            ours, _ = verification(kind, n, "derive")
            naive, timed = verification(kind, n, "naive", None if n == 10 else NAIVE_SAMPLE)
            entries = n * n if kind == "jacobian" else n
            estimated = naive * entries / timed
            naive_text = f"{estimated:.1f} s" + (f" (est. from {timed} entries)" if timed < entries else "")
            target = "≥ 20×" if n == 10 else ""
            print(f"| {what} | {n} | {ours:.2f} s | {naive_text} | {estimated / ours:.0f}× | {target} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per command; the median is reported")
    parser.add_argument("--targets", action="store_true", help="only the four targets, as ratios")
    parser.add_argument("--verify", nargs=3, metavar=("KIND", "N", "WHO"), help=argparse.SUPPRESS)
    parser.add_argument("--sample", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.verify:
        kind, n, who = options.verify
        verify_main(kind, int(n), who, options.sample)
        return 0
    sys.path.insert(0, str(ROOT))
    print(f"derive benchmark: {options.runs} runs per command, median time, largest max RSS\n")
    with tempfile.TemporaryDirectory(prefix="derive-bench-") as scratch:
        targets_table(options.runs, Path(scratch))
        if options.targets:
            return 0
        process_tables(options.runs, Path(scratch))
        limits_table(Path(scratch))
    verification_table()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
