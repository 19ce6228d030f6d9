"""The hard rules checked on a changed rota's rows (rota/changes/hard_rules.py), one tiny rota each."""

from __future__ import annotations

import datetime as dt

from models.calendar import Interval
from models.problem import Problem
from models.rota import Assignment
from rota.assignments import whole_shift
from rota.changes.cover import split
from rota.changes.hard_rules import broken_rules, new_problems
from tests.tiny_teams import past_shift, problem, team, week


def rota(p: Problem, *weeks: tuple[str, ...]) -> list[Assignment]:
    """Whole shifts: for each week, its holders in role order."""
    return [
        whole_shift(p, member, week(i), role, "rota")
        for i, held in enumerate(weeks)
        for member, role in zip(held, p.roles, strict=False)
    ]


def test_a_valid_rota_breaks_nothing() -> None:
    p = problem(team("ann bob cat"), 3)
    assert broken_rules(p, rota(p, ("ann",), ("bob",), ("cat",))) == []


def test_coverage_a_missing_week_or_a_gap_in_a_split_week() -> None:
    p = problem(team("ann bob cat"), 2)
    rows = rota(p, ("ann",), ("bob",))
    assert broken_rules(p, rows[:1]) == [
        "rule 1 (coverage): primary in the week of 2027-01-12 is not held until its end",
    ]
    shift = rows[1]
    gap = [*rows[:1], shift.model_copy(update={"end": shift.end - dt.timedelta(days=1)})]
    assert broken_rules(p, gap) == ["rule 1 (coverage): primary in the week of 2027-01-12 is not held until its end"]


def test_one_role_at_a_time() -> None:
    p = problem(team("ann bob cat", roles=["primary", "secondary"]), 1)
    assert broken_rules(p, rota(p, ("ann", "ann"))) == [
        "rule 2 (one role at a time): ann holds primary and secondary in the week of 2027-01-05"
    ]


def test_eligibility_roles_and_leaving() -> None:
    members = [{"id": "ann", "roles": ["secondary"]}, {"id": "bob", "left": "2027-01-12"}, {"id": "cat"}, {"id": "dan"}]
    p = problem(team(members, roles=["primary", "secondary"]), 2)
    assert broken_rules(p, rota(p, ("ann", "cat"), ("bob", "dan"))) == [
        "rule 3 (eligibility): ann holds primary in the week of 2027-01-05: does not hold primary (roles: secondary)",
        "rule 3 (eligibility): bob holds primary in the week of 2027-01-12: leaves on 2027-01-12",
    ]


def test_absences_name_the_absence() -> None:
    p = problem(team("ann bob", absences=[{"who": "ann", "from": "2027-01-07", "to": "2027-01-07"}]), 1)
    assert broken_rules(p, rota(p, ("ann",))) == [
        "rule 4 (absences): ann holds primary in the week of 2027-01-05 while absent (holiday 2027-01-07..2027-01-07)"
    ]


def test_rest_counts_the_history_and_relaxes_around_a_cover() -> None:
    t = team("ann bob cat", rules={"min_rest_weeks": 2})
    p = problem(t, 3)
    p = problem(t, 3, (past_shift(p, "ann", 1),))
    assert broken_rules(p, rota(p, ("bob",), ("ann",), ("cat",))) == [
        "rule 5 (rest): ann is on call in the weeks of 2026-12-29 and 2027-01-12 (min_rest_weeks: 2)"
    ]
    # A cover is days, not a rotation: one week off either side is enough.
    rows = rota(p, ("bob",), ("cat",), ("bob",))
    shift = rows[1]
    covered = split(p, rows, shift, Interval(shift.start + dt.timedelta(days=2), shift.end), "bob", "cover")
    assert broken_rules(p, covered) == [
        "rule 5 (rest): bob is on call in the weeks of 2027-01-05 and 2027-01-12 (min_rest_weeks: 1, a cover)",
        "rule 5 (rest): bob is on call in the weeks of 2027-01-12 and 2027-01-19 (min_rest_weeks: 1, a cover)",
    ]


def test_pins() -> None:
    p = problem(team("ann bob cat", pins=[{"who": "cat", "role": "primary", "week": "2027-01-12"}]), 2)
    assert broken_rules(p, rota(p, ("ann",), ("bob",))) == [
        "rule 6 (pins): cat is pinned to primary in the week of 2027-01-12"
    ]


def test_a_change_is_blamed_only_for_what_it_breaks() -> None:
    p = problem(team("ann bob cat", absences=[{"who": "ann", "from": "2027-01-07", "to": "2027-01-07"}]), 2)
    before = rota(p, ("ann",), ("bob",))  # already broken: ann away in week 1
    after = rota(p, ("ann",), ("ann",))
    assert new_problems(p, before, after) == [
        "rule 5 (rest): ann is on call in the weeks of 2027-01-05 and 2027-01-12 (min_rest_weeks: 1)"
    ]
