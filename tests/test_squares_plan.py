"""The squared balances' bound and plan (solver/squares_plan.py): exact on a large team."""

from __future__ import annotations

from solver import bounds
from solver.budget import Budget
from solver.spread_plan import spread_bound_and_plan
from solver.squares_plan import squares_bound_and_plan, squares_of_share
from tests.helpers import large_quarter


def test_a_large_teams_least_squares_are_proven_within_the_spread() -> None:
    # One pattern per member makes the sum of squares linear: CP-SAT proves it within a work limit so small that
    # probing the patterns' pairwise conflicts first would leave no bound at all.
    problem = large_quarter()
    agg = bounds.build_aggregate(problem)
    spread_expression = bounds.relaxed_spread(agg)
    assert spread_expression is not None
    spread, _ = spread_bound_and_plan(agg, spread_expression, 5.0, Budget(work_limit=5.0), None)
    assert spread.plan is not None and spread.value is not None
    agg.model.add(spread_expression <= spread.value)  # as the pipeline holds the spread
    squares_expression = bounds.relaxed_squares(agg)
    assert squares_expression is not None
    squares, go_on = squares_bound_and_plan(agg, squares_expression, 0.02, Budget(work_limit=0.02), spread.plan)
    assert squares.plan is not None
    assert squares.bound == squares.value == squares_of_share(agg, squares.plan)
    assert squares.value is not None and squares.value <= squares_of_share(agg, spread.plan)
    assert go_on is None  # proven: nothing to go on with
