"""A first rota by hand's logic, as a starting point for the solver: week by week, each role to the free member
furthest below their fair share so far.

On a large team over a year, CP-SAT's single deterministic worker finds fair rotas slowly from scratch; started
from this one (a complete hint), it improves a good rota instead. The greedy keeps every hard rule or gives up
(returns None); it never decides what the solver proves.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from models.problem import Problem


def greedy_rota(problem: Problem) -> dict[tuple[str, dt.date, str], int] | None:
    """(member, week, role) -> 1 for a rota that keeps the hard rules, or None if the greedy gets stuck."""
    team = problem.team
    gap = dt.timedelta(weeks=team.rules.min_rest_weeks)
    pins = {(week, role): member for member, week, role in problem.pins_in_period()}
    pinned_weeks: dict[str, list[dt.date]] = defaultdict(list)
    for member, week, _ in problem.pins_in_period():
        pinned_weeks[member].append(week)
    shares: dict[str, float] = defaultdict(float)  # fair share accrued so far
    carried = dict(problem.past_balances)  # history balance, then + load carried - share accrued
    last: dict[str, dt.date] = {}
    picks: dict[tuple[str, dt.date, str], int] = {}
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
                free = [
                    m
                    for m in team.members
                    if m.id not in busy
                    and (week, m.id) not in {(w, who) for (w, _), who in pins.items()}
                    and problem.may_hold(m, week, shift.role)
                    and (m.id not in last or week - last[m.id] > gap)
                    and all(abs(week - pinned) > gap for pinned in pinned_weeks[m.id])
                ]
                if not free:
                    return None
                chosen = min(free, key=lambda m: (carried[m.id] - shares[m.id], last.get(m.id, dt.date.min))).id
            picks[chosen, week, shift.role] = 1
            busy.add(chosen)
            last[chosen] = week
            carried[chosen] += shift.load
    return picks
