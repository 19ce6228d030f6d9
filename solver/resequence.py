"""Even spacing by re-sequencing: a few members' shifts, over a stretch of weeks, shared out again among them by a
small CP-SAT model.

What a part keeps depends on what the stage must not change. The short-gap stage's keeps each member's number of
shifts of each class, so their load and role counts, and with them the spread, the squared balances and even roles:
what changes is *when* each member is on call. The shortest-gap stage, ranked right after the spread with nothing
else held yet, keeps only what the spread needs: every member's balance within the rota's spread of every other's.
A part may then move a class of shift from one member to another (an ordinary week for a bank-holiday week, one role
for another), which lets a member whose free weeks of one class are few carry their load in other weeks, further
apart; held to each member's classes, the shortest gap would end where the plan's counts allow. The promise's pass
(promise.py), which ranks above the squared balances, keeps what the shortest-gap stage's keeps.

The small model holds only the freed shifts of the chosen members: every rule (one role a week, may hold, the least
gap between shifts counted from their other shifts and the history's last, pins untouched), no more weeks asked off
than before, and the spacing cost of those members' pairs of shifts. A part solves in milliseconds, where a step on
the whole rota model costs a presolve of all of it (neighbourhoods.py). Members are drawn in groups, often around
the member with the worst gap, from a generator seeded by the solve's seed; a part is kept if the rota's cost is
lower.
"""

from __future__ import annotations

import itertools
import random
from collections import defaultdict

from ortools.sat.python import cp_model

from solver.bounds import load_classes
from solver.budget import Budget
from solver.fairness import SPREAD, balance_constant
from solver.model import Pick, RotaModel, in_rota_order, scaled_loads
from solver.spacing import cycle_weeks, history_index, member_gaps, member_penalty, penalty


def longer_shortest_gaps(rm: RotaModel, picks: tuple[Pick, ...], budget: Budget, time_s: float) -> tuple[Pick, ...]:
    """The shortest-gap stage's polish: fewer gaps of each length, shortest first, then a lower short-gap cost."""
    return Resequencer(rm, picks, shortest_first=True).run(budget, time_s)


def fewer_short_gaps(rm: RotaModel, picks: tuple[Pick, ...], budget: Budget, time_s: float) -> tuple[Pick, ...]:
    """The short-gap stage's polish: a lower short-gap cost."""
    return Resequencer(rm, picks, shortest_first=False).run(budget, time_s)


def at_most_short_gaps(
    rm: RotaModel, picks: tuple[Pick, ...], most: int, budget: Budget, time_s: float
) -> tuple[Pick, ...]:
    """The promise's pass (promise.py): the gaps shorter than the cycle down to `most`, each balance within the
    spread (a class of shift may move between members), the least gap kept; it ends as soon as there are no more
    than `most`."""
    return Resequencer(rm, picks, shortest_first=False, most_short_gaps=most).run(budget, time_s)


GROUP = 5  # members re-sequenced together
STEP_S = 0.1  # CP-SAT's time on one part, at most
STALE_STEPS = 200  # parts in a row that change nothing end the search

Cost = tuple[int, ...]  # of the whole rota, compared in order


