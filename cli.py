"""The ``derive`` command: a thin layer over the library.

Every error derive raises on purpose becomes one line on stderr and a non-zero exit.
In the wheel this module is ``derive.cli`` (see ``pyproject.toml``).
"""

from __future__ import annotations

import contextlib
import datetime
import difflib
import functools
import gc
import os
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Any, TextIO

import click

from derive import __version__, derivations
from derive.derivations import Derivation
from derive.entry import aborted
from derive.errors import DeriveError, InvalidParameter
from derive.i18n import LANGUAGES
from derive.notation import DEFAULT_PRESET, PRESETS, Notation, letter
from derive.output import OutputFile, check_outputs, write_all
from derive.pdf import compile_pdf, engine_for
from derive.proofcache import ProofCache
from derive.targets import DEFAULT_TARGET, TARGETS, default_path


class DeriveGroup(click.Group):
    """A click group whose errors are one line, with a suggestion for a mistyped name."""

    def resolve_command(self, ctx: click.Context, args: list[str]):
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            known = self.list_commands(ctx)
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(known)}"
            raise click.UsageError(f"no command or derivation named '{name}'; {hint}")
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except DeriveError as error:
            failure = click.ClickException(str(error))
            failure.exit_code = error.exit_code
            raise failure from error
        except KeyboardInterrupt:
            raise _Interrupted from None  # past click, which would print a blank line and exit 1
        except OSError as error:
            raise _OutputFailed(error) from None  # past click, which says nothing of a closed pipe

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            sys.stdout.flush()  # a full disk shows here, not as an error at exit
        except _NO_ARGUMENTS as bare:
            click.echo(bare.ctx.get_help())  # a bare `derive` asks what it can do
            sys.exit(0)
        except click.ClickException as error:
            message = " ".join(error.format_message().split())
            click.echo(f"derive: error: {message}", err=True)
            sys.exit(error.exit_code)
        except (click.Abort, _Interrupted, KeyboardInterrupt):
            aborted()
        except _OutputFailed as failed:
            _output_failed(failed.args[0])
        except OSError as error:
            _output_failed(error)
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else 0)


class _Interrupted(Exception):
    """Ctrl-C, carried past click's own handling of it."""


class _OutputFailed(Exception):
    """An OSError writing the output, carried past click's own handling of it."""


# click 8.2 and later raise this for a bare group; 8.1 printed the help and exited 0 itself.
_NO_ARGUMENTS = getattr(click.exceptions, "NoArgsIsHelpError", ())


def _output_failed(error: OSError) -> None:
    """stdout closed (``| head -c1``), full (``>/dev/full``) or read-only: one line, exit 1."""
    with contextlib.suppress(OSError, ValueError):
        # Python flushes stdout once more at exit, and would report the same error again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    click.echo(f"derive: error: cannot write the output: {error.strerror or error}", err=True)
    sys.exit(1)


@click.group(cls=DeriveGroup)
@click.version_option(__version__, prog_name="derive")
def cli() -> None:
    """Build a derivation with SymPy, prove every step, and render it as a blog post."""


