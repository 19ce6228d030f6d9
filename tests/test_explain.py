"""Why no rota exists, in the team's words (solver/explain.py)."""

from __future__ import annotations

import pytest

from solver import explain
from tests.tiny_teams import past_shift, problem, team, week


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


def test_a_pin_its_member_cannot_hold_is_named_with_the_reason() -> None:
    # Dan rests after the last week of the history; the pin puts him back on straight away.
    t = team("ann bob cat dan", pins=[{"who": "dan", "role": "primary", "week": "2027-01-05"}])
    p = problem(t, 3)
    p = problem(t, 3, (past_shift(p, "dan", 1),))
    assert str(explain.infeasible(p)).splitlines() == [
        "no rota can hold the pin of dan to primary in the week of 2027-01-05: dan resting after the week of "
        "2026-12-29 (min_rest_weeks: 1)",
        "  move or remove that pin (pins: in the team file)",
    ]


def test_two_pins_of_one_member_closer_than_rest_are_named() -> None:
    pins = [
        {"who": "ann", "role": "primary", "week": "2027-01-05"},
        {"who": "ann", "role": "primary", "week": "2027-01-12"},
    ]
    error = explain.infeasible(problem(team(pins=pins), 3))
    assert str(error).splitlines()[0] == (
        "no rota can hold the pins of ann in the weeks of 2027-01-05 and 2027-01-12: they are closer than "
        "min_rest_weeks (1) allows"
    )


def test_without_a_week_to_name_the_largest_rest_that_works_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    # Five members cannot rest five weeks between shifts over a long period; as if no prefix could be settled.
    t = team("ann bob cat dan eve", rules={"min_rest_weeks": 5, "min_team_size": 1})
    monkeypatch.setattr(explain, "_first_uncoverable_prefix", lambda *_: None)
    assert str(explain.infeasible(problem(t, 8))).splitlines() == [
        "no rota can satisfy the rules in 2027-01-05+8w with min_rest_weeks: 5",
        "  with min_rest_weeks: 4 a rota exists; lower rules.min_rest_weeks to 4, or add members",
    ]