class Resequencer:
    """The rota as each member's on-call weeks and roles, re-sequenced part by part."""

    def __init__(
        self, rm: RotaModel, picks: tuple[Pick, ...], shortest_first: bool, most_short_gaps: int | None = None
    ) -> None:
        problem = self.problem = rm.problem
        self.rm, self.shortest_first, self.most_short_gaps = rm, shortest_first, most_short_gaps
        self.cycle, self.least = cycle_weeks(problem), rm.gap_weeks
        self.index = {week: i for i, week in enumerate(problem.weeks)}
        self.classes = load_classes(problem)
        self.members = [m.id for m in problem.fairness_members]
        self.past = {m: history_index(problem, m) for m in self.members}
        self.pinned = set(problem.pins_in_period())
        self.avoided = {m: {self.index[w] for w in problem.avoided_weeks(m)} for m in self.members}
        # Else each balance within the spread (see the module's docstring).
        self.keeps_classes = not shortest_first and most_short_gaps is None
        self.loads = scaled_loads(problem)
        self.constant = {m: balance_constant(problem, m) for m in self.members}
        self.held: dict[str, dict[int, str]] = defaultdict(dict)  # member -> week index -> role
        self.others: list[Pick] = []  # picks of members outside the fairness members: never moved
        for pick in picks:
            if pick.member in self.past:
                self.held[pick.member][self.index[pick.week]] = pick.role
            else:
                self.others.append(pick)
        self.spread = SPREAD.measure(problem, picks)  # the widest any part may leave the balances

    def balance(self, member: str, shifts: dict[int, str] | None = None) -> int:
        """A member's balance in thousandths (fairness.py), with all their shifts or only `shifts`."""
        held = self.held[member] if shifts is None else shifts
        return self.constant[member] + sum(self.loads[self.problem.weeks[w], role] for w, role in held.items())

    def picks(self) -> tuple[Pick, ...]:
        weeks = self.problem.weeks
        moved = [Pick(m, weeks[w], role) for m, held in self.held.items() for w, role in held.items()]
        return in_rota_order(self.problem, [*moved, *self.others])

    def cost(self) -> Cost:
        """The shortest-gap stage's: gaps of each length, shortest first, then the short-gap cost. The short-gap
        stage's: its cost, then crowding (gaps short of two cycles, squared), which leads to parts that lower it.
        The promise's pass puts first the short gaps over its most."""
        penalties = sum(member_penalty(sorted(self.held[m]), self.past[m], self.cycle) for m in self.members)
        gaps = [g for m in self.members for g in member_gaps(sorted(self.held[m]), self.past[m])]
        if self.shortest_first:
            return (*(sum(1 for g in gaps if g == length) for length in range(self.least, self.cycle)), penalties)
        crowding = sum(max(0, 2 * self.cycle - g) ** 2 for g in gaps)
        if self.most_short_gaps is not None:
            over = max(0, sum(1 for g in gaps if g < self.cycle) - self.most_short_gaps)
            return over, penalties, crowding
        return penalties, crowding

    def run(self, budget: Budget, time_s: float) -> tuple[Pick, ...]:
        if len(self.members) < 2 or self.cycle <= self.least:
            return self.picks()
        rng = random.Random(budget.seed)
        ends, stale, best = budget.spent() + time_s, 0, self.cost()
        while budget.spent() < ends and stale < STALE_STEPS and not self._kept(best):
            group = self._group(rng)
            before = {m: dict(self.held[m]) for m in group}
            if self._step(group, budget, min(STEP_S, ends - budget.spent())) and (cost := self.cost()) < best:
                best, stale = cost, 0
            else:
                self.held.update(before)
                stale += 1
        return self.picks()

    def _kept(self, cost: Cost) -> bool:
        """The promise's pass ends as soon as the promise holds: it owes nothing more, and every further step would
        trade the squared balances for what the short-gap stage already had its turn at."""
        return self.most_short_gaps is not None and cost[0] == 0

    def _group(self, rng: random.Random) -> list[str]:
        """Members to re-sequence together: half the time around the member with the shortest gap (or the
        dearest), the other half at random."""
        size = min(GROUP, len(self.members))
        if rng.random() < 0.5:
            return rng.sample(self.members, size)
        worst = min(self.members, key=lambda m: (self._shortest(m), m))
        others = [m for m in self.members if m != worst]
        return [worst, *rng.sample(others, size - 1)]

    def _shortest(self, member: str) -> int:
        return min(member_gaps(sorted(self.held[member]), self.past[member]), default=self.cycle)

    def _floor(self) -> int:
        """The least gap a part must keep: the shortest-gap stage's cost never accepts a gap below the rota's
        shortest, so a part need not consider one, which makes it smaller and quicker."""
        if not self.shortest_first:
            return self.least
        return max(self.least, min(self._shortest(m) for m in self.members))

    def _step(self, group: list[str], budget: Budget, time_s: float) -> bool:
        """The group's movable shifts shared out again by CP-SAT; True if it found a sharing (stored in `held`)."""
        part = _Part(self, group, self._floor())
        if not part.slots:
            return False
        # Without the linear relaxation: a part is small and its search short, and the relaxation's cut rounds cost
        # more than they prune (a part is solved in about two thirds of the time).
        solver, status = budget.solve(part.model, time_s, linearization_level=0)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return False
        part.store(solver)
        return True


