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
import math

from ortools.sat.python import cp_model

from models.calendar import Period
from models.errors import InfeasibleError
from models.problem import Problem
from models.team import Member
from solver.budget import Budget
from solver.rules import build

PREFIX_CHECK_TIME_S = 5.0  # at most, for each prefix of the period
EXPLAINING_S = 0.5  # the explanation's time when the solve's is up: an answer in the team's words is worth it


def infeasible(problem: Problem, budget: Budget | None = None) -> InfeasibleError:
    """Why no rota exists. Prefix checks share what is left of `budget` (or a few seconds without one)."""
    pinned = _pin_conflict(problem)
    if pinned is not None:
        return pinned
    for week in problem.weeks:
        if not _week_can_be_covered(problem, week):
            return _explain_week(problem, week, across_weeks=False)
    budget = budget or Budget(time_limit_s=PREFIX_CHECK_TIME_S * math.log2(len(problem.weeks) + 1))
    first = _first_uncoverable_prefix(problem, budget)
    if first is not None:
        return _explain_week(problem, first, across_weeks=True)
    return _rest_advice(problem, budget)


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


def _rest_advice(problem: Problem, budget: Budget) -> InfeasibleError:
    """No week could be named in time: say which `min_rest_weeks` would work, found by trying the lower ones."""
    rules = problem.team.rules
    tries = max(1, rules.min_rest_weeks - 1)
    time_s = min(PREFIX_CHECK_TIME_S, max(budget.left(), EXPLAINING_S) / tries)
    for rest in range(rules.min_rest_weeks - 1, 0, -1):
        team = problem.team.model_copy(update={"rules": rules.model_copy(update={"min_rest_weeks": rest})})
        relaxed = dataclasses.replace(problem, team=team)
        _, status = budget.solve(build(relaxed).model, time_s, at_least=time_s)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
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


def _first_uncoverable_prefix(problem: Problem, budget: Budget) -> dt.date | None:
    """The earliest week w such that weeks up to w cannot all be covered, by binary search on prefixes. A check
    that runs out of time counts as coverable: the week named is then a later one, or none."""
    low, high = 0, len(problem.weeks) - 1
    checks = math.ceil(math.log2(len(problem.weeks))) + 1
    time_s = min(PREFIX_CHECK_TIME_S, max(budget.left(), EXPLAINING_S) / checks)
    if _prefix_feasible(problem, high, budget, time_s):
        return None
    while low < high:
        middle = (low + high) // 2
        if _prefix_feasible(problem, middle, budget, time_s):
            low = middle + 1
        else:
            high = middle
    return problem.weeks[low]


def _prefix_feasible(problem: Problem, last: int, budget: Budget, time_s: float) -> bool:
    weeks = problem.weeks[: last + 1]
    prefix = dataclasses.replace(problem, period=Period(problem.period.name, weeks))
    _, status = budget.solve(build(prefix).model, time_s, at_least=time_s)
    return status != cp_model.INFEASIBLE


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
