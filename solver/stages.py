"""The lexicographic solve as a table of stages: each objective minimised in turn, the earlier ones kept at their
best. A stage may bound and plan its objective on the aggregate relaxation, have a rota carry that plan, polish a
rota by local search, and search the rota model; what goes from one stage to the next is a rota (its picks and
its objectives' values), never a solver.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from ortools.sat.python import cp_model

from models.errors import RotaError, TimeLimitError
from models.problem import Problem
from solver import explain
from solver.bounds import Aggregate, Counts, LoadClass, Relaxed, load_classes, solve_relaxed
from solver.budget import Budget
from solver.fairness import Objective
from solver.model import Pick, RotaModel, in_rota_order

# Of a stage's time: its relaxation's bound and plan, then a rota carrying the plan; the rota search gets the rest.
BOUND_SHARE = 0.4
REALISE_SHARE = 0.2
# Of the rota search's time, the share a relaxation that can go on (the spread's sweep) takes instead, when the
# rota carries its plan: a better rota then needs a better plan. A better plan found is realised with the rest.
GO_ON_SHARE = 0.9
LEAST_STAGE_S = 0.05  # no stage gets less, however small its share


class PlanDetail(Enum):
    """What a relaxation's plan fixes in the rota that carries it: no tighter than its objective depends on."""

    BY_CLASS = "each member's shifts of each class"
    BY_MEMBER = "each member's number of shifts"


GoOn = Callable[[float], Relaxed]  # more time for a relaxation that stopped short: a higher bound, a better plan
# (aggregate, relaxed objective, time, budget, the last stage's plan) -> the bound and plan, and a way to go on
RelaxationSearch = Callable[
    [Aggregate, cp_model.LinearExprT, float, Budget, Counts | None], tuple[Relaxed, GoOn | None]
]
Polish = Callable[[Problem, tuple[Pick, ...]], tuple[Pick, ...]]


def from_last_plan(
    agg: Aggregate, objective: cp_model.LinearExprT, time_s: float, budget: Budget, start: Counts | None
) -> tuple[Relaxed, GoOn | None]:
    """CP-SAT on the aggregate model, also from the last stage's plan, which keeps every earlier stage at its best."""
    return solve_relaxed(agg, objective, time_s, budget, start), None


@dataclass(frozen=True)
class Relaxation:
    """How a stage bounds its objective and plans a rota on the aggregate model."""

    build: Callable[[Aggregate], cp_model.LinearExprT | None]
    plan: PlanDetail
    search: RelaxationSearch = from_last_plan


@dataclass(frozen=True)
class Stage:
    """One objective of the lexicographic solve, with its share of the time limit."""

    objective: Objective
    share: float
    relaxation: Relaxation | None = None
    polish: Polish | None = None  # a local search that improves a rota without touching earlier objectives

    @property
    def name(self) -> str:
        return self.objective.name


@dataclass(frozen=True)
class Rota:
    """A rota between stages: its picks and the value of each objective scored on it so far (scaled)."""

    picks: tuple[Pick, ...]
    values: Mapping[str, int] = field(default_factory=dict)


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
class Progress:
    """What a solve has reached so far, for a progress display."""

    stage: str
    value: float
    bound: float
    elapsed_s: float


ProgressCallback = Callable[[Progress], None]


@dataclass
class _Outcome:
    """A stage's rota so far, its proven bound (scaled), and whether the rota meets it."""

    rota: Rota | None
    bound: int | None
    proven: bool = False


