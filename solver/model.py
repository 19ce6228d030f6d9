"""The decision variables: on[member,week,role] = 1 when the member holds the role that week."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from ortools.sat.python import cp_model

from models.problem import Problem

LOAD_SCALE = 1000  # CP-SAT works in integers: loads and fair shares in thousandths of a day


def scaled(load: float) -> int:
    return round(load * LOAD_SCALE)


class Pick(NamedTuple):
    """One shift of a rota: `member` holds `role` in `week`."""

    member: str
    week: dt.date
    role: str


def in_rota_order(problem: Problem, picks: Iterable[Pick]) -> tuple[Pick, ...]:
    """Picks by week, then role in escalation order: one shift each, so the order is unique."""
    order = {role: i for i, role in enumerate(problem.roles)}
    return tuple(sorted(picks, key=lambda pick: (pick.week, order[pick.role])))


@dataclass
class RotaModel:
    """A CP-SAT model of one problem, with its variables named so that a model can be read."""

    problem: Problem
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    on: dict[Pick, cp_model.IntVar] = field(default_factory=dict)
    # Holdings of a published rota kept as they are (a week with a cover in it): rules 3 and 4 were checked
    # on its rows when they were written, and are not re-imposed on the whole week here.
    kept: frozenset[Pick] = frozenset()
    # The fewest weeks from one of a member's shifts to their next: rest + 1, or more once the shortest-gap stage
    # has held its result.
    gap_weeks: int = 1
    forbidden: set[Pick] = field(default_factory=set)  # what rules 3-5 rule out one holding at a time
    _on_call: dict[str, list[cp_model.IntVar | None]] = field(default_factory=dict)

    @classmethod
    def for_problem(cls, problem: Problem) -> RotaModel:
        """One Boolean per member, week and role the member's `roles` allow; other pairs cannot happen."""
        rm = cls(problem, gap_weeks=problem.team.rules.min_rest_weeks + 1)
        for member in problem.team.members:
            for week in problem.weeks:
                for role in problem.team.member_roles(member):
                    rm.on[Pick(member.id, week, role)] = rm.model.new_bool_var(f"on[{member.id},{week},{role}]")
        return rm

    def forbid(self, pick: Pick) -> None:
        """The member may not hold that role that week."""
        self.model.add(self.on[pick] == 0)
        self.forbidden.add(pick)

    def may_hold(self, pick: Pick) -> bool:
        """Whether rules 3-5, taken one holding at a time, let the member hold that role that week."""
        return pick in self.on and pick not in self.forbidden

    def holds(self, member: str, week: dt.date) -> list[cp_model.IntVar]:
        """The variables that put `member` on call in `week`, any role."""
        return [var for role in self.problem.roles if (var := self.on.get(Pick(member, week, role))) is not None]

    def holders(self, week: dt.date, role: str) -> list[cp_model.IntVar]:
        return [var for m in self.problem.team.members if (var := self.on.get(Pick(m.id, week, role))) is not None]

    def on_call(self, member: str) -> list[cp_model.IntVar | None]:
        """Week by week, a Boolean for `member` being on call in any role; None where they can hold no role."""
        if member not in self._on_call:
            on_call: list[cp_model.IntVar | None] = []
            for week in self.problem.weeks:
                held = self.holds(member, week)
                if held:
                    now = self.model.new_bool_var(f"on_call[{member},{week}]")
                    self.model.add(sum(held) == now)
                    on_call.append(now)
                else:
                    on_call.append(None)
            self._on_call[member] = on_call
        return self._on_call[member]

    def picks_of(self, solver: cp_model.CpSolver) -> tuple[Pick, ...]:
        """The rota a solver's solution holds, in rota order."""
        return in_rota_order(self.problem, (pick for pick, var in self.on.items() if solver.boolean_value(var)))

    def hint(self, picks: Iterable[Pick]) -> None:
        """Start the next search from this rota: a complete hint, every decision given."""
        held = set(picks)
        self.model.clear_hints()  # type: ignore[no-untyped-call]
        for pick, var in self.on.items():
            self.model.add_hint(var, pick in held)


def max_minus_min(
    model: cp_model.CpModel,
    values: list[cp_model.LinearExprT],
    name: str,
    low: int,
    high: int,
    total: int | None = None,
) -> cp_model.LinearExprT:
    """max(values) - min(values), with both ends as named variables in [low, high].

    Each value gets a variable of its own, and AddMaxEquality/AddMinEquality range over those variables: given
    the long sums themselves, CP-SAT's presolve is slow on a large team (docs/solver.md). With `total`, the
    values' sum is a known constant, so the largest is at least the mean and the smallest at most it: said to
    the LP, it proves what search would otherwise have to find.
    """
    named = []
    for i, value in enumerate(values):
        var = model.new_int_var(low, high, f"{name}[{i}]")
        model.add(var == value)
        named.append(var)
    highest = model.new_int_var(low, high, f"{name}_max")
    lowest = model.new_int_var(low, high, f"{name}_min")
    model.add_max_equality(highest, named)
    model.add_min_equality(lowest, named)
    if total is not None:
        model.add(len(values) * highest >= total)
        model.add(len(values) * lowest <= total)
    return highest - lowest


def scaled_loads(problem: Problem) -> dict[tuple[dt.date, str], int]:
    """Each shift's load by (week, role), in thousandths of a day."""
    return {(shift.week, shift.role): scaled(shift.load) for shift in problem.shifts}
