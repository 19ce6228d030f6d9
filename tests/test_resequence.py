"""Re-sequencing (solver/resequence.py) and trades (solver/trades.py): local searches that keep every rule and every
member's shifts of each class (the shortest-gap polish: the spread), and never make their cost worse."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from typing import Any

from hypothesis import given, settings
from ortools.sat.python import cp_model

from models.errors import InfeasibleError
from models.problem import Problem, make_problem
from models.team import Team
from solver.bounds import load_classes
from solver.budget import Budget
from solver.fairness import PREFERENCES, SPREAD
from solver.model import Pick
from solver.resequence import Resequencer, _Part, fewer_short_gaps, longer_shortest_gaps
from solver.rules import build
from solver.solve import find_rota
from solver.spacing import SHORT_GAPS, SHORTEST_GAP
from solver.trades import fewer_avoided_weeks
from tests.strategies import teams
from tests.tiny_teams import keeps_the_rules, problem, team


def classes(p: Problem, picks: tuple[Pick, ...]) -> Counter[tuple[str, Any]]:
    """Each member's shifts of each class: what fixes their load and their role counts."""
    of = load_classes(p)
    return Counter((pick.member, of[pick.week, pick.role]) for pick in picks)


@settings(max_examples=10, deadline=None)
@given(teams(max_members=10, max_roles=2, min_weeks=6, max_weeks=13, part_time=True, restricted_roles=True))
def test_local_searches_keep_rules_preferences_and_classes_or_the_spread(drawn: tuple[Team, Any]) -> None:
    t, period = drawn
    data = t.model_dump(by_alias=True, exclude_none=True)
    data["preferences"] = [{"who": t.members[0].id, "avoid": period.first + dt.timedelta(weeks=2)}]
    p = make_problem(Team.model_validate(data), period)
    try:
        rota = find_rota(p, time_limit_s=5)  # any rota: usually badly spaced
    except InfeasibleError:
        return
    rm = build(p)
    for search, objective in (
        (longer_shortest_gaps, SHORTEST_GAP),
        (fewer_short_gaps, SHORT_GAPS),
        (fewer_avoided_weeks, PREFERENCES),
    ):
        improved = search(rm, rota.picks, Budget(work_limit=0.2), 0.2)
        assert keeps_the_rules(p, improved)
        if search is longer_shortest_gaps:  # ranked right after the spread: it may move load, within the spread
            assert SPREAD.measure(p, improved) <= SPREAD.measure(p, rota.picks)
        else:
            assert classes(p, improved) == classes(p, rota.picks)  # same loads, same role counts
        assert PREFERENCES.measure(p, improved) <= PREFERENCES.measure(p, rota.picks)
        assert objective.measure(p, improved) <= objective.measure(p, rota.picks)


def test_resequencing_spreads_a_bunched_rota() -> None:
    p = problem(team("a b c d"), 8)
    # a and b alternate for four weeks, then c and d: every member's two shifts are two weeks apart (cycle 4).
    bunched = tuple(Pick(m, p.weeks[i], "primary") for i, m in enumerate("ababcdcd"))
    assert SHORTEST_GAP.measure(p, bunched) == 2 and SHORT_GAPS.measure(p, bunched) == 4 * (4 + 2**2)
    respaced = longer_shortest_gaps(build(p), bunched, Budget(work_limit=1.0), 1.0)
    assert keeps_the_rules(p, respaced)
    assert SHORTEST_GAP.measure(p, respaced) == 0 and SHORT_GAPS.measure(p, respaced) == 0


def test_trades_take_a_shift_out_of_a_week_asked_off() -> None:
    t = team("a b c d", preferences=[{"who": "a", "avoid": "2027-01-05"}])
    p = problem(t, 8)
    rota = tuple(Pick(m, p.weeks[i], "primary") for i, m in enumerate("abcdabcd"))
    traded = fewer_avoided_weeks(build(p), rota, Budget(work_limit=1.0), 1.0)
    assert keeps_the_rules(p, traded) and PREFERENCES.measure(p, traded) == 0


def test_a_shortest_gap_part_offers_no_gap_below_the_rotas_shortest() -> None:
    # The part's cost never accepts a gap below the rota's shortest, so the part has no such choice at all: no
    # sharing of the six members' shifts it allows puts a member on call twice within 4 weeks.
    p = problem(team("a b c d e f"), 12)
    rota = tuple(Pick(m, p.weeks[i], "primary") for i, m in enumerate("abcdabefcdef"))  # gaps 4, 4, 6, 6, 4, 4
    state = Resequencer(build(p), rota, shortest_first=True)
    part = _Part(state, state.members, state._floor())
    assert state._floor() == 4 > state.least

    def sharing_exists(member: str, weeks: tuple[int, ...]) -> bool:
        model = part.model.clone()
        for w in weeks:
            model.add(sum(var for (m, week, _), var in part.x.items() if m == member and week == w) == 1)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        return solver.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)

    assert sharing_exists("a", (0, 4)) and sharing_exists("a", (1, 7))  # other sharings than the rota's
    for member in state.members:
        for first, second in itertools.combinations(range(12), 2):
            if second - first < 4:
                assert not sharing_exists(member, (first, second))


def test_the_shortest_gap_part_may_move_load_between_members_within_the_spread() -> None:
    # a holds two primaries and b two secondaries (balances +3.5 and -3.5 days), c and d one of each (0): the
    # spread is 7 days. Within it, c may take both primaries and d both secondaries, which changes what each holds
    # of each class; the short-gap stage's part, which keeps classes, may not.
    t = team("a b c d", roles=["primary", {"name": "secondary", "weight": 0.5}])
    p = problem(t, 4)
    order = [("a", "b"), ("c", "d"), ("a", "b"), ("d", "c")]  # (primary, secondary) each week
    rota = tuple(
        Pick(m, p.weeks[i], role)
        for i, pair in enumerate(order)
        for m, role in zip(pair, ("primary", "secondary"), strict=True)
    )
    assert SPREAD.measure(p, rota) == 7000

    def c_takes_both_primaries(shortest_first: bool) -> bool:
        state = Resequencer(build(p), rota, shortest_first=shortest_first)
        part = _Part(state, state.members, state.least)
        model = part.model.clone()
        for w in (1, 3):
            model.add(part.x["c", w, "primary"] == 1)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        return solver.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)

    assert c_takes_both_primaries(shortest_first=True)
    assert not c_takes_both_primaries(shortest_first=False)
