"""Lower bounds from an aggregate relaxation, so that CP-SAT proves optimality instead of searching for it.

The spread and the role counts depend only on how many shifts of each *class* (role and load) each member
carries, not on which weeks. The aggregate model keeps just that: count[m, class] between 0 and the shifts of
that class the member can hold with rest between them; every class's counts sum to the number of its shifts
(coverage is exact); each member holds at most as many shifts as rest and availability allow. Two facts about
weeks are kept because a share-out that ignores them cannot be realised: classes falling in the same weeks share
a member's rest there, and for a class of few weeks (bank holidays), members who can only take some of those
weeks share them (Hall's condition). Any rota maps to a solution, so the model's optimum is a valid lower bound
for the rota model; its best counts are the plan a rota is then asked to carry (stages.py).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import NamedTuple

from ortools.sat.python import cp_model

from models.problem import Problem
from solver.budget import Budget
from solver.fairness import balance_constant, balance_range, count_spreads, spread_expression, squares_expression
from solver.model import Pick, scaled_loads
from solver.spacing import cycle_weeks, fewest_penalties, history_index, widest_gaps


class LoadClass(NamedTuple):
    """Shifts that weigh the same for fairness: one role, one load (in thousandths of a day)."""

    role: str
    load: int


MemberClass = tuple[str, LoadClass]  # (member, class)
Counts = dict[MemberClass, int]  # a share-out: how many shifts of each class each member holds


class Cap(NamedTuple):
    """These members' counts of these classes hold at most `most` shifts between them."""

    keys: list[MemberClass]
    most: int


@dataclass
class Aggregate:
    problem: Problem
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    counts: dict[MemberClass, cp_model.IntVar] = field(default_factory=dict)
    shifts: dict[str, cp_model.IntVar] = field(default_factory=dict)  # each member's shift count
    most: dict[str, int] = field(default_factory=dict)  # the most shifts each member can hold
    available: dict[str, list[dt.date]] = field(default_factory=dict)  # weeks each member may be on call
    totals: dict[LoadClass, int] = field(default_factory=dict)  # shifts of each class in the period
    limits: dict[MemberClass, int] = field(default_factory=dict)  # the most a member can hold
    pinned: dict[MemberClass, int] = field(default_factory=dict)  # the fewest: their pins
    caps: list[Cap] = field(default_factory=list)
    gap_weeks: int = 1  # as RotaModel.gap_weeks

    def cap(self, keys: list[MemberClass], most: int) -> None:
        """These counts hold at most `most` shifts between them; kept, too, for the share-out (share_out.py)."""
        self.model.add(sum(self.counts[key] for key in keys) <= most)
        self.caps.append(Cap(keys, most))


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


def load_classes(problem: Problem) -> dict[tuple[dt.date, str], LoadClass]:
    """Each shift's class, by (week, role)."""
    return {week_role: LoadClass(week_role[1], load) for week_role, load in scaled_loads(problem).items()}


def counts_of(problem: Problem, picks: Sequence[Pick]) -> Counts:
    """The share-out a rota makes: each member's shifts of each class."""
    classes = load_classes(problem)
    return dict(Counter((pick.member, classes[pick.week, pick.role]) for pick in picks))


def build_aggregate(problem: Problem) -> Aggregate:
    agg = Aggregate(problem, gap_weeks=problem.team.rules.min_rest_weeks + 1)
    classes = load_classes(problem)
    class_weeks: dict[LoadClass, set[dt.date]] = defaultdict(set)  # the weeks holding a shift of each class
    for (week, _), cls in classes.items():
        class_weeks[cls].add(week)
    agg.totals = dict(Counter(classes.values()))
    pins = problem.pins_in_period()
    agg.pinned = dict(Counter((member, classes[week, role]) for member, week, role in pins))
    open_weeks = _open_weeks(problem, classes)
    for member in problem.fairness_members:
        _add_member(agg, member.id, open_weeks)
    for cls, total in agg.totals.items():
        agg.model.add(sum(var for (_, of), var in agg.counts.items() if of == cls) == total)
    _same_weeks(agg, class_weeks, open_weeks)
    _hall(agg, class_weeks, open_weeks)
    return agg


