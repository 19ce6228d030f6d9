"""A fair share-out of shifts by class, found by local search on the aggregate model (bounds.py).

On a large team over a year, CP-SAT struggles to find a small spread: every member carries one to four shifts,
loads come in steps of half a week, and only a few holiday weeks weigh something in between. Which member gets
how many shifts of each class (role and load) decides the spread, and that is a small numbers problem: this
module solves it by hand's logic, fast, and a rota then realises the counts (solve.py). CP-SAT starts from it.

The search:
- start: the heaviest shifts first, each to the member furthest below their share who can still take it;
- improve: the member with the highest balance gives a shift to, or trades a heavier shift for a lighter one
  with, the lowest-balanced member who can take it; the lowest-balanced member likewise. A move is taken when it
  lowers (spread, sum of squared balances); the squares break ties, so the search crosses plateaus where the
  spread stays the same. It stops when no move helps. Deterministic: no randomness, fixed orders.

It only proposes counts: a plan, and a starting point for CP-SAT on the aggregate model (bounds.solve_relaxed),
which proves the bound.
"""

from __future__ import annotations

from collections import defaultdict

from solver.bounds import Aggregate, LoadClass
from solver.fairness import balance_constant

Step = tuple[str, LoadClass, int]  # a member's count of a class goes up or down by one

MAX_MOVES = 10_000  # each move lowers the sum of squares, so the search ends anyway; this caps its time


def share_out(agg: Aggregate) -> dict[tuple[str, LoadClass], int] | None:
    """Counts per (member, class) meeting the aggregate's constraints with a small spread, or None if the
    opening share-out gets stuck (a class nobody left can take)."""
    search = _Search(agg)
    if not search.members or not search.start():
        return None
    for _ in range(MAX_MOVES):
        if not search.improve():
            break
    return {
        (member, cls): search.counts[member][cls]
        for member in search.members
        for cls in search.classes
        if (member, cls) in agg.limits
    }


class _Search:
    def __init__(self, agg: Aggregate) -> None:
        self.agg = agg
        self.members = [m.id for m in agg.problem.fairness_members]
        self.classes = sorted(agg.totals, key=lambda cls: (-cls[1], cls[0]))  # heaviest first
        self.counts = {m: {cls: agg.pinned.get((m, cls), 0) for cls in self.classes} for m in self.members}
        self.held = {m: sum(self.counts[m].values()) for m in self.members}
        self.caps_of: dict[tuple[str, LoadClass], list[int]] = defaultdict(list)  # key -> indices in agg.caps
        for i, (keys, _) in enumerate(agg.caps):
            for key in keys:
                self.caps_of[key].append(i)
        self.cap_used = [sum(self.counts[m][cls] for m, cls in keys) for keys, _ in agg.caps]
        self.balance = {
            m: balance_constant(agg.problem, m) + sum(cls[1] * n for cls, n in self.counts[m].items())
            for m in self.members
        }

    def move(self, member: str, cls: LoadClass, step: int) -> None:
        self.counts[member][cls] += step
        for i in self.caps_of[member, cls]:
            self.cap_used[i] += step
        self.held[member] += step
        self.balance[member] += step * cls[1]

    def start(self) -> bool:
        for cls in self.classes:
            given = sum(self.counts[m][cls] for m in self.members)
            for _ in range(self.agg.totals[cls] - given):
                takers = [m for m in self.members if self._open([(m, cls, 1)])]
                if not takers:
                    return False
                self.move(min(takers, key=self.balance.__getitem__), cls, 1)
        return True

    def key(self) -> tuple[int, int]:
        values = self.balance.values()
        return max(values) - min(values), sum(b * b for b in values)

    def improve(self) -> bool:
        """Make the best of the moves open to the two extreme members; False when none lowers the key."""
        current = self.key()
        best: tuple[tuple[int, int], list[Step]] | None = None
        highest = max(self.members, key=self.balance.__getitem__)
        lowest = min(self.members, key=self.balance.__getitem__)
        for giver, partners in ((highest, self._ascending()), (lowest, self._descending())):
            for steps in self._candidate_moves(giver, partners, lowering=giver == highest):
                for member, cls, step in steps:
                    self.move(member, cls, step)
                key = self.key()
                for member, cls, step in steps:
                    self.move(member, cls, -step)
                if key < current and (best is None or key < best[0]):
                    best = (key, steps)
        if best is None:
            return False
        for member, cls, step in best[1]:
            self.move(member, cls, step)
        return True

    def _ascending(self) -> list[str]:
        return sorted(self.members, key=self.balance.__getitem__)

    def _descending(self) -> list[str]:
        return sorted(self.members, key=self.balance.__getitem__, reverse=True)

    def _candidate_moves(self, extreme: str, partners: list[str], *, lowering: bool) -> list[list[Step]]:
        """For each way the extreme member's load can move towards the middle (hand over a shift, or trade
        one class for another), the move with the first partner in `partners` order who can take part."""
        moves = []
        sign = -1 if lowering else 1  # the extreme member's step on the heavier class
        for heavy in self.classes:
            # Hand over (or take on) one shift of `heavy`, or trade it for a lighter class.
            swaps = [[(extreme, heavy, sign)]] + [
                [(extreme, heavy, sign), (extreme, light, -sign)] for light in self.classes if light[1] < heavy[1]
            ]
            for mine in swaps:
                if not self._open(mine):
                    continue
                for partner in partners:
                    theirs = [(partner, cls, -step) for _, cls, step in mine]
                    if partner != extreme and self._open(theirs):
                        moves.append(mine + theirs)
                        break
        return moves

    def _open(self, steps: list[Step]) -> bool:
        """Whether these steps keep every count within its limits, as a whole (a trade keeps the shift count)."""
        for member, cls, step in steps:
            count = self.counts[member][cls] + step
            if count < self.agg.pinned.get((member, cls), 0) or count > self.agg.limits.get((member, cls), 0):
                return False
        for member in {member for member, _, _ in steps}:
            if self.held[member] + sum(step for who, _, step in steps if who == member) > self.agg.most[member]:
                return False
        change: defaultdict[int, int] = defaultdict(int)
        for member, cls, step in steps:
            for i in self.caps_of[member, cls]:
                change[i] += step
        return all(self.cap_used[i] + step <= self.agg.caps[i][1] for i, step in change.items())
