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

Its local optima are deep: a better share-out often needs several members to change at once. `improved_share`
goes on from one by iterated local search: a kick moves a few shifts between members picked at random (from a
seeded generator: the same kicks every time), the descent above follows, and the best share-out so far is where
the next kick starts.

It only proposes counts: a plan, and a starting point for CP-SAT on the aggregate model, which proves the bound.
"""

from __future__ import annotations

import random
from collections import defaultdict
from typing import NamedTuple

from solver.bounds import Aggregate, Counts, LoadClass, MemberClass
from solver.budget import Budget
from solver.fairness import balance_constant


class Step(NamedTuple):
    """A member's count of a class goes up or down by one."""

    member: str
    cls: LoadClass
    change: int


Move = list[Step]

MAX_MOVES = 10_000  # each move lowers the sum of squares, so the search ends anyway; this caps its time
STALE_KICKS = 200  # kicks in a row that find nothing better end the iterated search
KICK_WORK_PER_MEMBER = 1e-4  # a kick and its descent, in work units (budget.py), per member: about its wall time


def share_out(agg: Aggregate) -> Counts | None:
    """Counts per (member, class) meeting the aggregate's constraints with a small spread, or None if the
    opening share-out gets stuck (a class nobody left can take)."""
    search = _Search(agg)
    if not search.members or not search.start():
        return None
    search.descend()
    return search.share()


def improved_share(
    agg: Aggregate,
    start: Counts,
    time_s: float,
    budget: Budget,
    *,
    widest: int | None = None,
    good_enough: int | None = None,
) -> Counts:
    """The best share-out iterated local search finds from `start` in `time_s`, by (spread, sum of squares), or by
    the sum of squares alone among share-outs no wider than `widest`. Stops early at a spread of `good_enough`
    (a proven bound) with nothing left to gain, or after STALE_KICKS kicks in a row find nothing better."""
    search = _Search(agg, widest)
    if not search.members:
        return start
    search.load(start)
    search.descend()
    best, best_key = search.share(), search.key()
    rng = random.Random(budget.seed)
    ends, stale = budget.spent() + time_s, 0
    while budget.spent() < ends and stale < STALE_KICKS:
        if good_enough is not None and widest is None and best_key[0] <= good_enough:
            break
        search.load(best)
        search.kick(rng)
        search.descend()
        budget.charge(KICK_WORK_PER_MEMBER * len(search.members))
        if search.key() < best_key:
            best, best_key, stale = search.share(), search.key(), 0
        else:
            stale += 1
    return best


class _Search:
    def __init__(self, agg: Aggregate, widest: int | None = None) -> None:
        self.agg, self.widest = agg, widest
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

    def load(self, counts: Counts) -> None:
        """Make these the counts: one step per count that differs."""
        for member in self.members:
            for cls in self.classes:
                change = counts.get((member, cls), 0) - self.counts[member][cls]
                if change:
                    self.apply([Step(member, cls, change)])

    def share(self) -> Counts:
        return {
            (member, cls): self.counts[member][cls]
            for member in self.members
            for cls in self.classes
            if (member, cls) in self.agg.limits
        }

    def descend(self) -> None:
        for _ in range(MAX_MOVES):
            if not self.improve():
                break

    def kick(self, rng: random.Random) -> None:
        """A few shifts handed over or traded between members picked at random, within every limit."""
        wanted = rng.randint(2, 2 + len(self.members) // 4)
        done = 0
        for _ in range(50 * wanted):
            if done >= wanted or len(self.members) < 2:
                return
            giver, taker = rng.sample(self.members, 2)
            cls, other = rng.choice(self.classes), rng.choice(self.classes)
            move = [Step(giver, cls, -1), Step(taker, cls, 1)]
            if other != cls and rng.random() < 0.5:
                move += [Step(giver, other, 1), Step(taker, other, -1)]
            if self._open(move):
                self.apply(move)
                done += 1

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
        """What the search lowers: (spread, sum of squares); with `widest`, any spread up to it counts as none."""
        values = self.balance.values()
        spread = max(values) - min(values)
        if self.widest is not None:
            spread = max(0, spread - self.widest)
        return spread, sum(b * b for b in values)

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
