"""The squared balances' bound and plan, with the spread held at its best.

The iterated share-out search (share_out.py) goes first, from the spread's plan, never widening its spread. Then an
exact model: where the spread is held, every balance lies within the spread of the mean, so each member has few
patterns (patterns.py) on a large team, and choosing one per member makes the sum of squares linear in the
choices: CP-SAT proves its optimum fast. Where members have too many patterns (few members, many shifts each),
CP-SAT gets the aggregate model with the squares themselves, which small teams' searches handle.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.bounds import Aggregate, Counts, Relaxed, better_of, solve_relaxed
from solver.budget import Budget
from solver.fairness import balance_constant
from solver.patterns import Pattern, patterns_within, share_spread
from solver.share_out import improved_share
from solver.stages import GoOn
from solver.window_models import PatternChoice

IMPROVE_SHARE = 0.3  # of the relaxation's time, for the iterated share-out search
MOST_PATTERNS = 20_000  # in all, for the exact model by patterns; past it the aggregate model's squares


def squares_bound_and_plan(
    agg: Aggregate, objective: cp_model.LinearExprT, time_s: float, budget: Budget, start: Counts | None
) -> tuple[Relaxed, GoOn | None]:
    """The least sum of squared balances among share-outs no wider than `start` (the spread's plan), and its plan."""
    assert start is not None, "the squared balances' relaxation follows the spread's"
    ends = budget.spent() + time_s
    widest = share_spread(agg, start)
    improved = improved_share(agg, start, time_s * IMPROVE_SHARE, budget, widest=widest)
    found = Relaxed(None, improved, squares_of_share(agg, improved))
    patterns = patterns_within(agg, widest, MOST_PATTERNS)
    if patterns is None:
        return better_of(found, solve_relaxed(agg, objective, ends - budget.spent(), budget, improved)), None
    exact = better_of(found, _by_patterns(agg, patterns, widest, improved, ends - budget.spent(), budget))
    if exact.bound is not None and exact.value is not None and exact.bound >= exact.value:
        return exact, None
    assert exact.plan is not None  # the improved share-out at least

    def go_on(more_s: float) -> Relaxed:
        """The exact model again, from the best plan, for the time the rota search would have had: a rota
        carrying a plan has that plan's sum of squares, so only a better plan, or a proof, can improve on it."""
        assert exact.plan is not None
        return better_of(exact, _by_patterns(agg, patterns, widest, exact.plan, more_s, budget))

    return exact, go_on


def squares_of_share(agg: Aggregate, counts: Counts) -> int:
    """The sum of squared balances a share-out gives, scaled."""
    balances = {m.id: balance_constant(agg.problem, m.id) for m in agg.problem.fairness_members}
    for (member, cls), n in counts.items():
        balances[member] += n * cls.load
    return sum(balance * balance for balance in balances.values())


def _by_patterns(
    agg: Aggregate, patterns: dict[str, list[Pattern]], widest: int, start: Counts, time_s: float, budget: Budget
) -> Relaxed:
    """One pattern per member, every balance in a window [lowest, lowest + widest], the sum of squares least."""
    choice = PatternChoice(agg, patterns)
    balances = [p.balance for options in patterns.values() for p in options]
    lowest = choice.model.new_int_var(min(balances), max(balances), "lowest_balance")
    squares = []
    for member, options in patterns.items():
        balance = choice.balance(member)
        choice.model.add(balance >= lowest)
        choice.model.add(balance <= lowest + widest)
        squares += [p.balance * p.balance * pick for p, pick in zip(options, choice.chosen[member], strict=True)]
    choice.model.minimize(sum(squares))
    choice.hint(start)
    # Presolve's search for overlaps between the one-pattern-per-member constraints and the class totals, probing,
    # and symmetry detection take seconds on a year's thousands of patterns (the window rules out pairs of them by
    # the million) and gain nothing here: without them the search starts at once, and its bound is better sooner.
    solver, status = budget.solve(
        choice.model, time_s, find_big_linear_overlap=False, cp_model_probing_level=0, symmetry_level=0
    )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Relaxed(None, None)  # nothing in time; never infeasible, as `start` is one of these share-outs
    value = round(solver.objective_value)
    bound = value if status == cp_model.OPTIMAL else int(solver.best_objective_bound)
    return Relaxed(bound, choice.read(solver), value)
