"""Helpers every test module may use: the example team, the CLI as a user runs it, team files, live servers.

Fixtures live in conftest.py; everything a test imports lives here, so no test module imports another.
"""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result
from ortools.sat.python import cp_model
from ruamel.yaml import YAML

from models.calendar import weeks_period
from models.problem import Problem, make_problem
from models.team import Team
from rota.cli import main
from solver import bounds

ROTA = Path(sys.executable).parent / "rota"  # the installed entry point, as a user runs it
EXAMPLE_SOURCE = Path(__file__).resolve().parent.parent / "examples" / "team.yaml"
# Tests use a copy in a home of its own: a run never writes into the repository's examples/.
EXAMPLE = Path(tempfile.mkdtemp(prefix="rota-example-")) / "team.yaml"
shutil.copyfile(EXAMPLE_SOURCE, EXAMPLE)
NOW = "2026-12-01"  # a fixed clock: "next quarter" is 2027Q1
READY_TRIES = 100  # x 0.1 s: `rota serve` answers within a second or two


def run(*args: str | Path) -> Result:
    """Run the CLI in-process as a user would, capturing output and exit code."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under a directory, by relative path, as bytes."""
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def dump(team: Team, path: Path, **extra: Any) -> Path:
    """A team (as strategies draw them) written as a team file, with any extra top-level keys."""
    data = team.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)
    data["team"] = team.team
    data["members"] = [
        m.model_dump(mode="json", exclude_none=True, exclude_defaults=True) | {"id": m.id} for m in team.members
    ]
    data.update(extra)
    with open(path, "w", encoding="utf-8") as handle:
        YAML().dump(data, handle)
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_ready(process: subprocess.Popen[bytes], base: str) -> None:
    """Until `rota serve` answers /healthz; fails the test if it exits first."""
    for _ in range(READY_TRIES):
        try:
            if httpx.get(f"{base}/healthz", timeout=0.5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        try:
            process.wait(timeout=0.1)  # waits between tries, and notices a server that died
        except subprocess.TimeoutExpired:
            continue
        pytest.fail(f"rota serve exited with {process.returncode}")
    pytest.fail("rota serve did not answer /healthz")


# The aggregate relaxation (solver/bounds.py) on small teams. ---------------------------------------------------

EASTER_WEEKS = 13  # from 2027-01-05: the week of 2027-03-23 holds Good Friday and Easter Monday


def with_bank_holidays(team: Team) -> Team:
    data = team.model_dump(by_alias=True, exclude_none=True)
    data["public_holidays"] = {"country": "GB", "subdivision": "ENG", "weight": 2}
    return Team.model_validate(data)


def feasible_with(agg: bounds.Aggregate, counts: bounds.Counts) -> bool:
    """Whether the aggregate model allows this share-out."""
    model = agg.model.clone()
    for key, var in agg.counts.items():
        model.add(var == counts.get(key, 0))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    return solver.solve(model) == cp_model.OPTIMAL


def large_quarter() -> Problem:
    """36 members over a quarter with an Easter week: one or two shifts each, so few patterns a member."""
    team = with_bank_holidays(
        Team.model_validate(
            {
                "team": "t",
                "roles": [
                    {"name": "primary"},
                    {"name": "secondary", "weight": 0.5},
                    {"name": "tertiary", "weight": 0.5},
                ],
                "rules": {"min_rest_weeks": 2},
                "members": [{"id": f"m{i:02}", "fte": 0.6 if i % 5 == 0 else 1.0} for i in range(36)],
            }
        )
    )
    return make_problem(team, weeks_period(dt.date(2027, 1, 5), EASTER_WEEKS, team))
