"""`rota report`: fairness and compensation per member (docs/spec.md §12). Only click at import time."""

from __future__ import annotations

from pathlib import Path

import click

from rota.cli.params import HOME, command_console


@click.command()
@HOME
@click.option("--period", help="The published period to report, e.g. 2027Q1 (default: the latest).")
@click.option(
    "--history",
    multiple=True,
    type=click.Path(path_type=Path),
    help="An earlier rota.csv or rota directory, besides the home's; repeatable.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="table for people, csv for payroll, json for programs (the same figures).",
)
@click.option("--chart", type=click.Path(path_type=Path), help="Also draw the rota and balances to this PNG file.")
def report(home: Path, period: str | None, history: tuple[Path, ...], output_format: str, chart: Path | None) -> None:
    """Fairness and compensation per member over a period and everything before it: shifts, on-call hours,
    weekend and holiday days, covers, load, fair share, balance.

    HOME is the team file, the home's directory, or one of its rota directories (that period).

    Example: rota report examples/team.yaml --period 2027Q1 --format csv > payroll-2027Q1.csv

    \b
    The csv export has one row a member, in these columns:
      period            the rota's period, e.g. 2027Q1
      member, name, email, fte
      shifts_<role>     shifts held in each role, whole or in part (a cover is not a shift)
      shadow_shifts     onboarding weeks spent shadowing (no load, no cover)
      hours             exact hours on call in any role, covers included (167/169 across DST)
      weekend_days      Saturdays and Sundays on call (a day counts for whoever holds its 12:00)
      holiday_days      public holidays on call, by the same noon rule
      covers_given      covers held for others
      covers_received   covers others held in one's own shifts
      load              on-call days, weighted by role and public holidays
      fair_share        the load a fair rota would give them
      balance           load - fair_share over this rota
      history_from      the first week of history counted (empty without history)
      cumulative_...    each figure above over the history and the rota together;
                        cumulative_balance is the balance the solver evens out
    """
    from rota.reports.report import load_report, report_csv, report_json, report_tables

    result, problem, rows = load_report(home, period=period, extra_history=history)
    if chart is not None:
        from rota.exports.chart import write_chart

        write_chart(chart, problem, rows)
    if output_format == "csv":
        click.echo(report_csv(result), nl=False)
    elif output_format == "json":
        click.echo(report_json(result), nl=False)
    else:
        console = command_console()
        if not console.is_terminal:
            console = command_console(width=200)  # a pipe or a file has no width to fit: never cut a figure short
        for table in report_tables(result):
            console.print(table)
