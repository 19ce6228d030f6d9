"""Re-solving the weeks still to come of a published period, with the fewest changes (docs/spec.md §8).

The weeks that start after a moment are re-solved by `solver.repair`; every earlier week is history. A week
holding a split shift (a cover) is kept as it is unless its rows are now broken. `rota update` ranks the fewest
changed assignments first, then fairness; `rota cover --rebalance` ranks fairness first.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from models.calendar import Interval, Period
from models.problem import Problem, make_problem
from models.rota import Assignment, PastPeriod
from models.team import SHADOW_ROLE
from rota.assignments import sort_rows, whole_shift
from solver.limit import Limit
from solver.repair import KeptShift, Order, repair


def repair_future(
    problem: Problem,
    rows: Sequence[Assignment],
    after: dt.datetime,
    *,
    order: Order,
    limit: Limit,
) -> tuple[list[Assignment], list[str]]:
    """Re-solve the weeks that start after `after`; earlier weeks are history. Returns the rows and a summary."""
    future = [w for w in problem.weeks if problem.interval(w).start > after]
    if not future:
        return list(rows), []
    first = problem.interval(future[0]).start
    # The period's own weeks before `after` are history too, bare: their fair shares come from its team file.
    history = (*problem.history, PastPeriod(tuple(a for a in rows if a.start < first)))
    sub = make_problem(problem.team, Period(problem.period.name, tuple(future)), history)
    by_shift: dict[tuple[dt.date, str], list[Assignment]] = defaultdict(list)
    for a in rows:
        if a.week in future and a.role in problem.roles:
            by_shift[a.week, a.role].append(a)
    published: dict[tuple[dt.date, str], str] = {}
    kept: dict[tuple[dt.date, str], KeptShift] = {}
    for (week, role), shift_rows in by_shift.items():
        shift_rows.sort(key=lambda a: a.start)
        holder = next((a.member for a in shift_rows if a.kind != "cover"), shift_rows[0].member)
        published[week, role] = holder
        if not _whole(sub, week, shift_rows) and _still_valid(sub, shift_rows, holder):
            loads: dict[str, float] = defaultdict(float)
            for a in shift_rows:
                loads[a.member] += a.load
            covers = tuple(sorted({a.member for a in shift_rows} - {holder}))
            kept[week, role] = KeptShift(holder, covers, dict(loads))
    offsets = _offsets(problem, sub, rows, future[0])
    solution = repair(
        sub, published, kept, order=order, offsets=offsets, time_limit_s=limit.seconds, work_limit=limit.work
    )
    picks = {(week, role): member for member, week, role in solution.picks}
    result = [a for a in rows if a.week not in future]
    for (week, role), member in sorted(picks.items()):
        shift_rows = by_shift.get((week, role), [])
        if (week, role) in kept or (_whole(sub, week, shift_rows) and shift_rows[0].member == member):
            result.extend(shift_rows)
            continue
        result.append(whole_shift(sub, member, week, role, "update"))
    result.extend(_shadows(sub, rows, future))
    changed = sum(1 for (week, role), member in picks.items() if published.get((week, role)) not in (None, member))
    proof = "every objective proven optimal" if solution.optimal else "not every objective proven optimal"
    summary = [f"re-solved the weeks from {future[0]} to {future[-1]}: {changed} changed assignment(s) ({proof})"]
    return sort_rows(problem.roles, result), summary


def _offsets(problem: Problem, sub: Problem, rows: Sequence[Assignment], first: dt.date) -> dict[str, float]:
    """Each member's balance before `first` by the whole rota's facts, minus the repair problem's own view of it.

    They differ where the history is read differently, e.g. an onboarding member's fair share of the weeks
    they shadowed: the whole rota knows they were onboarding then, the repair problem sees their shadow weeks
    done. The repair optimises the balances the whole rota (and `rota report`) shows.
    """
    earlier = [s for s in problem.shifts if s.week < first]
    shares = problem.fair_shares(earlier)
    carried: dict[str, float] = defaultdict(float)
    for a in rows:
        if a.week < first and a.role in problem.roles:
            carried[a.member] += a.load
    return {
        m.id: problem.past_balances[m.id] + carried[m.id] - shares[m.id] - sub.past_balances[m.id]
        for m in problem.team.members
    }


def _whole(problem: Problem, week: dt.date, shift_rows: Sequence[Assignment]) -> bool:
    """One row holding the whole week: no cover split it."""
    interval = problem.interval(week)
    return len(shift_rows) == 1 and (shift_rows[0].start, shift_rows[0].end) == (interval.start, interval.end)


def _still_valid(problem: Problem, shift_rows: Sequence[Assignment], holder: str) -> bool:
    """A split shift is kept as published only if its rows break no absence nor eligibility now."""
    ids = {m.id for m in problem.team.members}
    for a in shift_rows:
        if a.member not in ids or problem.absence_during(a.member, Interval(a.start, a.end)) is not None:
            return False
        if problem.eligibility_reason(problem.team.member(a.member), a.week, a.role) is not None:
            return False
    role = shift_rows[0].role
    return holder in ids and role in problem.team.member_roles(problem.team.member(holder))


def _shadows(problem: Problem, rows: Sequence[Assignment], future: list[dt.date]) -> list[Assignment]:
    """Future shadow weeks as the repaired problem places them; a published one that still fits is kept."""
    published = {(a.member, a.week): a for a in rows if a.role == SHADOW_ROLE and a.week in future}
    result = []
    for member, weeks in sorted(problem.shadow_weeks.items()):
        for week in weeks:
            existing = published.get((member, week))
            if existing is not None:
                result.append(existing)
                continue
            result.append(whole_shift(problem, member, week, SHADOW_ROLE, "update"))
    return result
