"""Why no rota exists, in the team's words (docs/spec.md §5).

First each week alone: can its roles be matched to members who are free that week? If every week can,
the rules bind across weeks (rest, pins): the earliest week that no rota of the weeks before can leave
covered is found by solving growing prefixes of the period, and explained the same way.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from ortools.sat.python import cp_model

from models.calendar import Period
from models.errors import InfeasibleError
from models.problem import Problem
from models.team import Member
from solver.rules import build

PREFIX_CHECK_TIME_S = 5.0


def infeasible(problem: Problem) -> InfeasibleError:
    for week in problem.weeks:
        if not _week_can_be_covered(problem, week):
            return _explain_week(problem, week, across_weeks=False)
    first = _first_uncoverable_prefix(problem)
    if first is not None:
        return _explain_week(problem, first, across_weeks=True)
    return InfeasibleError(
        f"no rota can satisfy the rules in {problem.period.name}",
        ["the rules conflict across the whole period; check pins and min_rest_weeks"],
    )


def week_reason(problem: Problem, member: Member, week: dt.date, role: str | None = None) -> str | None:
    """Why a member cannot take a role (or any role) in `week` by the rules that hold week by week, or None."""
    pinned = [(r) for m, w, r in problem.pins_in_period() if m == member.id and w == week]
    if pinned and (role is None or pinned[0] != role):
        return f"pinned to {pinned[0]} that week"
    roles = [role] if role is not None else problem.roles
    reasons = [problem.role_reason(member, week, r) for r in roles]
    if any(reason is None for reason in reasons):
        return None
    return reasons[0]


def free_members(problem: Problem, week: dt.date) -> dict[str, list[str]]:
    """Members who could take each role in `week`, as far as that week alone can tell."""
    return {
        role: [m.id for m in problem.team.members if week_reason(problem, m, week, role) is None]
        for role in problem.roles
    }


def _week_can_be_covered(problem: Problem, week: dt.date) -> bool:
    """A matching of the week's roles to distinct free members (augmenting paths; a handful of roles)."""
    candidates = free_members(problem, week)
    holder: dict[str, str] = {}

    def place(role: str, seen: set[str]) -> bool:
        for member in candidates[role]:
            if member in seen:
                continue
            seen.add(member)
            if member not in holder or place(holder[member], seen):
                holder[member] = role
                return True
        return False

    return all(place(role, set()) for role in problem.roles)


def _first_uncoverable_prefix(problem: Problem) -> dt.date | None:
    """The earliest week w such that weeks up to w cannot all be covered, by binary search on prefixes."""
    low, high = 0, len(problem.weeks) - 1
    if _prefix_feasible(problem, high):
        return None
    while low < high:
        middle = (low + high) // 2
        if _prefix_feasible(problem, middle):
            low = middle + 1
        else:
            high = middle
    return problem.weeks[low]


def _prefix_feasible(problem: Problem, last: int) -> bool:
    weeks = problem.weeks[: last + 1]
    prefix = dataclasses.replace(problem, period=Period(problem.period.name, weeks))
    rm = build(prefix)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = PREFIX_CHECK_TIME_S
    return solver.solve(rm.model) != cp_model.INFEASIBLE


def _explain_week(problem: Problem, week: dt.date, *, across_weeks: bool) -> InfeasibleError:
    roles = problem.roles
    free = [m for m in problem.team.members if week_reason(problem, m, week) is None]
    count = len(free)
    headline = (
        f"no rota can cover the week of {week} ({', '.join(roles)}): "
        f"only {count} member{'s' if count != 1 else ''} {'is' if count == 1 else 'are'} free"
    )
    if across_weeks:
        headline = (
            f"no rota can cover the week of {week} ({', '.join(roles)}): covering the weeks before it "
            f"leaves too few members rested (min_rest_weeks: {problem.team.rules.min_rest_weeks})"
        )
    width = max(len(m.id) for m in problem.team.members)
    lines = []
    for member in problem.team.members:
        reason = week_reason(problem, member, week)
        if reason is None:
            reason = "free" if not across_weeks else "free this week, but needed in the weeks just before"
        lines.append(f"{member.id.ljust(width)}  {reason}")
    return InfeasibleError(headline, lines)
