"""The `rota` command line: a thin layer over the library. Library errors become a message and an exit code in
one place (params.RotaGroup).

Heavy modules (ortools, pandas, icalendar) are imported inside the commands that need them, so that
`rota --help` starts fast.
"""

from __future__ import annotations

import os
import sys

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


def run() -> None:
    """The installed `rota` command: `main`, then the process ends without tearing the interpreter down.

    By the time `main` exits, every file a command writes has been written, flushed and closed (each is written
    in a `with` block and renamed into place), so all the teardown would do is free what ortools and pandas
    loaded: about 0.15 s of the example's `rota generate`. Tests call `main` itself, which exits normally."""
    try:
        main()
        code: object = 0
    except SystemExit as done:
        code = done.code
    if not isinstance(code, int):  # sys.exit("message") or sys.exit(None), as Python itself treats them
        if code is not None:
            print(code, file=sys.stderr)
        code = 0 if code is None else 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # the reader went away; the command's work is done (params._reader_gone)
        pass
    os._exit(code)


if __name__ == "__main__":
    run()