def _open_weeks(problem: Problem, classes: dict[tuple[dt.date, str], LoadClass]) -> dict[MemberClass, set[dt.date]]:
    """The weeks of each class each fairness member may take: may hold the role, and nobody else is pinned."""
    pinned_to = {(week, role): member for member, week, role in problem.pins_in_period()}
    open_weeks: dict[MemberClass, set[dt.date]] = {}
    for member in problem.fairness_members:
        for shift in problem.shifts:
            if (
                problem.may_hold(member, shift.week, shift.role)
                and pinned_to.get((shift.week, shift.role), member.id) == member.id
            ):
                open_weeks.setdefault((member.id, classes[shift.week, shift.role]), set()).add(shift.week)
    return open_weeks


def _add_member(agg: Aggregate, member: str, open_weeks: dict[MemberClass, set[dt.date]]) -> None:
    """A member's counts, each within what rest allows in the class's weeks, and their shift count."""
    rest = agg.problem.team.rules.min_rest_weeks
    weeks = set().union(*(w for (m, _), w in open_weeks.items() if m == member))
    most = max_shifts(list(weeks), rest)
    mine = []
    for cls in agg.totals:
        if (member, cls) not in open_weeks:
            continue
        # Two shifts of one class closer than the rest allows cannot both be held.
        limit = max_shifts(list(open_weeks[member, cls]), rest)
        var = agg.model.new_int_var(0, limit, f"count[{member},{cls.role},{cls.load}]")
        agg.model.add(var >= agg.pinned.get((member, cls), 0))  # a relaxation still keeps the pins
        agg.counts[member, cls] = var
        agg.limits[member, cls] = limit
        mine.append(var)
    held = agg.model.new_int_var(0, most, f"shifts[{member}]")
    agg.model.add(held == sum(mine))
    agg.shifts[member], agg.most[member], agg.available[member] = held, most, sorted(weeks)


def _same_weeks(
    agg: Aggregate, class_weeks: dict[LoadClass, set[dt.date]], open_weeks: dict[MemberClass, set[dt.date]]
) -> None:
    """Classes whose shifts fall in the same few weeks (a bank holiday's primary and secondary) share a member's
    rest there: together they hold no more shifts than those weeks allow one member."""
    rest = agg.problem.team.rules.min_rest_weeks
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
    agg: Aggregate, class_weeks: dict[LoadClass, set[dt.date]], open_weeks: dict[MemberClass, set[dt.date]]
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


# The objectives relaxed: each a valid lower bound for the rota model's. ------------------------------------------


def balances(agg: Aggregate) -> dict[str, cp_model.LinearExprT]:
    """Each member's balance in thousandths, exactly as the rota model counts it."""
    carried: dict[str, list[cp_model.LinearExprT]] = {m.id: [] for m in agg.problem.fairness_members}
    for (member_id, cls), var in agg.counts.items():
        carried[member_id].append(cls.load * var)
    return {m: sum(terms) + balance_constant(agg.problem, m) for m, terms in carried.items()}


def role_counts(agg: Aggregate, role: str) -> dict[str, cp_model.LinearExprT]:
    """Each member's shift count in `role`, history included, for members who may hold it."""
    counts: dict[str, list[cp_model.IntVar]] = {}
    for (member_id, cls), var in agg.counts.items():
        if cls.role == role:
            counts.setdefault(member_id, []).append(var)
    past = agg.problem.past_role_counts
    return {m: sum(held) + past.get((m, role), 0) for m, held in counts.items()}


def relaxed_spread(agg: Aggregate) -> cp_model.LinearExprT:
    return spread_expression(agg.model, agg.problem, balances(agg))


def relaxed_even_roles(agg: Aggregate) -> cp_model.LinearExprT:
    return count_spreads(agg.model, agg.problem, {role: role_counts(agg, role) for role in agg.problem.roles})


def relaxed_squares(agg: Aggregate) -> cp_model.LinearExprT:
    return squares_expression(agg.model, balances(agg), *balance_range(agg.problem))


SPACING_BOUND_WORK_LIMIT = 3_000_000  # DP steps; beyond this a spacing bound costs more than it saves


def _member_weeks(agg: Aggregate, member: str) -> list[int]:
    index = {week: i for i, week in enumerate(agg.problem.weeks)}
    return [index[w] for w in agg.available[member]]


