"""A solution's picks as a rota: one assignment a shift, with kind, load and a stable UID (SPEC §9, §10)."""

from __future__ import annotations

from models.problem import Problem
from models.rota import Assignment, shift_uid
from models.team import SHADOW_ROLE
from solver.solve import Solution


def assignments(problem: Problem, solution: Solution) -> list[Assignment]:
    """Every assignment of the period, sorted by start then role order (shadow after the roles)."""
    team = problem.team.team
    pinned = set(problem.pins_in_period())
    rows = []
    for member, week, role in solution.picks:
        interval = problem.interval(week)
        rows.append(
            Assignment(
                role=role,
                week=week,
                start=interval.start,
                end=interval.end,
                member=member,
                kind="pin" if (member, week, role) in pinned else "rota",
                load=problem.load(role, interval),
                uid=shift_uid(team, role, week),
            )
        )
    for member, weeks in problem.shadow_weeks.items():
        for week in weeks:
            interval = problem.interval(week)
            rows.append(
                Assignment(
                    role=SHADOW_ROLE,
                    week=week,
                    start=interval.start,
                    end=interval.end,
                    member=member,
                    kind="shadow",
                    load=0.0,
                    uid=shift_uid(team, f"{SHADOW_ROLE}-{member}", week),
                )
            )
    return sort_rows(problem.roles, rows)


def sort_rows(roles: list[str], rows: list[Assignment]) -> list[Assignment]:
    order = {role: i for i, role in enumerate(roles)}
    return sorted(rows, key=lambda a: (a.start, order.get(a.role, len(order)), a.member))
