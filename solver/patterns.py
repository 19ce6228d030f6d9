"""A member's patterns: the counts of each class they could carry, each with the balance it gives them.

On a large team over a year each member carries one to four shifts, so a balance is a sum of a few loads minus a
fractional fair share, and the patterns that could beat a given spread are few. The window sweep (sweep.py)
works on them.
"""

from __future__ import annotations

from typing import NamedTuple

from solver.bounds import Aggregate, Counts, LoadClass
from solver.fairness import balance_constant

# Beyond this many patterns in all (few members, many shifts each), CP-SAT on the aggregate model does better
# than the sweep (docs/solver.md, "Sweeping windows").
MAX_PATTERNS = 50_000


class Pattern(NamedTuple):
    """What one member could carry: their non-zero counts by class, and the balance that gives them (scaled)."""

    balance: int
    counts: tuple[tuple[LoadClass, int], ...]


def balance_total(agg: Aggregate) -> int:
    """The members' balances' sum, whatever the share-out: every shift is someone's, so it is a constant."""
    constants = sum(balance_constant(agg.problem, m.id) for m in agg.problem.fairness_members)
    return sum(n * cls.load for cls, n in agg.totals.items()) + constants


def share_spread(agg: Aggregate, counts: Counts) -> int:
    """The spread of the balances a share-out (counts per member and class) gives, scaled."""
    balances = {m.id: balance_constant(agg.problem, m.id) for m in agg.problem.fairness_members}
    for (member, cls), n in counts.items():
        balances[member] += n * cls.load
    return max(balances.values()) - min(balances.values())


def patterns_for(agg: Aggregate, start: Counts) -> dict[str, list[Pattern]] | None:
    """Each member's patterns that a share-out better than `start` could give them; None when too many."""
    total, size = balance_total(agg), len(agg.problem.fairness_members)
    upper = share_spread(agg, start)
    # Every balance b of a better share-out has |b - mean| < upper, in integers: |b * size - total| < upper * size.
    return _patterns_between(agg, (total - upper * size) // size + 1, -((-total - upper * size) // size) - 1)


def patterns_within(agg: Aggregate, spread: int, room: int = MAX_PATTERNS) -> dict[str, list[Pattern]] | None:
    """Each member's patterns that a share-out of spread `spread` or less could give them; None past `room`."""
    total, size = balance_total(agg), len(agg.problem.fairness_members)
    # Every balance b of such a share-out has |b - mean| <= spread: |b * size - total| <= spread * size.
    return _patterns_between(agg, -((-total + spread * size) // size), (total + spread * size) // size, room)


def _patterns_between(agg: Aggregate, low: int, high: int, room: int = MAX_PATTERNS) -> dict[str, list[Pattern]] | None:
    members = [m.id for m in agg.problem.fairness_members]
    patterns: dict[str, list[Pattern]] = {}
    for member in members:
        found = _Enumeration(agg, member, low, high, room).run()
        if found is None:
            return None
        patterns[member] = found
        room -= len(found)
    return patterns


class _Enumeration:
    """Every count vector the aggregate allows one member on their own, with its balance in [low, high]; None past
    `room` patterns. Depth-first over the member's classes, heaviest first, pruned by the balance range."""

    def __init__(self, agg: Aggregate, member: str, low: int, high: int, room: int) -> None:
        self.agg, self.member, self.low, self.high, self.room = agg, member, low, high, room
        self.classes = sorted((cls for m, cls in agg.counts if m == member), key=lambda cls: (-cls.load, cls))
        self.own_caps = [
            ([cls for _, cls in cap.keys], cap.most) for cap in agg.caps if all(m == member for m, _ in cap.keys)
        ]
        # The most load the classes from i on can still add: prunes branches that cannot reach `low`.
        self.reach = [0] * (len(self.classes) + 1)
        for i in reversed(range(len(self.classes))):
            cls = self.classes[i]
            self.reach[i] = self.reach[i + 1] + agg.limits[member, cls] * cls.load
        self.found: list[Pattern] = []
        self.chosen: list[tuple[LoadClass, int]] = []

    def run(self) -> list[Pattern] | None:
        return self.found if self._extend(0, balance_constant(self.agg.problem, self.member), 0) else None

    def _extend(self, i: int, balance: int, held: int) -> bool:
        """Choose counts for classes i onwards; False once past `room` patterns."""
        if balance + self.reach[i] < self.low:
            return True
        if i == len(self.classes):
            return self._record(balance)
        cls = self.classes[i]
        fewest = self.agg.pinned.get((self.member, cls), 0)
        most = min(self.agg.limits[self.member, cls], self.agg.most[self.member] - held)
        if cls.load:  # a load rounded to nothing (a tiny role weight) never pushes the balance up
            most = min(most, (self.high - balance) // cls.load)
        for n in range(fewest, most + 1):
            if n:
                self.chosen.append((cls, n))
            ok = self._extend(i + 1, balance + n * cls.load, held + n)
            if n:
                self.chosen.pop()
            if not ok:
                return False
        return True

    def _record(self, balance: int) -> bool:
        counts = dict(self.chosen)
        if all(sum(counts.get(cls, 0) for cls in classes) <= most for classes, most in self.own_caps):
            if len(self.found) >= self.room:
                return False
            self.found.append(Pattern(balance, tuple(self.chosen)))
        return True
