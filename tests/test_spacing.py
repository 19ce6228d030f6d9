"""Even spacing as a person feels it (solver/spacing.py): the definitions on tiny rotas, their bounds against
enumeration, and never bunchier than a blind rotation of the same team."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from models.team import Team
from solver.fairness import SPREAD
from solver.solve import solve
from solver.spacing import SHORT_GAPS, SHORTEST_GAP, fewest_penalties, penalty, widest_gaps
from tests.strategies import teams
from tests.tiny_teams import beside_a_blind_rotation, past_shift, primaries, problem, team


def test_a_short_gap_costs_far_more_than_a_nearly_full_one() -> None:
    assert penalty(3, 13) == 113 and penalty(12, 13) == 14 and penalty(13, 13) == 0


def test_fewer_short_gaps_cost_less_than_more_of_them_a_little_longer() -> None:
    assert penalty(2, 4) < 2 * penalty(3, 4)  # one gap of 2 weeks in a 4-week cycle, against two of 3


def test_the_shortest_gap_counts_up_to_the_cycle() -> None:
    # Four members, cycle 4: a and b alternate, so their gaps are 2 weeks; the stage minimises cycle - shortest.
    p = problem(team("a b c d"), 8)
    assert SHORTEST_GAP.measure(p, primaries(p, "a b a b c d c d")) == 2
    assert SHORTEST_GAP.measure(p, primaries(p, "a b c d a b c d")) == 0


def test_three_shifts_in_a_cycle_cost_their_gaps_and_the_outer_pair() -> None:
    # Cycle 6 (six members): a holds weeks 0, 2 and 4: gaps of 2 cost 6 + 16 each, the pair 4 weeks apart 6 + 4.
    p = problem(team("a b c d e f"), 6)
    assert SHORT_GAPS.measure(p, primaries(p, "a b a c a d")) == 22 + 22 + 10 == 2 * penalty(2, 6) + penalty(4, 6)


def test_the_history_last_shift_counts() -> None:
    # Cycle 4: ann's shift a week before the period and her shift in its second week are 2 weeks apart.
    t = team("ann bob cat dan")
    p = problem(t, 4, (past_shift(problem(t, 4), "ann", 1),))
    picks = primaries(p, "bob ann cat dan")
    assert SHORT_GAPS.measure(p, picks) == penalty(2, 4)
    assert SHORTEST_GAP.measure(p, picks) == 4 - 2


def test_each_members_shifts_are_spread_over_the_cycle() -> None:
    # Four members, one role: the natural cycle is 4 weeks, so each member's two weeks are 4 apart.
    picks = solve(problem(team("ann bob cat dan"), 8), time_limit_s=5).picks
    for member in ("ann", "bob", "cat", "dan"):
        first, second = sorted(pick.week for pick in picks if pick.member == member)
        assert (second - first).days == 28


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 11), min_size=1, max_size=8, unique=True),
    st.integers(2, 3),
    st.integers(3, 6),
    st.one_of(st.none(), st.integers(-3, -1)),
)
def test_the_bounds_never_pass_what_n_shifts_can_do(weeks: list[int], least: int, cycle: int, past: int | None) -> None:
    ordered = sorted(weeks)
    most = len(ordered)
    widest, fewest = widest_gaps(ordered, most, least, cycle, past), fewest_penalties(ordered, most, least, cycle, past)
    for n in range(most + 1):
        for chosen in itertools.combinations(ordered, n):
            held = [*([] if past is None else [past]), *chosen]
            gaps = [b - a for a, b in itertools.pairwise(held)]
            if any(gap < least for gap in gaps):
                continue
            assert min([cycle, *gaps]) <= widest[n]
            cost = sum(penalty(b - a, cycle) for a, b in itertools.combinations(held, 2))
            assert fewest[n] <= cost


@settings(max_examples=15, deadline=None)
@given(teams(max_members=8, max_roles=3, max_weeks=10, max_absences=0, equal_weights=True))
def test_never_bunchier_than_a_blind_rotation(drawn: tuple[Team, Any]) -> None:
    """On teams where a blind rotation is fair in load too (full-timers, roles of equal weight, no absences, no
    history), its rota is one the spread stage allows, so the shortest-gap stage, next, can only do as well or
    better. Elsewhere fairness can ask a member to be on call more often than a blind rotation would: a half-weight
    role taken twice for a full one, a holiday made up; benchmarks/baseline.py bounds those cases."""
    if (compared := beside_a_blind_rotation(drawn, time_limit_s=5)) is None:
        return
    p, solution, blind_picks = compared
    shortest = SHORTEST_GAP.measure
    assert shortest(p, solution.picks) <= shortest(p, blind_picks)


@settings(max_examples=40, deadline=None)
@given(teams(max_members=8, max_roles=3, max_weeks=10, max_absences=4, part_time=True, restricted_roles=True))
def test_bunchier_than_a_blind_rotation_only_as_the_price_of_the_optimal_spread(drawn: tuple[Team, Any]) -> None:
    """On any small team without history (absences, part-timers, roles of unequal weight or held by some only),
    whenever both rotas are valid, rota's shortest gap is at least the blind rotation's, or else it is proven that
    no rota as fair in load does better: the blind rotation's spread is wider than the proven optimum, and the
    shortest-gap stage, which searches every rota with that optimum, is proven optimal too."""
    if (compared := beside_a_blind_rotation(drawn, work_limit=20)) is None:
        return
    p, solution, blind_picks = compared
    if SHORTEST_GAP.measure(p, solution.picks) <= SHORTEST_GAP.measure(p, blind_picks):
        return
    spread, shortest_gap = solution.stages[0], solution.stages[1]
    assert spread.optimal and shortest_gap.optimal
    assert SPREAD.measure(p, blind_picks) > SPREAD.measure(p, solution.picks)
