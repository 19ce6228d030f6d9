"""The `rota` command line: a thin layer over the library. Errors become a message and an exit code here only.

Heavy modules (ortools, pandas, icalendar) are imported inside the commands that need them, so that
`rota --help` starts fast.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from models.errors import InputError
from rota.command import TIME_LIMIT, parse_date, parse_now, reports_errors

F = TypeVar("F", bound=Callable[..., Any])

# What `generate` needs only once the rota is solved, loaded while the solver works: matplotlib for rota.png
# (most of it), icalendar for the feeds, rich's tables.
AFTER_SOLVING = (
    "matplotlib.figure",
    "matplotlib.backends.backend_agg",
    "rota.chart",
    "rota.published",
    "rota.display",
    "rota.tokens",
)


def period_options(command: F) -> F:
    for option in reversed(
        [
            click.option("--quarter", help="2027Q1, 'next' (default) or 'current'."),
            click.option("--start", help="First day (YYYY-MM-DD); the period starts at the changeover on or after."),
            click.option("--weeks", type=click.IntRange(1, 520), help="Number of weekly shifts, with --start."),
            click.option(
                "--history",
                multiple=True,
                type=click.Path(path_type=Path),
                help="Earlier rota.csv or rota dir; repeatable.",
            ),
            click.option(
                "--now", help="Pretend the time is this (date or ISO datetime): fixes 'next' and the feeds' stamps."
            ),
        ]
    ):
        command = option(command)
    return command


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(package_name="rota")
def main() -> None:
    """Fair on-call rotas: one-week shifts with Tuesday changeovers, proven fair by a constraint solver.

    Start with `rota generate examples/team.yaml`.
    """


@main.command()
@click.argument("team_file", type=click.Path(path_type=Path))
@period_options
@click.option("--out", type=click.Path(path_type=Path), help="Rota directory to write (default rota-<period>).")
@click.option("--seed", type=click.IntRange(0, 2**31 - 1), default=0, show_default=True, help="Solver seed.")
@TIME_LIMIT
@click.option("--force", is_flag=True, help="Replace an existing rota directory.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@reports_errors
def generate(
    team_file: Path,
    quarter: str | None,
    start: str | None,
    weeks: int | None,
    history: tuple[Path, ...],
    now: str | None,
    out: Path | None,
    seed: int,
    time_limit_s: float,
    force: bool,
    quiet: bool,
) -> None:
    """Solve a fair rota for a period and write its directory: rota.csv, team.yaml, rota.ics, feeds/, rota.png.

    Example: rota generate examples/team.yaml --quarter 2027Q1
    """
    from rich.console import Console

    from rota.progress import ImportWhileSolving, solving_progress
    from rota.workflow import PeriodChoice
    from rota.workflow import generate as run

    moment = parse_now(now)
    choice = PeriodChoice(quarter, parse_date(start, "--start"), weeks)
    if out is not None and out.exists() and not force:
        raise InputError(f"{out}: a rota directory already exists; pass --force to replace it, or --out another")
    console = Console()
    preload = ImportWhileSolving(AFTER_SOLVING)
    with solving_progress(console, enabled=console.is_terminal and not quiet, also=preload) as on_progress:
        result = run(
            team_file,
            choice,
            history=history,
            now=moment,
            seed=seed,
            time_limit_s=time_limit_s,
            on_progress=on_progress,
        )
    # Imported here, not above, so that the solver starts sooner; usually already loaded by `preload`.
    from rota.display import show_generated
    from rota.history import history_paths
    from rota.published import Version, write_version
    from rota.tokens import inherit_tokens

    problem = result.problem
    target = out or Path(f"rota-{problem.period.name}")
    version = Version(
        problem.team, team_file.read_bytes(), result.rows, generated=moment, history=list(problem.history)
    )
    write_version(target, version, problem, moment, replace=force)
    inherit_tokens(target, history_paths(team_file, problem.team, history))
    if not quiet:
        show_generated(console, problem, result.solution, result.rows)
        console.print(f"wrote {target}/ ({len(result.rows)} assignments)", highlight=False)


@main.command()
@click.argument("team_file", type=click.Path(path_type=Path))
@period_options
@TIME_LIMIT
@reports_errors
def check(
    team_file: Path,
    quarter: str | None,
    start: str | None,
    weeks: int | None,
    history: tuple[Path, ...],
    now: str | None,
    time_limit_s: float,
) -> None:
    """Validate a team file, say whether a rota exists, and how many members could cover a sickness each week.

    Example: rota check examples/team.yaml --quarter 2027Q1
    """
    from rota.checking import check_team

    moment = parse_now(now)
    from rota.workflow import PeriodChoice

    choice = PeriodChoice(quarter, parse_date(start, "--start"), weeks)
    for line in check_team(team_file, choice, history=history, now=moment, time_limit_s=time_limit_s):
        click.echo(line)


@main.command()
def schema() -> None:
    """Print the team file's JSON Schema, for editors.

    Example: rota schema > team.schema.json
    """
    import json

    from models.team import Team

    click.echo(json.dumps(Team.model_json_schema(by_alias=True), indent=2))


from rota.feeds_cli import feeds, serve  # noqa: E402  (registered here: the commands live in their own module)

main.add_command(serve)
main.add_command(feeds)

from rota.report_cli import report  # noqa: E402  (registered last: it imports only click at module level)

main.add_command(report)

from rota.change_cli import cover, swap, update  # noqa: E402  (changing a published rota, SPEC §8)

main.add_command(cover)
main.add_command(swap)
main.add_command(update)


if __name__ == "__main__":
    main()
