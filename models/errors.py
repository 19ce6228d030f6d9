"""One family of errors. Each knows its exit code (docs/spec.md §12); the CLI shows them in one place."""

from __future__ import annotations


class RotaError(Exception):
    """Base of every error `rota` expects. `exit_code` is the process exit code for it."""

    exit_code = 1


class InputError(RotaError):
    """Bad input or usage: the message names the file, the place and the fix."""

    exit_code = 2


class TeamFileError(InputError):
    """A problem at one place in a team file."""

    def __init__(self, file: str, place: str, problem: str, line: int | None = None) -> None:
        self.file, self.place, self.problem, self.line = file, place, problem, line
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {place}: {problem}" if place else f"{where}: {problem}")


class InfeasibleError(RotaError):
    """No rota can satisfy the hard rules; `lines` explain why in the team's words."""

    exit_code = 3

    def __init__(self, headline: str, lines: list[str] | None = None) -> None:
        self.headline, self.lines = headline, lines or []
        super().__init__("\n".join([headline, *("  " + line for line in self.lines)]))


class TimeLimitError(RotaError):
    """The time limit passed before any rota was found: not proven impossible."""

    exit_code = 4


class DeliveryError(RotaError):
    """Some notices could not be delivered (a channel down, slow or refusing); they are kept for the next run."""

    exit_code = 5
