"""solve(problem) -> Solution: the hard rules, then the objectives of SPEC §6 one at a time (lexicographic)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from models.errors import RotaError, TimeLimitError
from models.problem import Problem
from solver import bounds, explain, windows
from solver.fairness import OBJECTIVES, Objective
from solver.greedy import greedy_rota
from solver.model import RotaModel, deterministic, scaled
from solver.respace import respace
from solver.rules import build, check_team_size
from solver.share_out import share_out

# Set explicitly, never left to CP-SAT's guess. One worker: two interleaved workers reached the example's spacing
# optimum on 8 seeds of 8 (one worker: 3 of 8) and fairer years, but in OR-Tools 9.15 interleaved search can abort
# the whole process ("Check failed: heuristics.fixed_search != nullptr"), which the cross-solver tests hit.
DEFAULT_WORKERS = 1

# Each objective's share of the time limit. The spread matters most; spacing, last in priority and hardest to
# prove, only polishes. A stage that proves its optimum early ends early; its time is not handed on, so that
# a rota is not delayed by seconds spent proving the least important objective.
STAGE_SHARES = {"spread": 0.5, "preferences": 0.1, "even_roles": 0.2, "spacing": 0.1, "changes": 0.3}
DEFAULT_STAGE_SHARE = 0.1
BOUND_SHARE = 0.4  # of a stage's budget, for the aggregate relaxation: bound and plan (half unhinted, half hinted)
# CP-SAT's turn on the spread's relaxation before the windows sweep, where members have many patterns (_relax): a
# tenth of the relaxation's time, at most 0.3 s. A 10-member year's spread proves within it (0.2 s).
SEARCH_FIRST_SHARE = 0.1
SEARCH_FIRST_MOST_S = 0.3
REALISE_SHARE = 0.2  # of a stage's budget, for a rota carrying the relaxation's best share-out
# Of the spread's rota search time, the share the windows sweep takes instead when the rota carries its plan
# (_sweep_on); a better plan it finds is realised with the rest, which took 0.03 s on the 40-member year.
SWEEP_ON_SHARE = 0.9

Pick = tuple[str, dt.date, str]  # (member, week, role)

# Local searches that improve a stage's starting rota without touching the earlier objectives.
POLISH: dict[str, Callable[[Problem, tuple[Pick, ...]], tuple[Pick, ...]]] = {"spacing": respace}


@dataclass(frozen=True)
class Progress:
    """What a solve has reached so far, for a progress display."""

    stage: str
    value: float
    bound: float
    elapsed_s: float


@dataclass(frozen=True)
class StageResult:
    """One objective's outcome: its value, its proven lower bound, and whether the two meet."""

    name: str
    value: float
    bound: float
    optimal: bool
    wall_s: float

    @property
    def gap(self) -> float:
        return self.value - self.bound


@dataclass(frozen=True)
class Solution:
    """A solved rota: who holds which role each week, and how good that is."""

    picks: tuple[tuple[str, dt.date, str], ...]  # (member, week, role), by week then role order
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


ProgressCallback = Callable[[Progress], None]


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
        for key, var in rm.on.items():
            rm.model.add_hint(var, start.get(key, 0))
    solver, results = lexicographic(
        rm,
        OBJECTIVES,
        time_limit_s=time_limit_s,
        seed=seed,
        workers=workers,
        on_progress=on_progress,
        aggregate=bounds.build_aggregate(problem),
        polishing=True,
    )
    return Solution(_picks(rm, solver), tuple(results), time.monotonic() - started, seed, workers, _notes(problem))


