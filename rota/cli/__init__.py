"""The `rota` command line: a thin layer over the library. Library errors become a message and an exit code in
one place (params.RotaGroup).

Heavy modules (ortools, pandas, icalendar) are imported inside the commands that need them, so that
`rota --help` starts fast.
"""

from __future__ import annotations

import click

from rota.cli.changes import cover, swap, update
from rota.cli.feeds import feeds, serve
from rota.cli.generate import check, generate, schema
from rota.cli.notify import notify
from rota.cli.params import RotaGroup
from rota.cli.report import report
from rota.cli.who import who


@click.group(cls=RotaGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(package_name="rota")
def main() -> None:
    """Fair on-call rotas: one-week shifts with Tuesday changeovers, proven fair by a constraint solver.

    A team keeps one home: its team file and every published period beside it. Start with
    `rota generate examples/team.yaml`.
    """


for command in (generate, check, cover, swap, update, who, report, serve, feeds, notify, schema):
    main.add_command(command)


if __name__ == "__main__":
    main()
