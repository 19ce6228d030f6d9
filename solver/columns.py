"""The promise's search (promise.py) by column generation: the rota as one whole-period schedule per member.

A schedule (a column) is the weeks a member is on call and the role in each; the promise holds only without
history, so a schedule's gaps are its own. Its cost is its number of gaps shorter than the cycle, plus a tie-break
worth less than one gap: the member's squared balance, scaled so that all the members' together stay under 1. A
schedule is valid when it keeps every rule one member's shifts can break (may hold, the least gap, pins, no week
asked off that the member did not already hold) and puts the member's balance in the band of the rota handed in
(from its lowest balance to that plus its spread). Any choice of one schedule per member that covers each role each
week once is then a rota with that spread, which the stages proved optimal.

The master problem is that choice as a linear programme: a row for each role-week, one for each member. Columns
come from pricing: for each member, the schedule of least reduced cost, by dynamic programming over (week of the
latest shift, load so far), all members at once in numpy arrays over the load. Loads count in the greatest common
divisor of the period's shift loads, so the states are few: about a hundred a week on a year in half-day units.
Its optimum, less the tie-break, bounds from below the short gaps of every rota whose balances lie in that band.

A rota comes from diving on who holds what, not on whole schedules: the member-role-weeks the programme holds to
NEARLY_WHOLE or more (else the one it comes closest to holding whole) are pinned to their members and barred to
the others, and the programme priced again, until its solution is whole. Pinning holdings commits far less than
fixing a member's year, and the pricing after it finds the schedules that fit around them. A pin after which the
programme's value is out of reach is undone (a batch is tried again as its first pin alone) and the holding barred
instead: a depth-first search, for as many backtracks as the time and BACKTRACKS_PER_MEMBER allow.

Two dives, where the root programme allows the promise's count (`most`): the first minimises the short gaps with
the squared balances as a tie-break, and its reach is a rota with no more than `most`; it finds one most reliably,
because its programme has room below `most`. The second holds the count to `most` as a constraint (its shadow
price is what a short gap costs in the pricing) and minimises the squared balances, as the objectives rank them;
its programme sits on the boundary, so its dive dead-ends more often, and when it does the first dive's rota
stands. The one with the fewer squared balances is kept. Where even the root programme is over `most`, one dive
minimises the count. Either way the root value, less the most the tie-break can add, is a bound (`bound`) on the
short gaps of any rota in the band with that least gap.

Against re-sequencing a few members at a time (resequence.py), a column is one member's whole period: the trade
that balances a part-timer's load against the bank-holiday weeks, which no small part sees, is within its reach.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver import pywraplp

from solver.budget import Budget
from solver.fairness import SPREAD, balance_constant, balances_of
from solver.model import Pick, RotaModel, in_rota_order, scaled_loads
from solver.spacing import cycle_weeks, member_gaps

UNREACHABLE = -1e18
START = -1  # in a back-pointer: the schedule's first shift
UNCOVERED = 1000.0  # what a role-week or a member left without a schedule costs: keeps every programme feasible
ROUND_WORK = 0.02  # work charged for one round of the programme and pricing, under a work budget (budget.py)
BACKTRACKS_PER_MEMBER = 10
# The most (week, member, load) states the pricing may hold: three arrays of them. Loads whose common divisor is
# tiny (weights like 0.33) would need more; the promise's pass (resequence.py) is left to it then.
MAX_STATES = 4_000_000
WHOLE = 1 - 1e-6
NEARLY_WHOLE = 0.9  # holdings held to this share or more are pinned together

Slot = tuple[int, int]  # (week index, role index)
Schedule = tuple[Slot, ...]  # by week
Holding = tuple[int, int, int]  # (member index, week index, role index)


@dataclass
class _Column:
    member: int
    schedule: Schedule
    short: int  # gaps shorter than the cycle
    squares: float  # the member's squared balance, scaled (ColumnSearch.squares)
    var: pywraplp.Variable
    allowed: bool = True  # by the dive's decisions so far (the variable's upper bound)


@dataclass
class _Rules:
    """What a schedule may hold at one node of the dive, as arrays indexed by member."""

    may: np.ndarray  # [member, week, role]
    latest_pin: np.ndarray  # [week, member]: the latest pinned week before that week, -1 if none
    may_end: np.ndarray  # [member, week]: whether a schedule may end that week (not before the member's last pin)
    may_be_empty: list[bool]  # [member]: whether no shift at all is a schedule
    pins: list[set[Slot]]  # [member]: what every schedule of the member must hold


class ColumnSearch:
    """Member schedules for one rota's band: generated, then dived over."""

    def __init__(self, rm: RotaModel, picks: tuple[Pick, ...], least: int | None = None) -> None:
        problem = self.problem = rm.problem
        self.weeks, self.roles = problem.weeks, list(problem.roles)
        self.cycle, self.least = cycle_weeks(problem), max(rm.gap_weeks, least or 0)
        self.members = [m.id for m in problem.fairness_members]
        index = {week: i for i, week in enumerate(self.weeks)}
        loads = scaled_loads(problem)
        self.unit = math.gcd(*loads.values()) or 1
        self.load = np.array([[loads[week, role] // self.unit for role in self.roles] for week in self.weeks])
        balances = balances_of(problem, picks)
        low = min(balances.values())
        high = low + SPREAD.measure(problem, picks)
        constant = [balance_constant(problem, m) for m in self.members]
        # Each member's load in units: balance = constant + unit * load, within [low, high].
        self.band = [(max(0, -((c - low) // self.unit)), (high - c) // self.unit) for c in constant]
        self.size = max(top for _, top in self.band) + 1
        loads_in_units = np.arange(max(self.size, 1))
        self.in_band = np.array([(loads_in_units >= bottom) & (loads_in_units <= top) for bottom, top in self.band])
        # The squared balances' tie-break, under 1 for all members together.
        squares_weight = 1.0 / (1.0 + len(self.members) * float(max(low * low, high * high)))
        balances_by_load = np.array([c + self.unit * loads_in_units for c in constant], dtype=float)
        self.squares = squares_weight * balances_by_load**2
        self.most_squares = float(np.where(self.in_band, self.squares, 0.0).max(axis=1).sum())  # under 1
        self.held = [
            tuple(sorted((index[p.week], self.roles.index(p.role)) for p in picks if p.member == m))
            for m in self.members
        ]
        pinned = set(problem.pins_in_period())
        self.pins = [
            {(index[p.week], self.roles.index(p.role)) for p in picks if p.member == m and p in pinned}
            for m in self.members
        ]
        self.others = [p for p in picks if p.member not in set(self.members)]
        fixed = {(index[p.week], self.roles.index(p.role)) for p in self.others} | set().union(*self.pins)
        self.slots = [(w, r) for w in range(len(self.weeks)) for r in range(len(self.roles)) if (w, r) not in fixed]
        self.may = np.array([self._may(rm, i, fixed) for i in range(len(self.members))])
        self.bound: int | None = None  # the root programme's: no rota in the band has fewer short gaps

    def _may(self, rm: RotaModel, i: int, fixed: set[Slot]) -> np.ndarray:
        """Which role-weeks member i may take: what the rules allow, outside the role-weeks fixed to someone, and
        no week asked off that the member did not already hold (the preferences never get worse)."""
        member = self.members[i]
        avoided = self.problem.avoided_weeks(member)
        held_weeks = {w for w, _ in self.held[i]}
        may = np.zeros((len(self.weeks), len(self.roles)), dtype=bool)
        for w, week in enumerate(self.weeks):
            if week not in avoided or w in held_weeks:
                for r, role in enumerate(self.roles):
                    may[w, r] = (w, r) not in fixed and rm.may_hold(Pick(member, week, role))
        for w, r in self.pins[i]:
            may[w, :] = False
            may[w, r] = True
        return may

    def rules(self, pinned: dict[Holding, bool]) -> _Rules:
        """The schedules' rules with the dive's decisions: a holding pinned (True) or barred (False)."""
        may = self.may.copy()
        pins = [set(p) for p in self.pins]
        for (i, w, r), pin in pinned.items():
            if pin:
                may[:, w, r] = False
                may[i, w, :] = False
                may[i, w, r] = True
                pins[i].add((w, r))
            else:
                may[i, w, r] = False
        n_weeks = len(self.weeks)
        latest = np.array([[max((w for w, _ in p if w < week), default=-1) for p in pins] for week in range(n_weeks)])
        last = np.array([max((w for w, _ in p), default=-1) for p in pins])
        may_end = np.arange(n_weeks)[None, :] >= last[:, None]
        empty = [not p and bottom == 0 for p, (bottom, _) in zip(pins, self.band, strict=True)]
        return _Rules(may, latest, may_end, empty, pins)

    def fits(self, column: _Column, rules: _Rules) -> bool:
        i = column.member
        return all(rules.may[i, w, r] for w, r in column.schedule) and rules.pins[i] <= set(column.schedule)

    def short_gaps(self, schedule: Schedule) -> int:
        return sum(1 for gap in member_gaps([w for w, _ in schedule], None) if gap < self.cycle)

    def squared(self, i: int, schedule: Schedule) -> float:
        return float(self.squares[i, sum(int(self.load[w, r]) for w, r in schedule)])

    def valid(self, i: int, schedule: Schedule) -> bool:
        """Whether a schedule (the rota's own, say) is one pricing could give: in the band, may hold, pins and gaps."""
        load = sum(int(self.load[w, r]) for w, r in schedule)
        return (
            load < self.size
            and bool(self.in_band[i, load])
            and all(self.may[i, w, r] for w, r in schedule)
            and self.pins[i] <= set(schedule)
            and all(gap >= self.least for gap in member_gaps([w for w, _ in schedule], None))
        )

    def run(self, budget: Budget, time_s: float, most: int) -> tuple[Pick, ...] | None:
        """The rota the dives reach (see the module's docstring), or None if the time or the backtracks ran out
        first, a member's band holds no load at all, or the pricing would need more than MAX_STATES states."""
        if any(bottom > top for bottom, top in self.band):
            return None
        if len(self.weeks) * len(self.members) * self.size > MAX_STATES:
            return None
        ends = budget.spent() + time_s
        master = _Master(self)
        for i, schedule in enumerate(self.held):
            if self.valid(i, schedule):
                master.add(i, schedule)
        if not master.generate(self.rules({}), budget, ends):
            return None
        root = master.value()  # a rota's cost is its count of short gaps plus at most most_squares
        self.bound = math.ceil(root - self.most_squares - 1e-6) if root < UNCOVERED else None
        if root > most + self.most_squares + 1e-6:
            found = [self._dive(master, UNCOVERED, budget, ends)]
        else:
            found = [self._dive(master, most + self.most_squares + 1e-6, budget, ends)]
            master.hold_to(most)
            found.append(self._dive(master, self.most_squares + 1e-6, budget, ends))
        rotas = [columns for columns in found if columns is not None]
        if not rotas:
            return None
        return self._picks(min(rotas, key=lambda columns: sum(c.squares for c in columns)))

    def _dive(self, master: _Master, ceiling: float, budget: Budget, ends: float) -> list[_Column] | None:
        """Pin holdings until the programme's solution is whole, its value within `ceiling`: one schedule per member.
        None if the time or the backtracks run out first. A node pins at once every holding the solution holds to
        at least NEARLY_WHOLE, else the one it comes closest to holding; a batch that dead-ends is tried again as
        its first pin alone, a single pin is barred instead, and a bar is undone on the way back."""
        decisions: list[tuple[tuple[Holding, ...], bool]] = []
        backtracks = BACKTRACKS_PER_MEMBER * len(self.members)
        while True:
            rules = self.rules({holding: pin for holdings, pin in decisions for holding in holdings})
            master.restrict(rules)
            if not master.generate(rules, budget, ends):
                return None
            if master.value() <= ceiling and master.whole():
                return master.chosen()
            pins = master.nearest_whole() if master.value() <= ceiling else ()
            if pins:
                decisions.append((pins, True))
                continue
            while decisions and not decisions[-1][1]:
                decisions.pop()
            if not decisions or backtracks == 0:
                return None
            backtracks -= 1
            holdings, _ = decisions.pop()
            decisions.append(((holdings[0],), len(holdings) > 1))

    def _picks(self, columns: list[_Column]) -> tuple[Pick, ...]:
        picks = [Pick(self.members[c.member], self.weeks[w], self.roles[r]) for c in columns for w, r in c.schedule]
        return in_rota_order(self.problem, [*picks, *self.others])

    def price(self, duals: np.ndarray, rules: _Rules, short_cost: float) -> list[tuple[float, Schedule]]:
        """For each member, the schedule of greatest value (the duals of its role-weeks, less its cost) and that
        value, UNREACHABLE where none is valid. The arrays hold every member at once, each over the load."""
        n_weeks, size, cycle, least = len(self.weeks), self.size, self.cycle, self.least
        n_members = len(self.members)
        value = np.full((n_weeks, n_members, size), UNREACHABLE)
        came_from = np.full((n_weeks, n_members, size), START, dtype=np.int64)
        role_at = np.zeros((n_weeks, n_members, size), dtype=np.int64)
        far = np.full((n_members, size), UNREACHABLE)  # best over states a whole cycle or more before this week
        far_from = np.full((n_members, size), START, dtype=np.int64)
        for week in range(n_weeks):
            floor = rules.latest_pin[week]  # no schedule skips a pin: nothing before it leads past it
            if week > 0:
                far[floor != rules.latest_pin[week - 1]] = UNREACHABLE
            if week - cycle >= 0:
                better = (value[week - cycle] > far) & (week - cycle >= floor)[:, None]
                far, far_from = np.where(better, value[week - cycle], far), np.where(better, week - cycle, far_from)
            before, before_from = far.copy(), far_from.copy()
            starts = (floor < 0) & (before[:, 0] < 0.0)
            before[starts, 0], before_from[starts, 0] = 0.0, START
            for earlier in range(max(0, week - cycle + 1), week - least + 1):
                short = value[earlier] - short_cost
                better = (short > before) & (earlier >= floor)[:, None]
                before, before_from = np.where(better, short, before), np.where(better, earlier, before_from)
            for r in range(len(self.roles)):
                shift, rows = int(self.load[week, r]), rules.may[:, week, r]
                if shift >= size or not rows.any():
                    continue
                candidate = np.full((n_members, size), UNREACHABLE)
                candidate[:, shift:] = before[:, : size - shift] + duals[week, r]
                candidate_from = np.full((n_members, size), START, dtype=np.int64)
                candidate_from[:, shift:] = before_from[:, : size - shift]
                better = (candidate > value[week]) & rows[:, None]
                value[week] = np.where(better, candidate, value[week])
                came_from[week] = np.where(better, candidate_from, came_from[week])
                role_at[week] = np.where(better, r, role_at[week])
        ending = np.where(self.in_band[None] & rules.may_end.T[:, :, None], value - self.squares[None], UNREACHABLE)
        flat = ending.transpose(1, 0, 2).reshape(n_members, -1)
        best_at = flat.argmax(axis=1)
        found: list[tuple[float, Schedule]] = []
        for i in range(n_members):
            best = float(flat[i, best_at[i]])
            if rules.may_be_empty[i] and -float(self.squares[i, 0]) >= best:
                found.append((-float(self.squares[i, 0]), ()))
                continue
            if best <= UNREACHABLE / 2:
                found.append((UNREACHABLE, ()))
                continue
            schedule = []
            week, load = divmod(int(best_at[i]), size)
            while True:
                r = int(role_at[week, i, load])
                schedule.append((week, r))
                earlier = int(came_from[week, i, load])
                if earlier == START:
                    break
                week, load = earlier, load - int(self.load[week, r])
            found.append((best, tuple(sorted(schedule))))
        return found


class _Master:
    """The linear programme over the schedules so far: each role-week covered once, each member one schedule. A
    slack on each row at UNCOVERED a unit keeps it feasible, so that a dead end shows in its value."""

    def __init__(self, search: ColumnSearch) -> None:
        self.search = search
        self.lp = pywraplp.Solver.CreateSolver("CLP")
        self.cover = {slot: self.lp.Constraint(1, 1) for slot in search.slots}
        self.one = [self.lp.Constraint(1, 1) for _ in search.members]
        # The short gaps, at most the promise's count once the dive holds them to it (hold_to).
        self.count = self.lp.Constraint(-self.lp.infinity(), self.lp.infinity())
        self.held_to: int | None = None
        self.objective = self.lp.Objective()
        self.slack = []
        for row in [*self.cover.values(), *self.one]:
            var = self.lp.NumVar(0, 1, "")
            row.SetCoefficient(var, 1)
            self.objective.SetCoefficient(var, UNCOVERED)
            self.slack.append(var)
        over = self.lp.NumVar(0, self.lp.infinity(), "")
        self.count.SetCoefficient(over, -1)
        self.objective.SetCoefficient(over, UNCOVERED)
        self.slack.append(over)
        self.columns: list[_Column] = []
        self.known: set[tuple[int, Schedule]] = set()

    def add(self, i: int, schedule: Schedule) -> bool:
        if (i, schedule) in self.known:
            return False
        self.known.add((i, schedule))
        var = self.lp.NumVar(0, 1, "")
        self.one[i].SetCoefficient(var, 1)
        for slot in schedule:
            if slot in self.cover:
                self.cover[slot].SetCoefficient(var, 1)
        column = _Column(i, schedule, self.search.short_gaps(schedule), self.search.squared(i, schedule), var)
        self.count.SetCoefficient(var, column.short)
        self.objective.SetCoefficient(var, self._cost(column))
        self.columns.append(column)
        return True

    def _cost(self, column: _Column) -> float:
        """Until held: the count of short gaps first, the squared balances as a tie-break. Held: the squared
        balances, with the count a constraint."""
        return column.squares if self.held_to is not None else column.short + column.squares

    def hold_to(self, most: int) -> None:
        self.held_to = most
        self.count.SetUb(most)
        for column in self.columns:
            self.objective.SetCoefficient(column.var, self._cost(column))

    def restrict(self, rules: _Rules) -> None:
        """Only the columns that keep the dive's decisions may be chosen (a bound is set only where it changes)."""
        for column in self.columns:
            allowed = self.search.fits(column, rules)
            if allowed != column.allowed:
                column.var.SetUb(1 if allowed else 0)
                column.allowed = allowed

    def generate(self, rules: _Rules, budget: Budget, ends: float) -> bool:
        """Rounds of solving and pricing until no schedule prices in; False if the time ran out first."""
        search = self.search
        while True:
            if budget.spent() >= ends:
                return False
            self.lp.Solve()
            budget.charge(ROUND_WORK)
            duals = np.zeros((len(search.weeks), len(search.roles)))
            for (w, r), row in self.cover.items():
                duals[w, r] = row.dual_value()
            member_duals = [row.dual_value() for row in self.one]  # read before a column changes the programme
            # What one more short gap costs: 1 until held, then the count's shadow price.
            short_cost = 1.0 if self.held_to is None else max(0.0, -self.count.dual_value())
            added = 0
            for i, (value, schedule) in enumerate(search.price(duals, rules, short_cost)):
                if value + member_duals[i] > 1e-6 and self.add(i, schedule):
                    added += 1
            if not added:
                return True

    def value(self) -> float:
        return float(self.objective.Value())

    def whole(self) -> bool:
        """Whether the solution is a rota: every column chosen wholly or not at all, no slack."""
        return all(v.solution_value() < 1e-6 for v in self.slack) and all(
            c.var.solution_value() < 1e-6 or c.var.solution_value() > WHOLE for c in self.columns
        )

    def chosen(self) -> list[_Column]:
        return [c for c in self.columns if c.var.solution_value() > WHOLE]

    def nearest_whole(self) -> tuple[Holding, ...]:
        """The holdings the solution holds to at least NEARLY_WHOLE short of whole, else the one it comes closest
        to holding whole, nearest first; none if it holds each wholly or not at all (what is left fractional is
        slack). Nearly whole holdings never clash: each role-week's shares, and each member-week's, add up to 1."""
        held: dict[Holding, float] = {}
        for column in self.columns:
            share = column.var.solution_value()
            if share > 1e-6:
                for w, r in column.schedule:
                    held[column.member, w, r] = held.get((column.member, w, r), 0.0) + share
        open_ = sorted(
            ((share, holding) for holding, share in held.items() if share < WHOLE),
            key=lambda item: (-item[0], item[1]),
        )
        nearly = tuple(holding for share, holding in open_ if share >= NEARLY_WHOLE)
        return nearly or tuple(holding for _, holding in open_[:1])
