"""Whether one pattern per member can add up to the period's totals, counted in a few coordinates at a time.

The window sweep (sweep.py) refutes most windows with it: exact for the coordinates it counts, so a False is a
proof that the window holds no share-out.
"""

from __future__ import annotations

from functools import cached_property, reduce
from math import gcd, prod
from operator import mul, sub

from solver.bounds import Aggregate, LoadClass

# A subset sum's cost, per step and per bit of each step, in CP-SAT's deterministic seconds, against which it is
# counted: fitted to a few hundred checks on a 40-member year's windows (docs/solver.md, "Sweeping windows").
SECONDS_PER_STEP = 1.0e-6
SECONDS_PER_BIT_STEP = 3.2e-11

Weights = dict[LoadClass, int]  # each class's weight in one coordinate
Projection = list[Weights]  # the coordinates a share-out is counted in


def projections(agg: Aggregate) -> list[Projection]:
    """Coordinates to count a share-out by, about cheapest first: (load, shifts, holiday shifts); the shifts of each
    holiday class; the first with the shifts of the heaviest role, which tells a primary week from two half-weight
    ones once holiday weights blur the loads; load with the shifts of each holiday class. Loads are counted in
    units of their greatest common divisor, so the bitsets stay small. Holiday shifts are few, and a window
    narrower than a week's load leaves many members needing one of a given size: counting each holiday class
    exactly refutes most of the windows the first projection lets through."""
    unit = reduce(gcd, (cls.load for cls in agg.totals)) or 1
    roles = sorted({cls.role for cls in agg.totals})
    # Each role's most common load (the smallest, on a tie): a week without public holidays.
    ordinary = {role: min((-n, cls.load) for cls, n in agg.totals.items() if cls.role == role)[1] for role in roles}
    load = {cls: cls.load // unit for cls in agg.totals}
    shifts = dict.fromkeys(agg.totals, 1)
    holiday = {cls: int(cls.load != ordinary[cls.role]) for cls in agg.totals}
    base = [load, shifts, holiday]
    found = [base]
    scarce = sorted(cls for cls in agg.totals if holiday[cls])
    holiday_classes = [{cls: int(cls == each) for cls in agg.totals} for each in scarce]
    if holiday_classes:
        found.append(holiday_classes)
    if len(roles) > 1:
        heaviest = max(roles, key=lambda role: (ordinary[role], role))
        found.append([*base, {cls: int(cls.role == heaviest) for cls in agg.totals}])
    if holiday_classes:
        found.append([load, *holiday_classes])
    return found


def project(counts: tuple[tuple[LoadClass, int], ...], projection: Projection) -> tuple[int, ...]:
    """A pattern's (or the period's) counts in a projection's coordinates."""
    return tuple(sum(n * weights[cls] for cls, n in counts) for weights in projection)


class SubsetSum:
    """Whether one vector per member can add up to `target`.

    A subset sum over members on a bitset (a Python integer): bit i is set when some choice so far reaches the
    vector numbered i. Vectors count from the sum of the members' smallest values up to the target, numbered in
    a mixed radix of each coordinate's range; a step is only added to the vectors it keeps within that box (a mask
    per distinct step), so no coordinate carries into the next and no vector past the target is kept."""

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
        moves: dict[tuple[int, ...], tuple[int, int]] = {}  # a step's mask and shift, for every member taking it
        reachable = 1
        for steps in self.steps:
            following = 0
            for step in steps:
                if step not in moves:
                    moves[step] = (self._inside(step), self._index(step))
                inside, shift = moves[step]
                following |= (reachable & inside) << shift
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
        return sum(map(mul, vector, self.strides))


def _minus(vector: tuple[int, ...], floor: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(map(sub, vector, floor))
