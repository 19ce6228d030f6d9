"""Repair a published rota's future weeks with the fewest changed assignments (docs/spec.md §6 item 5, §8).

The problem's period is the weeks to repair; everything before them is history (rest and balance carry over).
`published` names each shift's published holder; a changed assignment is a shift whose holder differs from it.
`kept` shifts are held as published (a week with a cover in it): their holder stays, their cover members hold
no shift in that week nor the week before or after, and the balances count the loads each row really carries
rather than the whole shift's load on its holder.

Stages, in order: `changes_first` (rota update) ranks the changed assignments first, then the spread,
preferences, even roles and spacing; `spread_first` (cover --rebalance: the point is fairness) ranks the spread
first, then the changes, then the rest. No aggregate relaxation (its bounds do not hold once published weeks are
kept) and no polish (published weeks must not move).
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
    SPACING,
    Objective,
    balance_constant,
    balance_expressions,
    balances_of,
)
from solver.model import LOAD_SCALE, Pick, RotaModel, max_minus_min, scaled
from solver.rules import build
from solver.solve import Solution
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


CHANGES_SHARE = 0.3  # of the time limit, as are the others: the spread's, and those of the later stages
SPREAD_SHARE = 0.5
LATER_STAGES = (Stage(PREFERENCES, 0.1), Stage(EVEN_ROLES, 0.2), Stage(SPACING, 0.1))


def repair(
    problem: Problem,
    published: Mapping[tuple[dt.date, str], str],
    kept: Mapping[tuple[dt.date, str], KeptShift],
    *,
    order: Order = "changes_first",
    offsets: Mapping[str, float] | None = None,
    time_limit_s: float = 10.0,
    seed: int = 0,
    workers: int = DEFAULT_WORKERS,
) -> Solution:
    """The repaired weeks' picks. Raises InfeasibleError (explained) or TimeLimitError as `solve` does."""
    started = time.monotonic()
    rm = _repair_model(problem, kept)
    changes = Stage(_changes(published, kept), CHANGES_SHARE)
    spread = Stage(_adjusted_spread(problem, kept, offsets or {}), SPREAD_SHARE)
    first = [changes, spread] if order == "changes_first" else [spread, changes]
    stages = [*first, *LATER_STAGES]
    rota, results = Pipeline(rm, Budget(seed, workers), time_limit_s).run(stages)
    return Solution(rota.picks, tuple(results), time.monotonic() - started, seed, workers)


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


def _adjusted_spread(
    problem: Problem, kept: Mapping[tuple[dt.date, str], KeptShift], offsets: Mapping[str, float]
) -> Objective:
    """The spread, with each kept shift's load where its rows put it rather than all on its holder, and each
    member's balance moved by `offsets` (what the whole rota's facts say the history balance is)."""
    members = [m.id for m in problem.fairness_members]
    extra = _adjustments(problem, kept, offsets, members)
    constants = [balance_constant(problem, m) + scaled(offsets.get(m, 0.0)) for m in members]
    moved = sum(scaled(load) for shift, load in _kept_loads(problem, kept, members))
    period_load = sum(scaled(s.load) for s in problem.shifts)
    # Kept shifts move load between members and the offsets are constants: the total is still known.
    total = period_load + sum(constants)

    def build_spread(rm: RotaModel) -> cp_model.LinearExprT:
        if len(members) < 2:
            return 0
        balances = balance_expressions(rm)
        values = [balances[m] + extra[m] for m in members]
        low, high = min(constants) - moved, max(constants) + period_load + moved
        return max_minus_min(rm.model, values, "balance", low, high, total)

    def measure(problem: Problem, picks: Sequence[Pick]) -> int:
        if len(members) < 2:
            return 0
        balances = balances_of(problem, picks)
        values = [balances[m] + extra[m] for m in members]
        return max(values) - min(values)

    return Objective("spread", build_spread, measure, LOAD_SCALE)


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