class _Part:
    """The small model of one part: x[m, slot] for the group's movable shifts."""

    def __init__(self, state: Resequencer, group: list[str], least: int) -> None:
        self.state, self.model, self.least = state, cp_model.CpModel(), least
        weeks = state.problem.weeks
        self.slots = [
            (w, role) for m in group for w, role in state.held[m].items() if Pick(m, weeks[w], role) not in state.pinned
        ]
        self.fixed = {m: [w for w, role in state.held[m].items() if (w, role) not in self.slots] for m in group}
        self.x: dict[tuple[str, int, str], cp_model.IntVar] = {}
        for m in group:
            for w, role in self.slots:
                if self._allowed(m, w, role):
                    var = self.model.new_bool_var(f"x[{m},{w},{role}]")
                    self.x[m, w, role] = var
                    self.model.add_hint(var, state.held[m].get(w) == role)
        self.group = group
        self._rules()
        self._objective()

    def _allowed(self, member: str, w: int, role: str) -> bool:
        state = self.state
        if not state.rm.may_hold(Pick(member, state.problem.weeks[w], role)):
            return False
        past = state.past[member]
        if past is not None and w - past < self.least:
            return False
        return all(abs(w - f) >= self.least for f in self.fixed[member])

    def _on(self, member: str, w: int) -> list[cp_model.IntVar]:
        return [var for (m, week, _), var in self.x.items() if m == member and week == w]

    def _rules(self) -> None:
        """Each slot one holder; each member their classes (or their balance within the spread), one role a week, the
        least gap; no more weeks off."""
        state, model = self.state, self.model
        for w, role in self.slots:
            model.add_exactly_one([var for (m, week, r), var in self.x.items() if week == w and r == role])
        for m in self.group:
            if state.keeps_classes:
                self._classes_kept(m)
            candidate = sorted({w for (member, w, _) in self.x if member == m})
            for first in candidate:
                window = [var for w in candidate if first <= w < first + self.least for var in self._on(m, w)]
                if len(window) > 1:
                    model.add_at_most_one(window)
        if not state.keeps_classes:
            self._balances_within_spread()
        hits = sum(
            1
            for m in self.group
            for w, role in state.held[m].items()
            if w in state.avoided[m] and (w, role) in self.slots
        )
        model.add(sum(var for (m, w, _), var in self.x.items() if w in state.avoided[m]) <= hits)

    def _classes_kept(self, member: str) -> None:
        """The member holds as many of the freed shifts of each class as they held before."""
        state, weeks = self.state, self.state.problem.weeks
        owed: dict[object, int] = defaultdict(int)
        for w, role in state.held[member].items():
            if (w, role) in self.slots:
                owed[state.classes[weeks[w], role]] += 1
        by_class: dict[object, list[cp_model.IntVar]] = defaultdict(list)
        for (m, w, role), var in self.x.items():
            if m == member:
                by_class[state.classes[weeks[w], role]].append(var)
        for cls in set(owed) | set(by_class):
            self.model.add(sum(by_class[cls]) == owed[cls])

    def _balances_within_spread(self) -> None:
        """Every balance in the group within the rota's spread of every other balance, in the group or not."""
        state, model, weeks = self.state, self.model, self.state.problem.weeks
        others = [state.balance(m) for m in state.members if m not in self.group]
        balances: dict[str, cp_model.LinearExprT] = {}
        for m in self.group:
            kept = {w: role for w, role in state.held[m].items() if (w, role) not in self.slots}
            moved = [state.loads[weeks[w], role] * var for (member, w, role), var in self.x.items() if member == m]
            balances[m] = state.balance(m, kept) + sum(moved)
            if others:
                model.add(balances[m] <= min(others) + state.spread)
                model.add(balances[m] >= max(others) - state.spread)
        for a, b in itertools.permutations(self.group, 2):
            model.add(balances[a] <= balances[b] + state.spread)

    def _objective(self) -> None:
        """The group's spacing cost: pairs of a free and a fixed shift are linear, two free ones a product."""
        state, model = self.state, self.model
        terms: list[cp_model.LinearExprT] = []
        for m in self.group:
            past = state.past[m]
            fixed = [*self.fixed[m], *([] if past is None else [past])]
            candidate = sorted({w for (member, w, _) in self.x if member == m})
            on = {w: sum(self._on(m, w)) for w in candidate}
            for w in candidate:
                cost = sum(self._cost(abs(w - f)) for f in fixed)
                if cost:
                    terms.append(cost * on[w])
            for i, w in enumerate(candidate):
                for later in candidate[i + 1 :]:
                    if later - w >= state.cycle:
                        break
                    both = model.new_bool_var("")
                    model.add(both >= on[w] + on[later] - 1)
                    terms.append(self._cost(later - w) * both)
        model.minimize(sum(terms))

    def _cost(self, distance: int) -> int:
        """A pair's cost: the shortest-gap stage weighs each week shorter far above the next."""
        cost = penalty(distance, self.state.cycle)
        return cost**3 if self.state.shortest_first else cost

    def store(self, solver: cp_model.CpSolver) -> None:
        state = self.state
        for m in self.group:
            for w in [w for w, role in state.held[m].items() if (w, role) in self.slots]:
                del state.held[m][w]
        for (m, w, role), var in self.x.items():
            if solver.boolean_value(var):
                state.held[m][w] = role
