"""Repairing a published rota's future weeks (solver/repair.py): the fewest changes, kept shifts held, and the
order of its stages."""

from __future__ import annotations

from models.problem import Problem
from solver.model import Pick
from solver.repair import KeptShift, repair
from tests.tiny_teams import keeps_the_rules, problem, team, week

ROTATION = ["ann", "bob", "cat", "dan", "ann", "bob", "cat", "dan"]


def published(p: Problem) -> dict[tuple[object, str], str]:
    return {(p.weeks[i], "primary"): member for i, member in enumerate(ROTATION)}


def test_nothing_broken_nothing_changed() -> None:
    p = problem(team("ann bob cat dan"), 8)
    solution = repair(p, published(p), {}, time_limit_s=5)
    assert [pick.member for pick in solution.picks] == ROTATION
    assert solution.stages[0].name == "changes" and solution.stages[0].value == 0 and solution.stages[0].optimal


def test_an_absence_changes_only_the_week_it_breaks() -> None:
    # cat is now away in week 2; ann is free then (rested after week 0, before week 4): one change.
    t = team("ann bob cat dan", absences=[{"who": "cat", "from": "2027-01-20", "to": "2027-01-25"}])
    p = problem(t, 8)
    solution = repair(p, published(p), {}, time_limit_s=5)
    changed = [i for i, pick in enumerate(solution.picks) if pick.member != ROTATION[i]]
    assert changed == [2]
    assert solution.stages[0].value == 1 and keeps_the_rules(p, solution.picks)


def test_a_kept_shift_stays_and_its_cover_member_rests_around_it() -> None:
    # Week 3 is kept as published, dan's, with part of it covered by ann: ann then holds nothing in weeks 2-4, so her
    # week 4 must change. Only cat is free then (bob holds week 5).
    p = problem(team("ann bob cat dan"), 8)
    kept = {(week(3), "primary"): KeptShift("dan", ("ann",), {"dan": 4.0, "ann": 3.0})}
    solution = repair(p, published(p), kept, time_limit_s=5)
    assert solution.picks[3] == Pick("dan", week(3), "primary")
    assert solution.picks[4] == Pick("cat", week(4), "primary")
    assert solution.stages[0].value == 1


def test_spread_first_ranks_fairness_before_the_changes() -> None:
    p = problem(team("ann bob cat dan"), 8)
    solution = repair(p, published(p), {}, order="spread_first", time_limit_s=5)
    assert [stage.name for stage in solution.stages] == [
        "spread",
        "changes",
        "shortest_gap",
        "squared_balances",
        "preferences",
        "even_roles",
        "short_gaps",
    ]