class _Progress:
    """``proving 12/56 (13) chain-rule: …`` on one line of stderr, rewritten in place.

    Only on a terminal, and only once a run has taken more than ``delay`` seconds: a quick
    run, a pipe or a CI log stays quiet.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        delay: float = 1.0,
        clock=time.monotonic,
        verb: str = "proving",
        output: TextIO | None = None,
    ) -> None:
        if stream is None:  # stderr; and a report piped to a file or a CI log gets no progress either
            stream, output = click.get_text_stream("stderr"), output or click.get_text_stream("stdout")
        self.stream = stream
        self.terminal = stream.isatty() and (output is None or output.isatty())
        self.delay, self.clock, self.verb = delay, clock, verb
        self.started = clock()
        self.shown = False

    def __call__(self, done: int, total: int, step: str) -> None:
        if self.clock() - self.started < self.delay or not self.terminal:
            return
        line = f"{self.verb} {done}/{total} {step}"[: shutil.get_terminal_size().columns - 1]
        self.stream.write(f"\r\x1b[K{line}")  # back to the start of the line, and clear it
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _cache(no_cache: bool) -> ProofCache | None:
    return None if no_cache else ProofCache()


_no_cache_option = click.option(
    "--no-cache",
    is_flag=True,
    help="Prove every step from scratch instead of reusing proofs of the very same statements "
    "from earlier runs.",
)


@cli.command("list")
def list_derivations() -> None:
    """List the derivations derive knows, one per line."""
    for derivation in derivations.REGISTRY.values():
        routes = [route.name for route in derivation.routes]
        also = f" (routes: {', '.join(routes)})" if len(routes) > 1 else ""
        click.echo(f"{derivation.name}\t{derivation.summary}{also}")


@cli.command("check")
@click.argument("posts", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="A report for people, or JSON for tools.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Also fail on a step left unchecked (?) and on a post with no math.",
)
@_no_cache_option
def check_posts(posts: tuple[Path, ...], output_format: str, no_cache: bool, strict: bool) -> None:
    """Check the derivations in POSTS (Markdown, Quarto, LaTeX, HTML or Jupyter files), step by step.

    Each equation is reported ✓ proven (and how), ✗ wrong (with a counterexample) or ?
    unchecked (with the reason); with the text report, a line per post on stderr counts
    them. Exits 0 when nothing is wrong, 1 when a step is wrong (with --strict: also a ? or a
    post with no math), 2 when a post cannot be read.
    """
    from derive.check import as_json, as_text, check_file
    from derive.check.report import dumps, fails, one_line

    cache = _cache(no_cache)
    reports, unreadable = [], False
    for path in posts:
        progress = _Progress(verb="checking")
        try:
            report = check_file(path, cache=cache, progress=functools.partial(_tell, progress, str(path)))
        except DeriveError as error:  # missing, binary, too large, not a notebook: the others go on
            click.echo(f"derive: error: {error}", err=True)
            unreadable = True
            continue
        finally:
            progress.close()
        reports.append((str(path), report))
    if output_format == "json":  # for tools: the counts are in it, and nothing else is said
        click.echo(dumps([as_json(path, report) for path, report in reports]))
    else:
        if reports:
            click.echo("\n\n".join(as_text(path, report) for path, report in reports))
        for path, report in reports:
            click.echo(one_line(path, report), err=True)
    if unreadable:
        sys.exit(2)
    if any(fails(report, strict=strict) for _, report in reports):
        sys.exit(1)


def _tell(progress: _Progress, path: str, done: int, total: int) -> None:
    progress(done, total, path)


def _today() -> datetime.date:
    # Reproducible builds pin the clock with SOURCE_DATE_EPOCH.
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return datetime.date.today()
    try:
        return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).date()
    except (ValueError, OverflowError, OSError):
        raise InvalidParameter(f"SOURCE_DATE_EPOCH={epoch!r} is not a usable Unix timestamp") from None


def _not_empty(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value == "":
        raise click.BadParameter("must not be empty", ctx, param)
    return value


def _a_file(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value == "-":
        raise click.BadParameter("must be a file path (only the post can go to stdout)", ctx, param)
    return _not_empty(ctx, param, value)


def _katex_base(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    # The value lands in src/href attributes: a URL of the web, or a path relative to the page.
    if value is not None and not re.fullmatch(r"(https?://[^\s\"'<>]+|[\w.][\w./-]*)", value):
        raise click.BadParameter(
            "must be an http(s) URL or a relative path to KaTeX's dist/ folder", ctx, param
        )
    return value


def _letter(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        letter(value)
    except DeriveError as error:
        raise click.BadParameter(str(error), ctx, param) from None
    return value


def _target_help() -> str:
    return "Where the post is published: " + "; ".join(f"{t.name}: {t.summary}" for t in TARGETS.values())


#: The notation option of each role, with the letters people use for it.
_ROLE_HELP = {
    "logits": "Letter of the logits (z, o, a …).",
    "probs": "Letter of the probabilities (p, ŷ …).",
    "labels": "Letter of the labels (y, t …).",
    "classes": "Letter of the class count (N, c …).",
}


def _notation_options(roles: tuple[str, ...]):
    """--notation and one option per role, for a derivation whose symbols play ``roles``."""

    def decorate(function):
        for role in reversed(roles):
            function = click.option(f"--{role}", metavar="LETTER", callback=_letter, help=_ROLE_HELP[role])(
                function
            )
        if roles:
            function = click.option(
                "--notation",
                type=click.Choice(list(PRESETS)),
                default=DEFAULT_PRESET,
                show_default=True,
                help="Letters for logits-probabilities-labels(-classes), as in the usual notes.",
            )(function)
        return function

    return decorate


def _route_option(derivation: Derivation):
    """--route, for a derivation that reaches its result in more than one way."""
    routes = derivation.routes
    if len(routes) == 1:
        return lambda function: function
    described = "; ".join(f"{route.name}: {route.summary}" for route in routes)
    return click.option(
        "--route",
        type=click.Choice([route.name for route in routes]),
        default=routes[0].name,
        show_default=True,
        help=f"Which way the post goes. {described}",
    )


def _publish(
    derivation: str | Derivation,
    n: int | None,
    route: str | None,
    stem: str,
    target: str,
    lang: str,
    output: str | None,
    date: datetime.datetime | None,
    notation: Notation,
    options: dict[str, Any],
) -> None:
    """Check the outputs, prove, publish and write: the same for the catalogue and ``derive diff``."""
    render_target = TARGETS[target]
    to_stdout = output == "-"
    if options["pdf"] and (target != "latex" or to_stdout):
        raise click.UsageError("--pdf needs --target latex and the .tex written to a file")
    if options["katex_base"] and target != "html":
        raise click.UsageError("--katex-base only applies to --target html")
    post = OutputFile(
        Path(output) if output else default_path(stem, n, render_target, lang),
        create_parent=output is None,
    )
    files = [] if to_stdout else [post]
    if options["pdf"]:
        engine_for(lang)  # a missing TeX engine is reported before the work, not after it
        files.append(OutputFile(post.path.with_suffix(".pdf"), create_parent=post.create_parent))
    if options["certificate"]:
        files.append(OutputFile(Path(options["certificate"])))
    check_outputs(files, force=options["force"])
    day = date.date() if date else _today()
    progress = _Progress()
    # Imported here: rendering (Jinja, YAML, templates) is for this command, not `derive check`.
    from derive.pipeline import generate

    try:
        generated = generate(
            derivation,
            1 if n is None else n,  # a derivative of the user's has no worked example to size
            route=route,
            date=day,
            cache=_cache(options["no_cache"]),
            progress=progress,
            target=render_target,
            lang=lang,
            notation=notation,
            katex_base=options["katex_base"],
        )
    finally:
        progress.close()
    contents: list[str | bytes] = [] if to_stdout else [generated.post]
    if options["pdf"]:
        contents.append(compile_pdf(generated.post, lang, date=day))
    if options["certificate"]:
        contents.append(generated.certificate)
    write_all(list(zip(files, contents, strict=True)), force=options["force"])
    if to_stdout:
        click.echo(generated.post, nl=False)
    documents = files[:2] if options["pdf"] else files[:1]  # the post, and its PDF; not the certificate
    where = "stdout" if to_stdout else ", ".join(str(f.path) for f in documents)
    click.echo(f"wrote {where}: {generated.summary()}", err=to_stdout)


#: The options of every command that writes a post: where, for which host, in which language.
_POST_OPTIONS = (
    click.option(
        "--target",
        type=click.Choice(list(TARGETS)),
        default=DEFAULT_TARGET,
        show_default=True,
        help=_target_help(),
    ),
    click.option(
        "--lang", type=click.Choice(LANGUAGES), default="en", show_default=True, help="Language of the prose."
    ),
    click.option(
        "-o", "--output", metavar="PATH", callback=_not_empty, help="Where to write the post; '-' for stdout."
    ),
    click.option(
        "--date",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        help="Date in the front matter, YYYY-MM-DD [default: today].",
    ),
    click.option(
        "--certificate",
        metavar="FILE",
        callback=_a_file,
        help="Also write a JSON record of every proven equation.",
    ),
    click.option(
        "--pdf", is_flag=True, help="With --target latex: also compile the article to a PDF beside the .tex."
    ),
    click.option(
        "--katex-base",
        metavar="URL",
        callback=_katex_base,
        help="With --target html: load KaTeX from this URL (a copy of its dist/) instead of the CDN.",
    ),
    click.option("--force", is_flag=True, help="Overwrite files derive did not write, or that were edited."),
    _no_cache_option,
)


def _post_options(function):
    for option in reversed(_POST_OPTIONS):
        function = option(function)
    return function


def _derivation_command(derivation: Derivation) -> click.Command:
    def check_n(ctx: click.Context, param: click.Parameter, value: int) -> int:
        try:
            return derivation.check_n(value)
        except DeriveError as error:
            raise click.BadParameter(str(error).removeprefix("--n "), ctx, param) from None

    @click.command(
        name=derivation.name,
        help=f"{derivation.summary}.\n\nWrites output/{derivation.name}-n<N>.md unless -o says otherwise; "
        f"other routes, languages and targets add to the name (output/{derivation.name}-n3.ko.github.md).",
    )
    @click.option(
        "--n",
        "n",
        type=int,
        default=derivation.default_n,
        show_default=True,
        callback=check_n,
        help=f"{derivation.n_help} ({derivation.min_n} to {derivation.max_n}).",
    )
    @_route_option(derivation)
    @_post_options
    @_notation_options(derivation.roles)
    def command(
        n: int,
        target: str,
        lang: str,
        output: str | None,
        date: datetime.datetime | None,
        route: str | None = None,
        **options: Any,
    ) -> None:
        notation = PRESETS[options.get("notation", DEFAULT_PRESET)].overridden(
            **{role: options[role] for role in derivation.roles}
        )
        stem = derivation.file_stem(route)
        _publish(derivation.name, n, route, stem, target, lang, output, date, notation, options)

    return command


_ALL_ROLES = ("logits", "probs", "labels", "classes")


@cli.command("diff")
@click.argument("expr")
@click.option("--wrt", required=True, metavar="VAR", help="The variable, in LaTeX: x, z_i, w.")
@click.option("--name", default="f", show_default=True, help="The letter of the function (f, L, J …).")
@click.option(
    "--title", callback=_not_empty, help="The title of the post [default: the derivative of f by x]."
)
@_post_options
@_notation_options(_ALL_ROLES)
@click.pass_context
def differentiate(
    ctx: click.Context,
    expr: str,
    wrt: str,
    name: str,
    title: str | None,
    target: str,
    lang: str,
    output: str | None,
    date: datetime.datetime | None,
    **options: Any,
) -> None:
    """The derivative of EXPR (LaTeX) by VAR, every rule chosen by derive and every step proven.

    derive diff 'x \\sigma(x)' --wrt x writes output/diff-f-<hash>.md; derive diff
    '\\log \\sum_{k=1}^{N} e^{z_k}' --wrt z_i differentiates by one entry of a family.
    """
    from derive.diff import derivation, problem

    # Letters are renamed only when asked for: the expression's own letters are the user's.
    renamed = any(
        ctx.get_parameter_source(option) != click.core.ParameterSource.DEFAULT
        for option in ("notation", *_ALL_ROLES)
    )
    spec = problem(expr, wrt, name, title, roles=renamed)
    notation = PRESETS[options["notation"]].overridden(**{role: options[role] for role in _ALL_ROLES})
    built = derivation(spec)
    _publish(built, None, None, spec.slug, target, lang, output, date, notation, options)


for _derivation in derivations.REGISTRY.values():
    cli.add_command(_derivation_command(_derivation))


def main() -> None:
    # Proving makes and drops a great many small SymPy objects, and the cyclic collector's
    # default (a pass every 700 allocations) spent 6-12% of a run walking them. A pass every
    # 10,000 finds the same garbage; measured, the peak memory stays the same.
    gc.set_threshold(10_000, 10, 10)
    cli()


if __name__ == "__main__":
    main()
