"""`rota check`: is the team file valid, does a rota exist, and who could cover a sickness each week."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from models.calendar import ONE_WEEK
from models.problem import Problem
from rota.generate import PeriodChoice, plan
from rota.home.home import find_home
from rota.home.state import reading
from solver.limit import Limit
from solver.solve import solve


def cover_candidates(problem: Problem, picks: Sequence[tuple[str, dt.date, str]], week: dt.date) -> list[str]:
    """Members who could take over a role mid-week (docs/spec.md §8): eligible for some role, not absent, holding no
    shift that week nor the week before or after (a cover relaxes rest to one week)."""
    busy = {m for m, w, _ in picks if abs((w - week).days) <= 7}
    busy.update(m for m, weeks in problem.shadow_weeks.items() if week in weeks)
    return [
        member.id
        for member in problem.team.members
        if member.id not in busy
        and problem.absence_during(member.id, problem.interval(week)) is None
        and any(problem.eligibility_reason(member, week, role) is None for role in problem.roles)
    ]


def check_team(
    path: Path, choice: PeriodChoice, *, history: Sequence[Path], now: dt.datetime | None, limit: Limit
) -> list[str]:
    """The lines `rota check` prints; raises as `generate` would, without writing anything."""
    home = find_home(path)
    with reading(home, now) as state:
        team = state.team
        period = choice.resolve(team, state.now.date())
        problem, _ = plan(state, period, history=history, overlapping_ok=True)
    lines = [
        f"{path}: valid ({len(team.members)} members, roles {', '.join(team.role_names)})",
        f"{period.name}: {len(period.weeks)} weeks, {period.first} to {period.last + ONE_WEEK} "
        f"(changeover {team.changeover.weekday.value} {team.changeover.time:%H:%M} {team.timezone})",
    ]
    # The same solve as `generate` (same seed): the cover counts are those of the rota it would write.
    solution = solve(problem, time_limit_s=limit.seconds, work_limit=limit.work)
    lines.append("a rota exists that satisfies every hard rule")
    lines.extend(f"note: {note}" for note in solution.notes)
    lines.append("")
    lines.append("week        could cover a sickness (in the rota `generate` would write)")
    thin = 0
    for week in period.weeks:
        members = cover_candidates(problem, solution.picks, week)
        flag = "  <- nobody could cover" if not members else ""
        thin += not members
        lines.append(f"{week}  {len(members):>2}  {' '.join(members)}{flag}")
    if thin:
        lines.append(f"{thin} week{'s' if thin != 1 else ''} with nobody to cover: consider fewer absences then")
    return lines
