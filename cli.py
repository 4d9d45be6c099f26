"""The ``derive`` command: a thin layer over the library.

Every error derive raises on purpose becomes one line on stderr and a non-zero exit.
In the wheel this module is ``derive.cli`` (see ``pyproject.toml``).
"""

from __future__ import annotations

import datetime
import difflib
import os
import sys
from pathlib import Path

import click

from derive import __version__, derivations
from derive.derivations import Derivation
from derive.errors import DeriveError, InvalidParameter
from derive.output import Target, check_targets, write_all
from derive.pipeline import generate


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

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as error:
            message = " ".join(error.format_message().split())
            click.echo(f"derive: error: {message}", err=True)
            sys.exit(error.exit_code)
        except click.Abort:
            click.echo("derive: aborted", err=True)
            sys.exit(1)
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else 0)


@click.group(cls=DeriveGroup)
@click.version_option(__version__, prog_name="derive")
def cli() -> None:
    """Build a derivation with SymPy, prove every step, and render it as a blog post."""


@cli.command("list")
def list_derivations() -> None:
    """List the derivations derive knows, one per line."""
    for derivation in derivations.REGISTRY.values():
        click.echo(f"{derivation.name}\t{derivation.summary}")


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


def _derivation_command(derivation: Derivation) -> click.Command:
    def check_n(ctx: click.Context, param: click.Parameter, value: int) -> int:
        try:
            return derivation.check_n(value)
        except DeriveError as error:
            raise click.BadParameter(str(error).removeprefix("--n "), ctx, param) from None

    @click.command(
        name=derivation.name,
        help=f"{derivation.summary}.\n\nWrites output/{derivation.name}-n<N>.md unless -o says otherwise.",
    )
    @click.option(
        "--n",
        "n",
        type=int,
        default=derivation.default_n,
        show_default=True,
        callback=check_n,
        help=f"Number of classes in the worked example ({derivation.min_n} to {derivation.max_n}).",
    )
    @click.option(
        "-o", "--output", metavar="PATH", callback=_not_empty, help="Where to write the post; '-' for stdout."
    )
    @click.option(
        "--date",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        help="Date in the front matter, YYYY-MM-DD [default: today].",
    )
    @click.option(
        "--certificate",
        metavar="FILE",
        callback=_a_file,
        help="Also write a JSON record of every proven equation.",
    )
    @click.option("--force", is_flag=True, help="Overwrite files derive did not write, or that were edited.")
    def command(
        n: int, output: str | None, date: datetime.datetime | None, certificate: str | None, force: bool
    ) -> None:
        to_stdout = output == "-"
        post = Target(Path(output or f"output/{derivation.name}-n{n}.md"), create_parent=output is None)
        targets = ([] if to_stdout else [post]) + ([Target(Path(certificate))] if certificate else [])
        check_targets(targets, force=force)  # fail before the work, not after it
        generated = generate(derivation.name, n, date=date.date() if date else _today())
        texts = ([] if to_stdout else [generated.post]) + ([generated.certificate] if certificate else [])
        write_all(list(zip(targets, texts, strict=True)), force=force)
        if to_stdout:
            click.echo(generated.post, nl=False)
        where = "stdout" if to_stdout else str(post.path)
        click.echo(f"wrote {where}: {generated.summary()}", err=to_stdout)

    return command


for _derivation in derivations.REGISTRY.values():
    cli.add_command(_derivation_command(_derivation))


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
