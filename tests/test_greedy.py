"""The greedy first rota (solver/greedy.py): each week's roles to the free members furthest below their share, and
never a broken rule: it gives up instead."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings

from models.team import Team
from solver.greedy import greedy_rota
from solver.model import Pick
from solver.solve import find_rota
from tests.strategies import teams
from tests.tiny_teams import keeps_the_rules, problem, team, week


def test_each_week_goes_to_the_free_member_furthest_below_their_share() -> None:
    # Week 0: all equal, cat absent: ann, first on the roster. Week 1: ann rests; bob and cat are equal: bob. Week 2:
    # ann is back to her share, cat is a week behind: cat.
    t = team(absences=[{"who": "cat", "from": "2027-01-05", "to": "2027-01-11"}])
    assert greedy_rota(problem(t, 3)) == (
        Pick("ann", week(0), "primary"),
        Pick("bob", week(1), "primary"),
        Pick("cat", week(2), "primary"),
    )


def test_it_gives_up_rather_than_break_a_rule() -> None:
    # Week 0 goes to ann, week 1 to bob; in week 2 ann is away and bob resting. Bob, ann, bob would have worked.
    t = team("ann bob", rules={"min_team_size": 2}, absences=[{"who": "ann", "from": "2027-01-20", "to": "2027-01-25"}])
    p = problem(t, 3)
    assert greedy_rota(p) is None
    assert [pick.member for pick in find_rota(p, time_limit_s=5).picks] == ["bob", "ann", "bob"]


def test_pins_are_kept() -> None:
    t = team(pins=[{"who": "cat", "role": "primary", "week": "2027-01-05"}])
    rota = greedy_rota(problem(t, 3))
    assert rota is not None and rota[0] == Pick("cat", week(0), "primary")


@settings(max_examples=25, deadline=None)
@given(teams(max_members=8, max_roles=3, max_weeks=10, part_time=True, restricted_roles=True))
def test_a_greedy_rota_keeps_every_rule(drawn: tuple[Team, Any]) -> None:
    t, period = drawn
    p = problem(t, len(period.weeks))
    rota = greedy_rota(p)
    if rota is not None:
        assert keeps_the_rules(p, rota)
