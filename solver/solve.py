"""solve(problem) -> Solution: the hard rules, then the objectives of docs/spec.md §6 one at a time (lexicographic).

The stages, in priority order, each with its share of the time limit: the spread matters most, and a stage that
proves its optimum early hands what it saved to the stages after it (stages.Pipeline).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from models.errors import TimeLimitError
from models.problem import Problem
from solver import bounds, explain
from solver.budget import DEFAULT_WORKERS, Budget
from solver.fairness import EVEN_ROLES, PREFERENCES, SPREAD, SQUARED_BALANCES, balances_of
from solver.greedy import greedy_rota
from solver.holds import hold_balances, hold_gap
from solver.model import Pick
from solver.promise import Kept, blind_shortest_gap, keep_promise, promised_short_gaps, short_gaps
from solver.resequence import fewer_short_gaps, longer_shortest_gaps
from solver.rules import build, check_team_size
from solver.spacing import SHORT_GAPS, SHORTEST_GAP
from solver.spread_plan import spread_bound_and_plan
from solver.squares_plan import squares_bound_and_plan
from solver.stages import Pipeline, PlanDetail, Progress, ProgressCallback, Relaxation, Stage, StageResult
from solver.trades import fewer_avoided_weeks

__all__ = ["DEFAULT_WORKERS", "Progress", "ProgressCallback", "Solution", "StageResult", "find_rota", "solve"]

BY_CLASS, BY_MEMBER = PlanDetail.BY_CLASS, PlanDetail.BY_MEMBER
# Of the limit, kept back from the last stage for the promise (promise.py) where it may apply: its dives
# (columns.py) take a few seconds on a year; where the stages keep the promise, the solve just ends that much sooner.
PROMISE_SHARE = 0.3
# Shares are weights: a stage gets its weight over the sum of its own and the later stages' of the time left. The
# spread may take four fifths of the limit, since the fairness everything else refines must be proven first;
# a spread proven early hands the rest on.
# A spacing plan need only fix each member's number of shifts, all its bound depends on: held by class, it would fix
# who takes which class for no reason. The squared balances' relaxation gets half its stage: on a large team it is
# exact (squares_plan.py), and a rota carrying its plan has that plan's value, so the proof is where the time pays.
STAGES = [
    Stage(SPREAD, 3.0, Relaxation(bounds.relaxed_spread, BY_CLASS, spread_bound_and_plan)),
    Stage(
        SHORTEST_GAP,
        0.15,
        Relaxation(bounds.relaxed_shortest_gap, BY_MEMBER),
        polish=longer_shortest_gaps,
        hold=hold_gap,
    ),
    Stage(
        SQUARED_BALANCES,
        0.15,
        Relaxation(bounds.relaxed_squares, BY_CLASS, squares_bound_and_plan, share=0.5),
        hold=hold_balances,
    ),
    Stage(PREFERENCES, 0.05, polish=fewer_avoided_weeks),
    Stage(EVEN_ROLES, 0.1, Relaxation(bounds.relaxed_even_roles, BY_CLASS)),
    Stage(SHORT_GAPS, 0.2, Relaxation(bounds.relaxed_short_gaps, BY_MEMBER), polish=fewer_short_gaps),
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
    work_limit: float | None = None,
    seed: int = 0,
    workers: int = DEFAULT_WORKERS,
    on_progress: ProgressCallback | None = None,
) -> Solution:
    """Solve the hard rules, then minimise each objective in turn, keeping the earlier ones at their best.

    Returns within `time_limit_s` wall-clock seconds (model building included) and a fraction of a second; with
    `work_limit`, the search is counted in deterministic work instead, the same rota on any machine, and
    `time_limit_s` does not apply (budget.py). Raises InfeasibleError (with the reason in the team's words) when no
    rota satisfies the rules, and TimeLimitError when the limit passed before any rota was found: a timeout is
    never called infeasible.
    """
    budget = Budget(time_limit_s=time_limit_s, work_limit=work_limit, seed=seed, workers=workers)
    check_team_size(problem)
    rm = build(problem)
    start = greedy_rota(problem)
    if start is not None:
        rm.hint(start)
    pipeline = Pipeline(rm, budget, aggregate=bounds.build_aggregate(problem), on_progress=on_progress)
    most = promised_short_gaps(problem)
    reserve = 0.0 if most is None else budget.limit * PROMISE_SHARE
    rota, results = pipeline.run(STAGES, reserve=reserve)
    picks, found = rota.picks, list(notes(problem))
    if most is not None:
        kept = keep_promise(rm, picks, most, budget, budget.left(), least=blind_shortest_gap(problem))
        picks = kept.picks
        if picks != rota.picks:
            results = remeasured(problem, rota.picks, picks, results)
        if picks != rota.picks or short_gaps(problem, picks) > most:  # what the search did, or that it fell short
            found.append(promise_note(problem, rota.picks, kept, most))
    return Solution(picks, tuple(results), time.monotonic() - budget.started, seed, workers, tuple(found))


def remeasured(
    problem: Problem, before: tuple[Pick, ...], picks: tuple[Pick, ...], results: list[StageResult]
) -> list[StageResult]:
    """The stages' results on the rota the promise's search changed from `before`. Each stage's bound was proven
    with the stages before it held (holds.py, `Pipeline._keep`); it stands while every one of those holds still holds
    on the new rota: the spread and the least gap always (the search keeps both), each balance if the search left it
    as it was, and every other value if it is no worse. From the first that no longer holds, the later bounds say
    nothing."""
    held, remeasured = True, []
    for stage, result in zip(STAGES, results, strict=True):
        objective = stage.objective
        value, was = objective.measure(problem, picks), objective.measure(problem, before)
        bound = min(result.bound, value / objective.scale) if held else 0.0
        optimal = value / objective.scale <= bound
        remeasured.append(StageResult(result.name, value / objective.scale, bound, optimal, result.wall_s))
        if objective is SQUARED_BALANCES:
            held = held and balances_of(problem, picks) == balances_of(problem, before)
        elif objective is not SHORTEST_GAP:
            held = held and value <= was
    return remeasured


def promise_note(problem: Problem, before: tuple[Pick, ...], kept: Kept, most: int) -> str:
    """What the promise's search did to the stages' rota `before`, for the team: it moved shifts within the spread,
    and what that cost; or it fell short, and whether its dives proved that it must."""
    picks = kept.picks
    count, cycle = short_gaps(problem, picks), problem.natural_cycle_weeks
    gaps = f"{count} gap{'' if count == 1 else 's'} shorter than the {cycle}-week cycle"
    if count <= most:
        worse = [
            name
            for name, objective in (("the squared balances", SQUARED_BALANCES), ("even roles", EVEN_ROLES))
            if objective.measure(problem, picks) > objective.measure(problem, before)
        ]
        cost = f", at some cost to {' and '.join(worse)}" if worse else ""
        return (
            f"{gaps}, no more than a blind rotation's {most}: shifts moved between members within the spread to "
            f"keep it so{cost}"
        )
    if kept.bound is not None and kept.bound > most:
        return (
            f"{gaps}, more than a blind rotation's {most}: with every balance within the same range and this "
            f"shortest gap, no rota has fewer than {kept.bound}"
        )
    return (
        f"{gaps}, more than a blind rotation's {most}: no rota with {most} or fewer found in the time; a longer "
        "--time-limit may find one"
    )


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
    budget = Budget(time_limit_s=time_limit_s, seed=seed, workers=workers)
    check_team_size(problem)
    rm = build(problem)
    solver, status = budget.solve(rm.model, budget.left())
    if status == cp_model.INFEASIBLE:
        raise explain.infeasible(problem, budget)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise TimeLimitError(
            f"no rota found within {time_limit_s:g} s; none is proven impossible: try a longer --time-limit"
        )
    return Solution(rm.picks_of(solver), (), time.monotonic() - budget.started, seed, workers, notes(problem))
