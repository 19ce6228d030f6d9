"""Where rota does worse than the blind rotation on a measure, is that the price of the optimal spread?

rota optimises its objectives in strict order, the spread first. Its rota can lose to the blind rotation on a
later measure (a shortest gap, the gaps shorter than the cycle, even roles) either because no rota with the
optimal spread does better, or because an objective ranked earlier (or the time limit) chose otherwise. To tell
the two apart, this solves the rota model again with the spread held at rota's value and the one measure as the
objective, for a fixed time: a proven bound worse than the blind rotation's value is a proof that the blind
rotation's value costs fairness in load. The gaps shorter than the cycle are minimised with every gap at least
the blind rotation's shortest as well: the two together are what the blind rotation achieves, and the shortest gap
ranks first.

Where that does not settle it, the same measure is minimised with every objective ranked above it held as rota
has it (the spread and the shortest gap; for even roles the squared balances and the preferences too): a proven
bound worse than the blind rotation's is then the price of that ranking, which docs/spec.md §6 explains.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from models.problem import Problem
from solver.budget import Budget
from solver.fairness import EVEN_ROLES, PREFERENCES, SPREAD, SQUARED_BALANCES
from solver.holds import hold_least_gap
from solver.model import Pick, RotaModel
from solver.rules import build
from solver.spacing import SHORTEST_GAP, history_index, shortest_gap_of, week_indices

PROOF_TIME_S = 30.0
NO_ROTA = 10**9  # the bound when no rota meets the conditions at all


@dataclass(frozen=True)
class Best:
    """The best value of one measure a rota with the optimal spread was found to reach, and the proven bound."""

    value: int | None  # None: no rota found in the time
    bound: int

    def proves_worse_than(self, blind: int) -> bool:
        """Whether no rota with the optimal spread can do as well as `blind` on this measure (lower is better)."""
        return self.bound > blind


def short_gaps_count(rm: RotaModel) -> cp_model.LinearExprT:
    """The number of gaps between a member's consecutive shifts shorter than the cycle, history included: for each
    shift, one when the member's next shift starts within the cycle."""
    problem, cycle = rm.problem, rm.problem.natural_cycle_weeks
    terms: list[cp_model.LinearExprT] = []
    for member in problem.fairness_members:
        on_call = rm.on_call(member.id)
        last_past = history_index(problem, member.id)
        soon_after_history = [
            now for i, now in enumerate(on_call) if now is not None and last_past is not None and i - last_past < cycle
        ]
        if soon_after_history:
            short = rm.model.new_bool_var(f"short_after_history[{member.id}]")
            for now in soon_after_history:
                rm.model.add_implication(now, short)
            terms.append(short)
        for i, now in enumerate(on_call):
            later = [var for var in on_call[i + 1 : i + cycle] if var is not None]
            if now is None or not later:
                continue
            short = rm.model.new_bool_var(f"short_after[{member.id},{i}]")
            for var in later:
                rm.model.add_bool_or([now.Not(), var.Not(), short])
            terms.append(short)
    return sum(terms)


MEASURES: dict[str, Callable[[RotaModel], cp_model.LinearExprT]] = {
    "shortest_gap": SHORTEST_GAP.build,  # cycle - shortest gap, the gap counted up to the cycle
    "short_gaps": short_gaps_count,
    "even_roles": EVEN_ROLES.build,
}


# The objectives ranked above each measure other than the spread (docs/spec.md §6), as `picks` has them. Up to the
# blind rotation's count, the short gaps rank above the squared balances (the promise): only the spread and the
# shortest gap come before them.
RANKED_ABOVE = {
    "shortest_gap": (),
    "short_gaps": (),
    "even_roles": (SQUARED_BALANCES, PREFERENCES),
}


def best_with_optimal_spread(problem: Problem, picks: Sequence[Pick], measure: str, least_gap: int = 0) -> Best:
    """The measure minimised over the rotas whose spread is no wider than that of `picks` and whose every gap is at
    least `least_gap` weeks."""
    rm = build(problem)
    rm.model.add(SPREAD.build(rm) <= SPREAD.measure(problem, picks))
    hold_least_gap(rm, None, least_gap)
    return _minimised(rm, picks, measure)


def best_with_ranked_above(problem: Problem, picks: Sequence[Pick], measure: str) -> Best:
    """The measure minimised over the rotas as good as `picks` on every objective ranked above it: the spread, the
    shortest gap (up to the cycle, as a least gap), and for even roles the squared balances and the preferences."""
    rm = build(problem)
    rm.model.add(SPREAD.build(rm) <= SPREAD.measure(problem, picks))
    if measure != "shortest_gap":
        gap = shortest_gap_of(problem, week_indices(problem, picks))
        hold_least_gap(rm, None, min(problem.natural_cycle_weeks, gap))
    for objective in RANKED_ABOVE[measure]:
        rm.model.add(objective.build(rm) <= objective.measure(problem, picks))
    return _minimised(rm, picks, measure)


def _minimised(rm: RotaModel, picks: Sequence[Pick], measure: str) -> Best:
    objective = MEASURES[measure](rm)
    rm.model.minimize(objective)
    rm.hint(picks)
    solver, status = Budget(time_limit_s=PROOF_TIME_S).solve(rm.model, PROOF_TIME_S)
    if status == cp_model.INFEASIBLE:
        return Best(None, NO_ROTA)  # not even the least gap fits with the optimal spread: nothing does as well
    bound = round(solver.best_objective_bound)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Best(None, bound)
    return Best(round(solver.objective_value), bound)
