"""The aggregate relaxation (solver/bounds.py).

The relaxation's bounds are only proofs if every rota is one of its solutions: checked on generated teams with a
bank-holiday week (a load class of one week, where the Hall and same-weeks caps bind).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from ortools.sat.python import cp_model

from models.calendar import weeks_period
from models.errors import InfeasibleError
from models.problem import make_problem
from models.team import Team
from solver import bounds
from solver.solve import find_rota, solve
from tests.helpers import EASTER_WEEKS, feasible_with, with_bank_holidays
from tests.strategies import teams


@settings(max_examples=15, deadline=None)
@given(teams(max_members=8, max_roles=2, min_weeks=EASTER_WEEKS, max_weeks=EASTER_WEEKS, part_time=True))
def test_every_rota_is_a_solution_of_the_relaxation(drawn: tuple[Team, Any]) -> None:
    team, period = drawn
    problem = make_problem(with_bank_holidays(team), weeks_period(period.first, len(period.weeks), team))
    assert len({s.load for s in problem.shifts}) > len(problem.roles)  # the holiday week is a class of its own
    try:
        rota = find_rota(problem, time_limit_s=5)
    except InfeasibleError:
        return
    agg = bounds.build_aggregate(problem)
    assert feasible_with(agg, bounds.counts_of(problem, rota.picks))


def test_hall_caps_members_confined_to_some_weeks_of_a_class() -> None:
    # Two bank holidays (3 May, 31 May 2027) make a class of two weeks. Ann and Bob are away for the second, so
    # between them they can hold one of the two: the class's total alone would let each hold one.
    team = with_bank_holidays(
        Team.model_validate(
            {
                "team": "t",
                "roles": ["primary"],
                "members": [{"id": m} for m in ("ann", "bob", "cat", "dan")],
                "absences": [
                    {"who": who, "from": "2027-05-25", "to": "2027-06-01", "reason": "holiday"}
                    for who in ("ann", "bob")
                ],
            }
        )
    )
    problem = make_problem(team, weeks_period(dt.date(2027, 4, 20), 6, team))
    agg = bounds.build_aggregate(problem)
    bank_holiday = bounds.LoadClass("primary", 8000)
    assert agg.totals[bank_holiday] == 2
    assert agg.limits["ann", bank_holiday] == agg.limits["bob", bank_holiday] == 1
    model = agg.model.clone()
    model.add(agg.counts["ann", bank_holiday] == 1)
    model.add(agg.counts["bob", bank_holiday] == 1)
    assert cp_model.CpSolver().solve(model) == cp_model.INFEASIBLE


def test_a_quarter_with_a_bank_holiday_week_is_proven_optimal() -> None:
    team = with_bank_holidays(
        Team.model_validate(
            {
                "team": "t",
                "roles": [{"name": "primary"}, {"name": "secondary", "weight": 0.5}],
                "rules": {"min_rest_weeks": 1},
                "members": [{"id": f"m{i}", "fte": 0.8 if i % 3 == 0 else 1.0} for i in range(12)],
            }
        )
    )
    solution = solve(make_problem(team, weeks_period(dt.date(2027, 1, 5), EASTER_WEEKS, team)), time_limit_s=10)
    assert solution.spread.optimal
