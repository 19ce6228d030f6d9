"""The spread's window sweep (solver/windows.py).

Its bound is a proof only if no share-out the aggregate model allows beats it, and its plan is only a plan if the
aggregate allows it: both are checked against CP-SAT on the aggregate model, on generated teams with a bank-holiday
week (so that loads come in more than one size per role). The subset sum, which refutes most windows, is checked
against enumeration.
"""

from __future__ import annotations

import datetime as dt
from itertools import product
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.calendar import weeks_period
from models.problem import Problem, make_problem
from models.team import Team
from solver import bounds, windows
from solver.share_out import share_out
from solver.solve import solve
from tests.strategies import teams
from tests.test_share_out import EASTER_WEEKS, feasible_with, with_bank_holidays


@pytest.mark.parametrize("model", ["patterns", "counts", "resumed"])
@settings(max_examples=20, deadline=None)
@given(teams(max_members=9, max_roles=2, min_weeks=EASTER_WEEKS, max_weeks=EASTER_WEEKS, part_time=True))
def test_the_sweep_bound_and_plan_agree_with_cp_sat(model: str, drawn: tuple[Team, Any]) -> None:
    """Both window models: by patterns (what small teams' windows get) and by counts (forced here); and a sweep
    stopped early and run again, as the spread stage does when it hands the sweep its rota search's time."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(windows, "PATTERNS_FOR_COUNTS", 10**9 if model == "patterns" else 0)
        check_the_sweep(*drawn, resumed=model == "resumed")


def check_the_sweep(team: Team, period: Any, *, resumed: bool) -> None:
    problem = make_problem(with_bank_holidays(team), weeks_period(period.first, len(period.weeks), team))
    agg = bounds.build_aggregate(problem)
    start = share_out(agg)
    if start is None:
        return
    patterns = windows.patterns_for(agg, start)
    assert patterns is not None
    sweep = windows.Sweep(agg, start, patterns, workers=1, seed=0)
    # Resumed: no time (every window unseen), then a few windows and short looks, then the rest.
    runs = [sweep.run(limit) for limit in ([0.0, 0.02, 20] if resumed else [20])]
    swept = runs[-1]
    plan = swept.relaxed.counts
    assert plan is not None and feasible_with(agg, plan)
    value = windows.spread_of_share(agg, plan)
    assert value <= windows.spread_of_share(agg, start)
    searched = bounds.solve_relaxed(agg, bounds.spread(agg), 20, workers=1, seed=0)
    assert searched.counts is not None
    # A proof after every run: no share-out CP-SAT finds beats the sweep's bound, nor the sweep's own best.
    for run in runs:
        assert run.relaxed.bound is not None and run.relaxed.counts is not None
        assert run.relaxed.bound <= windows.spread_of_share(agg, searched.counts)
        assert run.relaxed.bound <= windows.spread_of_share(agg, run.relaxed.counts)
        assert run.proven == (run.relaxed.bound == windows.spread_of_share(agg, run.relaxed.counts))
    if searched.bound == windows.spread_of_share(agg, searched.counts):
        # Small teams' windows all settle in the time given, a resumed sweep's too: the sweep is exact then.
        assert swept.proven and value == searched.bound


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_the_subset_sum_matches_enumeration(data: st.DataObject) -> None:
    vector = st.tuples(*[st.integers(0, 4)] * data.draw(st.integers(1, 3)))
    options = [
        sorted(set(vectors))
        for vectors in data.draw(st.lists(st.lists(vector, min_size=1, max_size=4), min_size=1, max_size=5))
    ]
    # Targets near a reachable sum, where a carry from one coordinate into the next would show as a false match.
    near = tuple(map(sum, zip(*(data.draw(st.sampled_from(vectors)) for vectors in options), strict=True)))
    target = tuple(x + data.draw(st.integers(-2, 2)) for x in near)
    reachable = {tuple(map(sum, zip(*choice, strict=True))) for choice in product(*options)}
    assert windows._SubsetSum(options, target).adds_up() == (target in reachable)


def test_the_subset_sum_does_not_carry_from_one_coordinate_into_the_next() -> None:
    # Three members adding 0 or 1 to the second coordinate reach (0, 3), never (1, 1); numbered in a radix of (2, 2),
    # both are bit 3.
    assert not windows._SubsetSum([[(0, 0), (0, 1)]] * 3, (1, 1)).adds_up()


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


def test_a_large_team_is_swept_first_and_proven() -> None:
    # The sweep goes before CP-SAT (solve._relax); the spread must still come out proven.
    problem = large_quarter()
    agg = bounds.build_aggregate(problem)
    start = share_out(agg)
    assert start is not None
    patterns = windows.patterns_for(agg, start)
    assert patterns is not None and windows.few(patterns)
    assert solve(problem, time_limit_s=10).spread.optimal


def test_the_sweep_goes_on_with_the_rota_searchs_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # With next to no time for the relaxation, the sweep cannot settle its windows there; the rota then carries its
    # plan, so the spread stage gives the sweep its rota search's time (solve._sweep_on), and the sweep proves it.
    import solver.solve as solving

    monkeypatch.setattr(solving, "BOUND_SHARE", 0.0001)
    real, settled = solving._sweep_on, []

    def spy(*args: Any) -> Any:
        rota, bound, plan = real(*args)
        settled.append(round(rota.objective_value) <= bound)
        return rota, bound, plan

    monkeypatch.setattr(solving, "_sweep_on", spy)
    assert solve(large_quarter(), time_limit_s=10).spread.optimal
    assert settled == [True]