def lexicographic(
    rm: RotaModel,
    objectives: Sequence[Callable[[RotaModel], Objective]],
    *,
    time_limit_s: float,
    seed: int,
    workers: int = DEFAULT_WORKERS,
    on_progress: ProgressCallback | None = None,
    aggregate: bounds.Aggregate | None = None,
    polishing: bool = False,
) -> tuple[cp_model.CpSolver, list[StageResult]]:
    """Minimise each objective in turn on a model holding the hard rules, keeping the earlier ones at their best.

    `aggregate`, when given, is a relaxation of the same problem whose bounds are added to the model (they must
    be valid for it: a repair model, which keeps published weeks, has none). With `polishing`, stages that have a
    local search (POLISH) run it on their starting rota first; a repair model, whose published weeks must not
    move, has none. Raises as `solve` does.
    """
    problem = rm.problem
    started = time.monotonic()
    results: list[StageResult] = []
    previous: cp_model.CpSolver | None = None
    last_plan: dict[tuple[str, bounds.LoadClass], int] | None = None  # the latest stage's plan: the next one's start
    for make_objective in objectives:
        objective = make_objective(rm)
        budget = max(time_limit_s * STAGE_SHARES.get(objective.name, DEFAULT_STAGE_SHARE), 0.05)
        relaxed = bounds.RELAXED.get(objective.name) if aggregate is not None else None
        relaxed_objective = relaxed(aggregate) if relaxed and aggregate is not None else None
        bound, plan, sweep = None, None, None
        if relaxed_objective is not None and aggregate is not None:
            first = not results and objective.name == "spread"
            relaxation, sweep = _relax(
                aggregate, relaxed_objective, budget * BOUND_SHARE, seed, workers, spread_first=first, start=last_plan
            )
            bound, plan = relaxation.bound, relaxation.counts
            if bound is not None:
                rm.model.add(objective.expression >= bound)
        # `realised`: a rota evaluated on this stage's objective, from the relaxation's plan and/or a polish.
        realised = _realise(rm, objective, plan, budget * REALISE_SHARE, seed, workers) if plan else None
        # The rota search gets what the relaxation and the realisation leave of the stage's share.
        spent = (BOUND_SHARE if relaxed_objective is not None else 0.0) + (REALISE_SHARE if plan else 0.0)
        search_s = budget * (1 - spent)
        swept_on = False
        if sweep is not None and realised is not None and (bound is None or _objective(realised) > bound):
            assert aggregate is not None and plan is not None
            realised, bound, plan = _sweep_on(
                rm, objective, aggregate, sweep, realised, bound, plan, search_s, seed, workers
            )
            swept_on = True
        last_plan = plan or last_plan
        polish = POLISH.get(objective.name) if polishing else None
        start = realised or previous
        polished = _polished(rm, objective, polish, start) if polish is not None and start is not None else None
        if polished is not None:
            realised = start = polished
        if realised is not None and bound is not None and _objective(realised) <= bound:
            # This rota (realised from the relaxation's counts, or polished) meets the relaxation's bound: proven.
            solver, status = realised, cp_model.OPTIMAL
            value = _objective(realised) / objective.scale
            result: StageResult | None = StageResult(objective.name, value, value, True, realised.wall_time)
            if on_progress is not None:
                on_progress(Progress(objective.name, value, value, time.monotonic() - started))
        elif swept_on and realised is not None:
            # The sweep had the rota search's time: the stage keeps the rota carrying its plan, with its bound.
            solver, status, result = realised, cp_model.FEASIBLE, _unimproved(rm, objective, realised, bound)
            if on_progress is not None:
                on_progress(Progress(objective.name, result.value, result.bound, time.monotonic() - started))
        else:
            if start is not None:
                _hint(rm, start)
            solver, status, result = _minimise(rm, objective, max(search_s, 0.05), seed, workers, on_progress, started)
            if result is not None and realised is not None and _objective(realised) < _objective(solver):
                # The search ended worse than the rota it was hinted with: CP-SAT may drop a hint it cannot complete
                # in time (the 40-member year's spacing: 320 close pairs against the polished rota's 30). Keep that
                # rota, with the search's bound.
                value = _objective(realised) / objective.scale
                result = StageResult(objective.name, value, min(result.bound, value), False, result.wall_s)
                solver = realised
        if result is None and start is not None and status != cp_model.MODEL_INVALID:
            # Out of time before the search found a rota: keep the one it started from (realised or polished,
            # else the last stage's), which is still the best for every earlier objective, and say what this
            # objective is on it.
            result = _unimproved(rm, objective, start, bound)
            solver = start
        if result is None:
            if status == cp_model.INFEASIBLE:
                raise explain.infeasible(problem)
            if status == cp_model.MODEL_INVALID:
                raise RotaError(f"internal error: invalid model ({rm.model.validate()})")
            raise TimeLimitError(
                f"no rota found within the time limit ({time_limit_s:g} s); none is proven impossible: "
                "try a longer --time-limit"
            )
        results.append(result)
        # Keep this stage's best while the next stages improve on the rest; the relaxation follows suit.
        best = round(result.value * objective.scale)
        rm.model.add(objective.expression <= best)
        if relaxed_objective is not None and aggregate is not None:
            aggregate.model.add(relaxed_objective.expression <= best)
        previous = solver
    assert previous is not None
    return previous, results


