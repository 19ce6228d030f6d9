"""The spread's exact lower bound on large teams, by sweeping the window every balance must fall in.

On a large team over a year each member carries one to four shifts, so a balance is a sum of a few loads (7, 3.5
and a few holiday weights) minus a fractional fair share. Whether a spread below W exists is then a question of
numbers, which CP-SAT's linear relaxation cannot see and its search proves slowly: the 100-member year's
aggregate relaxation (bounds.py) took 36 s with 8 workers. Fixing where the window starts makes it small and exact:

- The balances sum to a constant, so in a share-out with spread below `upper` every balance lies within `upper`
  of their mean. A member's balance is that of their *pattern*, the counts per class they carry; patterns are
  enumerated per member from the aggregate's own constraints (limits, pins, the member's rest caps).
- The lowest balance is some pattern's balance, L. For each such L, only patterns with balance in
  [L, L + upper) are allowed. The window is refuted when a member has none left, or when no choice of one pattern
  per member adds up to the period's totals, counted in a few projections (load, shifts, holiday shifts, each
  holiday class's shifts, the heaviest role's shifts): a subset sum over members, on bitsets. It is exact for the
  projection, so it refutes soundly.
- The few windows left go to CP-SAT, a small model each, which finds a share-out with a smaller spread, proves
  there is none, or runs out of time; then its bound for that window is kept.

The result is a bound, min(upper, bounds of unsettled windows), exact when every window is settled, and the best
share-out found, the plan a rota is then asked to realise (solve.py). It holds for the aggregate model as
build_aggregate makes it, before any stage adds constraints: it is for the first stage, the spread.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, reduce
from math import gcd, prod

from ortools.sat.python import cp_model

from solver.bounds import Aggregate, LoadClass, Relaxed
from solver.bounds import balances as member_balances
from solver.fairness import balance_constant
from solver.model import deterministic

Counts = dict[tuple[str, LoadClass], int]
Pattern = tuple[int, tuple[tuple[LoadClass, int], ...]]  # (balance, the member's non-zero counts by class)

# Beyond this many patterns in all (few members, many shifts each), CP-SAT on the aggregate model does better: a
# 12-member, 3-role year (75,000) proved its spread there in its time and not in the sweep; a 20-member one (36,000)
# got a smaller spread from the sweep.
MAX_PATTERNS = 50_000
# A subset sum's cost, per step and per bit of each step, in CP-SAT's deterministic seconds, which it is counted
# against: fitted to some 290 checks on the 40-member year's windows (2.3e-6 and 7e-11 wall-clock seconds), where a
# deterministic second of the windows' CP-SAT models took 2.2 wall-clock seconds.
SECONDS_PER_STEP = 1.0e-6
SECONDS_PER_BIT_STEP = 3.2e-11
MOST_CHECK_S = 1.0  # a subset sum estimated dearer than this is skipped: it could only refute, never mislead
FEW_PATTERNS = 100  # per member, at most, for the sweep to go before CP-SAT (few())
LARGE_TEAM = 30  # members, at least, for the same
PATTERNS_FOR_COUNTS = 60  # patterns per member in a window beyond which its model counts by class (_best_in_window)
FIRST_LOOK_S = 0.5  # deterministic seconds for a window's model on the first pass; what it leaves is seen again


@dataclass(frozen=True)
class Swept:
    relaxed: Relaxed  # the bound, and the best share-out's counts
    proven: bool  # the bound is the best share-out's spread
    spent_s: float  # deterministic seconds used by CP-SAT, plus the subset sums' estimated time


def patterns_for(agg: Aggregate, start: Counts) -> dict[str, list[Pattern]] | None:
    """Each member's patterns that a share-out better than `start` could give them; None when too many."""
    members = [m.id for m in agg.problem.fairness_members]
    total = _balance_total(agg)
    upper, size = spread_of_share(agg, start), len(members)
    # Every balance b of a better share-out has |b - mean| < upper, in integers: |b * size - total| < upper * size.
    return _all_patterns(agg, members, (total - upper * size) // size + 1, -((-total - upper * size) // size) - 1)


def few(patterns: dict[str, list[Pattern]]) -> bool:
    """Whether this is a large team whose members have few patterns, each carrying a few shifts: the sweep settles
    its spread faster than CP-SAT (the 100-member year: 43 patterns a member; the 40-member year: 420; a 10-member
    year: 206). A small team's spread CP-SAT proves in well under a second, so there the sweep waits its turn."""
    return len(patterns) >= LARGE_TEAM and sum(map(len, patterns.values())) <= FEW_PATTERNS * len(patterns)


class Sweep:
    """The spread's bound and best share-out, from a starting share-out and the members' patterns (patterns_for,
    from this share-out or a worse one). Run again with more time, it goes on where it stopped.

    Windows are looked at in the order of a quick bound on their spread (the most promising first), so that a
    better share-out soon shrinks every window; those a first short look leaves open are seen again at the end,
    with the time left, and by then the smaller windows often refute themselves. A window once settled stays
    settled: the best spread only falls, and every window with it."""

    def __init__(
        self, agg: Aggregate, start: Counts, patterns: dict[str, list[Pattern]], workers: int, seed: int
    ) -> None:
        self._windows = _Windows(agg, patterns, _balance_total(agg), start, workers, seed)
        self._unseen: deque[int] | None = None  # windows yet to have their first look, most promising first
        self._open: list[int] = []  # windows a look left open

    def offer(self, counts: Counts) -> None:
        """A share-out found elsewhere (by CP-SAT on the aggregate model): the best from now on, if it is better."""
        self._windows.offer(counts)

    def run(self, time_limit_s: float) -> Swept:
        windows = self._windows
        started = windows.spent
        windows.time_limit_s = started + time_limit_s
        if self._unseen is None:
            self._unseen = deque(windows.first_looks())
        while self._unseen and windows.spent < windows.time_limit_s:
            low = self._unseen.popleft()
            if windows.look(low, FIRST_LOOK_S) is not None:
                self._open.append(low)
        window_bounds, still_open = [], []
        for i, low in enumerate(self._open):
            share = (windows.time_limit_s - windows.spent) / (len(self._open) - i)  # the time left, evenly
            if (window_bound := windows.look(low, share)) is not None:
                window_bounds.append(window_bound)
                still_open.append(low)
        self._open = still_open
        window_bounds += [floor for low in self._unseen if (floor := windows.floor(low)) is not None]
        bound = min([windows.upper, *window_bounds])
        return Swept(Relaxed(bound, windows.best), bound >= windows.upper, windows.spent - started)


class _Windows:
    """The sweep's state: the best share-out so far, its spread (`upper`), and the time spent."""

    def __init__(
        self, agg: Aggregate, patterns: dict[str, list[Pattern]], total: int, best: Counts, workers: int, seed: int
    ) -> None:
        self.agg, self.total, self.best, self.upper = agg, total, best, spread_of_share(agg, best)
        self.patterns: dict[str, list[Pattern]] = {m: sorted(options) for m, options in patterns.items()}
        self.balances: dict[str, list[int]] = {m: [b for b, _ in options] for m, options in self.patterns.items()}
        # Each projection's target (the period's totals) and coordinates of every pattern, computed once: windows
        # are slices of these lists.
        self.projections = [
            (
                _project(tuple(agg.totals.items()), projection),
                {m: [_project(counts, projection) for _, counts in options] for m, options in self.patterns.items()},
            )
            for projection in _projections(agg)
        ]
        self.workers, self.seed = workers, seed
        self.spent = 0.0
        self.time_limit_s = 0.0  # the time the sweep may have spent by the end of this run (Sweep.run)

    def first_looks(self) -> list[int]:
        """The windows that may hold a better share-out, by their starts, most promising first."""
        size = len(self.patterns)
        starts = {b for options in self.patterns.values() for b, _ in options if b * size <= self.total}
        floors = {low: floor for low in starts if (floor := self.floor(low)) is not None}
        return [low for low in sorted(floors, key=lambda low: (floors[low], low)) if floors[low] < self.upper]

    def offer(self, counts: Counts) -> None:
        if (spread := spread_of_share(self.agg, counts)) < self.upper:
            self.best, self.upper = counts, spread

    def window(self, low: int) -> dict[str, tuple[int, int]] | None:
        """Each member's patterns with balance in [low, low + upper), as a range of their list; None if the window
        is empty for someone, or starts too low: a better share-out's lowest balance is above mean - upper."""
        if (low + self.upper) * len(self.patterns) <= self.total:
            return None
        window = {}
        for member, balances in self.balances.items():
            first, end = bisect_left(balances, low), bisect_left(balances, low + self.upper)
            if first == end:
                return None
            window[member] = (first, end)
        return window

    def floor(self, low: int) -> int | None:
        """A spread no share-out whose lowest balance is `low` goes below: the highest of the members' lowest
        balances in the window, less `low`. None if the window holds no better share-out at all."""
        window = self.window(low)
        return None if window is None else self._floor(window, low)

    def look(self, low: int, time_limit_s: float) -> int | None:
        """Settle the window starting at `low`: None when it holds no share-out better than the best, else a
        lower bound on the spread of those it might hold. A better share-out found becomes the best."""
        window = self.window(low)
        if window is None:
            return None
        floor = self._floor(window, low)
        if floor >= self.upper or self._refuted(window):
            return None
        limit = min(time_limit_s, self.time_limit_s - self.spent)
        if limit < 0.01:
            return floor
        allowed = {member: self.patterns[member][first:end] for member, (first, end) in window.items()}
        found, top_bound, used = _best_in_window(self.agg, allowed, low, limit, self.workers, self.seed)
        self.spent += used
        if found is not None:
            self.offer(found)
        if top_bound is None or top_bound - low >= self.upper:
            return None
        return max(top_bound - low, floor)

    def _floor(self, window: dict[str, tuple[int, int]], low: int) -> int:
        return max(self.balances[member][first] for member, (first, _) in window.items()) - low

    def _refuted(self, window: dict[str, tuple[int, int]]) -> bool:
        """Whether a projection's subset sum shows the window holds no share-out; each check's estimated time
        counts against the limit, and one that would cost too much is skipped."""
        for target, vectors in self.projections:
            if self.spent >= self.time_limit_s:
                return False  # out of time: every check would be skipped, and building one is not free
            check = _SubsetSum([sorted(set(vectors[m][first:end])) for m, (first, end) in window.items()], target)
            if check.cost_s > min(MOST_CHECK_S, self.time_limit_s - self.spent):
                continue
            self.spent += check.cost_s
            if not check.adds_up():
                return True
        return False


def _balance_total(agg: Aggregate) -> int:
    """The members' balances' sum, whatever the share-out: every shift is someone's, so it is a constant."""
    members = agg.problem.fairness_members
    return sum(n * cls[1] for cls, n in agg.totals.items()) + sum(balance_constant(agg.problem, m.id) for m in members)


def spread_of_share(agg: Aggregate, counts: Counts) -> int:
    """The spread of the balances a share-out (counts per member and class) gives, scaled."""
    balances = {m.id: balance_constant(agg.problem, m.id) for m in agg.problem.fairness_members}
    for (member, cls), n in counts.items():
        balances[member] += n * cls[1]
    return max(balances.values()) - min(balances.values())


def _all_patterns(agg: Aggregate, members: list[str], low: int, high: int) -> dict[str, list[Pattern]] | None:
    patterns: dict[str, list[Pattern]] = {}
    room = MAX_PATTERNS
    for member in members:
        found = _patterns(agg, member, low, high, room)
        if found is None:
            return None
        patterns[member] = found
        room -= len(found)
    return patterns


def _patterns(agg: Aggregate, member: str, low: int, high: int, room: int) -> list[Pattern] | None:
    """Every count vector the aggregate allows this member on their own, with its balance in [low, high]; None
    past `room` patterns. Depth-first over the member's classes, heaviest first, pruned by the balance range."""
    classes = sorted((cls for m, cls in agg.counts if m == member), key=lambda cls: (-cls[1], cls))
    own_caps = [([cls for _, cls in keys], most) for keys, most in agg.caps if all(m == member for m, _ in keys)]
    constant = balance_constant(agg.problem, member)
    # The most load the classes from i on can still add: prunes branches that cannot reach `low`.
    reach = [0] * (len(classes) + 1)
    for i in reversed(range(len(classes))):
        reach[i] = reach[i + 1] + agg.limits[member, classes[i]] * classes[i][1]
    found: list[Pattern] = []
    chosen: list[tuple[LoadClass, int]] = []

    def extend(i: int, balance: int, held: int) -> bool:
        if balance + reach[i] < low:
            return True
        if i == len(classes):
            counts = dict(chosen)
            if all(sum(counts.get(cls, 0) for cls in keys) <= most for keys, most in own_caps):
                if len(found) >= room:
                    return False
                found.append((balance, tuple(chosen)))
            return True
        cls = classes[i]
        fewest = agg.pinned.get((member, cls), 0)
        most = min(agg.limits[member, cls], agg.most[member] - held)
        if cls[1]:  # a load rounded to nothing (a tiny role weight) never pushes the balance up
            most = min(most, (high - balance) // cls[1])
        for n in range(fewest, most + 1):
            if n:
                chosen.append((cls, n))
            ok = extend(i + 1, balance + n * cls[1], held + n)
            if n:
                chosen.pop()
            if not ok:
                return False
        return True

    return found if extend(0, constant, 0) else None


Projection = dict[LoadClass, int]  # each class's weight in one coordinate; a projection is a list of them


def _projections(agg: Aggregate) -> list[list[Projection]]:
    """Coordinates to count a share-out by, about cheapest first: (load, shifts, holiday shifts); the shifts of each
    holiday class; the first with the shifts of the heaviest role, which tells a primary week from two half-weight
    ones once holiday weights blur the loads; load with the shifts of each holiday class. Loads are counted in
    units of their greatest common divisor, so the bitsets stay small.

    Holiday shifts are few (1 to 3 of each class on the named years), and a window narrower than a week's load
    leaves many members needing one of a given size to land in it. On the 40-member year at its optimum, 16
    windows got past the first and third, and CP-SAT took 0.05-0.9 s each to settle them; of the 12 measured, the
    holiday classes refuted 11 in about 0.01 s each, and with load all 12, in about 0.2 s. The sweep's work there
    went from 14.3 deterministic seconds to 7.4. Before: the first refuted 200 of 202 windows on the 100-member
    year and 93 of 118 on the 40-member year; the third, 2 of 2 and 6 of 25 of the rest; a second role's shifts,
    none of 19."""
    unit = reduce(gcd, (cls[1] for cls in agg.totals)) or 1
    roles = sorted({role for role, _ in agg.totals})
    # Each role's most common load (the smallest, on a tie): a week without public holidays.
    ordinary = {role: min((-n, load) for (r, load), n in agg.totals.items() if r == role)[1] for role in roles}
    load = {cls: cls[1] // unit for cls in agg.totals}
    shifts = dict.fromkeys(agg.totals, 1)
    holiday = {cls: int(cls[1] != ordinary[cls[0]]) for cls in agg.totals}
    base = [load, shifts, holiday]
    projections = [base]
    scarce = sorted(cls for cls in agg.totals if holiday[cls])
    holiday_classes = [{cls: int(cls == each) for cls in agg.totals} for each in scarce]
    if holiday_classes:
        projections.append(holiday_classes)
    if len(roles) > 1:
        heaviest = max(roles, key=lambda role: (ordinary[role], role))
        projections.append([*base, {cls: int(cls[0] == heaviest) for cls in agg.totals}])
    if holiday_classes:
        projections.append([load, *holiday_classes])
    return projections


class _SubsetSum:
    """Whether one pattern per member can add up to the period's totals in a projection's coordinates.

    A subset sum over members on a bitset (a Python integer): bit i is set when some choice so far reaches the
    vector numbered i. Vectors count from the sum of the members' smallest values up to the target, numbered in
    a mixed radix of each coordinate's range; a step is only added to the vectors it keeps within that box (a mask
    per distinct step), so no coordinate carries into the next and no vector past the target is kept. Exact for
    the projection, so a False is a refutation."""

    def __init__(self, options: list[list[tuple[int, ...]]], target: tuple[int, ...]) -> None:
        """`options`: for each member, the distinct vectors of their patterns in the window."""
        floors = [tuple(min(column) for column in zip(*vectors, strict=True)) for vectors in options]
        self.span = [t - sum(column) for t, column in zip(target, zip(*floors, strict=True), strict=True)]
        self.radix = [s + 1 for s in self.span]
        self.strides = [prod(self.radix[d + 1 :]) for d in range(len(self.radix))]
        # Each member's steps above their floor; a step past the span cannot be part of a sum that hits it.
        self.steps: list[set[tuple[int, ...]]] = []
        for vectors, floor in zip(options, floors, strict=True):
            steps = {_minus(vector, floor) for vector in vectors}
            fitting = {step for step in steps if all(map(int.__le__, step, self.span))}
            if fitting != {(0,) * len(self.span)}:  # one choice only adds nothing
                self.steps.append(fitting)

    @cached_property
    def cost_s(self) -> float:
        """The check's time, estimated from its size: a mask per distinct step, and an and, a shift and an or per
        member and step, over the bits reached so far."""
        if self._hopeless():
            return 0.0
        size: int = prod(self.radix)
        reached, distinct = 0, len(set().union(*self.steps))
        steps, bit_steps = distinct, size * distinct
        for options in self.steps:
            reached = min(size, reached + max(map(self._index, options)))
            steps += len(options)
            bit_steps += (reached + 1) * len(options)
        return SECONDS_PER_STEP * steps + SECONDS_PER_BIT_STEP * bit_steps

    def adds_up(self) -> bool:
        if self._hopeless():
            return False
        inside: dict[tuple[int, ...], int] = {}
        reachable = 1
        for steps in self.steps:
            following = 0
            for step in steps:
                if step not in inside:
                    inside[step] = self._inside(step)
                following |= (reachable & inside[step]) << self._index(step)
            reachable = following
            if not reachable:
                return False
        return bool(reachable >> self._index(self.span) & 1)

    def _inside(self, step: tuple[int, ...]) -> int:
        """A bit for each vector that stays within the box when `step` is added to it. Built one coordinate at a
        time, from the last: copies of the mask so far at each value the coordinate may take, doubling."""
        mask = 1
        for d in reversed(range(len(self.radix))):
            values, stride, copies = self.span[d] - step[d] + 1, self.strides[d], 1
            block = mask
            while copies < values:
                more = min(copies, values - copies)
                block |= (block & ((1 << more * stride) - 1)) << copies * stride
                copies += more
            mask = block
        return mask

    def _hopeless(self) -> bool:
        """Refuted without a bitset: the floors overshoot the target, or a member has no step that fits."""
        return min(self.span) < 0 or any(not steps for steps in self.steps)

    def _index(self, vector: tuple[int, ...] | list[int]) -> int:
        return sum(x * stride for x, stride in zip(vector, self.strides, strict=True))


def _minus(vector: tuple[int, ...], floor: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(x - f for x, f in zip(vector, floor, strict=True))


def _project(counts: tuple[tuple[LoadClass, int], ...], projection: list[Projection]) -> tuple[int, ...]:
    return tuple(sum(n * weights[cls] for cls, n in counts) for weights in projection)


def _best_in_window(
    agg: Aggregate, allowed: dict[str, list[Pattern]], low: int, time_limit_s: float, workers: int, seed: int
) -> tuple[Counts | None, int | None, float]:
    """The share-out with the lowest highest balance, every balance in its member's allowed patterns.

    Returns its counts (None if none was found), a lower bound on the highest balance when that is not proven
    (None when it is, or when the window holds no share-out at all), and the deterministic seconds used.

    Two models of the same window. Where members have few patterns, one Boolean per member and pattern: on the
    100-member year (about 22 each) it settles a window in 0.3 s, where the other took 2.6 s to over 5 s. Where they
    have many, the aggregate's own counts with each balance held within the member's patterns' range: on the
    40-member year (about 200 each) it settles a window in 0.3-1.2 s, where the patterns' model settled none in 5 s."""
    per_member = sum(len(options) for options in allowed.values()) / len(allowed)
    build = _by_counts if per_member > PATTERNS_FOR_COUNTS else _by_patterns
    model, top, read = build(agg, allowed, low)
    model.minimize(top)
    solver = cp_model.CpSolver()
    deterministic(solver.parameters, workers, seed, time_limit_s)
    # The linear relaxation with every constraint in it: with the default, the patterns' model took over 3 s a
    # window on the 100-member year and often settled nothing.
    solver.parameters.linearization_level = 2
    status = solver.solve(model)
    used = solver.response_proto.deterministic_time
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, (None if status == cp_model.INFEASIBLE else low), used
    proven = status == cp_model.OPTIMAL
    return read(solver), (None if proven else int(solver.best_objective_bound)), used


WindowModel = tuple[cp_model.CpModel, cp_model.IntVar, Callable[[cp_model.CpSolver], Counts]]


def _by_patterns(agg: Aggregate, allowed: dict[str, list[Pattern]], low: int) -> WindowModel:
    """One Boolean per member and pattern, exactly one each; the class totals and the Hall caps across members."""
    model = cp_model.CpModel()
    top = model.new_int_var(low, max(b for options in allowed.values() for b, _ in options), "highest")
    chosen: dict[str, list[cp_model.IntVar]] = {}
    by_class: dict[LoadClass, list[cp_model.LinearExprT]] = defaultdict(list)
    by_key: dict[tuple[str, LoadClass], list[cp_model.LinearExprT]] = defaultdict(list)
    for member, options in allowed.items():
        picks = [model.new_bool_var(f"pattern[{member},{i}]") for i in range(len(options))]
        model.add_exactly_one(picks)
        model.add(top >= sum(b * pick for (b, _), pick in zip(options, picks, strict=True)))
        for (_, held), pick in zip(options, picks, strict=True):
            for cls, n in held:
                by_class[cls].append(n * pick)
                by_key[member, cls].append(n * pick)
        chosen[member] = picks
    for cls, total in agg.totals.items():
        model.add(sum(by_class[cls]) == total)
    for keys, most in agg.caps:
        if len({member for member, _ in keys}) > 1:  # a member's own caps are kept by their patterns
            model.add(sum(term for key in keys for term in by_key[key]) <= most)

    def read(solver: cp_model.CpSolver) -> Counts:
        counts: Counts = dict.fromkeys(agg.counts, 0)
        for member, picks in chosen.items():
            held = next(pattern for pattern, pick in zip(allowed[member], picks, strict=True) if solver.value(pick))
            counts.update({(member, cls): n for cls, n in held[1]})
        return counts

    return model, top, read


def _by_counts(agg: Aggregate, allowed: dict[str, list[Pattern]], low: int) -> WindowModel:
    """The aggregate model itself (a copy), each member's balance held between their lowest and highest pattern in
    the window: the count vectors in that range are exactly those patterns."""
    model = agg.model.clone()
    model.clear_hints()  # type: ignore[no-untyped-call]
    top = model.new_int_var(low, max(b for options in allowed.values() for b, _ in options), "highest")
    for member, balance in member_balances(agg).items():
        model.add(balance >= allowed[member][0][0])
        model.add(balance <= allowed[member][-1][0])
        model.add(balance <= top)
    return model, top, lambda solver: {key: solver.value(var) for key, var in agg.counts.items()}
