"""Local search by trades: two members swap shifts of the same class (role and load) while that lowers a cost; the
preferences stage's polish.

A trade keeps each member's number of shifts of each class, so their loads and role counts: the spread, the
squared balances and even roles stay as they are. What it changes is *when* each member is on call. A trade is
taken only if it keeps every hard rule (the member may hold that role that week, holds no other role then, keeps
the least gap between shifts: rest, or what the shortest-gap stage held; pins stay put) and adds no week anyone
asked to avoid. First improvement, in a fixed order: deterministic where it ends before its time does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from solver.bounds import LoadClass, load_classes
from solver.budget import Budget
from solver.model import Pick, RotaModel, in_rota_order
from solver.spacing import history_index

Cost = tuple[int, ...]  # compared in order; a trade adds the two members' costs place by place
MemberCost = Callable[[str, list[int]], Cost]  # a member and their on-call weeks (sorted indices) -> their cost
TRADE_WORK = 2e-5  # a trade tried, in work units (budget.py): about its wall time


def fewer_avoided_weeks(rm: RotaModel, picks: tuple[Pick, ...], budget: Budget, time_s: float) -> tuple[Pick, ...]:
    """Trades that take shifts out of weeks their members asked to avoid."""
    problem = rm.problem
    avoided = {m.id: problem.avoided_weeks(m.id) for m in problem.team.members}

    def cost(member: str, held: list[int]) -> Cost:
        return (sum(1 for w in held if problem.weeks[w] in avoided[member]),)

    return Trades(rm, picks, cost).run(budget, time_s)


class Trades:
    """The search's state: the picks, each member's on-call weeks, and the cost to lower."""

    def __init__(self, rm: RotaModel, picks: tuple[Pick, ...], cost: MemberCost) -> None:
        problem = rm.problem
        self.rm, self.cost = rm, cost
        self.picks = [Pick(*pick) for pick in picks]
        self.index = {week: i for i, week in enumerate(problem.weeks)}
        self.fairness = {m.id for m in problem.fairness_members}
        self.pinned = set(problem.pins_in_period())
        self.avoided = {m.id: problem.avoided_weeks(m.id) for m in problem.team.members}
        self.past = {m.id: history_index(problem, m.id) for m in problem.team.members}
        self.classes = load_classes(problem)
        self.weeks: dict[str, list[int]] = defaultdict(list)
        for pick in self.picks:
            self.weeks[pick.member].append(self.index[pick.week])
        for held in self.weeks.values():
            held.sort()

    def run(self, budget: Budget, time_s: float) -> tuple[Pick, ...]:
        """Rounds of trades until a round takes none, or the time is up."""
        ends = budget.spent() + time_s
        while budget.spent() < ends and self._round(budget, ends):
            pass
        return in_rota_order(self.rm.problem, self.picks)

    def _round(self, budget: Budget, ends: float) -> bool:
        """Try every pair of tradeable shifts once; True if any trade was taken."""
        by_class: dict[LoadClass, list[int]] = defaultdict(list)
        for i, pick in enumerate(self.picks):
            if pick not in self.pinned and pick.member in self.fairness:
                by_class[self.classes[pick.week, pick.role]].append(i)
        traded = False
        for positions in by_class.values():
            for x, i in enumerate(positions):
                if budget.spent() >= ends:
                    return traded
                budget.charge(TRADE_WORK * (len(positions) - x))
                for j in positions[x + 1 :]:
                    if self._helps(i, j):
                        self._trade(i, j)
                        traded = True
        return traded

    def _helps(self, i: int, j: int) -> bool:
        a, b = self.picks[i], self.picks[j]
        if a.member == b.member or a.week == b.week:
            return False
        if not (self._may_take(a.member, b, a) and self._may_take(b.member, a, b)):
            return False
        hits_before = (a.week in self.avoided[a.member]) + (b.week in self.avoided[b.member])
        if (b.week in self.avoided[a.member]) + (a.week in self.avoided[b.member]) > hits_before:
            return False
        wa, wb = self.index[a.week], self.index[b.week]
        after_a = sorted([w for w in self.weeks[a.member] if w != wa] + [wb])
        after_b = sorted([w for w in self.weeks[b.member] if w != wb] + [wa])
        before = _add(self.cost(a.member, self.weeks[a.member]), self.cost(b.member, self.weeks[b.member]))
        return _add(self.cost(a.member, after_a), self.cost(b.member, after_b)) < before

    def _may_take(self, member: str, shift: Pick, leaving: Pick) -> bool:
        """Rules 2-5 and the least gap for `member` holding `shift` once they no longer hold `leaving`."""
        if not self.rm.may_hold(shift._replace(member=member)):
            return False
        target, gap = self.index[shift.week], self.rm.gap_weeks
        last_past = self.past.get(member)
        if last_past is not None and target - last_past < gap:
            return False
        leaving_week = self.index[leaving.week]
        return all(abs(w - target) >= gap for w in self.weeks[member] if w != leaving_week)

    def _trade(self, i: int, j: int) -> None:
        a, b = self.picks[i], self.picks[j]
        wa, wb = self.index[a.week], self.index[b.week]
        self.weeks[a.member] = sorted([w for w in self.weeks[a.member] if w != wa] + [wb])
        self.weeks[b.member] = sorted([w for w in self.weeks[b.member] if w != wb] + [wa])
        self.picks[i], self.picks[j] = a._replace(member=b.member), b._replace(member=a.member)


def _add(one: Cost, other: Cost) -> Cost:
    return tuple(x + y for x, y in zip(one, other, strict=True))
