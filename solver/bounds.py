"""Lower bounds from an aggregate relaxation, so that CP-SAT proves optimality instead of searching for it.

The spread and the role counts depend only on how many shifts of each *class* (role and load) each member
carries, not on which weeks. The aggregate model keeps just that: count[m, class] between 0 and the shifts of
that class the member may hold; every class's counts sum to the number of its shifts (coverage is exact); each
member holds at most as many shifts as rest and availability allow. Any rota maps to a solution of it, so its
optimum is a valid lower bound for the rota model. It has a few hundred integer variables where the rota
model has thousands of Booleans, and its optimum is usually the rota's, which is then proven at once.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from models.problem import Problem
from solver.fairness import Objective, balance_constant, balance_spread, count_spreads
from solver.model import deterministic, scaled

LoadClass = tuple[str, int]  # (role, scaled load)


@dataclass
class Aggregate:
    problem: Problem
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    counts: dict[tuple[str, LoadClass], cp_model.IntVar] = field(default_factory=dict)


def max_shifts(weeks: list[dt.date], rest_weeks: int) -> int:
    """The most shifts one member can hold in these available weeks with `rest_weeks` between shifts.

    Taking the earliest week that is far enough from the last one is optimal (interval scheduling).
    """
    held, last = 0, None
    for week in sorted(weeks):
        if last is None or (week - last).days > 7 * rest_weeks:
            held, last = held + 1, week
    return held


def build_aggregate(problem: Problem) -> Aggregate:
    agg = Aggregate(problem)
    shift_classes = Counter((s.role, scaled(s.load)) for s in problem.shifts)
    by_class: dict[LoadClass, list[cp_model.IntVar]] = {cls: [] for cls in shift_classes}
    for member in problem.fairness_members:
        available: Counter[LoadClass] = Counter()
        weeks = set()
        for shift in problem.shifts:
            if problem.may_hold(member, shift.week, shift.role):
                available[shift.role, scaled(shift.load)] += 1
                weeks.add(shift.week)
        most = max_shifts(list(weeks), problem.team.rules.min_rest_weeks)
        for cls, count in available.items():
            var = agg.model.new_int_var(0, min(count, most), f"count[{member.id},{cls[0]},{cls[1]}]")
            agg.counts[member.id, cls] = var
            by_class[cls].append(var)
        agg.model.add(sum(var for (m, _), var in agg.counts.items() if m == member.id) <= most)
    for cls, total in shift_classes.items():
        agg.model.add(sum(by_class[cls]) == total)
    return agg


def balances(agg: Aggregate) -> dict[str, cp_model.LinearExprT]:
    """Each member's balance in thousandths, exactly as the rota model counts it."""
    carried: dict[str, list[cp_model.LinearExprT]] = {m.id: [] for m in agg.problem.fairness_members}
    for (member_id, (_, load)), var in agg.counts.items():
        carried[member_id].append(load * var)
    return {m: sum(terms) + balance_constant(agg.problem, m) for m, terms in carried.items()}


def role_counts(agg: Aggregate, role: str) -> dict[str, cp_model.LinearExprT]:
    """Each member's shift count in `role`, history included, for members who may hold it."""
    counts: dict[str, list[cp_model.IntVar]] = {}
    for (member_id, (cls_role, _)), var in agg.counts.items():
        if cls_role == role:
            counts.setdefault(member_id, []).append(var)
    past = agg.problem.past_role_counts
    return {m: sum(vars_) + past.get((m, role), 0) for m, vars_ in counts.items()}


def spread(agg: Aggregate) -> Objective:
    return balance_spread(agg.model, agg.problem, balances(agg))


def role_spreads(agg: Aggregate) -> Objective:
    return count_spreads(agg.model, agg.problem, {role: role_counts(agg, role) for role in agg.problem.roles})


RELAXED = {"spread": spread, "even_roles": role_spreads}


def lower_bound(agg: Aggregate, objective: Objective, time_limit_s: float, workers: int, seed: int) -> int | None:
    """The proven lower bound of an objective over the aggregate model (scaled), or None if none in time."""
    agg.model.minimize(objective.expression)
    solver = cp_model.CpSolver()
    deterministic(solver.parameters, workers, seed, time_limit_s)
    status = solver.solve(agg.model)
    if status == cp_model.OPTIMAL:
        return round(solver.objective_value)
    if status == cp_model.FEASIBLE:
        return int(solver.best_objective_bound)
    return None
