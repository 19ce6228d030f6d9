"""What every command shares: turning the library's errors into SPEC §12's exit codes, and parsing times."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from models.errors import InputError, RotaError

F = TypeVar("F", bound=Callable[..., Any])


def parse_now(value: str | None) -> dt.datetime:
    """`--now`: a date (midnight UTC) or an ISO datetime; naive times are UTC. Default: the real clock."""
    if value is None:
        return dt.datetime.now(dt.UTC)
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"--now {value!r}: use a date or ISO datetime, e.g. 2027-02-09 or 2027-02-09T18:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} {value!r}: use a date YYYY-MM-DD, e.g. 2027-01-05") from None


def reports_errors(command: F) -> F:
    """Turn the library's errors into `error: ...` on stderr and SPEC §12's exit code; never a traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except RotaError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(error.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted: nothing was written", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


TIME_LIMIT = click.option(
    "--time-limit",
    "time_limit_s",
    type=click.FloatRange(0.1, 3600),
    default=10.0,
    show_default=True,
    help="Seconds of solving at most (shared by the objectives; see README).",
)
