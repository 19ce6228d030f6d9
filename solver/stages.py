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
from functools import partial

from ortools.sat.python import cp_model

from models.errors import RotaError, TimeLimitError
from solver import explain
from solver.bounds import Aggregate, Counts, LoadClass, Relaxed, counts_of, load_classes, solve_relaxed
from solver.budget import Budget
from solver.fairness import Objective
from solver.model import Pick, RotaModel, in_rota_order
from solver.neighbourhoods import improve
from solver.sequence import sequence

# Of a stage's time: its relaxation's bound and plan (unless the relaxation sets its own share), then a rota carrying
# the plan; the rota search gets the rest.
BOUND_SHARE = 0.16
REALISE_SHARE = 0.2
PROVEN_REALISE_SHARE = 0.8  # of what is left of the stage, to carry a plan proven best for the relaxation
# Of the rota search's time, the share a relaxation that can go on (the spread's sweep, the squares' exact model)
# takes instead, when the rota carries its plan: a better rota then needs a better plan. A better plan found is
# realised with the rest.
GO_ON_SHARE = 0.9
POLISH_SHARE = 0.5  # of a stage's time, at most, for its local search
# Before the local search, on a small model (a quarter of a team of up to about 50), CP-SAT on the whole model for
# most of the stage's time: it proves such a team's optimum where the local search, part by part, never can. Over
# longer periods the local search makes better use of the time (benchmarks/baseline.py), so it goes first.
FIRST_LOOK_SHARE = 0.6
FIRST_LOOK_MOST_WEEKS = 14  # a quarter
FIRST_LOOK_MOST_PICKS = 2000  # (member, week, role) choices
SEQUENCE_SHARE = 0.5  # of a realisation's time, at most, for sequencing the plan evenly
WHOLE_SEARCH_SHARE = 0.3  # of the rota search's time, for CP-SAT on the whole model; the rest, part by part
CHECK_S = 1.0  # for CP-SAT to confirm that a sequenced rota keeps the model's rules and holds
FIRST_ROTA_S = 0.05  # a stage with no rota to fall back on searches at least this long, even past the limit


class PlanDetail(Enum):
    """What a relaxation's plan fixes in the rota that carries it: no tighter than its objective depends on. A plan
    by member is a spacing plan: the rota carrying it starts from its shifts placed with the widest gaps."""

    BY_CLASS = "each member's shifts of each class"
    BY_MEMBER = "each member's number of shifts"


GoOn = Callable[[float], Relaxed]  # more time for a relaxation that stopped short: a higher bound, a better plan
# (aggregate, relaxed objective, time, budget, the last stage's plan) -> the bound and plan, and a way to go on
RelaxationSearch = Callable[
    [Aggregate, cp_model.LinearExprT, float, Budget, Counts | None], tuple[Relaxed, GoOn | None]
]
# A local search that improves a rota without touching earlier objectives, in the time given.
Polish = Callable[[RotaModel, tuple[Pick, ...], Budget, float], tuple[Pick, ...]]
# How a stage's result is held for later stages, where "no worse than its value" is not what to keep (holds.py).
Hold = Callable[[RotaModel, Aggregate | None, tuple[Pick, ...]], None]


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
    share: float = BOUND_SHARE  # of the stage's time


