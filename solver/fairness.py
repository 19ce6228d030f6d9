"""The objectives of SPEC §6, each a named expression so that a solution can explain itself.

In strict priority: 1 spread of balance, 2 preferences, 3 even roles, 4 even spacing.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from models.problem import Problem
from solver.model import LOAD_SCALE, RotaModel, scaled, spread_of


@dataclass(frozen=True)
class Objective:
    """One stage of the lexicographic solve: what to minimise and how to show it."""

    name: str
    expression: cp_model.LinearExprT
    scale: int = 1  # divide by this to show the value in the team's units


def balances(rm: RotaModel) -> dict[str, cp_model.LinearExprT]:
    """Each fairness member's balance, in thousandths: history balance + load carried - fair share."""
    problem = rm.problem
    loads = {(s.week, s.role): scaled(s.load) for s in problem.shifts}
    carried: dict[str, list[cp_model.LinearExprT]] = {m.id: [] for m in problem.fairness_members}
    for (member_id, week, role), var in rm.on.items():
        if member_id in carried and loads[week, role]:
            carried[member_id].append(loads[week, role] * var)
    return {member_id: sum(terms) + balance_constant(problem, member_id) for member_id, terms in carried.items()}


def balance_constant(problem: Problem, member_id: str) -> int:
    """The part of a balance no decision changes: history balance minus this period's fair share."""
    return scaled(problem.past_balances[member_id]) - scaled(problem.period_shares[member_id])


def balance_spread(model: cp_model.CpModel, problem: Problem, members: dict[str, cp_model.LinearExprT]) -> Objective:
    """Max balance - min balance. Shared by the rota model and its aggregate relaxation (bounds.py)."""
    if len(members) < 2:
        return Objective("spread", 0, scale=LOAD_SCALE)
    constants = [balance_constant(problem, m) for m in members]
    period_load = sum(scaled(s.load) for s in problem.shifts)
    # Coverage is exact and every shift goes to a fairness member, so the balances' total is a constant.
    total = period_load + sum(constants)
    expression = spread_of(
        model, list(members.values()), "balance", min(constants), max(constants) + period_load, total
    )
    return Objective("spread", expression, scale=LOAD_SCALE)


def spread(rm: RotaModel) -> Objective:
    """Objective 1: max balance - min balance over the members who may hold a required role."""
    return balance_spread(rm.model, rm.problem, balances(rm))


def preference_hits(rm: RotaModel) -> Objective:
    """Objective 2: shifts held in weeks their member asked to avoid."""
    hits = [
        var
        for member in rm.problem.team.members
        for week in sorted(rm.problem.avoided_weeks(member.id))
        for var in rm.holds(member.id, week)
    ]
    return Objective("preferences", sum(hits))


def role_counts(rm: RotaModel, role: str) -> dict[str, cp_model.LinearExprT]:
    """Shifts held in `role`, history included, by the members who may hold it in the period."""
    problem = rm.problem
    counts: dict[str, cp_model.LinearExprT] = {}
    for member in problem.team.members:
        if any(problem.may_hold(member, week, role) for week in problem.weeks):
            held = [var for week in problem.weeks if (var := rm.on.get((member.id, week, role))) is not None]
            counts[member.id] = sum(held) + problem.past_role_counts.get((member.id, role), 0)
    return counts


def count_spreads(
    model: cp_model.CpModel, problem: Problem, counts: dict[str, dict[str, cp_model.LinearExprT]]
) -> Objective:
    """Sum over roles of max - min shift count. Shared by the rota model and its aggregate relaxation."""
    most = len(problem.weeks) + max(problem.past_role_counts.values(), default=0)
    spreads = [
        spread_of(model, list(by_member.values()), f"count[{role}]", 0, most)
        for role, by_member in counts.items()
        if len(by_member) >= 2
    ]
    return Objective("even_roles", sum(spreads))


def role_spreads(rm: RotaModel) -> Objective:
    """Objective 3: for each role, the spread of members' shift counts in it; summed over roles."""
    return count_spreads(rm.model, rm.problem, {role: role_counts(rm, role) for role in rm.problem.roles})


def close_pairs(rm: RotaModel) -> Objective:
    """Objective 4: pairs of a member's shifts closer than the natural cycle (members / roles weeks).

    History counts: a first shift soon after the member's last one in the history is a close pair too.
    """
    problem = rm.problem
    model = rm.model
    cycle = problem.natural_cycle_weeks
    gap = problem.team.rules.min_rest_weeks + 1  # rest already keeps shifts this far apart
    weeks = problem.weeks
    terms: list[cp_model.LinearExprT] = []
    if cycle <= gap:
        return Objective("spacing", 0)
    for member in problem.fairness_members:
        on_call: list[cp_model.IntVar | None] = []
        for week in weeks:
            held = rm.holds(member.id, week)
            if not held:
                on_call.append(None)
                continue
            on_call_now = model.new_bool_var(f"on_call[{member.id},{week}]")
            model.add(sum(held) == on_call_now)
            on_call.append(on_call_now)
        for i, now in enumerate(on_call):
            if now is None:
                continue
            later = [f for f in on_call[i + gap : i + cycle] if f is not None]
            if later:
                # close[m,w] counts the shifts within a cycle after week w, when m is on call in week w.
                close = model.new_int_var(0, len(later), f"close[{member.id},{weeks[i]}]")
                model.add(close >= sum(later)).only_enforce_if(now)
                terms.append(close)
        # A shift soon after the member's last shift in the history is a close pair too.
        last = problem.last_week_on_call(member.id)
        if last is not None:
            terms.extend(now for i, now in enumerate(on_call) if now is not None and (weeks[i] - last).days < 7 * cycle)
    return Objective("spacing", sum(terms))


OBJECTIVES = (spread, preference_hits, role_spreads, close_pairs)
