"""A fair share-out of shifts by class, found by local search on the aggregate model (bounds.py).

On a large team over a year, CP-SAT struggles to find a small spread: every member carries one to four shifts,
loads come in steps of half a week, and only a few holiday weeks weigh something in between. Which member gets
how many shifts of each class (role and load) decides the spread, and that is a small numbers problem: this
module solves it by hand's logic, fast, and a rota then carries the counts (stages.py). CP-SAT starts from it.

The search:
- start: the heaviest shifts first, each to the member furthest below their share who can still take it;
- improve: the member with the highest balance gives a shift to, or trades a heavier shift for a lighter one
  with, the lowest-balanced member who can take it; the lowest-balanced member likewise. A move is taken when it
  lowers (spread, sum of squared balances); the squares break ties, so the search crosses plateaus where the
  spread stays the same. It stops when no move helps. Deterministic: no randomness, fixed orders.

It only proposes counts: a plan, and a starting point for CP-SAT on the aggregate model, which proves the bound.
"""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

from solver.bounds import Aggregate, Counts, LoadClass, MemberClass
from solver.fairness import balance_constant


class Step(NamedTuple):
    """A member's count of a class goes up or down by one."""

    member: str
    cls: LoadClass
    change: int


Move = list[Step]

MAX_MOVES = 10_000  # each move lowers the sum of squares, so the search ends anyway; this caps its time


def share_out(agg: Aggregate) -> Counts | None:
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
        self.classes = sorted(agg.totals, key=lambda cls: (-cls.load, cls.role))  # heaviest first
        self.counts = {m: {cls: agg.pinned.get((m, cls), 0) for cls in self.classes} for m in self.members}
        self.held = {m: sum(self.counts[m].values()) for m in self.members}
        self.caps_of: dict[MemberClass, list[int]] = defaultdict(list)  # key -> indices in agg.caps
        for i, cap in enumerate(agg.caps):
            for key in cap.keys:
                self.caps_of[key].append(i)
        self.cap_used = [sum(self.counts[m][cls] for m, cls in cap.keys) for cap in agg.caps]
        self.balance = {
            m: balance_constant(agg.problem, m) + sum(cls.load * n for cls, n in self.counts[m].items())
            for m in self.members
        }

    def apply(self, move: Move, sign: int = 1) -> None:
        for step in move:
            change = sign * step.change
            self.counts[step.member][step.cls] += change
            for i in self.caps_of[step.member, step.cls]:
                self.cap_used[i] += change
            self.held[step.member] += change
            self.balance[step.member] += change * step.cls.load

    def start(self) -> bool:
        for cls in self.classes:
            given = sum(self.counts[m][cls] for m in self.members)
            for _ in range(self.agg.totals[cls] - given):
                takers = [m for m in self.members if self._open([Step(m, cls, 1)])]
                if not takers:
                    return False
                self.apply([Step(min(takers, key=self.balance.__getitem__), cls, 1)])
        return True

    def key(self) -> tuple[int, int]:
        values = self.balance.values()
        return max(values) - min(values), sum(b * b for b in values)

    def improve(self) -> bool:
        """Make the best of the moves open to the two extreme members; False when none lowers the key."""
        current = self.key()
        best_key, best_move = current, None
        highest = max(self.members, key=self.balance.__getitem__)
        lowest = min(self.members, key=self.balance.__getitem__)
        for extreme, partners in ((highest, self._ascending()), (lowest, self._descending())):
            for move in self._candidate_moves(extreme, partners, lowering=extreme == highest):
                self.apply(move)
                key = self.key()
                self.apply(move, -1)
                if key < best_key:
                    best_key, best_move = key, move
        if best_move is None:
            return False
        self.apply(best_move)
        return True

    def _ascending(self) -> list[str]:
        return sorted(self.members, key=self.balance.__getitem__)

    def _descending(self) -> list[str]:
        return sorted(self.members, key=self.balance.__getitem__, reverse=True)

    def _candidate_moves(self, extreme: str, partners: list[str], *, lowering: bool) -> list[Move]:
        """For each way the extreme member's load can move towards the middle (hand over a shift, or trade
        one class for another), the move with the first partner in `partners` order who can take part."""
        moves = []
        sign = -1 if lowering else 1  # the extreme member's step on the heavier class
        for heavy in self.classes:
            # Hand over (or take on) one shift of `heavy`, or trade it for a lighter class.
            swaps = [[Step(extreme, heavy, sign)]] + [
                [Step(extreme, heavy, sign), Step(extreme, light, -sign)]
                for light in self.classes
                if light.load < heavy.load
            ]
            for mine in swaps:
                if not self._open(mine):
                    continue
                for partner in partners:
                    theirs = [Step(partner, step.cls, -step.change) for step in mine]
                    if partner != extreme and self._open(theirs):
                        moves.append(mine + theirs)
                        break
        return moves

    def _open(self, move: Move) -> bool:
        """Whether these steps keep every count within its limits, as a whole (a trade keeps the shift count)."""
        for step in move:
            count = self.counts[step.member][step.cls] + step.change
            if count < self.agg.pinned.get((step.member, step.cls), 0):
                return False
            if count > self.agg.limits.get((step.member, step.cls), 0):
                return False
        for member in {step.member for step in move}:
            if self.held[member] + sum(step.change for step in move if step.member == member) > self.agg.most[member]:
                return False
        change: defaultdict[int, int] = defaultdict(int)
        for step in move:
            for i in self.caps_of[step.member, step.cls]:
                change[i] += step.change
        return all(self.cap_used[i] + more <= self.agg.caps[i].most for i, more in change.items())
