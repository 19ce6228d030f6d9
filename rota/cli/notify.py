"""`rota notify`: send the reminders, handovers and change notices that are due (docs/spec.md §13). Only click
at import time."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import click

from rota.cli.params import HOME, NOW


@click.command()
@HOME
@NOW
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send and record nothing.")
def notify(home: Path, now: dt.datetime | None, dry_run: bool) -> None:
    """Send what is due and not yet sent: shift reminders by email, handovers to the webhooks, change notices to
    the members a change touched and to the webhooks. Each is sent once, whatever happens: the home's
    notify/sent.jsonl records it once its server accepted it. Made to run from cron every few minutes; the
    team file's `notify:` section names the channels, and secrets come from the environment.

    Exit status 5 when something could not be sent: it is kept for the next run.

    Example: rota notify examples/team.yaml --dry-run
    """
    from models.errors import DeliveryError
    from rota.notify.run import notify as run

    outcome = run(
        home, now, dry_run=dry_run, environ=os.environ, say=click.echo, warn=lambda line: click.echo(line, err=True)
    )
    click.echo(outcome.summary())
    if outcome.failed:
        raise DeliveryError(f"{outcome.failed} deliveries failed; they are kept and the next run tries again")
