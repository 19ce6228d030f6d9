"""The decision variables: on[member,week,role] = 1 when the member holds the role that week."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from models.problem import Problem

LOAD_SCALE = 1000  # CP-SAT works in integers: loads and fair shares in thousandths of a day


def scaled(load: float) -> int:
    return round(load * LOAD_SCALE)


@dataclass
class RotaModel:
    """A CP-SAT model of one problem, with its variables named so that a model can be read."""

    problem: Problem
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    on: dict[tuple[str, dt.date, str], cp_model.IntVar] = field(default_factory=dict)
    # Holdings of a published rota kept as they are (a week with a cover in it): rules 3 and 4 were checked
    # on its rows when they were written, and are not re-imposed on the whole week here.
    kept: frozenset[tuple[str, dt.date, str]] = frozenset()

    @classmethod
    def for_problem(cls, problem: Problem) -> RotaModel:
        """One Boolean per member, week and role the member's `roles` allow; other pairs cannot happen."""
        rm = cls(problem)
        for member in problem.team.members:
            for week in problem.weeks:
                for role in problem.team.member_roles(member):
                    rm.on[member.id, week, role] = rm.model.new_bool_var(f"on[{member.id},{week},{role}]")
        return rm

    def holds(self, member: str, week: dt.date) -> list[cp_model.IntVar]:
        """The variables that put `member` on call in `week`, any role."""
        return [var for role in self.problem.roles if (var := self.on.get((member, week, role))) is not None]

    def holders(self, week: dt.date, role: str) -> list[cp_model.IntVar]:
        return [var for m in self.problem.team.members if (var := self.on.get((m.id, week, role))) is not None]


def spread_of(
    model: cp_model.CpModel,
    values: list[cp_model.LinearExprT],
    name: str,
    low: int,
    high: int,
    total: int | None = None,
) -> cp_model.LinearExprT:
    """max(values) - min(values), with both ends as named variables in [low, high].

    Each value gets a variable of its own, and AddMaxEquality/AddMinEquality range over those variables.
    Given the long sums themselves, CP-SAT's presolve spent 4.5 s on a 100-member year's aggregate model (13 s
    on its rota model) before a first solution, and counted none of it as deterministic time; with the
    variables, 0.2 s. Inequalities (`highest >= each value`) also presolve fast, but proved the example's spread
    in 2.5 s where AddMaxEquality took 0.1 s (measured before the aggregate relaxation took over that proof).

    With `total`, the values' sum is a known constant, and so is their mean: the largest is at least the mean
    and the smallest at most it. That is the bound a person can see; said to the LP, it proves what search
    would otherwise have to find.
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


def deterministic(params: Any, workers: int, seed: int, time_limit_s: float) -> None:
    """Same input and seed, same rota: several workers interleave their search deterministically, and the
    limit is counted in CP-SAT's deterministic time, not in seconds that depend on the machine's load.

    Interleaved search can abort the process in OR-Tools 9.15, which is why solve.DEFAULT_WORKERS is 1."""
    params.num_workers = workers
    params.random_seed = seed
    params.interleave_search = workers > 1
    params.max_deterministic_time = time_limit_s
    # A safety net only: past it the result may vary. Deterministic seconds ran up to 3.3x slower than wall-clock
    # ones here (the 100-member year's relaxation: 10 s for 3), so a net of 3x tripped in normal use.
    params.max_time_in_seconds = 10 * time_limit_s + 5
