"""Lower bounds from an aggregate relaxation, so that CP-SAT proves optimality instead of searching for it.

The spread and the role counts depend only on how many shifts of each *class* (role and load) each member
carries, not on which weeks. The aggregate model keeps just that: count[m, class] between 0 and the shifts of
that class the member can hold with rest between them; every class's counts sum to the number of its shifts
(coverage is exact); each member holds at most as many shifts as rest and availability allow. Two facts about
weeks are kept because a share-out that ignores them cannot be realised: classes falling in the same weeks share
a member's rest there, and for a class of few weeks (bank holidays), members who can only take some of those
weeks share them (Hall's condition). Any rota maps to a solution, so the model's optimum is a valid lower bound
for the rota model. It has a few hundred integer variables where the rota model has thousands of Booleans; its
best counts are also what solve.py asks a rota to realise.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import combinations

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
    shifts: dict[str, cp_model.IntVar] = field(default_factory=dict)  # each member's shift count
    most: dict[str, int] = field(default_factory=dict)  # the most shifts each member can hold
    available: dict[str, list[dt.date]] = field(default_factory=dict)  # weeks each member may be on call
    totals: dict[LoadClass, int] = field(default_factory=dict)  # shifts of each class in the period
    limits: dict[tuple[str, LoadClass], int] = field(default_factory=dict)  # the most a member can hold
    pinned: dict[tuple[str, LoadClass], int] = field(default_factory=dict)  # the fewest: their pins
    caps: list[tuple[list[tuple[str, LoadClass]], int]] = field(default_factory=list)  # sums of counts, capped

    def cap(self, keys: list[tuple[str, LoadClass]], most: int) -> None:
        """These counts hold at most `most` shifts between them; kept, too, for the share-out (share_out.py)."""
        self.model.add(sum(self.counts[key] for key in keys) <= most)
        self.caps.append((keys, most))


def max_shifts(weeks: list[dt.date], rest_weeks: int) -> int:
    """The most shifts one member can hold in these available weeks with `rest_weeks` between shifts.

    Taking the earliest week that is far enough from the last one is optimal (interval scheduling).
    """
    held, last = 0, None
    for week in sorted(weeks):
        if last is None or (week - last).days > 7 * rest_weeks:
            held, last = held + 1, week
    return held


HALL_WEEKS = 4  # classes with this few weeks get a constraint per subset of their weeks (2^4 at most)


def build_aggregate(problem: Problem) -> Aggregate:
    agg = Aggregate(problem)
    rest = problem.team.rules.min_rest_weeks
    loads = {(s.week, s.role): scaled(s.load) for s in problem.shifts}
    class_weeks: dict[LoadClass, set[dt.date]] = defaultdict(set)  # the weeks holding a shift of each class
    for shift in problem.shifts:
        class_weeks[shift.role, loads[shift.week, shift.role]].add(shift.week)
    agg.totals = dict(Counter((s.role, loads[s.week, s.role]) for s in problem.shifts))
    pins = problem.pins_in_period()
    pinned_to = {(week, role): member for member, week, role in pins}
    agg.pinned = dict(Counter((member, (role, loads[week, role])) for member, week, role in pins))
    by_class: dict[LoadClass, list[cp_model.IntVar]] = {cls: [] for cls in agg.totals}
    open_weeks: dict[tuple[str, LoadClass], set[dt.date]] = {}  # weeks of the class the member may take
    for member in problem.fairness_members:
        for shift in problem.shifts:
            if (
                problem.may_hold(member, shift.week, shift.role)
                and pinned_to.get((shift.week, shift.role), member.id) == member.id
            ):
                open_weeks.setdefault((member.id, (shift.role, loads[shift.week, shift.role])), set()).add(shift.week)
        weeks = set().union(*(w for (m, _), w in open_weeks.items() if m == member.id))
        most = max_shifts(list(weeks), rest)
        mine = []
        for cls in agg.totals:
            if (member.id, cls) not in open_weeks:
                continue
            # Two shifts of one class closer than the rest allows cannot both be held.
            limit = max_shifts(list(open_weeks[member.id, cls]), rest)
            var = agg.model.new_int_var(0, limit, f"count[{member.id},{cls[0]},{cls[1]}]")
            agg.model.add(var >= agg.pinned.get((member.id, cls), 0))  # a relaxation still keeps the pins
            agg.counts[member.id, cls] = var
            agg.limits[member.id, cls] = limit
            by_class[cls].append(var)
            mine.append(var)
        held = agg.model.new_int_var(0, most, f"shifts[{member.id}]")
        agg.model.add(held == sum(mine))
        agg.shifts[member.id], agg.most[member.id], agg.available[member.id] = held, most, sorted(weeks)
    for cls, total in agg.totals.items():
        agg.model.add(sum(by_class[cls]) == total)
    _same_weeks(agg, class_weeks, open_weeks, rest)
    _hall(agg, class_weeks, open_weeks)
    return agg


def _same_weeks(
    agg: Aggregate,
    class_weeks: dict[LoadClass, set[dt.date]],
    open_weeks: dict[tuple[str, LoadClass], set[dt.date]],
    rest: int,
) -> None:
    """Classes whose shifts fall in the same few weeks (a bank holiday's primary and secondary) share a member's
    rest there: together they hold no more shifts than those weeks allow one member."""
    # Sorted: a set of dates iterates in an order that changes with PYTHONHASHSEED, and so would the model.
    for weeks in sorted({frozenset(w) for w in class_weeks.values()}, key=sorted):
        inside = [cls for cls, w in class_weeks.items() if w <= weeks]
        if len(inside) < 2:
            continue
        for member in agg.problem.fairness_members:
            keys = [(member.id, cls) for cls in inside if (member.id, cls) in agg.counts]
            if len(keys) > 1:
                mine = set().union(*(open_weeks[key] for key in keys))
                agg.cap(keys, max_shifts(list(mine), rest))


def _hall(
    agg: Aggregate, class_weeks: dict[LoadClass, set[dt.date]], open_weeks: dict[tuple[str, LoadClass], set[dt.date]]
) -> None:
    """For a class of few weeks, the members who can only take it within some of those weeks hold at most one
    shift per such week between them (Hall's condition: otherwise no rota gives everyone their count)."""
    for cls, weeks in class_weeks.items():
        if len(weeks) > HALL_WEEKS:
            continue
        ordered = sorted(weeks)
        for size in range(1, len(ordered)):
            for subset in combinations(ordered, size):
                confined = [
                    (member_id, cls)
                    for member_id, member_cls in agg.counts
                    if member_cls == cls and open_weeks[member_id, cls] <= set(subset)
                ]
                if len(confined) > 1:
                    agg.cap(confined, size)


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


SPACING_BOUND_WORK_LIMIT = 3_000_000  # DP steps; beyond this the spacing bound costs more than it saves


def min_close_pairs(weeks: list[int], most: int, gap: int, cycle: int, last_past: int | None) -> list[int]:
    """The fewest pairs closer than `cycle` weeks that n shifts must make, for n = 0..most, when they can only
    fall in `weeks` (indices, sorted) at least `gap` apart, after a shift in the history at `last_past`.

    Dynamic programming over (shifts placed, week of the last one). It counts consecutive pairs only, never
    more than all pairs, so the result is a valid lower bound for the spacing objective.
    """
    unreachable = 10**6
    previous = [1 if last_past is not None and week - last_past < cycle else 0 for week in weeks]
    fewest = [0, min(previous, default=unreachable)]
    for _ in range(2, most + 1):
        current = [
            min(
                (previous[j] + (week - weeks[j] < cycle) for j in range(i) if week - weeks[j] >= gap),
                default=unreachable,
            )
            for i, week in enumerate(weeks)
        ]
        fewest.append(min(current, default=unreachable))
        previous = current
    return fewest[: most + 1]


def spacing(agg: Aggregate) -> Objective | None:
    """The spacing objective relaxed: each member's fewest possible close pairs for their shift count.

    This is what catches a member whose room is short, e.g. a new joiner free only after onboarding.
    """
    problem = agg.problem
    cycle = problem.natural_cycle_weeks
    gap = problem.team.rules.min_rest_weeks + 1
    work = sum(len(weeks) ** 2 * (agg.most[m] + 1) for m, weeks in agg.available.items())
    if cycle <= gap or work > SPACING_BOUND_WORK_LIMIT:
        return None
    index = {week: i for i, week in enumerate(problem.weeks)}
    terms = []
    for member in problem.fairness_members:
        last = problem.last_week_on_call(member.id)
        last_past = None if last is None else (last - problem.weeks[0]).days // 7
        weeks = [index[w] for w in agg.available[member.id]]
        table = min_close_pairs(weeks, agg.most[member.id], gap, cycle, last_past)
        close = agg.model.new_int_var(0, max(table), f"close[{member.id}]")
        agg.model.add_element(agg.shifts[member.id], table, close)
        terms.append(close)
    return Objective("spacing", sum(terms))


# Relaxed objectives that depend only on each member's number of shifts, not on its split by class: a rota need only
# carry those totals of the relaxation's plan (solve._realise).
PLANNED_BY_MEMBER = frozenset({"spacing"})

RELAXED: dict[str, Callable[[Aggregate], Objective | None]] = {
    "spread": spread,
    "even_roles": role_spreads,
    "spacing": spacing,
}


@dataclass(frozen=True)
class Relaxed:
    """An objective solved over the aggregate model: a proven lower bound for the rota model, and the best
    share-out of shifts found (counts per member and class), which a rota may realise."""

    bound: int | None  # scaled, as the objective's expression
    counts: dict[tuple[str, LoadClass], int] | None


def solve_relaxed(
    agg: Aggregate,
    objective: Objective,
    time_limit_s: float,
    workers: int,
    seed: int,
    candidate: dict[tuple[str, LoadClass], int] | None = None,
) -> Relaxed:
    """Minimise the objective over the aggregate model: its best solution is the plan, its bound the proof.

    With a `candidate` (the share-out), the first half of the time searches without it, and if that does not
    prove the optimum, the second half starts from it. Both orders matter: started from the share-out, CP-SAT
    no longer proved in 1 s a 50-member quarter's optimum (bound 4.261 against 8.387); without it, the
    100-member year ended at 3.491 (bound 1.175) instead of 3.346 (bound 2.213)."""
    first = _minimise(agg, objective, time_limit_s / 2 if candidate else time_limit_s, workers, seed, None)
    if candidate is None or first.proven:
        return Relaxed(first.bound, first.counts)
    second = _minimise(agg, objective, time_limit_s / 2, workers, seed, candidate)
    lows = [b for b in (first.bound, second.bound) if b is not None]
    found = [r for r in (first, second) if r.counts is not None]
    best = min(found, key=lambda r: r.value) if found else None
    return Relaxed(max(lows) if lows else None, best.counts if best else None)


@dataclass(frozen=True)
class _Solved:
    bound: int | None
    counts: dict[tuple[str, LoadClass], int] | None
    value: float
    proven: bool


def _minimise(
    agg: Aggregate,
    objective: Objective,
    time_limit_s: float,
    workers: int,
    seed: int,
    hint: dict[tuple[str, LoadClass], int] | None,
) -> _Solved:
    agg.model.minimize(objective.expression)
    agg.model.clear_hints()  # type: ignore[no-untyped-call]
    for key, count in (hint or {}).items():
        agg.model.add_hint(agg.counts[key], count)
    solver = cp_model.CpSolver()
    deterministic(solver.parameters, workers, seed, time_limit_s)
    status = solver.solve(agg.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _Solved(None, None, float("inf"), False)  # also when proven infeasible: the rota model explains
    proven = status == cp_model.OPTIMAL
    bound = round(solver.objective_value) if proven else int(solver.best_objective_bound)
    counts = {key: solver.value(var) for key, var in agg.counts.items()}
    return _Solved(bound, counts, solver.objective_value, proven)