def _relax(
    aggregate: bounds.Aggregate,
    objective: Objective,
    time_limit_s: float,
    seed: int,
    workers: int,
    *,
    spread_first: bool,
    start: dict[tuple[str, bounds.LoadClass], int] | None,
) -> tuple[bounds.Relaxed, windows.Sweep | None]:
    """The stage's proven bound and best plan over the aggregate model, and the windows sweep if one ran and did
    not prove its bound, to go on with more time (_sweep_on).

    The spread's stage, first (the aggregate holds no stage's constraints yet), starts from a share-out by hand's
    logic. On a large team whose members have few patterns (windows.few: a few shifts each), the windows sweep
    (windows.py) goes first and settles the spread exactly, and CP-SAT on the aggregate model gets what it leaves.
    Otherwise CP-SAT goes first, for a tenth of the time, at most 0.3 s (small teams' spreads prove in that), then
    the sweep, from the better of the two share-outs; where members have too many patterns to enumerate, CP-SAT
    gets all the time. A later stage starts from the last stage's plan, which keeps every earlier stage at its
    best: with the spread at its optimum, CP-SAT found no share-out at all for the 100-member year's even roles on
    its own."""
    if not spread_first:
        return bounds.solve_relaxed(aggregate, objective, time_limit_s, workers, seed, candidate=start), None
    opening = share_out(aggregate)
    if opening is None:
        return bounds.solve_relaxed(aggregate, objective, time_limit_s, workers, seed), None
    patterns = windows.patterns_for(aggregate, opening)
    if patterns is None:
        searched = bounds.solve_relaxed(aggregate, objective, time_limit_s, workers, seed, opening)
        return _better(aggregate, bounds.Relaxed(None, opening), searched), None
    cp_sat_s = min(time_limit_s * SEARCH_FIRST_SHARE, SEARCH_FIRST_MOST_S)
    if windows.few(patterns):
        sweep = windows.Sweep(aggregate, opening, patterns, workers, seed)
        swept = sweep.run(time_limit_s - cp_sat_s)
        if swept.proven:
            return swept.relaxed, None
        searched = bounds.solve_relaxed(
            aggregate, objective, time_limit_s - swept.spent_s, workers, seed, swept.relaxed.counts
        )
        if searched.counts is not None:
            sweep.offer(searched.counts)
        return _better(aggregate, swept.relaxed, searched), sweep
    searched = bounds.solve_relaxed(aggregate, objective, cp_sat_s, workers, seed, opening)
    first = _better(aggregate, searched, bounds.Relaxed(None, opening))
    assert first.counts is not None  # the opening at least
    if first.bound is not None and first.bound >= windows.spread_of_share(aggregate, first.counts):
        return first, None
    sweep = windows.Sweep(aggregate, first.counts, patterns, workers, seed)
    swept = sweep.run(time_limit_s - cp_sat_s)
    return _better(aggregate, first, swept.relaxed), None if swept.proven else sweep


