"""Tiny teams for the solver's unit tests: a few members over a few weeks, read in one glance."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ortools.sat.python import cp_model

from models.calendar import weeks_period
from models.errors import InfeasibleError
from models.problem import Problem, make_problem
from models.rota import Assignment
from models.team import Team
from solver.blind_rotation import blind_rotation
from solver.model import Pick
from solver.rules import build
from solver.solve import Solution, solve

WEEK1 = dt.date(2027, 1, 5)  # a Tuesday, the default changeover


def week(n: int) -> dt.date:
    """The n-th changeover from WEEK1, from 0."""
    return WEEK1 + dt.timedelta(weeks=n)


def team(members: str | list[dict[str, Any]] = "ann bob cat", **fields: Any) -> Team:
    """A team of these member ids (or member entries), with any other team-file fields."""
    entries = [{"id": m} for m in members.split()] if isinstance(members, str) else members
    return Team.model_validate({"team": "t", "members": entries, **fields})


def problem(t: Team, weeks: int, history: tuple[Assignment, ...] = ()) -> Problem:
    return make_problem(t, weeks_period(WEEK1, weeks, t), history)


def primaries(p: Problem, members: str) -> tuple[Pick, ...]:
    """A one-role rota from week 0: the n-th member id holds the primary of week n."""
    return tuple(Pick(member, p.weeks[i], "primary") for i, member in enumerate(members.split()))


def past_shift(p: Problem, member: str, weeks_before: int, role: str = "primary") -> Assignment:
    """A whole shift held `weeks_before` weeks before the period, for a history."""
    start = p.weeks[0] - dt.timedelta(weeks=weeks_before)
    interval = p.interval(start)
    return Assignment(
        role=role,
        week=start,
        start=interval.start,
        end=interval.end,
        member=member,
        load=p.load(role, interval),
        uid=f"{role}-{start}",
    )


def keeps_the_rules(p: Problem, picks: tuple[Pick, ...] | list[Pick]) -> bool:
    """Whether a rota keeps every hard rule: the rules' model with every decision fixed to it is feasible."""
    rm = build(p)
    chosen = set(picks)
    for pick, var in rm.on.items():
        rm.model.add(var == int(pick in chosen))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    return solver.solve(rm.model) == cp_model.OPTIMAL


def beside_a_blind_rotation(drawn: tuple[Team, Any], **limit: Any) -> tuple[Problem, Solution, list[Pick]] | None:
    """A drawn team's problem, rota's solution (solve's keyword arguments) and the blind rotation's picks; None where
    there is nothing to compare: no rota keeps the rules, or the blind rotation gets stuck and breaks one."""
    t, period = drawn
    p = problem(t, len(period.weeks))
    blind = blind_rotation(p)
    try:
        solution = solve(p, **limit)
    except InfeasibleError:
        return None
    if blind.stuck:
        return None
    return p, solution, [Pick(*pick) for pick in blind.picks]
