"""`rota update`: re-read the team file after edits and repair only what is now broken (docs/spec.md §8).

Every published period with weeks still to come takes the home's team file as its facts; periods that have
ended never change. In each:
- assignments that ended before now never change;
- the current shift changes only where it must: if its holder is now absent for part of what is left of it (or
  no longer eligible), that part goes to a cover member as `rota cover` would choose one; the covering row is kind
  `cover` (so that rest after it relaxes to one week) and the holder keeps the rest of their row;
- the weeks still to come are re-solved with the fewest changed assignments first, then fairness (future_weeks).
Changed rows are recorded as `update`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from models.calendar import Interval
from models.errors import InputError
from models.loader import load_team
from models.problem import Problem
from models.rota import Assignment
from models.team import Team
from rota.changes.cover import cover_absence
from rota.changes.future_weeks import repair_future
from rota.changes.versions import Change, next_version
from rota.home.state import HomeState, changing
from solver.limit import DEFAULT_LIMIT, Limit


def update(
    path: Path, *, now: dt.datetime | None, team_file: Path | None = None, limit: Limit = DEFAULT_LIMIT
) -> list[Change]:
    """Every published period with weeks to come, repaired against the home's team file (for a lone rota
    directory, `team_file` stands in for its team.yaml and is copied in). One change per period."""

    def compute(state: HomeState) -> list[Change]:
        now = state.now
        team, text = _team(state, team_file)
        live = [i for i, p in enumerate(state.periods) if p.end > now]
        if not live:
            raise InputError(
                f"{state.home.root}: every published rota has ended; past assignments never change "
                "(a sickness reported late: `rota cover` records it)"
            )
        changes = []
        for index in live:
            before, before_problem = state.periods[index], state.problem(index)
            problem = state.problem(index, replace(before, team=team, team_yaml=text))
            rows, notes = repair_current(problem, before.rows, now)
            rows, more = repair_future(problem, rows, now, order="changes_first", limit=limit.share(len(live)))
            after = next_version(before, team, text, rows, now, kind="update", why="the team file changed")
            state.stage(index, after, problem)
            changes.append(
                Change("update", state.directories[index], before, after, before_problem, problem, now, (*notes, *more))
            )
        return changes

    return changing(path, compute, now)


def _team(state: HomeState, team_file: Path | None) -> tuple[Team, bytes]:
    """The team file to repair against: the home's; `--team` only names another for a lone rota directory."""
    if team_file is None:
        return state.team, state.team_text
    if state.home.lone:
        return load_team(team_file), team_file.read_bytes()
    if team_file.absolute() != state.home.team_file.absolute():
        raise InputError(
            f"--team {team_file}: this rota belongs to the home of {state.home.team_file}; edit that file and "
            "drop --team"
        )
    return state.team, state.team_text


def repair_current(
    problem: Problem, rows: Sequence[Assignment], now: dt.datetime
) -> tuple[list[Assignment], list[str]]:
    """The shifts in progress: where the holder is now broken for what is left, that part is covered."""
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
