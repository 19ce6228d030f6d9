"""The hard rules of docs/spec.md §5 checked on a list of rows, against the problem's facts (for changes to a rota).

The solver never produces a broken rota, but a swap, a forced cover or a team file edited after publishing can.
`broken_rules` says, in the team's words, every rule the rows break; a change compares the lists before and after
so that it reports only what it breaks itself.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Sequence

from models.calendar import ONE_WEEK, Interval
from models.problem import COVER_REST_WEEKS, Problem
from models.rota import Assignment
from models.team import SHADOW_ROLE
from rota.home.state import HomeState


def broken_rules(problem: Problem, rows: Sequence[Assignment]) -> list[str]:
    """Every hard rule `rows` (a whole rota of `problem`'s period) break, one line each, in the team's words."""
    return [
        *coverage(problem, rows),
        *one_role_at_a_time(rows),
        *eligibility(problem, rows),
        *absences(problem, rows),
        *rest(problem, rows),
        *pins(problem, rows),
    ]


def coverage(problem: Problem, rows: Sequence[Assignment]) -> list[str]:
    # Rule 1: each role's rows tile each week's shift exactly once.
    problems = []
    for week in problem.weeks:
        interval = problem.interval(week)
        for role in problem.roles:
            moment = interval.start
            for a in sorted((a for a in rows if a.week == week and a.role == role), key=lambda a: a.start):
                if a.start != moment:
                    problems.append(f"rule 1 (coverage): {role} in the week of {week} is not held from {moment}")
                moment = a.end
            if moment != interval.end:
                problems.append(f"rule 1 (coverage): {role} in the week of {week} is not held until its end")
    return problems


def one_role_at_a_time(rows: Sequence[Assignment]) -> list[str]:
    # Rule 2: no member holds two roles (shadowing included) in the same week.
    held: dict[tuple[str, dt.date], set[str]] = defaultdict(set)
    for a in rows:
        held[a.member, a.week].add(a.role)
    return [
        f"rule 2 (one role at a time): {member} holds {' and '.join(sorted(roles))} in the week of {week}"
        for (member, week), roles in sorted(held.items())
        if len(roles) > 1
    ]


def eligibility(problem: Problem, rows: Sequence[Assignment]) -> list[str]:
    # Rule 3: roles, joined, left, onboarding.
    ids = {m.id for m in problem.team.members}
    problems = []
    for a in rows:
        if a.role == SHADOW_ROLE:
            continue
        if a.member not in ids:
            problems.append(f"rule 3 (eligibility): {a.member} is not on the team")
            continue
        reason = problem.eligibility_reason(problem.team.member(a.member), a.week, a.role)
        if reason is not None:
            problems.append(f"rule 3 (eligibility): {a.member} holds {a.role} in the week of {a.week}: {reason}")
    return problems


def absences(problem: Problem, rows: Sequence[Assignment]) -> list[str]:
    # Rule 4: nobody holds a row that overlaps their absence.
    problems = []
    for a in rows:
        absence = problem.absence_during(a.member, _interval(a))
        if absence is not None:
            problems.append(
                f"rule 4 (absences): {a.member} holds {a.role} in the week of {a.week} while {absence.described}"
            )
    return problems


def rest(problem: Problem, rows: Sequence[Assignment]) -> list[str]:
    # Rule 5: min_rest_weeks off between two weeks on call, history included; one week around a cover.
    weeks_on: dict[str, dict[dt.date, bool]] = defaultdict(dict)  # member -> week -> only covers that week
    past = set()
    for a in [*problem.past, *rows]:
        weeks_on[a.member][a.week] = weeks_on[a.member].get(a.week, True) and a.kind == "cover"
    for a in problem.past:
        past.add((a.member, a.week))
    problems = []
    for member, weeks in sorted(weeks_on.items()):
        for earlier, later in itertools.pairwise(sorted(weeks)):
            if (member, later) in past:
                continue  # both in the history: not this rota's doing
            only_covers = weeks[earlier] or weeks[later]
            needed = COVER_REST_WEEKS if only_covers else problem.team.rules.min_rest_weeks
            if later - earlier <= needed * ONE_WEEK:
                problems.append(
                    f"rule 5 (rest): {member} is on call in the weeks of {earlier} and {later} "
                    f"(min_rest_weeks: {needed}{', a cover' if only_covers else ''})"
                )
    return problems


def pins(problem: Problem, rows: Sequence[Assignment]) -> list[str]:
    # Rule 6: a pinned member holds the role at the start of the pinned week.
    problems = []
    for member, week, role in problem.pins_in_period():
        start = problem.interval(week).start
        if not any(a.member == member and a.role == role and a.start == start for a in rows):
            problems.append(f"rule 6 (pins): {member} is pinned to {role} in the week of {week}")
    return problems


def new_problems(
    problem: Problem, before: Sequence[Assignment], after: Sequence[Assignment], before_problem: Problem | None = None
) -> list[str]:
    """The rules `after` breaks that `before` did not: what a change itself would break. `before_problem` holds
    the facts `before` stood on, where they differ (an earlier period changed by the same command)."""
    old = set(broken_rules(before_problem or problem, before))
    return [line for line in broken_rules(problem, after) if line not in old]


def _interval(a: Assignment) -> Interval:
    return Interval(a.start, a.end)


def pending_edits(before: Problem, now: Problem, rows: Sequence[Assignment]) -> list[str]:
    """What the team file's edits since the period was written break in it, as notes: `rota update` repairs them."""
    old = set(broken_rules(before, rows))
    return [
        f"the team file now breaks {line}; `rota update` repairs it"
        for line in broken_rules(now, rows)
        if line not in old
    ]


class LaterPeriods:
    """The published periods after a change, checked again once it is staged: a change to one period is history
    to the next (a swap into a quarter's last week can break rest in the next quarter's first)."""

    def __init__(self, state: HomeState) -> None:
        self.state = state
        self.before = [(state.problem(i), p.rows) for i, p in enumerate(state.periods)]

    def newly_broken(self) -> list[str]:
        changed = [i for i in range(len(self.before)) if i in self.state.staged]
        if not changed:
            return []
        problems = []
        for index in range(min(changed) + 1, len(self.before)):
            if index in self.state.staged:
                continue
            old_problem, rows = self.before[index]
            old = set(broken_rules(old_problem, rows))
            problems += [line for line in broken_rules(self.state.problem(index), rows) if line not in old]
        return problems
