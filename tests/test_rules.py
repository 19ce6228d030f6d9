"""Each hard rule of docs/spec.md §5 in isolation: a tiny case where it binds.

A rule binds when a rota that breaks it is possible without the rule and impossible with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from ortools.sat.python import cp_model

from models.calendar import weeks_period
from models.errors import InfeasibleError
from models.problem import make_problem
from models.team import Team
from solver import rules
from solver.model import RotaModel

WEEK1, WEEK2, WEEK3 = dt.date(2027, 1, 5), dt.date(2027, 1, 12), dt.date(2027, 1, 19)


def team(**fields: Any) -> Team:
    data: dict[str, Any] = {"team": "t", "members": [{"id": m} for m in ("ann", "bob", "cat")]}
    data.update(fields)
    return Team.model_validate(data)


def feasible(
    t: Team, weeks: int, rule: Callable[[RotaModel], None] | None, force: list[tuple[str, dt.date, str]]
) -> bool:
    """Can the coverage rule, plus `rule`, hold with these assignments forced?"""
    rm = RotaModel.for_problem(make_problem(t, weeks_period(WEEK1, weeks, t)))
    rules.coverage(rm)
    if rule is not None:
        rule(rm)
    for key in force:
        rm.model.add(rm.on[key] == 1)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    return solver.solve(rm.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def binds(t: Team, weeks: int, rule: Callable[[RotaModel], None], breach: list[tuple[str, dt.date, str]]) -> bool:
    return feasible(t, weeks, None, breach) and not feasible(t, weeks, rule, breach)


def test_coverage_gives_each_role_exactly_one_holder() -> None:
    t = team(roles=["primary"])
    rm = RotaModel.for_problem(make_problem(t, weeks_period(WEEK1, 1, t)))
    rm.model.add(rm.on["ann", WEEK1, "primary"] + rm.on["bob", WEEK1, "primary"] == 2)
    assert cp_model.CpSolver().solve(rm.model) == cp_model.OPTIMAL  # without the rule: two holders
    rules.coverage(rm)
    assert cp_model.CpSolver().solve(rm.model) == cp_model.INFEASIBLE


def test_one_role_at_a_time() -> None:
    t = team(roles=["primary", "secondary"])
    assert binds(t, 1, rules.one_role_at_a_time, [("ann", WEEK1, "primary"), ("ann", WEEK1, "secondary")])


@pytest.mark.parametrize(
    ("member", "breach_week"),
    [
        ({"id": "ann", "joined": "2027-01-10"}, WEEK1),  # before joining
        ({"id": "ann", "left": "2027-01-12"}, WEEK2),  # on or after leaving
        ({"id": "ann", "shadow_shifts": 1}, WEEK1),  # onboarding: shadows week 1
    ],
)
def test_eligibility(member: dict[str, Any], breach_week: dt.date) -> None:
    t = team(roles=["primary", "secondary"], members=[member, {"id": "bob"}, {"id": "cat"}, {"id": "dan"}])
    assert binds(t, 2, rules.eligibility, [("ann", breach_week, "primary")])


def test_eligibility_roles_outside_a_members_roles_have_no_variable() -> None:
    t = team(roles=["primary", "secondary"], members=[{"id": "ann", "roles": ["secondary"]}, {"id": "bob"}])
    rm = RotaModel.for_problem(make_problem(t, weeks_period(WEEK1, 1, t)))
    assert ("ann", WEEK1, "primary") not in rm.on
    assert ("ann", WEEK1, "secondary") in rm.on


def test_absences_from_midnight_to_midnight() -> None:
    # Absent only on the Tuesday morning of week 2's changeover: the overlap is 00:00-10:00 of that day,
    # which still belongs to week 1's shift.
    t = team(roles=["primary"], absences=[{"who": "ann", "from": "2027-01-12", "to": "2027-01-12"}])
    assert binds(t, 2, rules.absences, [("ann", WEEK1, "primary")])
    assert binds(t, 2, rules.absences, [("ann", WEEK2, "primary")])


def test_rest_between_shifts() -> None:
    t = team(roles=["primary"], rules={"min_rest_weeks": 2})
    assert binds(t, 3, rules.rest, [("ann", WEEK1, "primary"), ("ann", WEEK3, "primary")])


def test_rest_after_the_history() -> None:
    t = team(roles=["primary"], rules={"min_rest_weeks": 1})
    from models.rota import Assignment

    last_week = WEEK1 - dt.timedelta(days=7)
    problem = make_problem(t, weeks_period(WEEK1, 1, t))
    interval = problem.interval(last_week)
    history = [
        Assignment(
            role="primary", week=last_week, start=interval.start, end=interval.end, member="ann", load=7, uid="u"
        )
    ]
    rm = RotaModel.for_problem(make_problem(t, weeks_period(WEEK1, 1, t), history))
    rules.coverage(rm)
    rm.model.add(rm.on["ann", WEEK1, "primary"] == 1)
    assert cp_model.CpSolver().solve(rm.model) == cp_model.OPTIMAL
    rules.rest(rm)
    assert cp_model.CpSolver().solve(rm.model) == cp_model.INFEASIBLE


def test_pins_are_held() -> None:
    t = team(roles=["primary"], pins=[{"who": "cat", "role": "primary", "week": "2027-01-05"}])
    assert binds(t, 1, rules.pins, [("ann", WEEK1, "primary")])


def test_team_size() -> None:
    t = team(roles=["primary", "secondary"], rules={"min_team_size": 4})
    with pytest.raises(InfeasibleError, match=r"3 members can hold a required role .* need 4"):
        rules.check_team_size(make_problem(t, weeks_period(WEEK1, 2, t)))
