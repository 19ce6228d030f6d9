"""`rota cover`, `rota swap`, `rota update`: change a published rota (docs/spec.md §8). Only click at import time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from rota.cli.params import DATE, HOME, NOW, command_console, solve_limit
from solver.limit import Limit


def _show(changes: Sequence[Any]) -> None:
    """Say what each change did, once it is written."""
    from rota.changes.summary import show_change

    console = command_console()
    for change in changes:
        show_change(console, change)


@click.command()
@HOME
@click.option("--who", required=True, help="The member who cannot work (their id).")
@click.option("--from", "first", type=DATE, required=True, help="First day of the absence (YYYY-MM-DD).")
@click.option("--to", "last", type=DATE, help="Last day of the absence (default: --from).")
@click.option(
    "--reason",
    type=click.Choice(["sickness", "other"]),
    default="sickness",
    show_default=True,
    help="Sickness is excused: the member's fair share drops.",
)
@click.option("--rebalance", is_flag=True, help="Then re-optimise the shifts after the freeze horizon.")
@click.option(
    "--freeze-weeks",
    type=click.IntRange(0, 52),
    default=2,
    show_default=True,
    help="With --rebalance: weeks from now that stay as they are.",
)
@solve_limit
@NOW
@click.option("--force", is_flag=True, help="When nobody can cover within the rules, apply the least-bad choice.")
def cover(
    home: Path,
    who: str,
    first: dt.date,
    last: dt.date | None,
    reason: str,
    rebalance: bool,
    freeze_weeks: int,
    time_limit_s: float,
    work_limit: float | None,
    now: dt.datetime | None,
    force: bool,
) -> None:
    """A member cannot work part of their shift: record the absence in the team file, and hand the absent part of
    each shift it touches to a cover member. A sickness reported late, once the days have passed, is recorded
    the same way (the period's fair shares follow it; its assignments stay as they were).

    HOME is the team file, the home's directory, or one of its rota directories.

    Example: rota cover examples/team.yaml --who dan --from 2027-02-10 --to 2027-02-12
    """
    from rota.changes.cover import cover as run

    _show(
        run(
            home,
            who=who,
            first=first,
            last=last,
            reason="sickness" if reason == "sickness" else "other",
            now=now,
            force=force,
            rebalance=rebalance,
            freeze_weeks=freeze_weeks,
            limit=Limit(time_limit_s, work_limit),
        )
    )


@click.command()
@HOME
@click.option("--week", type=DATE, required=True, help="The shift's week (its changeover date, YYYY-MM-DD).")
@click.option("--role", required=True, help="The shift's role.")
@click.option("--to", "to", required=True, help="The member who takes it over.")
@click.option("--with-week", type=DATE, help="Trade: the --to member's shift of this week goes to the current holder.")
@NOW
@click.option("--force", is_flag=True, help="Write the swap even if it breaks hard rules, naming each.")
def swap(
    home: Path, week: dt.date, role: str, to: str, with_week: dt.date | None, now: dt.datetime | None, force: bool
) -> None:
    """Hand a shift to another member, or trade two shifts; checked against every hard rule.

    Example: rota swap examples/team.yaml --week 2027-03-02 --role primary --to alice
    """
    from rota.changes.swap import swap as run

    _show(run(home, week=week, role=role, to=to, with_week=with_week, now=now, force=force))


@click.command()
@HOME
@click.option(
    "--team",
    "team_file",
    type=click.Path(path_type=Path),
    help="For a rota directory outside a home: an edited team file to use (copied in).",
)
@NOW
@solve_limit
def update(
    home: Path, team_file: Path | None, now: dt.datetime | None, time_limit_s: float, work_limit: float | None
) -> None:
    """Re-read the team file after edits (a holiday, a leaver, a pin) and repair only what is now broken, in every
    published period with weeks still to come.

    Example: rota update examples/team.yaml    # after adding a holiday to examples/team.yaml
    """
    from rota.changes.update import update as run

    _show(run(home, now=now, team_file=team_file, limit=Limit(time_limit_s, work_limit)))
