"""The spacing local search (solver/respace.py) keeps every rule and every earlier objective, and never adds pairs."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from hypothesis import given, settings

from models.errors import InfeasibleError
from models.problem import Problem, make_problem
from models.team import Team
from solver.bounds import load_classes
from solver.fairness import PREFERENCES, SPACING
from solver.model import Pick
from solver.respace import respace
from solver.solve import find_rota
from tests.strategies import teams
from tests.tiny_teams import keeps_the_rules, problem, team


def classes(p: Problem, picks: tuple[Pick, ...]) -> Counter[tuple[str, Any]]:
    """Each member's shifts of each class: what fixes their load and their role counts."""
    of = load_classes(p)
    return Counter((pick.member, of[pick.week, pick.role]) for pick in picks)


@settings(max_examples=25, deadline=None)
@given(teams(max_members=10, max_roles=2, min_weeks=6, max_weeks=13, part_time=True, restricted_roles=True))
def test_respacing_keeps_rules_loads_roles_and_preferences(drawn: tuple[Team, Any]) -> None:
    t, period = drawn
    data = t.model_dump(by_alias=True, exclude_none=True)
    data["preferences"] = [{"who": t.members[0].id, "avoid": period.first + dt.timedelta(weeks=2)}]
    p = make_problem(Team.model_validate(data), period)
    try:
        rota = find_rota(p, time_limit_s=5)  # any rota: usually badly spaced
    except InfeasibleError:
        return
    respaced = respace(p, rota.picks)
    assert keeps_the_rules(p, respaced)
    assert classes(p, respaced) == classes(p, rota.picks)  # same loads, same role counts
    assert PREFERENCES.measure(p, respaced) <= PREFERENCES.measure(p, rota.picks)
    assert SPACING.measure(p, respaced) <= SPACING.measure(p, rota.picks)


def test_respacing_spreads_a_bunched_rota() -> None:
    p = problem(team("a b c d"), 8)
    # a and b alternate for four weeks, then c and d: every member's two shifts are two weeks apart (cycle 4).
    bunched = tuple(Pick(m, p.weeks[i], "primary") for i, m in enumerate("ababcdcd"))
    assert SPACING.measure(p, bunched) == 4
    respaced = respace(p, bunched)
    assert keeps_the_rules(p, respaced)
    assert SPACING.measure(p, respaced) == 0
