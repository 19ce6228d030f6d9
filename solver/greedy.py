"""A first rota by hand's logic, as a starting point for the solver: week by week, each role to the free member
furthest below their fair share so far.

Started from a complete rota, CP-SAT improves a good rota instead of finding one from scratch, which on a large
team over a year it does slowly. The greedy keeps every hard rule or gives up (returns None); it never decides
what the solver proves.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from models.problem import Problem
from models.team import Member
from solver.model import Pick


def greedy_rota(problem: Problem) -> tuple[Pick, ...] | None:
    """A rota that keeps the hard rules, or None if the greedy gets stuck."""
    team = problem.team
    gap = dt.timedelta(weeks=team.rules.min_rest_weeks)
    pins = {(week, role): member for member, week, role in problem.pins_in_period()}
    pinned_weeks: dict[str, list[dt.date]] = defaultdict(list)
    for member, week, _ in problem.pins_in_period():
        pinned_weeks[member].append(week)
    shares: dict[str, float] = defaultdict(float)  # fair share accrued so far
    carried = dict(problem.past_balances)  # history balance, then + load carried - share accrued
    last: dict[str, dt.date] = {}
    picks: list[Pick] = []

    def free(member: Member, week: dt.date, role: str, busy: set[str]) -> bool:
        """May take `role` in `week`: not busy that week nor pinned elsewhere in it, eligible and rested."""
        return (
            member.id not in busy
            and all(who != member.id for (w, _), who in pins.items() if w == week)
            and problem.may_hold(member, week, role)
            and (member.id not in last or week - last[member.id] > gap)
            and all(abs(week - pinned) > gap for pinned in pinned_weeks[member.id])
        )

    for week in problem.weeks:
        busy: set[str] = set()
        week_shifts = [s for s in problem.shifts if s.week == week]
        for shift in week_shifts:
            eligible = [m for m in team.members if problem.share_eligible(m, week, shift.role)]
            total = sum(m.fte for m in eligible)
            for m in eligible:
                shares[m.id] += shift.load * m.fte / total
        for shift in week_shifts:
            chosen = pins.get((week, shift.role))
            if chosen is None:
                candidates = [m for m in team.members if free(m, week, shift.role, busy)]
                if not candidates:
                    return None
                chosen = min(candidates, key=lambda m: (carried[m.id] - shares[m.id], last.get(m.id, dt.date.min))).id
            picks.append(Pick(chosen, week, shift.role))
            busy.add(chosen)
            last[chosen] = week
            carried[chosen] += shift.load
    return tuple(picks)
