"""The spread's window sweep (solver/sweep.py).

Its bound is a proof only if no share-out the aggregate model allows beats it, and its plan is only a plan if the
aggregate allows it: both are checked against CP-SAT on the aggregate model, on generated teams with a bank-holiday
week (so that loads come in more than one size per role).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given, settings

from models.calendar import weeks_period
from models.problem import make_problem
from models.team import Team
from solver import bounds, sweep, window_models
from solver.budget import Budget
from solver.patterns import patterns_for, share_spread
from solver.share_out import share_out
from solver.solve import solve
from solver.spread_plan import spread_bound_and_plan
from tests.helpers import EASTER_WEEKS, feasible_with, large_quarter, with_bank_holidays
from tests.strategies import teams


@pytest.mark.parametrize("model", ["patterns", "counts", "resumed"])
@settings(max_examples=20, deadline=None)
@given(teams(max_members=9, max_roles=2, min_weeks=EASTER_WEEKS, max_weeks=EASTER_WEEKS, part_time=True))
def test_the_sweep_bound_and_plan_agree_with_cp_sat(model: str, drawn: tuple[Team, Any]) -> None:
    """Both window models: by patterns (what small teams' windows get) and by counts (forced here); and a sweep
    stopped early and run again, as the spread stage does when it hands the sweep its rota search's time."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(window_models, "PATTERNS_FOR_COUNTS", 10**9 if model == "patterns" else 0)
        check_the_sweep(*drawn, resumed=model == "resumed")


def check_the_sweep(team: Team, period: Any, *, resumed: bool) -> None:
    problem = make_problem(with_bank_holidays(team), weeks_period(period.first, len(period.weeks), team))
    agg = bounds.build_aggregate(problem)
    start = share_out(agg)
    if start is None:
        return
    patterns = patterns_for(agg, start)
    assert patterns is not None
    swept_by = sweep.Sweep(agg, start, patterns, Budget(time_limit_s=60))
    # Resumed: no time (every window unseen), then a few windows and short looks, then the rest.
    runs = [swept_by.run(limit) for limit in ([0.0, 0.02, 20] if resumed else [20])]
    swept = runs[-1]
    plan = swept.relaxed.plan
    assert plan is not None and feasible_with(agg, plan)
    value = share_spread(agg, plan)
    assert value <= share_spread(agg, start)
    searched = bounds.solve_relaxed(agg, bounds.relaxed_spread(agg), 20, Budget(time_limit_s=20))
    assert searched.plan is not None
    # A proof after every run: no share-out CP-SAT finds beats the sweep's bound, nor the sweep's own best.
    for run in runs:
        assert run.relaxed.bound is not None and run.relaxed.plan is not None
        assert run.relaxed.bound <= share_spread(agg, searched.plan)
        assert run.relaxed.bound <= share_spread(agg, run.relaxed.plan)
        assert run.proven == (run.relaxed.bound == share_spread(agg, run.relaxed.plan))
    if searched.bound == share_spread(agg, searched.plan):
        # Small teams' windows all settle in the time given, a resumed sweep's too: the sweep is exact then.
        assert swept.proven and value == searched.bound


def test_a_large_team_is_swept_first_and_proven() -> None:
    # The sweep goes before CP-SAT (spread_plan); the spread must still come out proven.
    problem = large_quarter()
    agg = bounds.build_aggregate(problem)
    start = share_out(agg)
    assert start is not None
    patterns = patterns_for(agg, start)
    assert patterns is not None and sweep.sweep_first(patterns)
    assert solve(problem, time_limit_s=10).spread.optimal


def test_the_sweep_goes_on_with_the_rota_searchs_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # With next to no time for the relaxation, the sweep cannot settle its windows there; the rota then carries its
    # plan, so the spread stage gives the sweep its rota search's time, and the sweep proves the spread.
    import solver.solve as solving

    spread = solving.STAGES[0]
    assert spread.relaxation is not None
    went_on: list[float] = []

    def recorded(*args: Any) -> Any:
        relaxed, go_on = spread_bound_and_plan(*args)
        if go_on is None:
            return relaxed, None
        return relaxed, lambda time_s: went_on.append(time_s) or go_on(time_s)

    relaxation = dataclasses.replace(spread.relaxation, search=recorded, share=0.0001)
    monkeypatch.setattr(solving, "STAGES", [dataclasses.replace(spread, relaxation=relaxation), *solving.STAGES[1:]])
    assert solve(large_quarter(), time_limit_s=10).spread.optimal
    assert len(went_on) == 1
