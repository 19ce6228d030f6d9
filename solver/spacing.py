"""Even spacing as a person feels it (objectives 2, 3 and 7 of docs/spec.md §6): the gaps between a member's
consecutive shifts, history included, as long as the team allows, the shortest lengthened first.

The natural cycle is members / roles weeks: how often each member would be on call if everyone took turns. A gap
is counted in weeks from one shift's start to the next; rest (min_rest_weeks) already keeps every gap at least
rest + 1. Two stages, the second after squared balances, preferences and even roles:

1. shortest gap: maximise the shortest gap any member gets, counted up to the cycle (a gap of a cycle or more is as
   good as any). The stage minimises cycle - shortest.
2. short gaps: then minimise, over every two shifts of a member less than a cycle apart, cycle + (cycle -
   distance)^2. Every gap shorter than the cycle costs at least the cycle, so there are as few as can be, and a
   short one far more than a nearly full one (3 weeks in a 13-week cycle: 113; 12 weeks: 14), so the shortest are
   lengthened first. Three shifts within one cycle cost their two gaps and the pair of the outer two.

Between them, objective 3 (no more gaps shorter than the cycle than a blind rotation) is promise.py's.

A member's last shift in the history counts as their shift before the period (a cover does not: it is days).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from ortools.sat.python import cp_model

from models.problem import Problem
from solver.fairness import Objective
from solver.model import Pick, RotaModel


def cycle_weeks(problem: Problem) -> int:
    return problem.natural_cycle_weeks


def history_index(problem: Problem, member: str) -> int | None:
    """The week of the member's last shift in the history, as an index before the period's first week (negative)."""
    last = problem.last_week_on_call(member)
    return None if last is None else (last - problem.weeks[0]).days // 7


def week_indices(problem: Problem, picks: Sequence[Pick]) -> dict[str, list[int]]:
    """Each fairness member's on-call weeks, as sorted indices into the period."""
    index = {week: i for i, week in enumerate(problem.weeks)}
    weeks: dict[str, list[int]] = {m.id: [] for m in problem.fairness_members}
    for pick in picks:
        if pick.member in weeks:
            weeks[pick.member].append(index[pick.week])
    return {member: sorted(held) for member, held in weeks.items()}


def member_gaps(weeks: list[int], last_past: int | None) -> list[int]:
    """The gaps between consecutive shifts (sorted week indices), from the last one in the history if any."""
    held = weeks if last_past is None else [last_past, *weeks]
    return [later - earlier for earlier, later in itertools.pairwise(held)]


def penalty(distance: int, cycle: int) -> int:
    """What two shifts `distance` weeks apart cost: the cycle, for being closer than it at all (so fewer short gaps
    are better), plus the square of how much closer they are (so the shortest cost most)."""
    return cycle + (cycle - distance) ** 2 if distance < cycle else 0


def member_penalty(weeks: list[int], last_past: int | None, cycle: int) -> int:
    """The short gaps (objective 7) for one member: every two of their shifts (and the history's last) less than a
    cycle apart."""
    held = weeks if last_past is None else [last_past, *weeks]
    total = 0
    for i, earlier in enumerate(held):
        for later in held[i + 1 :]:
            if later - earlier >= cycle:
                break
            total += penalty(later - earlier, cycle)
    return total


def shortest_gap_of(problem: Problem, weeks_of: dict[str, list[int]]) -> int:
    """The shortest gap any member gets, at most the cycle (a cycle when nobody has two shifts)."""
    cycle = cycle_weeks(problem)
    gaps = [g for member, weeks in weeks_of.items() for g in member_gaps(weeks, history_index(problem, member))]
    return min([cycle, *gaps])


def _shortest_gap_value(problem: Problem, picks: Sequence[Pick]) -> int:
    return cycle_weeks(problem) - shortest_gap_of(problem, week_indices(problem, picks))


def _short_gaps_value(problem: Problem, picks: Sequence[Pick]) -> int:
    cycle = cycle_weeks(problem)
    weeks_of = week_indices(problem, picks)
    return sum(member_penalty(weeks, history_index(problem, m), cycle) for m, weeks in weeks_of.items())


