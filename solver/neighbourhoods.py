"""Large neighbourhood search on the rota model: free a part of the rota, fix the rest to the best rota so far, and
let CP-SAT re-optimise the part; keep its rota if the objective is lower.

CP-SAT with one worker runs no neighbourhood search of its own, and on a year its full search improves a good rota
slowly. The parts alternate between a few weeks running (who is on call when) and a few members' shifts (the
same weeks, shared out again among them), each about NEIGHBOURHOOD_SHIFTS shifts, drawn from a generator seeded
by the solve's seed. The rest of the rota is fixed through CP-SAT's hints, so the model is never copied.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from ortools.sat.python import cp_model

from solver.budget import Budget
from solver.model import Pick, RotaModel

NEIGHBOURHOOD_SHIFTS = 20  # about this many shifts freed at a time
STEP_S = 0.3  # CP-SAT's time on one part, at most
LEAST_STEP_S = 0.05  # below this, a step is not worth its presolve
STALE_STEPS = 100  # parts in a row that find nothing better end the search


def improve(
    rm: RotaModel,
    expression: cp_model.LinearExprT,
    measure: Callable[[tuple[Pick, ...]], int],
    start: tuple[Pick, ...],
    bound: float | None,
    budget: Budget,
    time_s: float,
) -> tuple[Pick, ...]:
    """The best rota found from `start` by re-optimising one part at a time, until `bound` or the time is up."""
    problem = rm.problem
    best, value = start, measure(start)
    rng = random.Random(budget.seed)
    weeks = len(problem.weeks)
    span = max(2, min(weeks, math.ceil(NEIGHBOURHOOD_SHIFTS / max(1, len(problem.roles)))))
    members = [m.id for m in problem.fairness_members]
    per_member = max(1.0, len(start) / max(1, len(members)))
    group = max(2, min(len(members), round(NEIGHBOURHOOD_SHIFTS / per_member)))
    ends = budget.spent() + time_s
    rm.model.minimize(expression)
    turn = stale = 0
    while (bound is None or value > bound) and stale < STALE_STEPS and (left := ends - budget.spent()) >= LEAST_STEP_S:
        turn += 1
        if turn % 2:
            first = rng.randrange(weeks - span + 1)
            some_weeks = set(problem.weeks[first : first + span])
            freed = {pick for pick in rm.on if pick.week in some_weeks}
        else:
            some_members = set(rng.sample(members, group))
            freed = {pick for pick in rm.on if pick.member in some_members}
        found = _step(rm, best, freed, budget, min(STEP_S, left))
        if found is not None and (found_value := measure(found)) < value:
            best, value, stale = found, found_value, 0
        else:
            stale += 1
        if len(freed) == len(rm.on):
            break  # the part was the whole rota: CP-SAT has had it all
    rm.hint(best)
    return best


def _step(
    rm: RotaModel, rota: tuple[Pick, ...], freed: set[Pick], budget: Budget, time_s: float
) -> tuple[Pick, ...] | None:
    """CP-SAT on the freed part, every other decision fixed to `rota` (hinted, and fixed through the hints)."""
    held = set(rota)
    rm.model.clear_hints()  # type: ignore[no-untyped-call]
    for pick, var in rm.on.items():
        if pick not in freed:
            rm.model.add_hint(var, pick in held)
    solver, status = budget.solve(rm.model, time_s, fix_variables_to_their_hinted_value=True)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return rm.picks_of(solver)
