"""Why no rota exists, in the team's words (docs/spec.md §5).

First the pins: a pin its member cannot hold (onboarding, resting after the history), or two pins of one member
closer than the rest allows. Then each week alone: can its roles be matched to members who are free that week?
If every week can, the rules bind across weeks (rest, pins): the earliest week that no rota of the weeks before
can leave covered is found by solving growing prefixes of the period, and explained the same way. Where no
week can be named (the prefixes ran out of time), the largest `min_rest_weeks` that would work is.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools

from ortools.sat.python import cp_model

from models.calendar import Period
from models.errors import InfeasibleError
from models.problem import Problem
from models.team import Member
from solver.rules import build

PREFIX_CHECK_TIME_S = 5.0


def infeasible(problem: Problem) -> InfeasibleError:
    pinned = _pin_conflict(problem)
    if pinned is not None:
        return pinned
    for week in problem.weeks:
        if not _week_can_be_covered(problem, week):
            return _explain_week(problem, week, across_weeks=False)
    first = _first_uncoverable_prefix(problem)
    if first is not None:
        return _explain_week(problem, first, across_weeks=True)
    return _rest_advice(problem)


def _pin_conflict(problem: Problem) -> InfeasibleError | None:
    """A pin its member cannot hold that week, or two pins of one member closer than rest allows."""
    rest = problem.team.rules.min_rest_weeks
    pins = sorted(problem.pins_in_period(), key=lambda pin: (pin[0], pin[1]))
    for member_id, week, role in pins:
        reason = problem.role_reason(problem.team.member(member_id), week, role)
        if reason is not None:
            return InfeasibleError(
                f"no rota can hold the pin of {member_id} to {role} in the week of {week}: {member_id} {reason}",
                ["move or remove that pin (pins: in the team file)"],
            )
    for (member_id, week, _), (other, later, _) in itertools.pairwise(pins):
        if member_id == other and (later - week).days <= 7 * rest:
            return InfeasibleError(
                f"no rota can hold the pins of {member_id} in the weeks of {week} and {later}: "
                f"they are closer than min_rest_weeks ({rest}) allows",
                ["move one of the two pins (pins: in the team file), or lower rules.min_rest_weeks"],
            )
    return None


def _rest_advice(problem: Problem) -> InfeasibleError:
    """No week could be named in time: say which `min_rest_weeks` would work, found by trying the lower ones."""
    rules = problem.team.rules
    for rest in range(rules.min_rest_weeks - 1, 0, -1):
        team = problem.team.model_copy(update={"rules": rules.model_copy(update={"min_rest_weeks": rest})})
        if _found(dataclasses.replace(problem, team=team)):
            return InfeasibleError(
                f"no rota can satisfy the rules in {problem.period.name} with min_rest_weeks: {rules.min_rest_weeks}",
                [f"with min_rest_weeks: {rest} a rota exists; lower rules.min_rest_weeks to {rest}, or add members"],
            )
    return InfeasibleError(
        f"no rota can satisfy the rules in {problem.period.name}, even with min_rest_weeks: 1",
        ["the pins and absences leave some week uncovered; check pins first, then absences in the busiest weeks"],
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
    return _feasible(dataclasses.replace(problem, period=Period(problem.period.name, weeks)))


def _feasible(problem: Problem) -> bool:
    """Not proven infeasible within PREFIX_CHECK_TIME_S (a timeout counts as feasible: nothing is blamed on it)."""
    return _status(problem) != cp_model.INFEASIBLE


def _found(problem: Problem) -> bool:
    """A rota found within PREFIX_CHECK_TIME_S."""
    return _status(problem) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def _status(problem: Problem) -> cp_model.CpSolverStatus:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = PREFIX_CHECK_TIME_S
    return solver.solve(build(problem).model)


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
