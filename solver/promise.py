"""The promise (docs/spec.md §6): in a period without history, never more gaps shorter than the natural cycle than
the blind rotation (blind_rotation.py) would give the same team.

The objectives below the shortest gap are ranked for a reason: where a member's share is more than one shift a
cycle, carrying it exactly means short gaps, so the squared balances rank above them. On most teams the rota still
ends with fewer short gaps than the blind rotation. Where it does not, the team would be worse off in time than with
the tool it replaces, so the promise outranks the squared balances. A last search then puts the rota together again
with each balance free within the band of the proven spread and the shortest gap held: first the dives over whole
member schedules (columns.py), the second of which seeks the fewest squared balances with no more short gaps than
the blind rotation's; if they fall short, the pass that re-sequences a few members at a time (resequence.py) goes
on from the better rota and stops as soon as the count is down, so that neither trades more of the squared
balances and even roles than the promise needs. The blind rotation's shortest gap is a yardstick too: where the
stages end below it (their search is against the clock), the dives first hold it between shifts.

The promise is checked on the finished rota rather than held from the start as a stage of its own: held through the
later stages it would constrain every one of them on every team, to settle what on most teams is already so.

With history the blind rotation is no yardstick: it ignores the balances the history carries, while the rota must
let a member behind on load catch up, and a catch-up is shifts closer together. There the shortest gap (objective 2)
keeps the catch-up spread out.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.problem import Problem
from solver.blind_rotation import blind_rotation
from solver.budget import Budget
from solver.columns import ColumnSearch
from solver.holds import hold_gap
from solver.model import Pick, RotaModel
from solver.resequence import at_most_short_gaps
from solver.spacing import cycle_weeks, history_index, member_gaps, shortest_gap_of, week_indices

DIVE_SHARE = 0.9  # of the promise's time, for the dives; the pass has what they leave
WIDER_SHARE = 0.7  # of the dives' time, for the one holding the blind rotation's shortest gap, where it runs


def promised_short_gaps(problem: Problem) -> int | None:
    """The most gaps shorter than the cycle the rota may have: the blind rotation's. None where the promise does not
    apply (a period with history)."""
    if any(history_index(problem, m.id) is not None for m in problem.fairness_members):
        return None
    return short_gaps(problem, blind_picks(problem))


def short_gaps(problem: Problem, picks: tuple[Pick, ...] | list[Pick]) -> int:
    """Gaps shorter than the cycle between consecutive shifts of the members who share the load."""
    cycle = cycle_weeks(problem)
    return sum(1 for weeks in week_indices(problem, picks).values() for gap in member_gaps(weeks, None) if gap < cycle)


def blind_shortest_gap(problem: Problem) -> int:
    """The shortest gap the blind rotation gives anyone, up to the cycle: the rota's should be no shorter."""
    return _shortest(problem, blind_picks(problem))


def blind_picks(problem: Problem) -> tuple[Pick, ...]:
    """The blind rotation (blind_rotation.py) as picks."""
    return tuple(Pick(member, week, role) for member, week, role in blind_rotation(problem).picks)


@dataclass(frozen=True)
class Kept:
    """The promise's search: its rota, and where its dives' programme proved it, the fewest short gaps any rota
    can have with its balances in the same band and its shortest gap (columns.py)."""

    picks: tuple[Pick, ...]
    bound: int | None = None


def keep_promise(
    rm: RotaModel, picks: tuple[Pick, ...], most: int, budget: Budget, time_s: float, least: int | None = None
) -> Kept:
    """The rota with no more than `most` short gaps if the search finds one in `time_s`, else the nearest it found:
    first the dives over whole member schedules (columns.py), then, if they fall short, the pass re-sequencing a few
    members at a time. Where the rota's shortest gap is below `least` (the blind rotation's), a first dive holds
    `least` between shifts: the shortest gap ranks above the promise, so a rota it finds is kept whatever it costs
    the objectives below, and the searches after it keep its shortest gap."""
    problem = rm.problem
    widen = least is not None and _shortest(problem, picks) < least  # the held gap is never above the rota's
    if short_gaps(problem, picks) <= most and not widen:
        return Kept(picks)
    ends = budget.spent() + time_s
    dives_end = budget.spent() + DIVE_SHARE * time_s
    bound = None
    if widen:
        search = ColumnSearch(rm, picks, least)
        wider = search.run(budget, WIDER_SHARE * DIVE_SHARE * time_s, most)
        if wider is not None:
            picks, bound = wider, search.bound
            hold_gap(rm, None, picks)
    if short_gaps(problem, picks) > most:
        search = ColumnSearch(rm, picks)  # with the held least gap, the rota's from here on
        dived = search.run(budget, max(0.0, dives_end - budget.spent()), most)
        bound = search.bound
        if dived is not None and short_gaps(problem, dived) < short_gaps(problem, picks):
            picks = dived
    if short_gaps(problem, picks) <= most:
        return Kept(picks, bound)
    return Kept(at_most_short_gaps(rm, picks, most, budget, max(0.0, ends - budget.spent())), bound)


def _shortest(problem: Problem, picks: tuple[Pick, ...]) -> int:
    return shortest_gap_of(problem, week_indices(problem, picks))  # up to the cycle
