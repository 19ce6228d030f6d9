"""A rota carrying a plan (each member's shifts of each class), with each member's shifts spread evenly over the
period: the way a blind rotation is even by construction, with fair counts instead of equal ones.

A member with n planned shifts over W weeks is due every W / n weeks: first half an interval in, or a whole one
after their last shift in the history, and then an interval after each shift they take (stride scheduling). Week
by week, each shift goes to the member most overdue among those who still owe a shift of its class and may take
it, unless that would leave them too few weeks of a class to place what they owe of it. Before lateness come three
things that keep the plan carriable: a member whose owed shifts only just fit in the weeks left goes first; a week
they asked to avoid goes to someone else if anyone can take it, and so does a week within rest of a scarce class's
week (a bank holiday) they still owe. Roles with the fewest candidates go first within a week. It keeps every hard
rule.

Where a week has nobody for a role, it jumps back: the members who owe the role's class and could take the week
but for the least gap were used too early, so it returns to the latest week one of them took, bars them from it
and goes on from there (conflict-directed backjumping, at most MAX_BACKJUMPS_PER_WEEK jumps per week of the
period). Where that does not place every week, CP-SAT carries the plan on from the most weeks placed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import NamedTuple

from solver.bounds import HALL_WEEKS, Counts, LoadClass, load_classes
from solver.budget import Budget
from solver.model import Pick, RotaModel, in_rota_order
from solver.spacing import history_index, most_apart

SPARE_ENOUGH = 2  # weeks to spare beyond which a member is not pressed for time
MAX_BACKJUMPS_PER_WEEK = 4  # the search's cap, per week of the period: each jump redoes a few weeks


def sequence(
    rm: RotaModel, plan: Counts, budget: Budget, ends: float, *, widest_gap: bool
) -> tuple[tuple[Pick, ...], int]:
    """The plan's shifts placed week by week, each member's evenly spaced, and how many weeks were placed before it
    got stuck (all of them, unless it did; none once the budget has spent `ends`).

    Placed with a least gap between a member's shifts: the model's (rest + 1, or the gap the shortest-gap stage
    held). With `widest_gap`, where that places every week, then the longest least gap that still does, found by
    bisection up to what the plan's counts allow (and the natural cycle) while the budget has not spent `ends`:
    lateness alone lets a member fall due soon after a shift they were given early, and a least gap is what keeps
    the shortest gaps long."""
    weeks = len(rm.problem.weeks)
    if budget.spent() >= ends:
        return (), 0
    best = _Sequencer(rm, plan, rm.gap_weeks).run()
    if best[1] < weeks or not widest_gap:
        return best
    low, high = rm.gap_weeks, max(rm.gap_weeks, min(rm.problem.natural_cycle_weeks, _widest_gap(plan, weeks)))
    while low < high and budget.spent() < ends:
        gap = (low + high + 1) // 2
        picks, placed = _Sequencer(rm, plan, gap).run()
        if placed == weeks:
            best, low = (picks, placed), gap
        else:
            high = gap - 1
    return best


def _widest_gap(plan: Counts, weeks: int) -> int:
    """The longest least gap the plan's counts allow: a member with n shifts needs (n - 1) gaps in the weeks."""
    shifts: dict[str, int] = defaultdict(int)
    for (member, _), count in plan.items():
        shifts[member] += count
    return min([weeks, *((weeks - 1) // (n - 1) for n in shifts.values() if n >= 2)])


class _State(NamedTuple):
    """What placing a week changes: the shifts each member still owes, their last week, when they are next due."""

    owed: dict[str, dict[LoadClass, int]]
    last: dict[str, int]
    due: dict[str, float]


class _Sequencer:
    def __init__(self, rm: RotaModel, plan: Counts, least_gap: int) -> None:
        problem = self.problem = rm.problem
        self.rm, self.classes = rm, load_classes(problem)
        self.owed: dict[str, dict[LoadClass, int]] = defaultdict(lambda: defaultdict(int))
        for (member, cls), count in plan.items():
            self.owed[member][cls] += count
        self.least_gap = least_gap  # weeks from one of a member's shifts to their next, at least
        self.order = {m.id: i for i, m in enumerate(problem.team.members)}
        self.avoided = {m.id: problem.avoided_weeks(m.id) for m in problem.team.members}
        self.pinned = {(week, role): member for member, week, role in problem.pins_in_period()}
        self.pinned_weeks: dict[str, list[int]] = defaultdict(list)
        index = {week: i for i, week in enumerate(problem.weeks)}
        for member, week, role in problem.pins_in_period():
            self.pinned_weeks[member].append(index[week])
            self.owed[member][self.classes[week, role]] -= 1  # owed from the start: nobody else's to place
        self.class_weeks: dict[LoadClass, list[int]] = defaultdict(list)
        for (week, _), cls in sorted(self.classes.items()):
            self.class_weeks[cls].append(index[week])
        self.scarce = {cls: weeks for cls, weeks in self.class_weeks.items() if len(set(weeks)) <= HALL_WEEKS}
        weeks = len(problem.weeks)
        self.interval = {
            m: weeks / max(1, sum(owed.values()) + len(self.pinned_weeks[m])) for m, owed in self.owed.items()
        }
        self.free: dict[str, list[int]] = {
            member: [
                i for i, w in enumerate(problem.weeks) if any(rm.may_hold(Pick(member, w, r)) for r in problem.roles)
            ]
            for member in self.owed
        }
        self.last: dict[str, int] = {}
        self.due: dict[str, float] = {}
        for member, interval in self.interval.items():
            last_past = history_index(problem, member)
            self.due[member] = interval / 2 if last_past is None else last_past + interval
            if last_past is not None:
                self.last[member] = last_past

    def run(self) -> tuple[tuple[Pick, ...], int]:
        """The shifts of the most weeks placed, from the first, and how many weeks that is."""
        weeks = self.problem.weeks
        placed: list[list[Pick]] = []  # each placed week's shifts
        saved: list[_State] = []  # the state as each placed week began
        barred: dict[int, set[str]] = defaultdict(set)  # week index -> members the backjumps took it from
        best: list[Pick] = []
        best_weeks, jumps = 0, 0
        while len(placed) < len(weeks):
            i = len(placed)
            saved[i:] = [self._save()]
            week_picks, stuck_role = self._week(i, weeks[i], barred[i])
            if week_picks is not None:
                placed.append(week_picks)
                continue
            if i > best_weeks:
                best, best_weeks = [pick for shifts in placed for pick in shifts], i
            self._restore(saved[i])
            culprit = self._culprit(i, weeks[i], stuck_role)
            if culprit is None or jumps >= MAX_BACKJUMPS_PER_WEEK * len(weeks):
                return in_rota_order(self.problem, best), best_weeks
            back, member = culprit
            jumps += 1
            self._restore(saved[back])
            del placed[back:]
            for later in [w for w in barred if w > back]:
                del barred[later]
            barred[back].add(member)
        return in_rota_order(self.problem, [pick for shifts in placed for pick in shifts]), len(weeks)

    def _week(self, i: int, week: dt.date, barred: set[str]) -> tuple[list[Pick] | None, str]:
        """The week's shifts, pinned ones first, then roles by their fewest candidates; or None and the role
        nobody can take."""
        taken: dict[str, Pick] = {}
        for role in self.problem.roles:
            if (member := self.pinned.get((week, role))) is not None:
                taken[member] = self._take(member, i, Pick(member, week, role), pinned=True)
        open_roles = [role for role in self.problem.roles if (week, role) not in self.pinned]
        while open_roles:
            options = {role: self._candidates(i, Pick("", week, role), taken, barred) for role in open_roles}
            role = min(open_roles, key=lambda r: len(options[r]))
            if not options[role]:
                return None, role
            member = min(options[role], key=lambda m: self._priority(m, i, Pick(m, week, role)))
            taken[member] = self._take(member, i, Pick(member, week, role))
            open_roles.remove(role)
        return list(taken.values()), ""

    def _culprit(self, i: int, week: dt.date, role: str) -> tuple[int, str] | None:
        """Where to jump back to when week i has nobody for `role`: of the members who owe the role's class and could
        take week i but for the least gap, the one whose last shift is latest, and that shift's week; never a
        pinned week. None when nobody is held back by a week of this period."""
        cls = self.classes[week, role]
        held_back = [
            (self.last[member], member)
            for member, owed in self.owed.items()
            if owed[cls] > 0
            and self.rm.may_hold(Pick(member, week, role))
            and self.last.get(member, -1) >= 0
            and i - self.last[member] < self.least_gap
        ]
        for back, member in sorted(held_back, reverse=True):
            if back not in self.pinned_weeks[member]:
                return back, member
        return None

    def _save(self) -> _State:
        return _State({m: dict(owed) for m, owed in self.owed.items()}, dict(self.last), dict(self.due))

    def _restore(self, state: _State) -> None:
        self.owed = defaultdict(lambda: defaultdict(int))
        for member, owed in state.owed.items():
            self.owed[member].update(owed)
        self.last, self.due = dict(state.last), dict(state.due)

    def _candidates(self, i: int, shift: Pick, taken: dict[str, Pick], barred: set[str]) -> list[str]:
        cls = self.classes[shift.week, shift.role]
        return [
            member
            for member, owed in self.owed.items()
            if owed[cls] > 0
            and member not in taken
            and member not in barred
            and self.rm.may_hold(shift._replace(member=member))
            and (member not in self.last or i - self.last[member] >= self.least_gap)
            and all(abs(i - pinned) >= self.least_gap for pinned in self.pinned_weeks[member])
            and not self._shuts_out(member, i, cls)
        ]

    def _shuts_out(self, member: str, i: int, taking: LoadClass) -> bool:
        """Whether a shift in week i leaves the member too few weeks of a class to place what they owe of it, rest
        kept. Checked only where a class's weeks run short: elsewhere there is room."""
        for cls, owed in self.owed[member].items():
            left = owed - (cls == taking)
            later = [w for w in self.class_weeks[cls] if w > i]
            if left > 0 and len(later) <= (left + 1) * self.least_gap and most_apart(later, self.least_gap, i) < left:
                return True
        return False

    def _priority(self, member: str, i: int, shift: Pick) -> tuple[int, int, bool, bool, float, int]:
        """Lower goes first: a member with no weeks of this class to spare, then with no weeks at all to spare; a
        week not asked to avoid, nor near a scarce week still owed; then the most overdue."""
        this = self.classes[shift.week, shift.role]
        chances = sum(
            1
            for w in self.class_weeks[this]
            if w > i and self.rm.may_hold(Pick(member, self.problem.weeks[w], shift.role))
        )
        class_spare = chances - (self.owed[member][this] - 1)
        later = [w for w in self.free[member] if w > i]
        spare = most_apart(later, self.least_gap, i) - (sum(self.owed[member].values()) - 1)
        avoided = shift.week in self.avoided[member]
        owed = self.owed[member]
        near_scarce = any(
            owed[cls] > 0 and cls != this and any(0 < abs(i - w) < self.least_gap for w in weeks)
            for cls, weeks in self.scarce.items()
        )
        lateness = self.due[member] - i
        return (
            min(class_spare, SPARE_ENOUGH),
            min(spare, SPARE_ENOUGH),
            avoided,
            near_scarce,
            lateness,
            self.order[member],
        )

    def _take(self, member: str, i: int, shift: Pick, *, pinned: bool = False) -> Pick:
        if not pinned:  # a pin was owed from the start
            self.owed[member][self.classes[shift.week, shift.role]] -= 1
        self.last[member] = i
        self.due[member] = self.due.get(member, i) + self.interval.get(member, len(self.problem.weeks))
        return shift
