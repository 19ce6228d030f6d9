"""Even spacing by local search: trade shifts of the same class between members while that lowers close pairs.

By the spacing stage the spread, preferences and even roles are fixed at their best. Handing a shift to another
member and taking one of the same class (role and load) back changes none of them: every member keeps the same
number of shifts of each class, so the same load and the same role counts. What it changes is *when* each member
is on call, which is all that spacing measures. CP-SAT's search for spacing is heavy-tailed (on the example it
proves the optimum in 0.05 s or runs its whole share, depending on the seed); this search is cheap and steady,
and CP-SAT starts from its result.

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
from solver.model import scaled

Pick = tuple[str, dt.date, str]  # (member, week, role)

MAX_ROUNDS = 50  # each round tries every pair of shifts once; each taken trade lowers close pairs, so it ends


def close_pairs(problem: Problem, weeks_of: dict[str, list[int]]) -> int:
    """SPEC §6 objective 4, as solver/fairness.py counts it, for members' on-call week indices (sorted)."""
    return sum(_member_close_pairs(problem, member, weeks) for member, weeks in weeks_of.items())


def respace(problem: Problem, picks: tuple[Pick, ...]) -> tuple[Pick, ...]:
    """The rota with shifts traded between members while that lowers close pairs; the same rota if none does."""
    search = _Search(problem, list(picks))
    for _ in range(MAX_ROUNDS):
        if not search.round():
            break
    return tuple(sorted(search.picks, key=lambda p: (p[1], problem.roles.index(p[2]), p[0])))


def _member_close_pairs(problem: Problem, member: str, weeks: list[int]) -> int:
    cycle = problem.natural_cycle_weeks
    gap = problem.team.rules.min_rest_weeks + 1
    if cycle <= gap:
        return 0
    pairs = sum(1 for i, a in enumerate(weeks) for b in weeks[i + 1 :] if gap <= b - a < cycle)
    last = problem.last_week_on_call(member)
    if last is not None:
        first = problem.weeks[0]
        pairs += sum(1 for w in weeks if (first + dt.timedelta(weeks=w) - last).days < 7 * cycle)
    return pairs


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
        loads = {(s.week, s.role): scaled(s.load) for s in problem.shifts}
        self.load_class = {(p[1], p[2]): (p[2], loads[p[1], p[2]]) for p in picks}

    def weeks_of(self, member: str) -> list[int]:
        return sorted(self.index[week] for who, week, _ in self.picks if who == member)

    def round(self) -> bool:
        """Try every pair of tradeable shifts once; True if any trade was taken."""
        traded = False
        by_class: dict[tuple[str, int], list[int]] = defaultdict(list)
        for i, (member, week, role) in enumerate(self.picks):
            if (member, week, role) not in self.pinned and member in self.fairness:
                by_class[self.load_class[week, role]].append(i)
        for positions in by_class.values():
            for x, i in enumerate(positions):
                for j in positions[x + 1 :]:
                    if self._trade_helps(i, j):
                        (a, week_a, role_a), (b, week_b, role_b) = self.picks[i], self.picks[j]
                        self.picks[i], self.picks[j] = (b, week_a, role_a), (a, week_b, role_b)
                        traded = True
        return traded

    def _trade_helps(self, i: int, j: int) -> bool:
        (a, week_a, role_a), (b, week_b, role_b) = self.picks[i], self.picks[j]
        if a == b or week_a == week_b:
            return False
        if not (
            self._may_take(a, week_b, role_b, leaving=week_a) and self._may_take(b, week_a, role_a, leaving=week_b)
        ):
            return False
        hits_before = (week_a in self.avoided[a]) + (week_b in self.avoided[b])
        hits_after = (week_b in self.avoided[a]) + (week_a in self.avoided[b])
        if hits_after > hits_before:
            return False
        before_a, before_b = self.weeks_of(a), self.weeks_of(b)
        after_a = sorted([w for w in before_a if w != self.index[week_a]] + [self.index[week_b]])
        after_b = sorted([w for w in before_b if w != self.index[week_b]] + [self.index[week_a]])
        return self._key(a, after_a) + self._key(b, after_b) < self._key(a, before_a) + self._key(b, before_b)

    def _key(self, member: str, weeks: list[int]) -> int:
        """Close pairs first; then crowding, so that trades which leave the pairs as they are but spread a
        member's shifts out are taken too, and lead to trades that remove a pair."""
        reach = 2 * self.problem.natural_cycle_weeks
        crowding = sum(max(0, reach - (b - a)) ** 2 for a, b in itertools.pairwise(weeks))
        return _member_close_pairs(self.problem, member, weeks) * 10**9 + crowding

    def _may_take(self, member: str, week: dt.date, role: str, *, leaving: dt.date) -> bool:
        """Rules 2-5 for `member` holding `role` in `week` once they no longer hold their shift of `leaving`."""
        if not self.problem.may_hold(self.members[member], week, role):
            return False
        target = self.index[week]
        for who, other, _ in self.picks:
            if who == member and other != leaving and abs(self.index[other] - target) <= self.rest:
                return False  # another shift that week (rule 2) or within the rest (rule 5)
        return True