@dataclass(frozen=True)
class Stage:
    """One objective of the lexicographic solve, with its share of the time limit."""

    objective: Objective
    share: float
    relaxation: Relaxation | None = None
    polish: Polish | None = None
    hold: Hold | None = None

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
        *,
        aggregate: Aggregate | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        self.rm, self.problem, self.budget = rm, rm.problem, budget
        self.aggregate, self.on_progress = aggregate, on_progress
        self.plan: Counts | None = None  # the latest stage's plan: the next relaxation starts from it

    def run(
        self, stages: list[Stage], start: Rota | None = None, *, reserve: float = 0.0
    ) -> tuple[Rota, list[StageResult]]:
        """Each stage in turn, each starting from the rota the one before ended with, and each with its share of
        what the stages before it left: time a stage saves by proving its optimum early goes to the later ones.
        `reserve` (seconds or work, as the budget counts) is kept back from the last stage for what follows them:
        the earlier stages, whose results the later ones build on, keep their time."""
        rota, results = start, []
        for i, stage in enumerate(stages):
            allotted = self.budget.left() * stage.share / sum(later.share for later in stages[i:])
            if i == len(stages) - 1:
                allotted = max(0.0, allotted - reserve)
            rota, result = self.run_stage(stage, rota, allotted)
            results.append(result)
        assert rota is not None, "no stages"
        return rota, results

    def run_stage(self, stage: Stage, previous: Rota | None, allotted: float) -> tuple[Rota, StageResult]:
        began = time.monotonic()
        if previous is not None and self.budget.left() <= 0:
            # The limit has passed: the rota so far stands, scored and unproven; building and searching a model
            # now would only run over the limit. Every later stage does the same, so nothing needs holding.
            rota = self._score(stage, previous)
            return rota, self._result(stage, rota, None, False, began)
        ends = self.budget.spent() + allotted
        expression = stage.objective.build(self.rm)
        relaxed, go_on, relaxed_expression = self._relax(stage, allotted)
        if relaxed.bound is not None:
            self.rm.model.add(expression >= relaxed.bound)
        realised = None
        if relaxed.plan is not None:
            # A plan by class fixes its objective's value on any rota carrying it, so a plan proven best for the
            # relaxation is the stage's optimum once carried: the search would only look for what that rota already
            # is, so carrying it may take most of the stage.
            proven_plan = (
                stage.relaxation is not None
                and stage.relaxation.plan is PlanDetail.BY_CLASS
                and relaxed.bound is not None
                and relaxed.value is not None
                and relaxed.value <= relaxed.bound
            )
            realise_s = self._left(ends) * PROVEN_REALISE_SHARE if proven_plan else allotted * REALISE_SHARE
            realised = self._realise(stage, expression, relaxed.plan, min(realise_s, self._left(ends)))
        went_on = go_on is not None and realised is not None and not self._meets(stage, realised, relaxed.bound)
        if go_on is not None and realised is not None and went_on:
            realised, relaxed = self._go_on(stage, expression, go_on, realised, relaxed, self._left(ends))
        start = realised or (self._score(stage, previous) if previous is not None else None)
        at_best = start is not None and (start.values[stage.name] == 0 or self._meets(stage, start, relaxed.bound))
        if stage.polish is not None and start is not None and not at_best:
            if len(self.problem.weeks) <= FIRST_LOOK_MOST_WEEKS and len(self.rm.on) <= FIRST_LOOK_MOST_PICKS:
                first_s = min(allotted * FIRST_LOOK_SHARE, self._left(ends))
                start, low, proven = self._search_whole(stage, expression, first_s, start, relaxed.bound)
                if proven:
                    return self._finish(stage, expression, relaxed_expression, start, low, True, began)
            polished = stage.polish(self.rm, start.picks, self.budget, min(allotted * POLISH_SHARE, self._left(ends)))
            realised = start = self._score(stage, Rota(in_rota_order(self.problem, polished)))
        bound: float | None
        if realised is not None and self._meets(stage, realised, relaxed.bound):
            rota, bound, optimal = realised, relaxed.bound, True  # carries the plan, or polished, to the bound: proven
        elif went_on and realised is not None:
            rota, bound, optimal = realised, relaxed.bound, False  # the relaxation had the search's time
        else:
            rota, bound, optimal = self._search(stage, expression, self._left(ends), start, relaxed.bound)
        return self._finish(stage, expression, relaxed_expression, rota, bound, optimal, began)

    def _finish(
        self,
        stage: Stage,
        expression: cp_model.LinearExprT,
        relaxed_expression: cp_model.LinearExprT | None,
        rota: Rota,
        bound: float | None,
        optimal: bool,
        began: float,
    ) -> tuple[Rota, StageResult]:
        """The stage's rota held for the stages after it, its counts the next relaxation's plan, and its result."""
        self._keep(stage, expression, relaxed_expression, rota)
        self.plan = counts_of(self.problem, rota.picks)
        return rota, self._result(stage, rota, bound, optimal, began)

    def _relax(self, stage: Stage, stage_s: float) -> tuple[Relaxed, GoOn | None, cp_model.LinearExprT | None]:
        """The stage's bound and plan over the aggregate model, if it has a relaxation."""
        relaxation = stage.relaxation
        expression = relaxation.build(self.aggregate) if relaxation and self.aggregate else None
        if relaxation is None or self.aggregate is None or expression is None:
            return Relaxed(None, None), None, None
        relaxed, go_on = relaxation.search(
            self.aggregate, expression, stage_s * relaxation.share, self.budget, self.plan
        )
        return relaxed, go_on, expression

    def _realise(self, stage: Stage, expression: cp_model.LinearExprT, plan: Counts, time_s: float) -> Rota | None:
        """A rota carrying the plan, best for the stage's objective among those, or None if none is found in time.
        The search starts from the plan's shifts spread evenly (sequence.py), as far as that places them.

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
        # The sequencing may take half of the time; the search carrying the plan, the rest.
        ends = self.budget.spent() + time_s
        sequence_ends = self.budget.spent() + time_s * SEQUENCE_SHARE
        evenly, weeks_placed = sequence(
            self.rm, plan, self.budget, sequence_ends, widest_gap=stage.relaxation.plan is PlanDetail.BY_MEMBER
        )
        placed, held = set(self.problem.weeks[:weeks_placed]), set(evenly)
        realisation.clear_hints()  # type: ignore[no-untyped-call]
        for pick, var in self.rm.on.items():
            if pick.week in placed:
                realisation.add_hint(var, pick in held)
        # A sequencing that placed every week is a rota of its own, if it keeps what the model holds: on a large
        # model CP-SAT can spend the realisation's time in presolve and never reach the hint it was given.
        sequenced = self._carried(realisation, evenly) if weeks_placed == len(self.problem.weeks) else None
        realisation.minimize(expression)
        solver, status = self.budget.solve(realisation, self._left(ends))
        found = []
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found.append(self._score(stage, Rota(self.rm.picks_of(solver))))
        if sequenced is not None:
            found.append(self._score(stage, sequenced))
        return min(found, key=lambda rota: rota.values[stage.name], default=None)

    def _carried(self, realisation: cp_model.CpModel, picks: tuple[Pick, ...]) -> Rota | None:
        """The picks as a rota if they keep every rule, hold and count of `realisation`: CP-SAT with every choice
        fixed only propagates, in a fraction of a second where a search would first presolve the whole model."""
        check = realisation.clone()
        check.clear_hints()  # type: ignore[no-untyped-call]
        held = set(picks)
        for pick, var in self.rm.on.items():
            check.add(var == int(pick in held))
        _, status = self.budget.solve(check, CHECK_S)
        return Rota(in_rota_order(self.problem, picks)) if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None

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
        """The rota search from `start`: the stage's rota, its bound, and whether proven. A rota of value 0 needs no
        search (every objective is at least 0). Otherwise CP-SAT on the whole rota model first, for a share of the
        time (it proves small teams' optima), then one part of the rota at a time (neighbourhoods.py)."""
        if start is not None and start.values[stage.name] == 0:
            return start, 0, True
        ends = self.budget.spent() + time_s
        whole_s = time_s * WHOLE_SEARCH_SHARE if start is not None else time_s
        rota, low, optimal = self._search_whole(stage, expression, whole_s, start, bound)
        if not optimal and self._left(ends) > 0:
            measure = partial(stage.objective.measure, self.problem)
            picks = improve(self.rm, expression, measure, rota.picks, low, self.budget, self._left(ends))
            rota = self._score(stage, Rota(picks))
            optimal = low is not None and rota.values[stage.name] <= low
        return rota, low, optimal

    def _search_whole(
        self, stage: Stage, expression: cp_model.LinearExprT, time_s: float, start: Rota | None, bound: int | None
    ) -> tuple[Rota, float | None, bool]:
        """CP-SAT on the whole rota model from `start`: the better of its rota and `start` (on a tie, `start`, which
        earlier stages chose for later ones), the bound, and whether proven.

        CP-SAT takes a complete hint that keeps every rule and earlier stage as its first solution, but may drop
        one it cannot complete in time and end worse: `start` then stands, with the search's bound."""
        if start is not None:
            self.rm.hint(start.picks)
        self.rm.model.minimize(expression)
        callback = _Reporter(stage.objective, self.on_progress, self.budget.started) if self.on_progress else None
        at_least = FIRST_ROTA_S if start is None else 0.0
        solver, status = self.budget.solve(self.rm.model, time_s, callback, at_least=at_least)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found = self._score(stage, Rota(self.rm.picks_of(solver)))
            low = max(solver.best_objective_bound, bound if bound is not None else 0)
            if start is not None and start.values[stage.name] <= found.values[stage.name]:
                return start, low, start.values[stage.name] <= low
            return found, low, status == cp_model.OPTIMAL
        if start is not None and status != cp_model.MODEL_INVALID:
            return start, bound, False  # out of time before any rota: the one it started from, still best before
        raise self._failure(status)

    def _failure(self, status: cp_model.CpSolverStatus) -> RotaError:
        if status == cp_model.INFEASIBLE:
            return explain.infeasible(self.problem, self.budget)
        if status == cp_model.MODEL_INVALID:
            return RotaError(f"internal error: invalid model ({self.rm.model.validate()})")
        if self.budget.by_work:
            return TimeLimitError(
                f"no rota found within the work limit ({self.budget.limit:g}); none is proven impossible: "
                "try a larger --work-limit"
            )
        return TimeLimitError(
            f"no rota found within the time limit ({self.budget.limit:g} s); none is proven impossible: "
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
        if stage.hold is not None:
            stage.hold(self.rm, self.aggregate, rota.picks)
            return
        best = rota.values[stage.name]
        self.rm.model.add(expression <= best)
        if relaxed_expression is not None and self.aggregate is not None:
            self.aggregate.model.add(relaxed_expression <= best)

    def _result(self, stage: Stage, rota: Rota, bound: float | None, optimal: bool, began: float) -> StageResult:
        scale = stage.objective.scale
        value = rota.values[stage.name]
        optimal = optimal or value == 0  # every objective is at least 0
        # A relaxation's bound below 0 says nothing more.
        low = value if optimal else max(0.0, min(bound if bound is not None else 0.0, value))
        result = StageResult(stage.name, value / scale, low / scale, optimal, time.monotonic() - began)
        if self.on_progress is not None:
            elapsed = time.monotonic() - self.budget.started
            self.on_progress(Progress(stage.name, result.value, result.bound, elapsed))
        return result

    def _left(self, ends: float) -> float:
        """What is left of a stage that ends when the budget has spent `ends`."""
        return max(0.0, ends - self.budget.spent())

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
