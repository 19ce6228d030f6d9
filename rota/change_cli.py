"""`rota cover`, `rota swap`, `rota update`: change a published rota (SPEC §8). Only click at import time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from rota.command import TIME_LIMIT, parse_date, parse_now, reports_errors


def _publish(change: Any, directory: Path) -> None:
    """Write the change's new version in one atomic publish, then say what changed."""
    from rich.console import Console

    from rota.changes import show_change
    from rota.published import write_version

    write_version(directory, change.after, change.after_problem, change.now, replace=True)
    show_change(Console(), change, str(directory))


ROTA_DIR = click.argument("rota_dir", type=click.Path(path_type=Path))
NOW = click.option("--now", help="Pretend the time is this (date or ISO datetime, naive = UTC).")


@click.command()
@ROTA_DIR
@click.option("--who", required=True, help="The member who cannot work (their id).")
@click.option("--from", "first", required=True, help="First day of the absence (YYYY-MM-DD).")
@click.option("--to", "last", help="Last day of the absence (default: --from).")
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
@TIME_LIMIT
@NOW
@click.option("--force", is_flag=True, help="When nobody can cover within the rules, apply the least-bad choice.")
@click.option("--team", "team_file", type=click.Path(path_type=Path), help="Team file to use instead of DIR/team.yaml.")
@reports_errors
def cover(
    rota_dir: Path,
    who: str,
    first: str,
    last: str | None,
    reason: str,
    rebalance: bool,
    freeze_weeks: int,
    time_limit_s: float,
    now: str | None,
    force: bool,
    team_file: Path | None,
) -> None:
    """A member cannot work part of their shift: hand the absent part to a cover member; record the absence.

    Example: rota cover rota-2027Q1 --who frank --from 2027-02-10 --to 2027-02-12
    """
    from rota.cover import cover as run

    start = parse_date(first, "--from")
    assert start is not None
    change = run(
        rota_dir,
        who=who,
        first=start,
        last=parse_date(last, "--to"),
        reason="sickness" if reason == "sickness" else "other",
        now=parse_now(now),
        force=force,
        team_file=team_file,
        rebalance=rebalance,
        freeze_weeks=freeze_weeks,
        time_limit_s=time_limit_s,
    )
    _publish(change, rota_dir)


@click.command()
@ROTA_DIR
@click.option("--week", required=True, help="The shift's week (its changeover date, YYYY-MM-DD).")
@click.option("--role", required=True, help="The shift's role.")
@click.option("--to", "to", required=True, help="The member who takes it over.")
@click.option("--with-week", help="Trade: the --to member's shift of this week goes to the current holder.")
@NOW
@click.option("--force", is_flag=True, help="Write the swap even if it breaks hard rules, naming each.")
@click.option("--team", "team_file", type=click.Path(path_type=Path), help="Team file to use instead of DIR/team.yaml.")
@reports_errors
def swap(
    rota_dir: Path,
    week: str,
    role: str,
    to: str,
    with_week: str | None,
    now: str | None,
    force: bool,
    team_file: Path | None,
) -> None:
    """Hand a shift to another member, or trade two shifts; checked against every hard rule.

    Example: rota swap rota-2027Q1 --week 2027-03-02 --role primary --to alice
    """
    from rota.swap import swap as run

    shift_week = parse_date(week, "--week")
    assert shift_week is not None
    change = run(
        rota_dir,
        week=shift_week,
        role=role,
        to=to,
        with_week=parse_date(with_week, "--with-week"),
        now=parse_now(now),
        force=force,
        team_file=team_file,
    )
    _publish(change, rota_dir)


@click.command()
@ROTA_DIR
@click.option(
    "--team",
    "team_file",
    type=click.Path(path_type=Path),
    help="Edited team file to use (copied into DIR); default: DIR/team.yaml, edited in place.",
)
@NOW
@TIME_LIMIT
@reports_errors
def update(rota_dir: Path, team_file: Path | None, now: str | None, time_limit_s: float) -> None:
    """Re-read the team file after edits (a holiday, a leaver, a pin) and repair only what is now broken.

    Example: rota update rota-2027Q1    # after adding a holiday to rota-2027Q1/team.yaml
    """
    from rota.update import update as run

    _publish(run(rota_dir, now=parse_now(now), team_file=team_file, time_limit_s=time_limit_s), rota_dir)
