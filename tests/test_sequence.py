"""Sequencing (solver/sequence.py): a plan's shifts placed week by week, evenly, keeping every rule; where the
greedy order runs a week dry, it jumps back rather than give up."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings

from models.errors import InfeasibleError
from models.loader import load_team
from models.problem import Problem, make_problem
from models.team import Team
from rota.generate import PeriodChoice
from solver import sequence
from solver.bounds import Counts, counts_of
from solver.budget import Budget
from solver.model import Pick, RotaModel
from solver.rules import build
from solver.solve import find_rota, solve
from solver.spacing import history_index, member_gaps
from tests.helpers import EXAMPLE, NOW
from tests.strategies import teams


def placed_keeps_the_rules(p: Problem, picks: tuple[Pick, ...], weeks_placed: int, least_gap: int) -> bool:
    """Whether the weeks placed so far keep every rule: each role of each week held once, by a member who may hold
    it, nobody twice in a week, and every member's shifts (and the history's last) `least_gap` weeks apart."""
    rm = build(p)
    index = {week: i for i, week in enumerate(p.weeks)}
    held = Counter((pick.week, pick.role) for pick in picks)
    if held != Counter((week, role) for week in p.weeks[:weeks_placed] for role in p.roles):
        return False
    if len({(pick.member, pick.week) for pick in picks}) != len(picks) or not all(map(rm.may_hold, picks)):
        return False
    for member in {pick.member for pick in picks}:
        weeks = sorted(index[pick.week] for pick in picks if pick.member == member)
        if any(gap < least_gap for gap in member_gaps(weeks, history_index(p, member))):
            return False
    return True


def place(rm: RotaModel, plan: Counts) -> tuple[tuple[Pick, ...], int]:
    """The plan placed with the rest's least gap."""
    return sequence.sequence(rm, plan, Budget(work_limit=1.0), 1.0, widest_gap=False)


@settings(max_examples=15, deadline=None)
@given(teams(max_members=8, max_roles=2, min_weeks=4, max_weeks=13, part_time=True, restricted_roles=True))
def test_what_it_places_keeps_the_rules_and_never_passes_the_plan(drawn: tuple[Team, Any]) -> None:
    t, period = drawn
    p = make_problem(t, period)
    try:
        rota = find_rota(p, time_limit_s=5)
    except InfeasibleError:
        return
    plan = counts_of(p, rota.picks)  # a plan some rota carries
    rm = build(p)
    picks, weeks_placed = place(rm, plan)
    assert placed_keeps_the_rules(p, picks, weeks_placed, rm.gap_weeks)
    placed = counts_of(p, picks)
    assert all(count <= plan.get(key, 0) for key, count in placed.items())
    for member, week, role in p.pins_in_period():
        if week in p.weeks[:weeks_placed]:
            assert Pick(member, week, role) in picks


@pytest.fixture(scope="module")
def example() -> Problem:
    team = load_team(EXAMPLE)
    return make_problem(team, PeriodChoice("2027Q1").resolve(team, dt.date.fromisoformat(NOW)))


def test_a_plan_the_greedy_order_runs_dry_on_is_placed_by_jumping_back(
    example: Problem, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The example quarter's own rota's counts: a plan that can be carried with two weeks' rest between shifts.
    plan = counts_of(example, solve(example, work_limit=2).picks)
    rm = build(example)
    weeks = len(example.weeks)

    picks, weeks_placed = place(rm, plan)
    assert weeks_placed == weeks
    assert placed_keeps_the_rules(example, picks, weeks, rm.gap_weeks)
    # Each member's shifts of each class as planned: a pin (dan's primary on 2027-03-09) is one of them, not extra.
    assert counts_of(example, picks) == {key: n for key, n in plan.items() if n}
    assert {(p.member, p.week, p.role) for p in picks} >= set(example.pins_in_period())

    monkeypatch.setattr(sequence, "MAX_BACKJUMPS_PER_WEEK", 0)
    _, greedy_weeks = place(rm, plan)
    assert greedy_weeks < weeks  # the greedy order alone gets stuck: what the jumps are for
