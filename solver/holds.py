"""How a stage's result is held for the stages after it, where "no worse than its value" is not what to keep.

- squared balances: each member's balance stays as the stage left it. Later stages then change who does which
  week, never how much each member carries; the sum of squares as a quadratic constraint would keep a little more
  freedom (other balances with the same sum), at a cost to every later search.
- shortest gap: the gap it reached becomes the least gap between any member's shifts, a rest rule of its own:
  at most one shift in any that many weeks running, the history's last shift included.
"""

from __future__ import annotations

from solver.bounds import Aggregate
from solver.bounds import balances as relaxed_balances
from solver.fairness import balance_expressions, balances_of
from solver.model import Pick, RotaModel
from solver.spacing import cycle_weeks, history_index, most_apart, shortest_gap_of, week_indices


def hold_balances(rm: RotaModel, aggregate: Aggregate | None, picks: tuple[Pick, ...]) -> None:
    """Each member's balance as it is on this rota, in both models."""
    held = balances_of(rm.problem, picks)
    for member, balance in balance_expressions(rm).items():
        rm.model.add(balance == held[member])
    if aggregate is not None:
        for member, balance in relaxed_balances(aggregate).items():
            aggregate.model.add(balance == held[member])


def hold_gap(rm: RotaModel, aggregate: Aggregate | None, picks: tuple[Pick, ...]) -> None:
    """The rota's shortest gap (up to the cycle) as every member's least gap from now on, in both models."""
    problem = rm.problem
    hold_least_gap(rm, aggregate, min(cycle_weeks(problem), shortest_gap_of(problem, week_indices(problem, picks))))


def hold_least_gap(rm: RotaModel, aggregate: Aggregate | None, gap: int) -> None:
    """No two shifts of a member (nor the history's last and a shift) fewer than `gap` weeks apart, in both models."""
    problem = rm.problem
    if gap <= rm.gap_weeks:
        return
    for member in problem.fairness_members:
        on_call = rm.on_call(member.id)
        last_past = history_index(problem, member.id)
        for i, now in enumerate(on_call):
            if now is not None and last_past is not None and i - last_past < gap:
                rm.model.add(now == 0)
        for first in range(len(on_call)):
            window = [now for now in on_call[first : first + gap] if now is not None]
            if len(window) > 1:
                rm.model.add_at_most_one(window)
    rm.gap_weeks = gap
    if aggregate is not None:
        aggregate.gap_weeks = gap
        index = {week: i for i, week in enumerate(problem.weeks)}
        for member in problem.fairness_members:
            weeks = [index[week] for week in aggregate.available[member.id]]
            most = most_apart(weeks, gap, history_index(problem, member.id))
            # As a cap, so that the share-outs and patterns the later relaxations search keep it too.
            aggregate.cap([key for key in aggregate.counts if key[0] == member.id], most)
