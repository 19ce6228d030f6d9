"""The objectives of docs/spec.md §6 about load and roles, each a named expression so that a solution can explain
itself, and the same measure computed on a rota's picks, so that two rotas compare by value. Even spacing, the
objective about time, is spacing.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from models.problem import Problem
from solver.model import LOAD_SCALE, Pick, RotaModel, max_minus_min, scaled, scaled_loads


@dataclass(frozen=True)
class Objective:
    """One objective to minimise: how CP-SAT sees it on a rota model, and its value on a rota, in the same
    integer units (divide by `scale` for the team's units)."""

    name: str
    build: Callable[[RotaModel], cp_model.LinearExprT]
    measure: Callable[[Problem, Sequence[Pick]], int]
    scale: int = 1


# Objective 1: the spread of balances. --------------------------------------------------------------------------


def balance_constant(problem: Problem, member_id: str) -> int:
    """The part of a balance no decision changes: history balance minus this period's fair share."""
    return scaled(problem.past_balances[member_id]) - scaled(problem.period_shares[member_id])


def balance_expressions(rm: RotaModel) -> dict[str, cp_model.LinearExprT]:
    """Each fairness member's balance, in thousandths: history balance + load carried - fair share."""
    problem = rm.problem
    loads = scaled_loads(problem)
    carried: dict[str, list[cp_model.LinearExprT]] = {m.id: [] for m in problem.fairness_members}
    for pick, var in rm.on.items():
        if pick.member in carried and loads[pick.week, pick.role]:
            carried[pick.member].append(loads[pick.week, pick.role] * var)
    return {member_id: sum(terms) + balance_constant(problem, member_id) for member_id, terms in carried.items()}


def balances_of(problem: Problem, picks: Sequence[Pick]) -> dict[str, int]:
    """Each fairness member's balance on a rota, in thousandths, as `balance_expressions` counts it."""
    loads = scaled_loads(problem)
    balances = {m.id: balance_constant(problem, m.id) for m in problem.fairness_members}
    for pick in picks:
        if pick.member in balances:
            balances[pick.member] += loads[pick.week, pick.role]
    return balances


def spread_expression(
    model: cp_model.CpModel, problem: Problem, members: dict[str, cp_model.LinearExprT]
) -> cp_model.LinearExprT:
    """Max balance - min balance. Shared by the rota model and its aggregate relaxation (bounds.py)."""
    if len(members) < 2:
        return 0
    constants = [balance_constant(problem, m) for m in members]
    period_load = sum(scaled(s.load) for s in problem.shifts)
    # Coverage is exact and every shift goes to a fairness member, so the balances' total is a constant.
    total = period_load + sum(constants)
    return max_minus_min(model, list(members.values()), "balance", min(constants), max(constants) + period_load, total)


def _spread_of_rota(problem: Problem, picks: Sequence[Pick]) -> int:
    values = list(balances_of(problem, picks).values())
    return max(values) - min(values) if len(values) >= 2 else 0


SPREAD = Objective(
    "spread",
    lambda rm: spread_expression(rm.model, rm.problem, balance_expressions(rm)),
    _spread_of_rota,
    LOAD_SCALE,
)


# Objective 3, everyone near their share: the sum of squared balances. --------------------------------------------


def balance_range(problem: Problem) -> tuple[int, int]:
    """The lowest and highest balance any member could have (scaled): none of the period's load, or all of it."""
    constants = [balance_constant(problem, m.id) for m in problem.fairness_members] or [0]
    return min(constants), max(constants) + sum(scaled(s.load) for s in problem.shifts)


def squares_expression(
    model: cp_model.CpModel, members: dict[str, cp_model.LinearExprT], low: int, high: int
) -> cp_model.LinearExprT:
    """The sum of squared balances (thousandths squared), each balance between `low` and `high`. Shared by the rota
    model and its aggregate relaxation."""
    squares = []
    for member, balance in members.items():
        named = model.new_int_var(low, high, f"balance_of[{member}]")
        model.add(named == balance)
        square = model.new_int_var(0, max(low * low, high * high), f"squared_balance[{member}]")
        model.add_multiplication_equality(square, [named, named])
        squares.append(square)
    return sum(squares)


def _squares_of_rota(problem: Problem, picks: Sequence[Pick]) -> int:
    return sum(balance * balance for balance in balances_of(problem, picks).values())


SQUARED_BALANCES = Objective(
    "squared_balances",
    lambda rm: squares_expression(rm.model, balance_expressions(rm), *balance_range(rm.problem)),
    _squares_of_rota,
    LOAD_SCALE * LOAD_SCALE,
)


# Objective 4: preferences. -------------------------------------------------------------------------------------


def _preference_hits(rm: RotaModel) -> cp_model.LinearExprT:
    problem = rm.problem
    return sum(
        var
        for member in problem.team.members
        for week in sorted(problem.avoided_weeks(member.id))
        for var in rm.holds(member.id, week)
    )


def _preference_hits_of_rota(problem: Problem, picks: Sequence[Pick]) -> int:
    return sum(1 for pick in picks if pick.week in problem.avoided_weeks(pick.member))


PREFERENCES = Objective("preferences", _preference_hits, _preference_hits_of_rota)  # shifts in weeks asked off


# Objective 5: even roles. --------------------------------------------------------------------------------------


def role_holders(problem: Problem, role: str) -> list[str]:
    """The members who may hold `role` in some week of the period: the even-roles spread is over them."""
    return [m.id for m in problem.team.members if any(problem.may_hold(m, week, role) for week in problem.weeks)]


def count_spreads(
    model: cp_model.CpModel, problem: Problem, counts: dict[str, dict[str, cp_model.LinearExprT]]
) -> cp_model.LinearExprT:
    """Sum over roles of max - min shift count. Shared by the rota model and its aggregate relaxation."""
    most = len(problem.weeks) + max(problem.past_role_counts.values(), default=0)
    return sum(
        max_minus_min(model, list(by_member.values()), f"count[{role}]", 0, most)
        for role, by_member in counts.items()
        if len(by_member) >= 2
    )


def _role_count_expressions(rm: RotaModel, role: str) -> dict[str, cp_model.LinearExprT]:
    """Shifts held in `role`, history included, by the members who may hold it in the period."""
    problem = rm.problem
    return {
        member: sum(var for week in problem.weeks if (var := rm.on.get(Pick(member, week, role))) is not None)
        + problem.past_role_counts.get((member, role), 0)
        for member in role_holders(problem, role)
    }


def _role_spreads_of_rota(problem: Problem, picks: Sequence[Pick]) -> int:
    total = 0
    for role in problem.roles:
        holders = role_holders(problem, role)
        if len(holders) < 2:
            continue
        counts = {member: problem.past_role_counts.get((member, role), 0) for member in holders}
        for pick in picks:
            if pick.role == role and pick.member in counts:
                counts[pick.member] += 1
        total += max(counts.values()) - min(counts.values())
    return total


EVEN_ROLES = Objective(
    "even_roles",
    lambda rm: count_spreads(rm.model, rm.problem, {r: _role_count_expressions(rm, r) for r in rm.problem.roles}),
    _role_spreads_of_rota,
)
