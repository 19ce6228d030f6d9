"""The main job as a library: team file -> problem -> solved rota -> the files of a rota directory.

The CLI is a thin layer over these functions; tests and benchmarks call them directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from models.calendar import Period, quarter_period, weeks_period
from models.errors import InputError
from models.loader import load_team
from models.problem import Problem, make_problem
from models.rota import Assignment
from models.team import Team
from rota.assemble import assignments
from rota.history import load_history
from solver.solve import ProgressCallback, Solution, solve


@dataclass(frozen=True)
class PeriodChoice:
    """What the user asked for: a quarter (`2027Q1`, `next`, `current`) or a start date and a number of weeks."""

    quarter: str | None = None
    start: dt.date | None = None
    weeks: int | None = None

    def resolve(self, team: Team, today: dt.date) -> Period:
        if self.start is not None or self.weeks is not None:
            if self.quarter is not None:
                raise InputError("give either --quarter or --start with --weeks, not both")
            if self.start is None or self.weeks is None:
                raise InputError("--start and --weeks go together: e.g. --start 2027-01-05 --weeks 13")
            return weeks_period(self.start, self.weeks, team)
        return quarter_period(self.quarter or "next", team, today)


@dataclass(frozen=True)
class Generated:
    problem: Problem
    solution: Solution
    rows: list[Assignment]


def generate(
    team_file: Path,
    choice: PeriodChoice,
    *,
    history: Sequence[Path] = (),
    now: dt.datetime,
    seed: int = 0,
    time_limit_s: float = 10.0,
    on_progress: ProgressCallback | None = None,
) -> Generated:
    team = load_team(team_file)
    period = choice.resolve(team, now.astimezone(team.zone).date())
    problem = make_problem(team, period, load_history(team_file, team, history))
    solution = solve(problem, time_limit_s=time_limit_s, seed=seed, on_progress=on_progress)
    return Generated(problem, solution, assignments(problem, solution))