def _shortest_gap(rm: RotaModel) -> cp_model.LinearExprT:
    """cycle - shortest gap: a literal per gap length G above the rest's, true when every gap is at least G; two
    shifts (or the history's last and a shift) d weeks apart rule out every G above d."""
    problem = rm.problem
    cycle, least = cycle_weeks(problem), rm.gap_weeks
    if cycle <= least:
        return 0
    at_least = {g: rm.model.new_bool_var(f"every_gap_at_least[{g}]") for g in range(least + 1, cycle + 1)}
    for g in range(least + 2, cycle + 1):
        rm.model.add_implication(at_least[g], at_least[g - 1])
    for member in problem.fairness_members:
        on_call = rm.on_call(member.id)
        last_past = history_index(problem, member.id)
        for i, now in enumerate(on_call):
            if now is None:
                continue
            if last_past is not None and (ruled_out := at_least.get(i - last_past + 1)) is not None:
                rm.model.add_implication(now, ruled_out.Not())
            for d in range(least, cycle):
                later = on_call[i + d] if i + d < len(on_call) else None
                if later is not None:
                    rm.model.add_bool_or([now.Not(), later.Not(), at_least[d + 1].Not()])
    return cycle - least - sum(at_least.values())


def _short_gaps(rm: RotaModel) -> cp_model.LinearExprT:
    """For each week a member is on call, what their later shifts within a cycle cost; the history's last shift
    costs each shift within a cycle of it."""
    problem = rm.problem
    cycle, least = cycle_weeks(problem), rm.gap_weeks
    if cycle <= least:
        return 0
    terms: list[cp_model.LinearExprT] = []
    for member in problem.fairness_members:
        on_call = rm.on_call(member.id)
        last_past = history_index(problem, member.id)
        for i, now in enumerate(on_call):
            if now is None:
                continue
            if last_past is not None and i - last_past < cycle:
                terms.append(penalty(i - last_past, cycle) * now)
            later = [
                (penalty(d, cycle), var)
                for d in range(least, cycle)
                if i + d < len(on_call) and (var := on_call[i + d]) is not None
            ]
            if later:
                most = sum(cost for cost, _ in later)
                costs = rm.model.new_int_var(0, most, f"short_gaps_after[{member.id},{problem.weeks[i]}]")
                rm.model.add(costs >= sum(cost * var for cost, var in later)).only_enforce_if(now)
                terms.append(costs)
    return sum(terms)


SHORTEST_GAP = Objective("shortest_gap", _shortest_gap, _shortest_gap_value)
SHORT_GAPS = Objective("short_gaps", _short_gaps, _short_gaps_value)


# Bounds for the aggregate relaxation: what n shifts in a member's available weeks allow at best. -----------------


def widest_gaps(weeks: list[int], most: int, least: int, cycle: int, last_past: int | None) -> list[int]:
    """For n = 0..most, the longest shortest gap (at most `cycle`) that n shifts in these weeks (sorted indices) can
    keep, each gap at least `least` weeks, after a shift in the history at `last_past`. Taking the earliest week far
    enough from the last one places the most shifts for a given gap (interval scheduling)."""

    reach = {gap: most_apart(weeks, gap, last_past) for gap in range(least, cycle + 1)}
    return [max([gap for gap, count in reach.items() if count >= n], default=least) for n in range(most + 1)]


def most_apart(weeks: list[int], gap: int, last_past: int | None) -> int:
    """The most shifts these weeks (sorted indices) hold `gap` weeks apart or more, after the history's last."""
    count, last = 0, last_past
    for week in weeks:
        if last is None or week - last >= gap:
            count, last = count + 1, week
    return count


def fewest_penalties(weeks: list[int], most: int, least: int, cycle: int, last_past: int | None) -> list[int]:
    """For n = 0..most, the least that n shifts in these weeks (sorted indices) must cost (objective 7), each gap at
    least `least` weeks, after a shift in the history at `last_past`. Dynamic programming over (shifts placed, week
    of the last one), counting consecutive pairs only, never more than all pairs: a valid lower bound."""
    unreachable = 10**9

    def first(week: int) -> int:
        if last_past is None:
            return 0
        return penalty(week - last_past, cycle) if week - last_past >= least else unreachable

    previous = [first(week) for week in weeks]
    fewest = [0, min(previous, default=unreachable)]
    for _ in range(2, most + 1):
        current = [
            min(
                (previous[j] + penalty(week - weeks[j], cycle) for j in range(i) if week - weeks[j] >= least),
                default=unreachable,
            )
            for i, week in enumerate(weeks)
        ]
        fewest.append(min(current, default=unreachable))
        previous = current
    return fewest[: most + 1]
