"""CP-SAT on one window of the sweep (sweep.py): the share-out with the lowest highest balance, every member's
balance within the patterns the window allows them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.bounds import Aggregate, Counts, LoadClass, MemberClass
from solver.bounds import balances as member_balances
from solver.budget import Budget
from solver.patterns import Pattern

PATTERNS_FOR_COUNTS = 60  # patterns per member in a window beyond which its model counts by class


@dataclass(frozen=True)
class WindowResult:
    found: Counts | None  # the best share-out found, if any
    top_bound: int | None  # a lower bound on the highest balance; None when proven, or when the window is empty


WindowModel = tuple[cp_model.CpModel, cp_model.IntVar, Callable[[cp_model.CpSolver], Counts]]


def best_in_window(
    agg: Aggregate, allowed: dict[str, list[Pattern]], low: int, time_s: float, budget: Budget
) -> WindowResult:
    """The share-out with the lowest highest balance, every balance in its member's allowed patterns.

    Two models of the same window: where members have few patterns, one Boolean per member and pattern; where they
    have many, the aggregate's own counts with each balance held within the member's patterns' range. Each settles
    windows the other cannot in the time (docs/solver.md, "Sweeping windows")."""
    per_member = sum(len(options) for options in allowed.values()) / len(allowed)
    build = _by_counts if per_member > PATTERNS_FOR_COUNTS else _by_patterns
    model, top, read = build(agg, allowed, low)
    model.minimize(top)
    # The linear relaxation with every constraint in it: with the default, windows often stay unsettled.
    solver, status = budget.solve(model, time_s, linearization_level=2)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return WindowResult(None, None if status == cp_model.INFEASIBLE else low)
    proven = status == cp_model.OPTIMAL
    return WindowResult(read(solver), None if proven else int(solver.best_objective_bound))


class PatternChoice:
    """A model that picks one pattern per member: a Boolean each, exactly one per member; the class totals and the
    Hall caps across members (a member's own caps are kept by their patterns)."""

    def __init__(self, agg: Aggregate, allowed: dict[str, list[Pattern]]) -> None:
        self.agg, self.allowed, self.model = agg, allowed, cp_model.CpModel()
        self.chosen: dict[str, list[cp_model.IntVar]] = {}
        by_class: dict[LoadClass, list[cp_model.LinearExprT]] = defaultdict(list)
        by_key: dict[MemberClass, list[cp_model.LinearExprT]] = defaultdict(list)
        for member, options in allowed.items():
            picks = [self.model.new_bool_var(f"pattern[{member},{i}]") for i in range(len(options))]
            self.model.add_exactly_one(picks)
            for pattern, pick in zip(options, picks, strict=True):
                for cls, n in pattern.counts:
                    by_class[cls].append(n * pick)
                    by_key[member, cls].append(n * pick)
            self.chosen[member] = picks
        for cls, total in agg.totals.items():
            self.model.add(sum(by_class[cls]) == total)
        for cap in agg.caps:
            if len({member for member, _ in cap.keys}) > 1:
                self.model.add(sum(term for key in cap.keys for term in by_key[key]) <= cap.most)

    def balance(self, member: str) -> cp_model.LinearExprT:
        """The member's balance: their chosen pattern's."""
        options = zip(self.allowed[member], self.chosen[member], strict=True)
        return sum(pattern.balance * pick for pattern, pick in options)

    def hint(self, counts: Counts) -> None:
        """Start from this share-out, where each member's counts are one of their patterns."""
        for member, picks in self.chosen.items():
            mine = sorted((cls, n) for (who, cls), n in counts.items() if who == member and n)
            for pattern, pick in zip(self.allowed[member], picks, strict=True):
                self.model.add_hint(pick, sorted(pattern.counts) == mine)

    def read(self, solver: cp_model.CpSolver) -> Counts:
        counts: Counts = dict.fromkeys(self.agg.counts, 0)
        for member, picks in self.chosen.items():
            held = next(p for p, pick in zip(self.allowed[member], picks, strict=True) if solver.value(pick))
            counts.update({(member, cls): n for cls, n in held.counts})
        return counts


def _by_patterns(agg: Aggregate, allowed: dict[str, list[Pattern]], low: int) -> WindowModel:
    """One pattern per member, the highest balance above every chosen one."""
    choice = PatternChoice(agg, allowed)
    top = choice.model.new_int_var(low, max(p.balance for options in allowed.values() for p in options), "highest")
    for member in allowed:
        choice.model.add(top >= choice.balance(member))
    return choice.model, top, choice.read


def _by_counts(agg: Aggregate, allowed: dict[str, list[Pattern]], low: int) -> WindowModel:
    """The aggregate model itself (a copy), each member's balance held between their lowest and highest pattern in
    the window: the count vectors in that range are exactly those patterns."""
    model = agg.model.clone()
    model.clear_hints()  # type: ignore[no-untyped-call]
    top = model.new_int_var(low, max(p.balance for options in allowed.values() for p in options), "highest")
    for member, balance in member_balances(agg).items():
        model.add(balance >= allowed[member][0].balance)
        model.add(balance <= allowed[member][-1].balance)
        model.add(balance <= top)
    return model, top, lambda solver: {key: solver.value(var) for key, var in agg.counts.items()}
