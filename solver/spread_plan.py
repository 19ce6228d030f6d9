"""The spread's bound and plan: a share-out by local search, the window sweep and CP-SAT on the aggregate model,
in the order that suits the team.

The sweep proves fastest from a share-out near the optimum (its windows are then narrow), so the iterated
share-out search goes first. On a large team whose members have few patterns (a few shifts each), the sweep
follows and settles the spread exactly, and CP-SAT gets what it leaves. Otherwise the sweep takes a first look from
the opening share-out, which on a small team is often already best and then proven in milliseconds; failing that,
CP-SAT goes briefly (a small team's spread often proves in that), then the iterated search and the sweep, from
the better share-out; where members have too many patterns to enumerate, CP-SAT gets the time the iterated search
leaves. A sweep that has not proven its bound can go on with more time later (the stage's rota search time,
stages.py).
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.bounds import Aggregate, Counts, Relaxed, better_of, solve_relaxed
from solver.budget import Budget
from solver.patterns import patterns_for, share_spread
from solver.share_out import improved_share, share_out
from solver.stages import GoOn
from solver.sweep import Sweep, sweep_first

# CP-SAT's first turn on the spread's relaxation, where members have many patterns: a tenth of the relaxation's
# time, at most 0.3 s; a small team's spread proves within it.
SEARCH_FIRST_SHARE = 0.1
SEARCH_FIRST_MOST_S = 0.3
# The iterated share-out search's turn: a quarter of the relaxation's time, at most 1.5 s. Its gains come early.
IMPROVE_SHARE = 0.25
IMPROVE_MOST_S = 1.5


def spread_bound_and_plan(
    agg: Aggregate, objective: cp_model.LinearExprT, time_s: float, budget: Budget, start: Counts | None
) -> tuple[Relaxed, GoOn | None]:
    """The spread's proven bound and best plan over the aggregate model, and a way to go on if a sweep ran and did
    not prove its bound. For the first stage only: the sweep knows nothing of constraints later stages add."""
    assert start is None, "the spread's relaxation is the first stage's"
    ends = budget.spent() + time_s
    improve_s = min(time_s * IMPROVE_SHARE, IMPROVE_MOST_S)
    opening = share_out(agg)
    if opening is None:
        return solve_relaxed(agg, objective, time_s, budget), None
    patterns = patterns_for(agg, opening)
    if patterns is None or sweep_first(patterns):
        improved = improved_share(agg, opening, improve_s, budget)
        opened = Relaxed(None, improved, share_spread(agg, improved))
        if patterns is None:
            return better_of(opened, solve_relaxed(agg, objective, ends - budget.spent(), budget, improved)), None
        return _sweep(agg, objective, opened, ends, budget, then_search=True)
    cp_sat_s = min(time_s * SEARCH_FIRST_SHARE, SEARCH_FIRST_MOST_S)
    first_look = Sweep(agg, opening, patterns, budget).run(cp_sat_s)
    if first_look.proven:
        return first_look.relaxed, None
    searched = better_of(solve_relaxed(agg, objective, cp_sat_s, budget, opening), _opened(agg, opening))
    assert searched.plan is not None  # the opening at least
    if searched.bound is not None and searched.bound >= share_spread(agg, searched.plan):
        return searched, None
    improved = improved_share(agg, searched.plan, improve_s, budget, good_enough=searched.bound)
    return _sweep(agg, objective, better_of(searched, _opened(agg, improved)), ends, budget, then_search=False)


def _opened(agg: Aggregate, counts: Counts) -> Relaxed:
    return Relaxed(None, counts, share_spread(agg, counts))


def _sweep(
    agg: Aggregate, objective: cp_model.LinearExprT, start: Relaxed, ends: float, budget: Budget, *, then_search: bool
) -> tuple[Relaxed, GoOn | None]:
    """The sweep from the best share-out so far, until `ends`; CP-SAT gets what it leaves if `then_search`."""
    assert start.plan is not None
    patterns = patterns_for(agg, start.plan)
    assert patterns is not None  # no more than for a worse share-out
    sweep = Sweep(agg, start.plan, patterns, budget)
    held_back = min((ends - budget.spent()) * SEARCH_FIRST_SHARE, SEARCH_FIRST_MOST_S) if then_search else 0.0
    swept = sweep.run(ends - budget.spent() - held_back)
    found = better_of(start, swept.relaxed)
    if swept.proven:
        return found, None
    if then_search:
        searched = solve_relaxed(agg, objective, ends - budget.spent(), budget, found.plan)
        if searched.plan is not None:
            sweep.offer(searched.plan)
        found = better_of(found, searched)
    return found, lambda more_s: sweep.run(more_s).relaxed
