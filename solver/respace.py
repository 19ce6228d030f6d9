"""Even spacing by local search: trade shifts of the same class between members while that lowers close pairs.

By the spacing stage the spread, preferences and even roles are fixed at their best. Handing a shift to another
member and taking one of the same class (role and load) back changes none of them: every member keeps the same
number of shifts of each class, so the same load and the same role counts. What it changes is *when* each member
is on call, which is all that spacing measures. CP-SAT's search for spacing is heavy-tailed; this search is cheap
and steady, and CP-SAT starts from its result.

A trade is taken only if it keeps every hard rule (the member may hold that role that week, holds no other role
then, rests between shifts; pins stay put), asks nobody to work a week they asked to avoid that they did not
already, and lowers (close pairs, crowding): crowding, the squared shortfall of gaps below two cycles, only breaks
ties, and leads to trades that remove a pair. First improvement, in a fixed order: deterministic.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict

from models.problem import Problem
from solver.bounds import LoadClass, load_classes
from solver.fairness import close_pairs_of
from solver.model import Pick, in_rota_order

MAX_ROUNDS = 50  # each round tries every pair of shifts once; each taken trade lowers close pairs, so it ends
PAIR_WEIGHT = 10**9  # a close pair outweighs any crowding


def respace(problem: Problem, picks: tuple[Pick, ...]) -> tuple[Pick, ...]:
    """The rota with shifts traded between members while that lowers close pairs; the same rota if none does."""
    search = _Search(problem, [Pick(*pick) for pick in picks])
    for _ in range(MAX_ROUNDS):
        if not search.round():
            break
    return in_rota_order(problem, search.picks)


class _Search:
    def __init__(self, problem: Problem, picks: list[Pick]) -> None:
        self.problem = problem
        self.picks = picks
        self.index = {week: i for i, week in enumerate(problem.weeks)}
        self.members = {m.id: m for m in problem.team.members}
        self.fairness = {m.id for m in problem.fairness_members}
        self.pinned = set(problem.pins_in_period())
        self.avoided = {m: problem.avoided_weeks(m) for m in self.members}
        self.rest = problem.team.rules.min_rest_weeks
        self.classes = load_classes(problem)

    def weeks_of(self, member: str) -> list[int]:
        return sorted(self.index[pick.week] for pick in self.picks if pick.member == member)

    def round(self) -> bool:
        """Try every pair of tradeable shifts once; True if any trade was taken."""
        traded = False
        by_class: dict[LoadClass, list[int]] = defaultdict(list)
        for i, pick in enumerate(self.picks):
            if pick not in self.pinned and pick.member in self.fairness:
                by_class[self.classes[pick.week, pick.role]].append(i)
        for positions in by_class.values():
            for x, i in enumerate(positions):
                for j in positions[x + 1 :]:
                    if self._trade_helps(i, j):
                        a, b = self.picks[i], self.picks[j]
                        self.picks[i], self.picks[j] = a._replace(member=b.member), b._replace(member=a.member)
                        traded = True
        return traded

    def _trade_helps(self, i: int, j: int) -> bool:
        a, b = self.picks[i], self.picks[j]
        if a.member == b.member or a.week == b.week:
            return False
        if not (self._may_take(a.member, b, leaving=a.week) and self._may_take(b.member, a, leaving=b.week)):
            return False
        hits_before = (a.week in self.avoided[a.member]) + (b.week in self.avoided[b.member])
        hits_after = (b.week in self.avoided[a.member]) + (a.week in self.avoided[b.member])
        if hits_after > hits_before:
            return False
        before_a, before_b = self.weeks_of(a.member), self.weeks_of(b.member)
        after_a = sorted([w for w in before_a if w != self.index[a.week]] + [self.index[b.week]])
        after_b = sorted([w for w in before_b if w != self.index[b.week]] + [self.index[a.week]])
        before = self._key(a.member, before_a) + self._key(b.member, before_b)
        return self._key(a.member, after_a) + self._key(b.member, after_b) < before

    def _key(self, member: str, weeks: list[int]) -> int:
        """Close pairs first; then crowding, so that trades which leave the pairs as they are but spread a
        member's shifts out are taken too, and lead to trades that remove a pair."""
        reach = 2 * self.problem.natural_cycle_weeks
        crowding = sum(max(0, reach - (b - a)) ** 2 for a, b in itertools.pairwise(weeks))
        return close_pairs_of(self.problem, {member: weeks}) * PAIR_WEIGHT + crowding

    def _may_take(self, member: str, shift: Pick, *, leaving: dt.date) -> bool:
        """Rules 2-5 for `member` holding `shift` once they no longer hold their shift of `leaving`."""
        if not self.problem.may_hold(self.members[member], shift.week, shift.role):
            return False
        target = self.index[shift.week]
        for pick in self.picks:
            if pick.member == member and pick.week != leaving and abs(self.index[pick.week] - target) <= self.rest:
                return False  # another shift that week (rule 2) or within the rest (rule 5)
        return True
