"""solve(problem) -> Solution: the hard rules, then the objectives of docs/spec.md §6 one at a time (lexicographic).

The stages, in priority order, with what each one's share of the time limit buys. The spread matters most;
spacing, last in priority and hardest to prove, only polishes. A stage that proves its optimum early ends early;
its time is not handed on, so that a rota is not delayed by seconds spent proving the least important objective.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from models.errors import TimeLimitError
from models.problem import Problem
from solver import bounds, explain
from solver.budget import DEFAULT_WORKERS, Budget
from solver.fairness import EVEN_ROLES, PREFERENCES, SPACING, SPREAD
from solver.greedy import greedy_rota
from solver.model import Pick
from solver.respace import respace
from solver.rules import build, check_team_size
from solver.spread_plan import spread_bound_and_plan
from solver.stages import Pipeline, PlanDetail, Progress, ProgressCallback, Relaxation, Stage, StageResult

__all__ = ["DEFAULT_WORKERS", "Progress", "ProgressCallback", "Solution", "StageResult", "find_rota", "solve"]

STAGES = [
    Stage(SPREAD, 0.5, Relaxation(bounds.relaxed_spread, PlanDetail.BY_CLASS, spread_bound_and_plan)),
    Stage(PREFERENCES, 0.1),
    Stage(EVEN_ROLES, 0.2, Relaxation(bounds.relaxed_even_roles, PlanDetail.BY_CLASS)),
    # A spacing plan need only fix each member's number of shifts, all its bound depends on: held by class, it
    # would fix who takes which class for no reason.
    Stage(SPACING, 0.1, Relaxation(bounds.relaxed_spacing, PlanDetail.BY_MEMBER), polish=respace),
]


@dataclass(frozen=True)
class Solution:
    """A solved rota: who holds which role each week, and how good that is."""

    picks: tuple[Pick, ...]  # by week then role order
    stages: tuple[StageResult, ...]
    wall_s: float
    seed: int
    workers: int
    notes: tuple[str, ...] = field(default=())

    @property
    def spread(self) -> StageResult:
        return self.stages[0]

    @property
    def optimal(self) -> bool:
        return all(stage.optimal for stage in self.stages)


def solve(
    problem: Problem,
    *,
    time_limit_s: float = 10.0,
    seed: int = 0,
    workers: int = DEFAULT_WORKERS,
    on_progress: ProgressCallback | None = None,
) -> Solution:
    """Solve the hard rules, then minimise each objective in turn, keeping the earlier ones at their best.

    Raises InfeasibleError (with the reason in the team's words) when no rota satisfies the rules, and
    TimeLimitError when the limit passed before any rota was found. A timeout is never called infeasible.
    """
    started = time.monotonic()
    check_team_size(problem)
    rm = build(problem)
    start = greedy_rota(problem)
    if start is not None:
        rm.hint(start)
    pipeline = Pipeline(
        rm, Budget(seed, workers), time_limit_s, aggregate=bounds.build_aggregate(problem), on_progress=on_progress
    )
    rota, results = pipeline.run(STAGES)
    return Solution(rota.picks, tuple(results), time.monotonic() - started, seed, workers, notes(problem))


def notes(problem: Problem) -> tuple[str, ...]:
    """Facts worth telling the team about the rota, e.g. onboarding that does not fit the period."""
    found = []
    for member in problem.team.members:
        pending = member.shadow_shifts - problem.past_shadow_counts.get(member.id, 0)
        placed = len(problem.shadow_weeks.get(member.id, []))
        if pending > placed:
            found.append(
                f"{member.id}: {placed} of {pending} shadow shifts fit in {problem.period.name}; "
                "the rest fall in the next period"
            )
    return tuple(found)


def find_rota(
    problem: Problem, *, time_limit_s: float = 10.0, seed: int = 0, workers: int = DEFAULT_WORKERS
) -> Solution:
    """Any rota satisfying the hard rules, no objective: the quick answer to "does a rota exist?"."""
    started = time.monotonic()
    check_team_size(problem)
    rm = build(problem)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.max_time_in_seconds = time_limit_s
    status = solver.solve(rm.model)
    if status == cp_model.INFEASIBLE:
        raise explain.infeasible(problem)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise TimeLimitError(
            f"no rota found within {time_limit_s:g} s; none is proven impossible: try a longer --time-limit"
        )
    return Solution(rm.picks_of(solver), (), time.monotonic() - started, seed, workers, notes(problem))