def _sweep_on(
    rm: RotaModel,
    objective: Objective,
    aggregate: bounds.Aggregate,
    sweep: windows.Sweep,
    realised: cp_model.CpSolver,
    bound: int | None,
    plan: dict[tuple[str, bounds.LoadClass], int],
    time_limit_s: float,
    seed: int,
    workers: int,
) -> tuple[cp_model.CpSolver, int, dict[tuple[str, bounds.LoadClass], int]]:
    """The spread stage's rota search, when its rota carries the sweep's plan: a better rota then needs a better
    share-out, which is what the sweep looks for, with a proof. So the sweep goes on with most of the search's time,
    and a better plan it finds is realised with the rest. On the 40-member year at 10 s the rota search had found
    nothing in its 2 deterministic seconds (6.5 s of wall-clock time); the sweep proves the spread with them.

    Returns the stage's rota, its bound (held by the rota model from now on) and the plan that rota carries."""
    swept = sweep.run(time_limit_s * SWEEP_ON_SHARE)
    assert swept.relaxed.bound is not None  # a sweep always has one
    if bound is None or swept.relaxed.bound > bound:
        bound = swept.relaxed.bound
        rm.model.add(objective.expression >= bound)
    better = swept.relaxed.counts
    if better is not None and windows.spread_of_share(aggregate, better) < _objective(realised):
        again = _realise(rm, objective, better, time_limit_s * (1 - SWEEP_ON_SHARE), seed, workers)
        if again is not None and _objective(again) < _objective(realised):
            return again, bound, better
    return realised, bound, plan


def _better(aggregate: bounds.Aggregate, one: bounds.Relaxed, other: bounds.Relaxed) -> bounds.Relaxed:
    """Two relaxations of the spread as one: the higher bound (both are proofs) and the plan with the lower spread."""
    lows = [relaxed.bound for relaxed in (one, other) if relaxed.bound is not None]
    plans = [relaxed.counts for relaxed in (one, other) if relaxed.counts is not None]
    best = min(plans, key=lambda counts: windows.spread_of_share(aggregate, counts)) if plans else None
    return bounds.Relaxed(max(lows) if lows else None, best)


def _minimise(
    rm: RotaModel,
    objective: Objective,
    time_limit_s: float,
    seed: int,
    workers: int,
    on_progress: ProgressCallback | None,
    started: float,
) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus, StageResult | None]:
    rm.model.minimize(objective.expression)
    solver = cp_model.CpSolver()
    params = solver.parameters
    deterministic(params, workers, seed, time_limit_s)
    # The hint is a complete rota that keeps every rule and every earlier stage's best, so CP-SAT takes it as
    # its first solution as is. Not `repair_hint`: in OR-Tools 9.15 it can abort the whole process ("Check
    # failed: heuristics.fixed_search != nullptr"), which a 100-member year's preferences stage hit.
    callback = _Reporter(objective, on_progress, started) if on_progress else None
    status = solver.solve(rm.model, callback)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return solver, status, None
    value = _objective(solver) / objective.scale
    bound = solver.best_objective_bound / objective.scale
    optimal = status == cp_model.OPTIMAL
    return solver, status, StageResult(objective.name, value, value if optimal else bound, optimal, solver.wall_time)


def _polished(
    rm: RotaModel,
    objective: Objective,
    polish: Callable[[Problem, tuple[Pick, ...]], tuple[Pick, ...]],
    start: cp_model.CpSolver,
) -> cp_model.CpSolver | None:
    """The rota `polish` makes of `start`'s, held by a solver like any stage's result and evaluated on `objective`.

    None if it breaks the model, which a polish must never do (tests/test_respace.py): `start` stands then."""
    picks = set(polish(rm.problem, _picks(rm, start)))
    polished, status = _evaluate(rm, objective, {key: key in picks for key in rm.on})
    return polished if status == cp_model.OPTIMAL else None


