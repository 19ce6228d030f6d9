"""The objectives (solver/fairness.py): a tiny case where each one decides the rota, and each objective's measure
on a rota agrees with what CP-SAT computes for it."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from ortools.sat.python import cp_model

from models.errors import InfeasibleError
from models.team import Team
from solver.fairness import EVEN_ROLES, PREFERENCES, SPREAD, SQUARED_BALANCES, Objective
from solver.rules import build
from solver.solve import find_rota, solve
from solver.spacing import SHORT_GAPS, SHORTEST_GAP
from tests.strategies import teams
from tests.tiny_teams import WEEK1, problem, team


def held(picks: Any, member: str) -> int:
    return sum(1 for pick in picks if pick.member == member)


def test_spread_shares_load_by_fte() -> None:
    # 4 weeks, rest 1, so at most 2 weeks each. Shares: ann and bob 11.2 days, cat (half time) 5.6. Holding 2, 1 and
    # 1 leaves balances +2.8, -4.2, +1.4 (spread 7); 2, 2 and 0 leaves +2.8, +2.8, -5.6 (8.4); cat with 2 is worse.
    t = team([{"id": "ann"}, {"id": "bob"}, {"id": "cat", "fte": 0.5}])
    solution = solve(problem(t, 4), time_limit_s=5)
    assert held(solution.picks, "cat") == 1
    assert sorted([held(solution.picks, "ann"), held(solution.picks, "bob")]) == [1, 2]
    assert solution.spread.optimal and solution.spread.value == pytest.approx(7.0)


def test_preferences_are_honoured_where_fairness_allows() -> None:
    # Two members alternate (rest 1); ann asked to avoid week 1, so bob starts.
    t = team("ann bob", rules={"min_team_size": 2}, preferences=[{"who": "ann", "avoid": "2027-01-05"}])
    assert ("bob", WEEK1, "primary") in solve(problem(t, 4), time_limit_s=5).picks


def test_even_roles_mixes_primaries_and_secondaries() -> None:
    # Equal weights make every split equally fair; even roles then gives each member one of each.
    t = team("ann bob cat dan", roles=["primary", {"name": "secondary", "weight": 1}])
    picks = solve(problem(t, 4), time_limit_s=5).picks
    for member in ("ann", "bob", "cat", "dan"):
        assert sorted(pick.role for pick in picks if pick.member == member) == ["primary", "secondary"]


def test_squared_balances_are_proven_at_their_least() -> None:
    # As in the spread's test, 3, 2 and 1 weeks leave balances +4.2, -2.8 and -1.4: 27.44 days squared in all.
    t = team([{"id": "ann"}, {"id": "bob"}, {"id": "cat", "fte": 0.5}])
    solution = solve(problem(t, 6), time_limit_s=5)
    squares = next(stage for stage in solution.stages if stage.name == "squared_balances")
    assert squares.optimal and squares.value == pytest.approx(4.2**2 + 2.8**2 + 1.4**2, abs=1e-3)


def cp_sat_value(objective: Objective, p: Any, picks: Any) -> int:
    """The objective as CP-SAT computes it on the rota model with every decision fixed to this rota."""
    rm = build(p)
    chosen = set(picks)
    for pick, var in rm.on.items():
        rm.model.add(var == int(pick in chosen))
    rm.model.minimize(objective.build(rm))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(rm.model) == cp_model.OPTIMAL
    return round(solver.objective_value)


@settings(max_examples=20, deadline=None)
@given(teams(max_members=8, max_roles=2, min_weeks=4, max_weeks=10, part_time=True, restricted_roles=True))
def test_each_measure_agrees_with_cp_sat(drawn: tuple[Team, Any]) -> None:
    t, period = drawn
    data = t.model_dump(by_alias=True, exclude_none=True)
    data["preferences"] = [{"who": t.members[0].id, "avoid": period.weeks[len(period.weeks) // 2]}]
    p = problem(Team.model_validate(data), len(period.weeks))
    try:
        rota = find_rota(p, time_limit_s=5)
    except InfeasibleError:
        return
    for objective in (SPREAD, SQUARED_BALANCES, PREFERENCES, EVEN_ROLES, SHORTEST_GAP, SHORT_GAPS):
        assert objective.measure(p, rota.picks) == cp_sat_value(objective, p, rota.picks), objective.name
