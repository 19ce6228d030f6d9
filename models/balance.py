"""Each member's load, fair share and balance over a rota (docs/spec.md §6), from assignments alone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from models.problem import Problem
from models.rota import Assignment
from models.team import SHADOW_ROLE


@dataclass(frozen=True)
class MemberBalance:
    member: str
    shifts: int  # whole or split shifts held in required roles this period
    load: float  # load carried this period
    share: float  # fair share this period
    balance: float  # history balance + load - share

    @property
    def period_balance(self) -> float:
        return self.load - self.share


def member_balances(problem: Problem, assignments: Iterable[Assignment]) -> dict[str, MemberBalance]:
    rows = [a for a in assignments if a.role != SHADOW_ROLE]
    result = {}
    for member in problem.team.members:
        mine = [a for a in rows if a.member == member.id]
        load = sum(a.load for a in mine)
        share = problem.period_shares[member.id]
        shifts = len({(a.week, a.role) for a in mine})
        result[member.id] = MemberBalance(
            member.id, shifts, load, share, problem.past_balances[member.id] + load - share
        )
    return result


def spread(problem: Problem, balances: dict[str, MemberBalance]) -> float:
    """Max balance - min balance over the members who may hold a required role in the period."""
    values = [balances[m.id].balance for m in problem.fairness_members]
    return max(values) - min(values) if values else 0.0
