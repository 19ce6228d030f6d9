"""`rota who`: who holds each role now (or at a moment), until when, and who is next. Only click at import time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from rota.cli.params import HOME, MOMENT


@click.command()
@HOME
@click.option("--at", type=MOMENT, help="The moment to ask about (default: now; no offset: the team's time).")
@click.option("--json", "as_json", is_flag=True, help="As JSON, times with the team's offset (as /oncall.json).")
def who(home: Path, at: dt.datetime | None, as_json: bool) -> None:
    """Who holds each role now (or --at), until when, and who is next; shadows beside the first role.

    Covers, swaps and updates are applied: a split shift shows the part that holds the moment. A moment outside
    every published period has nobody on call.

    Example: rota who examples/team.yaml --at 2027-02-10T12:00
    """
    import json

    from rota.home.home import find_home
    from rota.home.state import snapshot
    from rota.reports.oncall import on_call, oncall_json, oncall_lines

    state = snapshot(find_home(home), at)
    answer = on_call(state.team, state.periods, state.now)
    if as_json:
        click.echo(json.dumps(oncall_json(answer), indent=2, ensure_ascii=False))
    else:
        for line in oncall_lines(answer):
            click.echo(line)
