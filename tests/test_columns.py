"""The dive over whole member schedules (solver/columns.py), the promise's first search."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings

from models.errors import InfeasibleError
from models.team import Team
from solver.budget import Budget
from solver.columns import ColumnSearch
from solver.fairness import PREFERENCES, SPREAD, balances_of
from solver.model import Pick
from solver.promise import short_gaps
from solver.rules import build
from solver.solve import solve
from solver.spacing import shortest_gap_of, week_indices
from tests.strategies import teams
from tests.tiny_teams import keeps_the_rules, primaries, problem, team, week


def test_a_bunched_rota_comes_out_evenly_spaced_with_every_balance_where_it_was() -> None:
    # Each member holds two of eight weeks either way: bunched, every gap is 2 weeks of a 4-week cycle.
    p = problem(team("a b c d"), 8)
    bunched = primaries(p, "a b a b c d c d")
    dived = ColumnSearch(build(p), bunched).run(Budget(work_limit=5), 5, 0)
    assert dived is not None
    assert short_gaps(p, bunched) == 4 and short_gaps(p, dived) == 0
    assert balances_of(p, dived) == balances_of(p, bunched)  # a band of width 0 holds each balance
    assert keeps_the_rules(p, dived)


def test_pins_and_weeks_asked_off_are_kept() -> None:
    # a is pinned to week 1, b asked week 2 off; a's shifts in weeks 1 and 4 are 3 weeks apart in a 4-week cycle.
    t = team(
        "a b c d",
        pins=[{"who": "a", "role": "primary", "week": str(week(1))}],
        preferences=[{"who": "b", "avoid": str(week(2))}],
    )
    p = problem(t, 8)
    bunched = primaries(p, "c a d b a c d b")
    dived = ColumnSearch(build(p), bunched).run(Budget(work_limit=5), 5, 0)
    assert dived is not None and short_gaps(p, dived) < short_gaps(p, bunched)
    assert Pick("a", week(1), "primary") in dived
    assert all(pick.week != week(2) for pick in dived if pick.member == "b")
    assert keeps_the_rules(p, dived)


@settings(max_examples=15, deadline=None, derandomize=True)
@given(teams(max_members=7, max_roles=2, min_weeks=6, max_weeks=12, max_absences=3, part_time=True))
def test_the_dive_keeps_the_rules_the_spread_and_its_bound(drawn: tuple[Team, Any]) -> None:
    """From any rota the stages end with: the dive's rota keeps every rule, the spread, the least gap and the
    preferences; neither it nor the rota it started from has fewer short gaps than the programme's bound."""
    t, period = drawn
    p = problem(t, len(period.weeks))
    try:
        start = solve(p, work_limit=5).picks
    except InfeasibleError:  # no rota keeps the rules: nothing to dive from
        return
    rm = build(p)
    search = ColumnSearch(rm, start)
    dived = search.run(Budget(work_limit=10), 10, short_gaps(p, start))
    if dived is None:
        return
    assert keeps_the_rules(p, dived)
    assert SPREAD.measure(p, dived) <= SPREAD.measure(p, start)
    assert PREFERENCES.measure(p, dived) <= PREFERENCES.measure(p, start)
    indices = week_indices(p, dived)
    if any(len(weeks) > 1 for weeks in indices.values()):
        assert shortest_gap_of(p, indices) >= rm.gap_weeks
    assert search.bound is not None
    assert short_gaps(p, start) >= search.bound and short_gaps(p, dived) >= search.bound
