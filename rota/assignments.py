"""A solution's picks as a rota: one assignment a shift, with kind, load and a stable UID (docs/spec.md §9, §10)."""

from __future__ import annotations

import datetime as dt

from models.problem import Problem
from models.rota import Assignment, Kind, shift_uid
from models.team import SHADOW_ROLE
from solver.solve import Solution


def assignments(problem: Problem, solution: Solution) -> list[Assignment]:
    """Every assignment of the period, sorted by start then role order (shadow after the roles)."""
    pinned = set(problem.pins_in_period())
    rows = [
        whole_shift(problem, member, week, role, "pin" if (member, week, role) in pinned else "rota")
        for member, week, role in solution.picks
    ]
    rows += [
        whole_shift(problem, member, week, SHADOW_ROLE, "shadow")
        for member, weeks in problem.shadow_weeks.items()
        for week in weeks
    ]
    return sort_rows(problem.roles, rows)


def whole_shift(problem: Problem, member: str, week: dt.date, role: str, kind: Kind) -> Assignment:
    """One member holding a role for a whole week. A shadow week carries no load and has its own UID."""
    interval = problem.interval(week)
    shadow = role == SHADOW_ROLE
    return Assignment(
        role=role,
        week=week,
        start=interval.start,
        end=interval.end,
        member=member,
        kind=kind,
        load=0.0 if shadow else problem.load(role, interval),
        uid=shift_uid(problem.team.team, f"{SHADOW_ROLE}-{member}" if shadow else role, week),
    )


def sort_rows(roles: list[str], rows: list[Assignment]) -> list[Assignment]:
    order = {role: i for i, role in enumerate(roles)}
    return sorted(rows, key=lambda a: (a.start, order.get(a.role, len(order)), a.member))
