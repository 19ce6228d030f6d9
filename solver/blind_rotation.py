"""The blind rotation most on-call tools use: the yardstick rota is measured against (tests/test_spacing.py,
benchmarks/baseline.py) and the promise the solve keeps (promise.py). It reads only the problem, none of the rota
model, so the yardstick owes nothing to the solver it judges.

Each week, for each role in escalation order, the eligible member who is free (not absent, not resting, no other role
that week) and whose last shift ended longest ago, ties by roster order. When nobody is free the shift is "stuck"
and, as real tools do, the next member in the rotation takes it regardless.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from models.problem import Problem
from models.team import Member

NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)  # "last shift ended" of a member who has had none


@dataclass(frozen=True)
class BlindRota:
    picks: tuple[tuple[str, dt.date, str], ...]  # (member, week, role)
    stuck: tuple[tuple[dt.date, str], ...]  # (week, role) where nobody was free


def blind_rotation(problem: Problem) -> BlindRota:
    """Longest-since-last-shift rotation, skipping members who are not free; forced when nobody is."""
    members = problem.team.members
    rest_weeks = problem.team.rules.min_rest_weeks
    last_end = {m.id: (past[-1].end if (past := problem.past_of(m.id)) else NEVER) for m in members}
    last_week_index: dict[str, int] = {}  # within the period, for rest
    pinned = {(week, role): member for member, week, role in problem.pins_in_period()}
    picks: list[tuple[str, dt.date, str]] = []
    stuck: list[tuple[dt.date, str]] = []

    def free(member: Member, index: int, week: dt.date, role: str, taken: set[str]) -> bool:
        last = last_week_index.get(member.id)
        rested = last is None or index - last > rest_weeks
        return member.id not in taken and rested and problem.role_reason(member, week, role) is None

    for index, week in enumerate(problem.weeks):
        taken: set[str] = set()
        for role in problem.roles:
            candidates = [m for m in members if free(m, index, week, role, taken)]
            if (week, role) in pinned:
                chosen = problem.team.member(pinned[week, role])  # an override: tools honour those as given
            elif candidates:
                chosen = _longest_ago(candidates, last_end)
            else:
                stuck.append((week, role))
                # Real tools assign the next in rotation anyway; someone has to carry the pager.
                rotation = [m for m in members if role in problem.team.member_roles(m)] or list(members)
                chosen = _longest_ago(rotation, last_end)
            picks.append((chosen.id, week, role))
            taken.add(chosen.id)
            last_end[chosen.id] = problem.interval(week).end
            last_week_index[chosen.id] = index
    return BlindRota(tuple(picks), tuple(stuck))


def _longest_ago(candidates: list[Member], last_end: dict[str, dt.datetime]) -> Member:
    # min() keeps the first of equals, so ties go by roster order.
    return min(candidates, key=lambda m: last_end[m.id])
