"""The hard rules of docs/spec.md §5, one function each. Every rota `generate` writes satisfies all of them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from models.errors import InfeasibleError
from models.problem import Problem
from solver.model import Pick, RotaModel


def coverage(rm: RotaModel) -> None:
    # Rule 1: every role is held by exactly one member in every week.
    for week in rm.problem.weeks:
        for role in rm.problem.roles:
            rm.model.add_exactly_one(rm.holders(week, role))


def one_role_at_a_time(rm: RotaModel) -> None:
    # Rule 2: no member holds two roles in the same week.
    for member in rm.problem.team.members:
        for week in rm.problem.weeks:
            rm.model.add_at_most_one(rm.holds(member.id, week))


def eligibility(rm: RotaModel) -> None:
    # Rule 3: only roles in the member's `roles`, between `joined` and `left`, never while onboarding.
    # (Roles outside `roles` have no variable at all; the rest are fixed to 0 here.)
    problem = rm.problem
    for pick in list(rm.on):
        member = problem.team.member(pick.member)
        if pick not in rm.kept and problem.eligibility_reason(member, pick.week, pick.role) is not None:
            rm.forbid(pick)


def absences(rm: RotaModel) -> None:
    # Rule 4: nobody holds a shift that overlaps their absence (00:00 of `from` to 24:00 of `to`).
    problem = rm.problem
    for member in problem.team.members:
        for week in problem.weeks:
            if problem.absence_during(member.id, problem.interval(week)) is not None:
                for role in problem.roles:
                    pick = Pick(member.id, week, role)
                    if pick in rm.on and pick not in rm.kept:
                        rm.forbid(pick)


def rest(rm: RotaModel) -> None:
    # Rule 5: after a shift, no shift in the next `min_rest_weeks` weeks, history and shadow weeks included.
    problem = rm.problem
    window = problem.team.rules.min_rest_weeks + 1
    weeks = problem.weeks
    for member in problem.team.members:
        shadow = set(problem.shadow_weeks.get(member.id, []))
        for week in weeks:
            if problem.rest_blocker(member, week) is not None:
                for pick in _picks_of(rm, member.id, week):
                    rm.forbid(pick)
        # Any `window` consecutive weeks hold at most one shift: the clique form, tighter than pairwise.
        for first in range(max(1, len(weeks) - window + 1)):
            span = weeks[first : first + window]
            if any(week in shadow for week in span):
                for pick in (pick for week in span for pick in _picks_of(rm, member.id, week)):
                    rm.forbid(pick)  # a shadow week in the window takes its one shift
                continue
            held = [var for week in span for var in rm.holds(member.id, week)]
            if len(held) > 1:
                rm.model.add_at_most_one(held)


def _picks_of(rm: RotaModel, member: str, week: dt.date) -> list[Pick]:
    return [pick for role in rm.problem.roles if (pick := Pick(member, week, role)) in rm.on]


def pins(rm: RotaModel) -> None:
    # Rule 6: pins are held.
    for member_id, week, role in rm.problem.pins_in_period():
        rm.model.add(rm.on[Pick(member_id, week, role)] == 1)


HARD_RULES: tuple[Callable[[RotaModel], None], ...] = (coverage, one_role_at_a_time, eligibility, absences, rest, pins)


def check_team_size(problem: Problem) -> None:
    # Rule 7: enough members can hold required roles to allow for rest, sickness and holidays.
    capable = len(problem.capable_members)
    needed = problem.team.min_team_size
    if capable < needed:
        raise InfeasibleError(
            f"team too small: {capable} member{'s' if capable != 1 else ''} can hold a required role in "
            f"{problem.period.name}, the rules need {needed} (rules.min_team_size)",
            [
                "add members, widen members' `roles`, or lower rules.min_team_size or rules.min_rest_weeks",
            ],
        )


def build(problem: Problem, kept: frozenset[Pick] = frozenset()) -> RotaModel:
    """A model with every hard rule added; `kept` holdings of a published rota are exempt from rules 3-4."""
    rm = RotaModel.for_problem(problem)
    rm.kept = kept
    for rule in HARD_RULES:
        rule(rm)
    return rm
