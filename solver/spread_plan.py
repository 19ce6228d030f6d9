"""The spread's bound and plan: a share-out by local search, the window sweep and CP-SAT on the aggregate model,
in the order that suits the team.

On a large team whose members have few patterns (a few shifts each), the sweep goes first and settles the spread
exactly, and CP-SAT gets what it leaves. Otherwise CP-SAT goes first, briefly (a small team's spread proves in
that), then the sweep, from the better of the two share-outs; where members have too many patterns to enumerate,
CP-SAT gets all the time. A sweep that has not proven its bound can go on with more time later (the stage's rota
search time, stages.py).
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.bounds import Aggregate, Counts, Relaxed, better_of, solve_relaxed
from solver.budget import Budget
from solver.patterns import Pattern, patterns_for, share_spread
from solver.share_out import share_out
from solver.stages import GoOn
from solver.sweep import Sweep, sweep_first

# CP-SAT's first turn on the spread's relaxation before the sweep, where members have many patterns: a tenth of
# the relaxation's time, at most 0.3 s; a small team's spread proves within it.
SEARCH_FIRST_SHARE = 0.1
SEARCH_FIRST_MOST_S = 0.3


def spread_bound_and_plan(
    agg: Aggregate, objective: cp_model.LinearExprT, time_s: float, budget: Budget, start: Counts | None
) -> tuple[Relaxed, GoOn | None]:
    """The spread's proven bound and best plan over the aggregate model, and a way to go on if a sweep ran and did
    not prove its bound. For the first stage only: the sweep knows nothing of constraints later stages add."""
    assert start is None, "the spread's relaxation is the first stage's"
    opening = share_out(agg)
    if opening is None:
        return solve_relaxed(agg, objective, time_s, budget), None
    patterns = patterns_for(agg, opening)
    opened = Relaxed(None, opening, share_spread(agg, opening))
    if patterns is None:
        return better_of(opened, solve_relaxed(agg, objective, time_s, budget, opening)), None
    cp_sat_s = min(time_s * SEARCH_FIRST_SHARE, SEARCH_FIRST_MOST_S)
    if sweep_first(patterns):
        return _sweep_then_search(agg, objective, opening, patterns, time_s, cp_sat_s, budget)
    searched = better_of(solve_relaxed(agg, objective, cp_sat_s, budget, opening), opened)
    assert searched.plan is not None  # the opening at least
    if searched.bound is not None and searched.bound >= share_spread(agg, searched.plan):
        return searched, None
    sweep = Sweep(agg, searched.plan, patterns, budget)
    swept = sweep.run(time_s - cp_sat_s)
    return better_of(searched, swept.relaxed), None if swept.proven else _going_on(sweep)


def _sweep_then_search(
    agg: Aggregate,
    objective: cp_model.LinearExprT,
    opening: Counts,
    patterns: dict[str, list[Pattern]],
    time_s: float,
    held_back_s: float,
    budget: Budget,
) -> tuple[Relaxed, GoOn | None]:
    """The sweep first, keeping back CP-SAT's turn; CP-SAT then gets whatever the sweep leaves."""
    sweep = Sweep(agg, opening, patterns, budget)
    swept = sweep.run(time_s - held_back_s)
    if swept.proven:
        return swept.relaxed, None
    searched = solve_relaxed(agg, objective, time_s - swept.spent_s, budget, swept.relaxed.plan)
    if searched.plan is not None:
        sweep.offer(searched.plan)
    return better_of(swept.relaxed, searched), _going_on(sweep)


def _going_on(sweep: Sweep) -> GoOn:
    return lambda time_s: sweep.run(time_s).relaxed