def _realise(
    rm: RotaModel,
    objective: Objective,
    counts: dict[tuple[str, bounds.LoadClass], int],
    time_limit_s: float,
    seed: int,
    workers: int,
) -> cp_model.CpSolver | None:
    """A rota carrying the relaxation's plan, best for `objective` among those, or None if none is found in time.

    The plan is kept at the detail the relaxation's objective depends on (bounds.PLANNED_BY_MEMBER): counts by
    class for the spread and even roles, each member's number of shifts for spacing. Held any tighter, a
    spacing plan fixes who takes which class for no reason, and on the example could not reach its bound.
    Solved on a copy, so the variables keep their indices for `_hint`."""
    problem = rm.problem
    loads = {(s.week, s.role): scaled(s.load) for s in problem.shifts}
    by_member = objective.name in bounds.PLANNED_BY_MEMBER

    def plan_key(member: str, cls: bounds.LoadClass) -> str | tuple[str, bounds.LoadClass]:
        return member if by_member else (member, cls)

    groups: dict[str | tuple[str, bounds.LoadClass], list[cp_model.IntVar]] = {}
    planned: dict[str | tuple[str, bounds.LoadClass], int] = {}
    for (member, week, role), var in rm.on.items():
        groups.setdefault(plan_key(member, (role, loads[week, role])), []).append(var)
    for (member, cls), count in counts.items():
        planned[plan_key(member, cls)] = planned.get(plan_key(member, cls), 0) + count
    realisation = rm.model.clone()
    for key, count in planned.items():
        realisation.add(sum(groups.get(key, [])) == count)
    realisation.minimize(objective.expression)
    solver = cp_model.CpSolver()
    deterministic(solver.parameters, workers, seed, time_limit_s)
    status = solver.solve(realisation)
    return solver if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None


def _unimproved(rm: RotaModel, objective: Objective, rota: cp_model.CpSolver, bound: int | None) -> StageResult:
    """The objective's value on the rota a stage started from: every decision fixed, so propagation finds it."""
    solver, _ = _evaluate(rm, objective, {key: rota.boolean_value(var) for key, var in rm.on.items()})
    value = _objective(solver) / objective.scale
    low = bound / objective.scale if bound is not None else 0.0
    return StageResult(objective.name, value, min(low, value), False, solver.wall_time)


def _evaluate(
    rm: RotaModel, objective: Objective, values: dict[tuple[str, dt.date, str], bool]
) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
    """A solver holding this rota (every decision fixed) and the objective's value on it, with its status."""
    evaluation = rm.model.clone()
    for key, var in rm.on.items():
        evaluation.add(var == int(values[key]))
    evaluation.minimize(objective.expression)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    return solver, solver.solve(evaluation)


def _hint(rm: RotaModel, solver: cp_model.CpSolver) -> None:
    """Start the next stage from the last rota found: it is feasible and already optimal for earlier stages."""
    rm.model.clear_hints()  # type: ignore[no-untyped-call]
    for var in rm.on.values():
        rm.model.add_hint(var, solver.boolean_value(var))


class _Reporter(cp_model.CpSolverSolutionCallback):
    def __init__(self, objective: Objective, on_progress: ProgressCallback, started: float) -> None:
        super().__init__()
        self._objective, self._on_progress, self._started = objective, on_progress, started

    def on_solution_callback(self) -> None:
        scale = self._objective.scale
        self._on_progress(
            Progress(
                self._objective.name,
                self.objective_value / scale,
                self.best_objective_bound / scale,
                time.monotonic() - self._started,
            )
        )


def _objective(solver: cp_model.CpSolver) -> int:
    """The objective's value on the solver's rota: an integer (loads in thousandths of a day), which CP-SAT reports
    as a float that can be off in the last bit (2064.0000000000005), enough to fail a comparison with a bound."""
    return round(solver.objective_value)


def _notes(problem: Problem) -> tuple[str, ...]:
    """Facts worth telling the team about the rota, e.g. onboarding that does not fit the period."""
    notes = []
    for member in problem.team.members:
        pending = member.shadow_shifts - problem.past_shadow_counts.get(member.id, 0)
        placed = len(problem.shadow_weeks.get(member.id, []))
        if pending > placed:
            notes.append(
                f"{member.id}: {placed} of {pending} shadow shifts fit in {problem.period.name}; "
                "the rest fall in the next period"
            )
    return tuple(notes)


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
    picks = _picks(rm, solver)
    return Solution(picks, (), time.monotonic() - started, seed, workers, _notes(problem))


def _picks(rm: RotaModel, solver: cp_model.CpSolver) -> tuple[tuple[str, dt.date, str], ...]:
    problem = rm.problem
    return tuple(
        (member.id, week, role)
        for week in problem.weeks
        for role in problem.roles
        for member in problem.team.members
        if (var := rm.on.get((member.id, week, role))) is not None and solver.boolean_value(var)
    )
