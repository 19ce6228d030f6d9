"""Repair a published rota's future weeks with the fewest changed assignments (SPEC §6 item 5, §8).

The problem's period is the weeks to repair; everything before them is history (rest and balance carry over).
`published` names each shift's published holder; a changed assignment is a shift whose holder differs from it.
`kept` shifts are held as published (a week with a cover in it): their holder stays, their cover members hold
no shift in that week nor the week before or after (SPEC §8), and the balances count the loads each row really
carries rather than the whole shift's load on its holder.

Objectives, in order: `changes_first` (rota update) ranks the changed assignments first, then SPEC §6's spread,
preferences, even roles and spacing; `spread_first` (cover --rebalance: the point is fairness) ranks the spread
first, then the changes, then the rest.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from models.calendar import ONE_WEEK
from models.problem import Problem
from solver import fairness
from solver.fairness import Objective
from solver.model import LOAD_SCALE, RotaModel, scaled, spread_of
from solver.rules import build
from solver.solve import DEFAULT_WORKERS, Solution, _picks, lexicographic

Order = Literal["changes_first", "spread_first"]
Shift = tuple[dt.date, str]  # (week, role)


@dataclass(frozen=True)
class KeptShift:
    """A shift kept as published: its holder, its cover members, and the load each of them carries in it."""

    holder: str
    covers: tuple[str, ...]
    loads: Mapping[str, float] = field(default_factory=dict)


def repair(
    problem: Problem,
    published: Mapping[Shift, str],
    kept: Mapping[Shift, KeptShift],
    *,
    order: Order = "changes_first",
    offsets: Mapping[str, float] | None = None,
    time_limit_s: float = 10.0,
    seed: int = 0,
    workers: int = DEFAULT_WORKERS,
) -> Solution:
    """The repaired weeks' picks. Raises InfeasibleError (explained) or TimeLimitError as `solve` does."""
    started = time.monotonic()
    held = {(k.holder, week, role) for (week, role), k in kept.items()}
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
                    var = rm.on.get((member, near, role))
                    if var is not None and (member, near, role) not in held:
                        rm.model.add(var == 0)
    changes = _changes(published, kept)
    spread = _adjusted_spread(problem, kept, offsets or {})
    rest = [fairness.preference_hits, fairness.role_spreads, fairness.close_pairs]
    objectives = [changes, spread, *rest] if order == "changes_first" else [spread, changes, *rest]
    solver, results = lexicographic(rm, objectives, time_limit_s=time_limit_s, seed=seed, workers=workers)
    return Solution(_picks(rm, solver), tuple(results), time.monotonic() - started, seed, workers)


def _changes(published: Mapping[Shift, str], kept: Mapping[Shift, KeptShift]) -> Callable[[RotaModel], Objective]:
    def changes(rm: RotaModel) -> Objective:
        """Shifts whose holder differs from the published one (a kept shift never does)."""
        terms = []
        for (week, role), member in sorted(published.items()):
            if (week, role) in kept or week not in rm.problem.weeks:
                continue
            var = rm.on.get((member, week, role))
            terms.append(1 - var if var is not None else 1)
        return Objective("changes", sum(terms))

    return changes


def _adjusted_spread(
    problem: Problem, kept: Mapping[Shift, KeptShift], offsets: Mapping[str, float]
) -> Callable[[RotaModel], Objective]:
    """SPEC §6's spread, with each kept shift's load where its rows put it rather than all on its holder, and
    each member's balance moved by `offsets` (what the whole rota's facts say the history balance is)."""
    loads = {(s.week, s.role): s.load for s in problem.shifts}

    def spread(rm: RotaModel) -> Objective:
        balances = fairness.balances(rm)
        if len(balances) < 2:
            return Objective("spread", 0, scale=LOAD_SCALE)
        extra = {m: scaled(offsets.get(m, 0.0)) for m in balances}
        moved = 0
        for shift, k in sorted(kept.items()):
            if not {k.holder, *k.loads} <= set(balances):
                continue  # a member outside the fairness members: the whole load stays on the holder
            extra[k.holder] -= scaled(loads[shift])
            moved += scaled(loads[shift])
            for member, load in sorted(k.loads.items()):
                extra[member] += scaled(load)
        constants = [fairness.balance_constant(problem, m) + scaled(offsets.get(m, 0.0)) for m in balances]
        period_load = sum(scaled(s.load) for s in problem.shifts)
        values = [balances[m] + extra[m] for m in balances]
        # Kept shifts move load between members and the offsets are constants: the total is still known.
        total = period_load + sum(constants)
        expression = spread_of(
            rm.model, values, "balance", min(constants) - moved, max(constants) + period_load + moved, total
        )
        return Objective("spread", expression, scale=LOAD_SCALE)

    return spread
