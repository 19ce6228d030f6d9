"""The stage runner (solver/stages.py): what a stage keeps when its search runs out of time or goes astray, a
relaxation that goes on with the search's time, and a sequenced rota that stands where the search finds none."""

from __future__ import annotations

from ortools.sat.python import cp_model

from models.problem import Problem
from solver import bounds
from solver.bounds import Aggregate, Counts, Relaxed
from solver.budget import Budget
from solver.fairness import SPREAD, Objective
from solver.model import Pick
from solver.rules import build
from solver.solve import find_rota
from solver.spacing import SHORT_GAPS, SHORTEST_GAP
from solver.stages import GoOn, Pipeline, PlanDetail, Relaxation, Rota, Stage
from tests.tiny_teams import keeps_the_rules, problem, team


def four_over_eight() -> Problem:
    return problem(team("ann bob cat dan"), 8)


def test_a_stage_out_of_time_keeps_the_rota_it_started_from() -> None:
    p = four_over_eight()
    start = Rota(find_rota(p, time_limit_s=5).picks)
    rota, [result] = Pipeline(build(p), Budget(time_limit_s=0.0)).run([Stage(SHORT_GAPS, 0.1)], start)
    assert rota.picks == start.picks
    assert not result.optimal
    assert result.value == SHORT_GAPS.measure(p, start.picks) and 0 <= result.bound <= result.value


def test_a_search_that_ends_worse_than_its_starting_rota_keeps_that_rota() -> None:
    # CP-SAT may drop a hint it cannot complete in time and end on a worse rota. Simulated: the search maximises
    # the short-gap cost while the stage measures it as it is.
    p = four_over_eight()
    # dan's weeks 3 and 6 are 3 apart in a 4-week cycle: a cost of 4 + 1.
    order = ["ann", "bob", "cat", "dan", "ann", "bob", "dan", "cat"]
    spaced = [Pick(member, p.weeks[i], "primary") for i, member in enumerate(order)]
    contrary = Objective("short_gaps", lambda rm: -SHORT_GAPS.build(rm), SHORT_GAPS.measure)
    rota, [result] = Pipeline(build(p), Budget(time_limit_s=1)).run([Stage(contrary, 0.1)], Rota(tuple(spaced)))
    assert set(rota.picks) == set(spaced)
    assert result.value == 5 == SHORT_GAPS.measure(p, rota.picks)


def test_a_relaxation_that_goes_on_gets_the_search_time_and_its_better_plan_is_carried() -> None:
    # Three members over 6 weeks (rest 1): 2 shifts each is the only fair plan. The relaxation first offers a lopsided
    # plan with a weak bound; going on, it offers the fair plan with a proof, and the stage's rota carries that.
    p = problem(team("ann bob cat"), 6)
    [cls] = set(bounds.load_classes(p).values())
    lopsided = {("ann", cls): 3, ("bob", cls): 2, ("cat", cls): 1}
    fair = dict.fromkeys(lopsided, 2)
    calls: list[float] = []

    def going_on(time_s: float) -> Relaxed:
        calls.append(time_s)
        return Relaxed(0, fair, 0)

    def search(
        agg: Aggregate, objective: cp_model.LinearExprT, time_s: float, budget: Budget, start: Counts | None
    ) -> tuple[Relaxed, GoOn | None]:
        return Relaxed(None, lopsided, 14000), going_on  # the lopsided plan's spread: 7 - (-7) days

    stage = Stage(SPREAD, 0.5, Relaxation(bounds.relaxed_spread, PlanDetail.BY_CLASS, search))
    pipeline = Pipeline(build(p), Budget(time_limit_s=5), aggregate=bounds.build_aggregate(p))
    rota, [result] = pipeline.run([stage])
    assert len(calls) == 1
    assert bounds.counts_of(p, rota.picks) == fair
    assert result.optimal and result.value == 0  # the rota meets the bound the relaxation went on to prove


class PresolveTakesTheTime(Budget):
    """A budget whose CP-SAT finds nothing in any search with an objective, as on a large model whose presolve takes
    all of a realisation's time; a model without one (a check of a given rota) is solved as usual."""

    def solve(  # type: ignore[override]
        self, model: cp_model.CpModel, time_s: float, callback: object = None, **parameters: object
    ) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
        if model.has_objective():
            return cp_model.CpSolver(), cp_model.UNKNOWN
        return super().solve(model, time_s, **parameters)  # type: ignore[arg-type]


def test_a_sequenced_rota_stands_where_the_search_carrying_the_plan_finds_nothing() -> None:
    # Two shifts each over 8 weeks: the plan's shifts sequenced evenly are 4 weeks apart, the whole cycle, where
    # the rota the stage starts from has every member's two shifts 2 weeks apart.
    p = four_over_eight()
    [cls] = set(bounds.load_classes(p).values())
    plan = {(member, cls): 2 for member in ("ann", "bob", "cat", "dan")}

    def search(
        agg: Aggregate, objective: cp_model.LinearExprT, time_s: float, budget: Budget, start: Counts | None
    ) -> tuple[Relaxed, GoOn | None]:
        return Relaxed(0, plan, 0), None

    bunched = tuple(Pick(m, p.weeks[i], "primary") for i, m in enumerate(["ann", "bob"] * 2 + ["cat", "dan"] * 2))
    stage = Stage(SHORTEST_GAP, 0.5, Relaxation(bounds.relaxed_shortest_gap, PlanDetail.BY_MEMBER, search))
    pipeline = Pipeline(build(p), PresolveTakesTheTime(time_limit_s=5), aggregate=bounds.build_aggregate(p))
    rota, [result] = pipeline.run([stage], Rota(bunched))
    assert SHORTEST_GAP.measure(p, bunched) == 2
    assert keeps_the_rules(p, rota.picks) and bounds.counts_of(p, rota.picks) == plan
    assert result.optimal and result.value == 0 == SHORTEST_GAP.measure(p, rota.picks)


def test_a_sequenced_rota_that_breaks_a_rule_is_not_carried() -> None:
    p = four_over_eight()
    pipeline = Pipeline(build(p), Budget(time_limit_s=5))
    spaced = tuple(Pick(m, p.weeks[i], "primary") for i, m in enumerate(["ann", "bob", "cat", "dan"] * 2))
    twice_running = tuple(Pick(m, p.weeks[i], "primary") for i, m in enumerate(["ann", "ann", "bob", "cat"] * 2))
    assert pipeline._carried(build(p).model, spaced) is not None
    assert pipeline._carried(build(p).model, twice_running) is None
