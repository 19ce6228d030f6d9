"""The spacing local search (solver/respace.py) keeps every rule and every earlier objective, and never adds pairs."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from hypothesis import given, settings
from ortools.sat.python import cp_model

from models.calendar import weeks_period
from models.errors import InfeasibleError
from models.problem import Problem, make_problem
from models.team import Team
from solver.model import scaled
from solver.respace import Pick, close_pairs, respace
from solver.rules import build
from solver.solve import find_rota
from tests.strategies import teams


def keeps_the_rules(problem: Problem, picks: tuple[Pick, ...]) -> bool:
    rm = build(problem)
    chosen = set(picks)
    for key, var in rm.on.items():
        rm.model.add(var == int(key in chosen))
    return cp_model.CpSolver().solve(rm.model) == cp_model.OPTIMAL


def classes(problem: Problem, picks: tuple[Pick, ...]) -> Counter[tuple[str, str, int]]:
    loads = {(s.week, s.role): scaled(s.load) for s in problem.shifts}
    return Counter((member, role, loads[week, role]) for member, week, role in picks)


def pairs(problem: Problem, picks: tuple[Pick, ...]) -> int:
    index = {week: i for i, week in enumerate(problem.weeks)}
    weeks: dict[str, list[int]] = {m.id: [] for m in problem.fairness_members}
    for member, week, _ in picks:
        weeks[member].append(index[week])
    return close_pairs(problem, {m: sorted(w) for m, w in weeks.items()})


def hits(problem: Problem, picks: tuple[Pick, ...]) -> int:
    return sum(week in problem.avoided_weeks(member) for member, week, _ in picks)


@settings(max_examples=25, deadline=None)
@given(teams(max_members=10, max_roles=2, min_weeks=6, max_weeks=13, part_time=True, restricted_roles=True))
def test_respacing_keeps_rules_loads_roles_and_preferences(drawn: tuple[Team, Any]) -> None:
    team, period = drawn
    data = team.model_dump(by_alias=True, exclude_none=True)
    first = team.members[0].id
    data["preferences"] = [{"who": first, "avoid": period.first + dt.timedelta(weeks=2)}]
    problem = make_problem(Team.model_validate(data), period)
    try:
        rota = find_rota(problem, time_limit_s=5)  # any rota: usually badly spaced
    except InfeasibleError:
        return
    respaced = respace(problem, rota.picks)
    assert keeps_the_rules(problem, respaced)
    assert classes(problem, respaced) == classes(problem, rota.picks)  # same loads, same role counts
    assert hits(problem, respaced) <= hits(problem, rota.picks)
    assert pairs(problem, respaced) <= pairs(problem, rota.picks)


def test_respacing_spreads_a_bunched_rota() -> None:
    team = Team.model_validate(
        {"team": "t", "roles": ["primary"], "rules": {"min_rest_weeks": 1}, "members": [{"id": m} for m in "abcd"]}
    )
    problem = make_problem(team, weeks_period(dt.date(2027, 1, 5), 8, team))
    weeks = problem.weeks
    # a and b alternate for four weeks, then c and d: every member's two shifts are two weeks apart (cycle 4).
    bunched = tuple((m, weeks[i], "primary") for i, m in enumerate("ababcdcd"))
    assert pairs(problem, bunched) == 4
    respaced = respace(problem, bunched)
    assert keeps_the_rules(problem, respaced)
    assert pairs(problem, respaced) == 0
