"""Repair a published rota's future weeks with the fewest changed assignments (docs/spec.md §6 item 8, §8).

The problem's period is the weeks to repair; everything before them is history (rest and balance carry over).
`published` names each shift's published holder; a changed assignment is a shift whose holder differs from it.
`kept` shifts are held as published (a week with a cover in it): their holder stays, their cover members hold
no shift in that week nor the week before or after, and the balances count the loads each row really carries
rather than the whole shift's load on its holder.

Stages, in order: `changes_first` (rota update) ranks the changed assignments first, then the objectives in
solve.STAGES' order; `spread_first` (cover --rebalance: the point is fairness) ranks the spread first, then the
changes, then the rest. No aggregate relaxation (its bounds do not hold once published weeks are kept) and no
polish (published weeks must not move).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from ortools.sat.python import cp_model

from models.calendar import ONE_WEEK
from models.problem import Problem
from solver.budget import DEFAULT_WORKERS, Budget
from solver.fairness import (
    EVEN_ROLES,
    PREFERENCES,
    Objective,
    balance_constant,
    balance_expressions,
    balances_of,
    squares_expression,
)
from solver.holds import hold_balances, hold_gap
from solver.model import LOAD_SCALE, Pick, RotaModel, max_minus_min, scaled
from solver.rules import build
from solver.solve import Solution
from solver.spacing import SHORT_GAPS, SHORTEST_GAP
from solver.stages import Pipeline, Stage

Order = Literal["changes_first", "spread_first"]


class ShiftKey(NamedTuple):
    """Which shift: a role in a week."""

    week: dt.date
    role: str


@dataclass(frozen=True)
class KeptShift:
    """A shift kept as published: its holder, its cover members, and the load each of them carries in it."""

    holder: str
    covers: tuple[str, ...]
    loads: Mapping[str, float] = field(default_factory=dict)


CHANGES_SHARE = 0.3  # of the time limit, as are the others'
SPREAD_SHARE = 0.3


def repair(
    problem: Problem,
    published: Mapping[tuple[dt.date, str], str],
    kept: Mapping[tuple[dt.date, str], KeptShift],
    *,
    order: Order = "changes_first",
    offsets: Mapping[str, float] | None = None,
    time_limit_s: float = 10.0,
    work_limit: float | None = None,
    seed: int = 0,
    workers: int = DEFAULT_WORKERS,
) -> Solution:
    """The repaired weeks' picks, within the limit as `solve` keeps it. Raises InfeasibleError (explained) or
    TimeLimitError as `solve` does."""
    budget = Budget(time_limit_s=time_limit_s, work_limit=work_limit, seed=seed, workers=workers)
    rm = _repair_model(problem, kept)
    changes = Stage(_changes(published, kept), CHANGES_SHARE)
    adjusted = _Adjusted(problem, kept, offsets or {})
    spread = Stage(adjusted.spread(), SPREAD_SHARE)
    first = [changes, spread] if order == "changes_first" else [spread, changes]
    stages = [
        *first,
        Stage(SHORTEST_GAP, 0.1, hold=hold_gap),
        Stage(adjusted.squares(), 0.1, hold=hold_balances),
        Stage(PREFERENCES, 0.05),
        Stage(EVEN_ROLES, 0.1),
        Stage(SHORT_GAPS, 0.05),
    ]
    rota, results = Pipeline(rm, budget).run(stages)
    return Solution(rota.picks, tuple(results), time.monotonic() - budget.started, seed, workers)


def _repair_model(problem: Problem, kept: Mapping[tuple[dt.date, str], KeptShift]) -> RotaModel:
    """The hard rules, with kept holdings held and their cover members free around them."""
    held = {Pick(k.holder, week, role) for (week, role), k in kept.items()}
    rm = build(problem, frozenset(held))
    for holding in sorted(held):
        var = rm.on.get(holding)
        if var is None:
            raise ValueError(f"kept holding {holding} has no variable: the holder may not hold the role")
        rm.model.add(var == 1)
    for (week, _role), k in sorted(kept.items()):
        for member in k.covers:
            # A cover is days, not a rotation: its member holds nothing that week, nor the week before or after.
            for near in (week - ONE_WEEK, week, week + ONE_WEEK):
                for role in problem.roles:
                    var = rm.on.get(Pick(member, near, role))
                    if var is not None and Pick(member, near, role) not in held:
                        rm.model.add(var == 0)
    return rm


def _changes(published: Mapping[tuple[dt.date, str], str], kept: Mapping[tuple[dt.date, str], KeptShift]) -> Objective:
    """Shifts whose holder differs from the published one (a kept shift never does)."""

    def compared(weeks: Sequence[dt.date]) -> list[tuple[ShiftKey, str]]:
        return [
            (ShiftKey(week, role), member)
            for (week, role), member in sorted(published.items())
            if (week, role) not in kept and week in weeks
        ]

    def build_changes(rm: RotaModel) -> cp_model.LinearExprT:
        terms = []
        for shift, member in compared(rm.problem.weeks):
            var = rm.on.get(Pick(member, shift.week, shift.role))
            terms.append(1 - var if var is not None else 1)
        return sum(terms)

    def measure(problem: Problem, picks: Sequence[Pick]) -> int:
        held = {ShiftKey(pick.week, pick.role): pick.member for pick in picks}
        return sum(1 for shift, member in compared(problem.weeks) if held.get(shift) != member)

    return Objective("changes", build_changes, measure)


class _Adjusted:
    """Balances with each kept shift's load where its rows put it rather than all on its holder, and each member's
    balance moved by `offsets` (what the whole rota's facts say the history balance is)."""

    def __init__(self, problem: Problem, kept: Mapping[tuple[dt.date, str], KeptShift], offsets: Mapping[str, float]):
        self.members = [m.id for m in problem.fairness_members]
        self.extra = _adjustments(problem, kept, offsets, self.members)
        self.constants = [balance_constant(problem, m) + scaled(offsets.get(m, 0.0)) for m in self.members]
        self.moved = sum(scaled(load) for _, load in _kept_loads(problem, kept, self.members))
        self.period_load = sum(scaled(s.load) for s in problem.shifts)

    def values(self, rm: RotaModel) -> list[cp_model.LinearExprT]:
        balances = balance_expressions(rm)
        return [balances[m] + self.extra[m] for m in self.members]

    def values_of(self, problem: Problem, picks: Sequence[Pick]) -> list[int]:
        balances = balances_of(problem, picks)
        return [balances[m] + self.extra[m] for m in self.members]

    def range(self) -> tuple[int, int]:
        return min(self.constants, default=0) - self.moved, max(
            self.constants, default=0
        ) + self.period_load + self.moved

    def spread(self) -> Objective:
        # Kept shifts move load between members and the offsets are constants: the total is still known.
        total = self.period_load + sum(self.constants)

        def build(rm: RotaModel) -> cp_model.LinearExprT:
            if len(self.members) < 2:
                return 0
            return max_minus_min(rm.model, self.values(rm), "balance", *self.range(), total)

        def measure(problem: Problem, picks: Sequence[Pick]) -> int:
            values = self.values_of(problem, picks)
            return max(values) - min(values) if len(values) >= 2 else 0

        return Objective("spread", build, measure, LOAD_SCALE)

    def squares(self) -> Objective:
        def build(rm: RotaModel) -> cp_model.LinearExprT:
            return squares_expression(rm.model, dict(zip(self.members, self.values(rm), strict=True)), *self.range())

        def measure(problem: Problem, picks: Sequence[Pick]) -> int:
            return sum(value * value for value in self.values_of(problem, picks))

        return Objective("squared_balances", build, measure, LOAD_SCALE * LOAD_SCALE)


def _kept_loads(
    problem: Problem, kept: Mapping[tuple[dt.date, str], KeptShift], members: list[str]
) -> list[tuple[tuple[dt.date, str], float]]:
    """Each kept shift whose rows' members are all fairness members, with its load."""
    loads = {(s.week, s.role): s.load for s in problem.shifts}
    return [(shift, loads[shift]) for shift, k in sorted(kept.items()) if {k.holder, *k.loads} <= set(members)]


def _adjustments(
    problem: Problem, kept: Mapping[tuple[dt.date, str], KeptShift], offsets: Mapping[str, float], members: list[str]
) -> dict[str, int]:
    """What to add to each member's balance as the rota model counts it: their offset, and for each kept shift, the
    load its rows give them instead of the whole shift's load on its holder. A kept shift with a row held by a
    member outside the fairness members stays whole on its holder."""
    extra = {m: scaled(offsets.get(m, 0.0)) for m in members}
    for shift, load in _kept_loads(problem, kept, members):
        k = kept[shift]
        extra[k.holder] -= scaled(load)
        for member, part in sorted(k.loads.items()):
            extra[member] += scaled(part)
    return extra
