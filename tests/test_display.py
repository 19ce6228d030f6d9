"""The verdict printed under a generated rota (rota/display.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from models.balance import member_balances, spread
from models.calendar import weeks_period
from models.problem import make_problem
from models.team import Team
from rota.assignments import assignments
from rota.reports.tables import verdict
from solver.solve import solve


def test_an_unproven_spread_states_its_gap_from_the_rota_it_prints() -> None:
    # A later stage may leave the rota's spread below what the spread stage reported (its constraint is "no
    # worse"): the gap printed must be the printed spread's, not the stage's.
    team = Team.model_validate(
        {"team": "t", "roles": ["primary"], "members": [{"id": m} for m in ("ann", "bob", "cat", "dan")]}
    )
    problem = make_problem(team, weeks_period(dt.date(2027, 1, 5), 6, team))
    solution = solve(problem, time_limit_s=5)
    rows = assignments(problem, solution)
    measured = spread(problem, member_balances(problem, rows))
    stage = dataclasses.replace(solution.spread, value=measured + 1.0, bound=measured - 2.0, optimal=False)
    unproven = dataclasses.replace(solution, stages=(stage, *solution.stages[1:]))
    assert verdict(problem, unproven, rows)[0].startswith(
        f"spread {measured:.3f} days (not proven optimal: bound {measured - 2.0:.3f}, gap 2.000)"
    )
