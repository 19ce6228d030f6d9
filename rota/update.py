"""`rota update`: re-read the team file after edits and repair only what is now broken (SPEC §8).

- Assignments that ended before now never change.
- The current shift changes only where it must: if its holder is now absent for part of what is left of it (or
  no longer eligible), that part goes to a cover member as `rota cover` would choose one; the covering row is kind
  `cover` (so that rest after it relaxes to one week, SPEC §8) and the holder keeps the rest of their row.
- The weeks still to come are re-solved by `solver.repair` with the fewest changed assignments first, then
  fairness; every earlier week is history. A week holding a split shift (a cover) is kept as it is unless its
  rows are now broken. Changed rows are recorded as `update`.

`rota cover --rebalance` uses the same repair on the weeks starting after the freeze horizon, fairness first.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from models.calendar import Interval, Period
from models.problem import Problem, make_problem
from models.rota import Assignment
from models.team import SHADOW_ROLE
from rota.assemble import sort_rows, whole_shift
from rota.cover import cover_absence
from rota.published import Change, load_version, next_version, problem_of
from solver.repair import KeptShift, Order, repair


def update(directory: Path, *, now: dt.datetime, team_file: Path | None = None, time_limit_s: float = 10.0) -> Change:
    """The directory's next version after its team file changed (with `team_file`, that file is copied in)."""
    before = load_version(directory, team_file)
    problem = problem_of(before)
    rows, notes = repair_current(problem, before.rows, now)
    rows, more = repair_future(problem, rows, now, order="changes_first", time_limit_s=time_limit_s)
    after = next_version(before, before.team, before.team_yaml, rows, now)
    return Change("update", before, after, problem, problem, now, tuple([*notes, *more]))


def repair_current(
    problem: Problem, rows: Sequence[Assignment], now: dt.datetime
) -> tuple[list[Assignment], list[str]]:
    """The shifts in progress: where the holder is now broken for what is left, that part is covered (`update`)."""
    current = list(rows)
    notes: list[str] = []
    for row in sorted(rows, key=lambda a: a.start):
        if row.role not in problem.roles or not row.start <= now < row.end:
            continue
        member = next((m for m in problem.team.members if m.id == row.member), None)
        rest = Interval(now, row.end)
        gone = member is None or problem.eligibility_reason(member, row.week, row.role) is not None
        absence = problem.absences_of(row.member)
        spans = [rest] if gone else [span for _, span in absence if span.overlaps(rest)]
        for span in spans:
            clipped = Interval(max(span.start, now), min(span.end, row.end))
            # The covering member's row is a cover, whichever command made it: rest after it relaxes to one week.
            current, more = cover_absence(problem, current, row.member, clipped, now, kind="cover", force=False)
            notes.extend(more)
    return current, notes


def repair_future(
    problem: Problem,
    rows: Sequence[Assignment],
    after: dt.datetime,
    *,
    order: Order,
    time_limit_s: float,
) -> tuple[list[Assignment], list[str]]:
    """Re-solve the weeks that start after `after`; earlier weeks are history. Returns the rows and a summary."""
    future = [w for w in problem.weeks if problem.interval(w).start > after]
    if not future:
        return list(rows), []
    first = problem.interval(future[0]).start
    history = [*problem.history, *(a for a in rows if a.start < first)]
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
    solution = repair(sub, published, kept, order=order, offsets=offsets, time_limit_s=time_limit_s)
    picks = {(week, role): member for member, week, role in solution.picks}
    result = [a for a in rows if a.week not in future]
    for (week, role), member in sorted(picks.items()):
        shift_rows = by_shift.get((week, role), [])
        if (week, role) in kept or (_whole(sub, week, shift_rows) and shift_rows[0].member == member):
            result.extend(shift_rows)
            continue
        result.append(whole_shift(sub, member, week, role, "update"))
    result.extend(_shadows(sub, rows, future))
    changes = next((s for s in solution.stages if s.name == "changes"), None)
    spread = next(s for s in solution.stages if s.name == "spread")
    summary = [
        f"repaired the weeks from {future[0]} to {future[-1]}"
        + (f": {changes.value:g} changed assignment(s)" if changes else "")
        + f", spread {spread.value:.3f} ({'optimal' if solution.optimal else 'not proven optimal'})"
    ]
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
