"""Why no rota exists, in the team's words (solver/explain.py)."""

from __future__ import annotations

from solver import explain
from tests.tiny_teams import problem, team, week


def test_a_week_nobody_can_cover_is_named_with_each_members_reason() -> None:
    t = team(
        "ann bob",
        rules={"min_team_size": 2},
        absences=[
            {"who": "ann", "from": "2027-01-13", "to": "2027-01-18", "reason": "holiday"},
            {"who": "bob", "from": "2027-01-14", "to": "2027-01-14", "reason": "sickness"},
        ],
    )
    error = explain.infeasible(problem(t, 3))
    assert str(error).splitlines() == [
        "no rota can cover the week of 2027-01-12 (primary): only 0 members are free",
        "  ann  absent (holiday 2027-01-13..2027-01-18)",
        "  bob  absent (sickness 2027-01-14..2027-01-14)",
    ]


def test_rest_binding_across_weeks_names_the_first_week_it_leaves_uncovered() -> None:
    # Rest 2 with three members: any three weeks running need all three, and cat is away for the first three.
    t = team(rules={"min_rest_weeks": 2}, absences=[{"who": "cat", "from": "2027-01-05", "to": "2027-01-25"}])
    error = explain.infeasible(problem(t, 4))
    assert str(error).splitlines()[0] == (
        "no rota can cover the week of 2027-01-19 (primary): covering the weeks before it leaves too few members "
        "rested (min_rest_weeks: 2)"
    )


def test_free_members_by_role() -> None:
    t = team(roles=["primary", "secondary"], members=[{"id": "ann", "roles": ["secondary"]}, {"id": "bob"}])
    assert explain.free_members(problem(t, 1), week(0)) == {"primary": ["bob"], "secondary": ["ann", "bob"]}