def relaxed_shortest_gap(agg: Aggregate) -> cp_model.LinearExprT | None:
    """The shortest gap (objective 2) relaxed: each member's shift count allows a shortest gap of at most so much
    (spacing.py)."""
    problem = agg.problem
    cycle, least = cycle_weeks(problem), agg.gap_weeks
    if cycle <= least:
        return None
    shortest = agg.model.new_int_var(least, cycle, "shortest_gap")
    for member in problem.fairness_members:
        table = widest_gaps(
            _member_weeks(agg, member.id), agg.most[member.id], least, cycle, history_index(problem, member.id)
        )
        widest = agg.model.new_int_var(min(table), cycle, f"widest_gap[{member.id}]")
        agg.model.add_element(agg.shifts[member.id], table, widest)
        agg.model.add(shortest <= widest)
    return cycle - shortest


def relaxed_short_gaps(agg: Aggregate) -> cp_model.LinearExprT | None:
    """The short gaps (objective 7) relaxed: each member's least cost for their shift count, in their available
    weeks. This is what catches a member whose room is short, e.g. a new joiner free only after onboarding."""
    problem = agg.problem
    cycle, least = cycle_weeks(problem), agg.gap_weeks
    work = sum(len(weeks) ** 2 * (agg.most[m] + 1) for m, weeks in agg.available.items())
    if cycle <= least or work > SPACING_BOUND_WORK_LIMIT:
        return None
    terms = []
    for member in problem.fairness_members:
        table = fewest_penalties(
            _member_weeks(agg, member.id), agg.most[member.id], least, cycle, history_index(problem, member.id)
        )
        cost = agg.model.new_int_var(0, max(table), f"short_gaps[{member.id}]")
        agg.model.add_element(agg.shifts[member.id], table, cost)
        terms.append(cost)
    return sum(terms)


# Solving a relaxed objective. --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Relaxed:
    """An objective solved over the aggregate model: a proven lower bound for the rota model, and the best
    share-out found (`plan`, with the relaxed objective's `value` on it), which a rota may carry."""

    bound: int | None  # scaled, as the objective's expression
    plan: Counts | None
    value: int | None = None


def solve_relaxed(
    agg: Aggregate,
    objective: cp_model.LinearExprT,
    time_s: float,
    budget: Budget,
    candidate: Counts | None = None,
) -> Relaxed:
    """Minimise the objective over the aggregate model: its best solution is the plan, its bound the proof.

    With a `candidate` (a share-out), the first half of the time searches without it, and if that does not prove
    the optimum, the second half starts from it: each order does better on some teams (docs/solver.md)."""
    first = _minimise(agg, objective, time_s / 2 if candidate else time_s, budget, None)
    if candidate is None or (first.bound is not None and first.bound == first.value):
        return first
    second = _minimise(agg, objective, time_s / 2, budget, candidate)
    return better_of(first, second)


def better_of(one: Relaxed, other: Relaxed) -> Relaxed:
    """Two relaxations of one objective as one: the higher bound (both are proofs) and the plan of lower value."""
    lows = [relaxed.bound for relaxed in (one, other) if relaxed.bound is not None]
    plans = [relaxed for relaxed in (one, other) if relaxed.plan is not None and relaxed.value is not None]
    best = min(plans, key=lambda relaxed: relaxed.value or 0) if plans else None
    return Relaxed(max(lows) if lows else None, best.plan if best else None, best.value if best else None)


def _minimise(
    agg: Aggregate, objective: cp_model.LinearExprT, time_s: float, budget: Budget, hint: Counts | None
) -> Relaxed:
    agg.model.minimize(objective)
    agg.model.clear_hints()  # type: ignore[no-untyped-call]
    for key, count in (hint or {}).items():
        agg.model.add_hint(agg.counts[key], count)
    solver, status = budget.solve(agg.model, time_s)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Relaxed(None, None)  # also when proven infeasible: the rota model explains
    value = round(solver.objective_value)
    bound = value if status == cp_model.OPTIMAL else int(solver.best_objective_bound)
    return Relaxed(bound, {key: solver.value(var) for key, var in agg.counts.items()}, value)