class Pipeline:
    """Runs stages in order on one rota model and, where it is given one, its aggregate relaxation (whose bounds must
    be valid for the rota model: a repair model, which keeps published weeks, has none)."""

    def __init__(
        self,
        rm: RotaModel,
        budget: Budget,
        time_limit_s: float,
        *,
        aggregate: Aggregate | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        self.rm, self.problem, self.budget, self.time_limit_s = rm, rm.problem, budget, time_limit_s
        self.aggregate, self.on_progress = aggregate, on_progress
        self.started = time.monotonic()
        self.plan: Counts | None = None  # the latest stage's plan: the next relaxation starts from it

    def run(self, stages: list[Stage], start: Rota | None = None) -> tuple[Rota, list[StageResult]]:
        """Each stage in turn, each starting from the rota the one before ended with."""
        rota, results = start, []
        for stage in stages:
            rota, result = self.run_stage(stage, rota)
            results.append(result)
        assert rota is not None, "no stages"
        return rota, results

    def run_stage(self, stage: Stage, previous: Rota | None) -> tuple[Rota, StageResult]:
        began = time.monotonic()
        expression = stage.objective.build(self.rm)
        stage_s = max(self.time_limit_s * stage.share, LEAST_STAGE_S)
        relaxed, go_on, relaxed_expression = self._relax(stage, stage_s)
        if relaxed.bound is not None:
            self.rm.model.add(expression >= relaxed.bound)
        realised = self._realise(stage, expression, relaxed.plan, stage_s * REALISE_SHARE) if relaxed.plan else None
        spent = (BOUND_SHARE if relaxed_expression is not None else 0.0) + (REALISE_SHARE if relaxed.plan else 0.0)
        search_s = stage_s * (1 - spent)
        went_on = go_on is not None and realised is not None and not self._meets(stage, realised, relaxed.bound)
        if go_on is not None and realised is not None and went_on:
            realised, relaxed = self._go_on(stage, expression, go_on, realised, relaxed, search_s)
        self.plan = relaxed.plan or self.plan
        start = realised or (self._score(stage, previous) if previous is not None else None)
        if stage.polish is not None and start is not None:
            polished = in_rota_order(self.problem, stage.polish(self.problem, start.picks))
            realised = start = self._score(stage, Rota(polished))
        bound: float | None
        if realised is not None and self._meets(stage, realised, relaxed.bound):
            rota, bound, optimal = realised, relaxed.bound, True  # carries the plan, or polished, to the bound: proven
        elif went_on and realised is not None:
            rota, bound, optimal = realised, relaxed.bound, False  # the relaxation had the search's time
        else:
            rota, bound, optimal = self._search(stage, expression, search_s, start, relaxed.bound)
        self._keep(stage, expression, relaxed_expression, rota)
        return rota, self._result(stage, rota, bound, optimal, began)

    def _relax(self, stage: Stage, stage_s: float) -> tuple[Relaxed, GoOn | None, cp_model.LinearExprT | None]:
        """The stage's bound and plan over the aggregate model, if it has a relaxation."""
        relaxation = stage.relaxation
        expression = relaxation.build(self.aggregate) if relaxation and self.aggregate else None
        if relaxation is None or self.aggregate is None or expression is None:
            return Relaxed(None, None), None, None
        relaxed, go_on = relaxation.search(self.aggregate, expression, stage_s * BOUND_SHARE, self.budget, self.plan)
        return relaxed, go_on, expression

    def _realise(self, stage: Stage, expression: cp_model.LinearExprT, plan: Counts, time_s: float) -> Rota | None:
        """A rota carrying the plan, best for the stage's objective among those, or None if none is found in time.

        Solved on a copy of the model, whose variables keep their indices, so the rota reads the same way."""
        assert stage.relaxation is not None
        by_member = stage.relaxation.plan is PlanDetail.BY_MEMBER
        classes = load_classes(self.problem)

        def key(member: str, cls: LoadClass) -> str | tuple[str, LoadClass]:
            return member if by_member else (member, cls)

        groups: dict[str | tuple[str, LoadClass], list[cp_model.IntVar]] = {}
        planned: dict[str | tuple[str, LoadClass], int] = {}
        for pick, var in self.rm.on.items():
            groups.setdefault(key(pick.member, classes[pick.week, pick.role]), []).append(var)
        for (member, cls), count in plan.items():
            planned[key(member, cls)] = planned.get(key(member, cls), 0) + count
        realisation = self.rm.model.clone()
        for group, count in planned.items():
            realisation.add(sum(groups.get(group, [])) == count)
        realisation.minimize(expression)
        solver = self.budget.solver(time_s)
        if solver.solve(realisation) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        return self._score(stage, Rota(self.rm.picks_of(solver)))

    def _go_on(
        self,
        stage: Stage,
        expression: cp_model.LinearExprT,
        go_on: GoOn,
        realised: Rota,
        relaxed: Relaxed,
        time_s: float,
    ) -> tuple[Rota, Relaxed]:
        """The rota search's time to the relaxation instead, when the rota carries its plan: a better rota then needs
        a better plan, which is what the relaxation looks for, with a proof. A better plan is realised with the rest.
        Returns the stage's rota and its relaxation, whose bound the rota model holds from now on."""
        more = go_on(time_s * GO_ON_SHARE)
        bound = relaxed.bound
        if more.bound is not None and (bound is None or more.bound > bound):
            bound = more.bound
            self.rm.model.add(expression >= bound)
        value = realised.values[stage.name]
        if more.plan is not None and more.value is not None and more.value < value:
            again = self._realise(stage, expression, more.plan, time_s * (1 - GO_ON_SHARE))
            if again is not None and again.values[stage.name] < value:
                return again, Relaxed(bound, more.plan, more.value)
        return realised, Relaxed(bound, relaxed.plan, relaxed.value)

    def _search(
        self, stage: Stage, expression: cp_model.LinearExprT, time_s: float, start: Rota | None, bound: int | None
    ) -> tuple[Rota, float | None, bool]:
        """CP-SAT on the rota model from `start`: the better of its rota and `start`, the bound, and whether proven.

        CP-SAT takes a complete hint that keeps every rule and earlier stage as its first solution, but may drop
        one it cannot complete in time and end worse: `start` then stands, with the search's bound."""
        if start is not None:
            self.rm.hint(start.picks)
        self.rm.model.minimize(expression)
        solver = self.budget.solver(max(time_s, LEAST_STAGE_S))
        callback = _Reporter(stage.objective, self.on_progress, self.started) if self.on_progress else None
        status = solver.solve(self.rm.model, callback)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found = self._score(stage, Rota(self.rm.picks_of(solver)))
            if start is not None and start.values[stage.name] < found.values[stage.name]:
                return start, solver.best_objective_bound, False
            return found, solver.best_objective_bound, status == cp_model.OPTIMAL
        if start is not None and status != cp_model.MODEL_INVALID:
            return start, bound, False  # out of time before any rota: the one it started from, still best before
        raise self._failure(status)

    def _failure(self, status: cp_model.CpSolverStatus) -> RotaError:
        if status == cp_model.INFEASIBLE:
            return explain.infeasible(self.problem)
        if status == cp_model.MODEL_INVALID:
            return RotaError(f"internal error: invalid model ({self.rm.model.validate()})")
        return TimeLimitError(
            f"no rota found within the time limit ({self.time_limit_s:g} s); none is proven impossible: "
            "try a longer --time-limit"
        )

    def _keep(
        self,
        stage: Stage,
        expression: cp_model.LinearExprT,
        relaxed_expression: cp_model.LinearExprT | None,
        rota: Rota,
    ) -> None:
        """Hold this stage's best while the next stages improve on the rest; the relaxation follows suit."""
        best = rota.values[stage.name]
        self.rm.model.add(expression <= best)
        if relaxed_expression is not None and self.aggregate is not None:
            self.aggregate.model.add(relaxed_expression <= best)

    def _result(self, stage: Stage, rota: Rota, bound: float | None, optimal: bool, began: float) -> StageResult:
        scale = stage.objective.scale
        value = rota.values[stage.name]
        low = value if optimal else min(bound if bound is not None else 0.0, value)
        result = StageResult(stage.name, value / scale, low / scale, optimal, time.monotonic() - began)
        if self.on_progress is not None:
            self.on_progress(Progress(stage.name, result.value, result.bound, time.monotonic() - self.started))
        return result

    def _score(self, stage: Stage, rota: Rota) -> Rota:
        """The rota with the stage's objective measured on it."""
        if stage.name in rota.values:
            return rota
        return Rota(rota.picks, {**rota.values, stage.name: stage.objective.measure(self.problem, rota.picks)})

    @staticmethod
    def _meets(stage: Stage, rota: Rota, bound: int | None) -> bool:
        return bound is not None and rota.values[stage.name] <= bound


class _Reporter(cp_model.CpSolverSolutionCallback):
    """Each rota CP-SAT finds, as progress."""

    def __init__(self, objective: Objective, on_progress: ProgressCallback, started: float) -> None:
        super().__init__()
        self._objective, self._on_progress, self._started = objective, on_progress, started

    def on_solution_callback(self) -> None:
        scale = self._objective.scale
        elapsed = time.monotonic() - self._started
        value, bound = self.objective_value / scale, self.best_objective_bound / scale
        self._on_progress(Progress(self._objective.name, value, bound, elapsed))
