"""The spread's exact lower bound on large teams, by sweeping the window every balance must fall in.

Whether a spread below W exists is a question of numbers (a few loads per member, fractional fair shares), which
CP-SAT's linear relaxation cannot see and its search proves slowly. Fixing where the window starts makes it small
and exact:

- The balances sum to a constant, so in a share-out with spread below `upper` every balance lies within `upper`
  of their mean, and each member's balance is one of their patterns' (patterns.py).
- The lowest balance is some pattern's balance, L. For each such L, only patterns with balance in
  [L, L + upper) are allowed. The window is refuted when a member has none left, or when no choice of one pattern
  per member adds up to the period's totals in some projection (subset_sum.py).
- The few windows left go to CP-SAT, a small model each (window_models.py), which finds a share-out with a smaller
  spread, proves there is none, or runs out of time; then its bound for that window is kept.

The result is a bound, min(upper, bounds of unsettled windows), exact when every window is settled, and the best
share-out found. It holds for the aggregate model as build_aggregate makes it, before any stage adds constraints:
it is for the first stage, the spread.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import deque
from dataclasses import dataclass

from solver.bounds import Aggregate, Counts, Relaxed
from solver.budget import Budget
from solver.patterns import Pattern, balance_total, share_spread
from solver.subset_sum import SubsetSum, project, projections
from solver.window_models import best_in_window

MOST_CHECK_S = 1.0  # a subset sum estimated dearer than this is skipped: it could only refute, never mislead
LEAST_WINDOW_S = 0.01  # a window's model gets at least this, else the window stays open
FEW_PATTERNS = 100  # per member, at most, for the sweep to go before CP-SAT (sweep_first())
LARGE_TEAM = 30  # members, at least, for the same
FIRST_LOOK_S = 0.5  # for a window's model on the first pass; what it leaves is seen again

Window = dict[str, tuple[int, int]]  # each member's allowed patterns, as a range [first, end) of their sorted list


@dataclass(frozen=True)
class Swept:
    relaxed: Relaxed  # the bound, and the best share-out
    proven: bool  # the bound is the best share-out's spread
    spent_s: float  # of the budget


def sweep_first(patterns: dict[str, list[Pattern]]) -> bool:
    """Whether this is a large team whose members have few patterns, each carrying a few shifts: the sweep settles
    its spread faster than CP-SAT. A small team's spread CP-SAT proves in well under a second, so there the sweep
    waits its turn."""
    return len(patterns) >= LARGE_TEAM and sum(map(len, patterns.values())) <= FEW_PATTERNS * len(patterns)


class Sweep:
    """The spread's bound and best share-out, from a starting share-out and the members' patterns (patterns_for,
    from this share-out or a worse one). Run again with more time, it goes on where it stopped.

    Windows are settled in the order of a quick bound on their spread (the most promising first), so that a better
    share-out soon shrinks every window; those a first short look leaves open are seen again at the end, with the
    time left, and by then the smaller windows often refute themselves. A window once settled stays settled: the
    best spread only falls, and every window with it."""

    def __init__(self, agg: Aggregate, start: Counts, patterns: dict[str, list[Pattern]], budget: Budget) -> None:
        self._state = SweepState(agg, patterns, start, budget)
        self._unseen: deque[int] | None = None  # windows yet to have their first look, most promising first
        self._open: list[int] = []  # windows a look left open

    def offer(self, counts: Counts) -> None:
        """A share-out found elsewhere (by CP-SAT on the aggregate model): the best from now on, if it is better."""
        self._state.offer(counts)

    def run(self, time_s: float) -> Swept:
        state = self._state
        started = state.budget.spent()
        state.until_s = started + time_s
        if self._unseen is None:
            self._unseen = deque(state.promising_windows())
        while self._unseen and state.left() > 0:
            low = self._unseen.popleft()
            if state.settle(low, FIRST_LOOK_S) is not None:
                self._open.append(low)
        window_bounds, still_open = [], []
        for i, low in enumerate(self._open):
            share = state.left() / (len(self._open) - i)  # the time left, evenly
            if (window_bound := state.settle(low, share)) is not None:
                window_bounds.append(window_bound)
                still_open.append(low)
        self._open = still_open
        window_bounds += [least for low in self._unseen if (least := state.least_spread(low)) is not None]
        bound = min([state.upper, *window_bounds])
        relaxed = Relaxed(bound, state.best, state.upper)
        return Swept(relaxed, bound >= state.upper, state.budget.spent() - started)


class SweepState:
    """The sweep's state: the best share-out so far, its spread (`upper`), and when this run must end."""

    def __init__(self, agg: Aggregate, patterns: dict[str, list[Pattern]], best: Counts, budget: Budget) -> None:
        self.agg, self.total, self.best, self.upper = agg, balance_total(agg), best, share_spread(agg, best)
        self.patterns: dict[str, list[Pattern]] = {m: sorted(options) for m, options in patterns.items()}
        self.balances: dict[str, list[int]] = {m: [p.balance for p in options] for m, options in self.patterns.items()}
        # Each projection's target (the period's totals) and coordinates of every pattern, computed once: windows
        # are slices of these lists.
        self.projections = [
            (
                project(tuple(agg.totals.items()), projection),
                {m: [project(p.counts, projection) for p in options] for m, options in self.patterns.items()},
            )
            for projection in projections(agg)
        ]
        self.budget = budget
        self.until_s = 0.0  # the budget's spent() by which this run ends (Sweep.run)

    def left(self) -> float:
        return min(self.until_s - self.budget.spent(), self.budget.left())

    def promising_windows(self) -> list[int]:
        """The windows that may hold a better share-out, by their starts, most promising first."""
        size = len(self.patterns)
        starts = {p.balance for options in self.patterns.values() for p in options if p.balance * size <= self.total}
        least = {low: spread for low in starts if (spread := self.least_spread(low)) is not None}
        return [low for low in sorted(least, key=lambda low: (least[low], low)) if least[low] < self.upper]

    def offer(self, counts: Counts) -> None:
        if (spread := share_spread(self.agg, counts)) < self.upper:
            self.best, self.upper = counts, spread

    def window(self, low: int) -> Window | None:
        """Each member's patterns with balance in [low, low + upper); None if the window is empty for someone, or
        starts too low: a better share-out's lowest balance is above mean - upper."""
        if (low + self.upper) * len(self.patterns) <= self.total:
            return None
        window = {}
        for member, balances in self.balances.items():
            first, end = bisect_left(balances, low), bisect_left(balances, low + self.upper)
            if first == end:
                return None
            window[member] = (first, end)
        return window

    def least_spread(self, low: int) -> int | None:
        """A spread no share-out whose lowest balance is `low` goes below: the highest of the members' lowest
        balances in the window, less `low`. None if the window holds no better share-out at all."""
        window = self.window(low)
        return None if window is None else self._least_spread(window, low)

    def settle(self, low: int, time_s: float) -> int | None:
        """Settle the window starting at `low`: None when it holds no share-out better than the best, else a
        lower bound on the spread of those it might hold. A better share-out found becomes the best."""
        window = self.window(low)
        if window is None:
            return None
        least = self._least_spread(window, low)
        if least >= self.upper or self._refuted(window):
            return None
        limit = min(time_s, self.left())
        if limit < LEAST_WINDOW_S:
            return least
        allowed = {member: self.patterns[member][first:end] for member, (first, end) in window.items()}
        result = best_in_window(self.agg, allowed, low, limit, self.budget)
        if result.found is not None:
            self.offer(result.found)
        if result.top_bound is None or result.top_bound - low >= self.upper:
            return None
        return max(result.top_bound - low, least)

    def _least_spread(self, window: Window, low: int) -> int:
        return max(self.balances[member][first] for member, (first, _) in window.items()) - low

    def _refuted(self, window: Window) -> bool:
        """Whether a projection's subset sum shows the window holds no share-out; one estimated dearer than the time
        left is skipped, and a work budget is charged each check's estimate."""
        for target, vectors in self.projections:
            if self.left() <= 0:
                return False  # out of time: every check would be skipped, and building one is not free
            options = [sorted(set(vectors[m][first:end])) for m, (first, end) in window.items()]
            check = SubsetSum(options, target)
            if check.cost_s > min(MOST_CHECK_S, self.left()):
                continue
            self.budget.charge(check.cost_s)
            if not check.adds_up():
                return True
        return False
