"""The share-out by local search (solver/share_out.py): a start only if it keeps the aggregate's constraints."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings

from models.calendar import weeks_period
from models.problem import make_problem
from models.team import Team
from solver import bounds
from solver.patterns import share_spread
from solver.share_out import share_out
from tests.helpers import EASTER_WEEKS, feasible_with, with_bank_holidays
from tests.strategies import teams
from tests.tiny_teams import problem, team


@settings(max_examples=15, deadline=None)
@given(teams(max_members=8, max_roles=2, min_weeks=EASTER_WEEKS, max_weeks=EASTER_WEEKS, part_time=True))
def test_the_share_out_keeps_the_aggregates_constraints(drawn: tuple[Team, Any]) -> None:
    t, period = drawn
    p = make_problem(with_bank_holidays(t), weeks_period(period.first, len(period.weeks), t))
    agg = bounds.build_aggregate(p)
    plan = share_out(agg)
    if plan is not None:
        assert feasible_with(agg, plan)


def test_the_share_out_evens_out_a_team_by_fte() -> None:
    # Six weeks of 7 days, rest 1; cat works half time. Shares: 16.8, 16.8 and 8.4 days. Three, two and one weeks
    # leave balances +4.2, -2.8 and -1.4 (spread 7); two weeks each leave a spread of 8.4.
    t = team([{"id": "ann"}, {"id": "bob"}, {"id": "cat", "fte": 0.5}])
    agg = bounds.build_aggregate(problem(t, 6))
    plan = share_out(agg)
    assert plan is not None
    shifts = {member: n for (member, _), n in plan.items()}
    assert shifts["cat"] == 1 and sorted([shifts["ann"], shifts["bob"]]) == [2, 3]
    assert share_spread(agg, plan) == 7000
