"""What the commands share: one error handler for the whole CLI, parameter types for dates and moments, and the
options several commands take."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from models.errors import RotaError

if TYPE_CHECKING:
    from rich.console import Console

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INTERRUPTED = 130  # as a shell reports a command stopped by Ctrl-C


class RotaGroup(click.Group):
    """The `rota` group: every command's library errors become `error: ...` on stderr and their exit code
    (docs/spec.md §12), here and nowhere else; never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RotaError as error:
            click.echo(f"error: {error}", err=True)
            ctx.exit(error.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted: nothing was written", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            _reader_gone()


def command_console(width: int | None = None) -> Console:
    """A rich console for a command's output; when the reader goes away it stops as `_reader_gone` does (rich's
    own default exits 1, the code for a bug)."""
    from rich.console import Console

    class CommandConsole(Console):
        def on_broken_pipe(self) -> None:
            _reader_gone()

    return CommandConsole(width=width)


def _reader_gone() -> NoReturn:
    """The reader of our output went away (`rota ... | head -1`): the command's work is done and written, so
    this is no error; stop quietly, with nothing more written to the closed pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(0)


class DateType(click.ParamType):  # type: ignore[type-arg]
    """A calendar day, YYYY-MM-DD."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r}: use a date YYYY-MM-DD, e.g. 2027-01-05", param, ctx)


class MomentType(click.ParamType):  # type: ignore[type-arg]
    """A moment: a date (its midnight) or an ISO date-time. Without an offset it is the team's local time,
    resolved once the team file is read (models.calendar.moment_in)."""

    name = "time"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value
        try:
            return dt.datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(
                f"{value!r}: use a date or an ISO date-time, e.g. 2027-02-09 or 2027-02-09T18:00 "
                "(the team's local time) or 2027-02-09T18:00+01:00",
                param,
                ctx,
            )


DATE = DateType()
MOMENT = MomentType()


def solve_limit(command: F) -> F:
    """--time-limit and --work-limit; the command makes them a solver.limit.Limit."""
    command = click.option(
        "--work-limit",
        type=click.FloatRange(0.1, 36000),
        help="Count the search in deterministic work instead of seconds: the same rota on any machine, "
        "in a time that depends on the machine. Overrides --time-limit.",
    )(command)
    return click.option(
        "--time-limit",
        "time_limit_s",
        type=click.FloatRange(0.1, 3600),
        default=10.0,
        show_default=True,
        help="Wall-clock seconds of solving at most, model building included (shared by the objectives).",
    )(command)


NOW = click.option(
    "--now", type=MOMENT, help="Pretend the time is this (a date or ISO date-time; no offset: team time)."
)


HOME = click.argument("home", type=click.Path(path_type=Path))


def period_options(command: F) -> F:
    for option in reversed(
        [
            click.option("--quarter", help="2027Q1, 'next' (default) or 'current'."),
            click.option("--start", type=DATE, help="First day; the period starts at the changeover on or after."),
            click.option("--weeks", type=click.IntRange(1, 520), help="Number of weekly shifts, with --start."),
            click.option(
                "--history",
                multiple=True,
                type=click.Path(path_type=Path),
                help="An earlier rota.csv or rota directory, besides the home's; repeatable.",
            ),
            click.option(
                "--now",
                type=MOMENT,
                help="Pretend the time is this: fixes 'next' and the calendars' stamps (no offset: the team's time).",
            ),
        ]
    ):
        command = option(command)
    return command
