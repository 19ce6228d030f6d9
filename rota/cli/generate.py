"""`rota generate`, `rota check` and `rota schema`. Only click at import time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from rota.cli.params import HOME, command_console, period_options, solve_limit
from solver.limit import Limit

# What `generate` needs only once the rota is solved, loaded while the solver works: icalendar for the feeds,
# rich's tables.
AFTER_SOLVING = ("rota.exports.ical", "rota.reports.tables")


@click.command()
@HOME
@period_options
@click.option(
    "--out", type=click.Path(path_type=Path), help="Rota directory to write (default: rota-<period> in the home)."
)
@click.option("--seed", type=click.IntRange(0, 2**31 - 1), default=0, show_default=True, help="Solver seed.")
@solve_limit
@click.option("--force", is_flag=True, help="Replace an existing rota directory (a change: calendars follow it).")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
def generate(
    home: Path,
    quarter: str | None,
    start: dt.date | None,
    weeks: int | None,
    history: tuple[Path, ...],
    now: dt.datetime | None,
    out: Path | None,
    seed: int,
    time_limit_s: float,
    work_limit: float | None,
    force: bool,
    quiet: bool,
) -> None:
    """Solve a fair rota for the home's next period and publish it beside the team file: rota-<period>/ with
    rota.csv, rota.ics, feeds/ and the team file it was made from. Every earlier period in the home
    is its history.

    HOME is the team file, or the directory that holds it as team.yaml.

    Example: rota generate examples/team.yaml --quarter 2027Q1
    """
    from rota.cli.progress import ImportWhileSolving, solving_progress
    from rota.generate import PeriodChoice
    from rota.generate import generate as run

    console = command_console()
    preload = ImportWhileSolving(AFTER_SOLVING)
    with solving_progress(console, enabled=console.is_terminal and not quiet, also=preload) as on_progress:
        result = run(
            home,
            PeriodChoice(quarter, start, weeks),
            history=history,
            out=out,
            force=force,
            now=now,
            seed=seed,
            limit=Limit(time_limit_s, work_limit),
            on_progress=on_progress,
        )
    if not quiet:
        from rota.reports.tables import show_generated

        show_generated(console, result.problem, result.solution, result.rows)
        console.print(f"wrote {result.directory}/ ({len(result.rows)} assignments)", highlight=False)


@click.command()
@HOME
@period_options
@solve_limit
def check(
    home: Path,
    quarter: str | None,
    start: dt.date | None,
    weeks: int | None,
    history: tuple[Path, ...],
    now: dt.datetime | None,
    time_limit_s: float,
    work_limit: float | None,
) -> None:
    """Validate a team file, say whether a rota exists, and how many members could cover a sickness each week.

    Example: rota check examples/team.yaml --quarter 2027Q1
    """
    from rota.check import check_team
    from rota.generate import PeriodChoice

    choice = PeriodChoice(quarter, start, weeks)
    for line in check_team(home, choice, history=history, now=now, limit=Limit(time_limit_s, work_limit)):
        click.echo(line)


@click.command()
def schema() -> None:
    """Print the team file's JSON Schema, for editors.

    Example: rota schema > team.schema.json
    """
    import json

    from models.team import Team

    click.echo(json.dumps(Team.model_json_schema(by_alias=True), indent=2))
