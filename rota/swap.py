"""`rota swap`: hand a shift to another member, or trade two shifts (SPEC §8).

The shift's holder is the member of its first row that is not a cover. From now on, their rows of the shift go
to the new member (kind `swap`, same UIDs); a row in progress is split at now, the part already worked staying
with the holder. A shift that has ended cannot be swapped. With `--with-week`, the new member's shift of that
week goes to the holder in the same way. The result is checked against every hard rule; a rule it breaks refuses
the swap, unless `--force`, which writes it and names each rule broken.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from models.calendar import Interval
from models.errors import InfeasibleError, InputError
from models.problem import Problem
from models.rota import Assignment, segment_uid
from rota.assemble import sort_rows
from rota.published import Change, load_version, next_version, problem_of
from rota.rulecheck import new_problems


def swap(
    directory: Path,
    *,
    week: dt.date,
    role: str,
    to: str,
    with_week: dt.date | None,
    now: dt.datetime,
    force: bool = False,
    team_file: Path | None = None,
) -> Change:
    before = load_version(directory, team_file)
    problem = problem_of(before)
    team = problem.team
    if role not in problem.roles:
        raise InputError(f"--role {role!r}: unknown role; valid: {', '.join(problem.roles)}")
    ids = [m.id for m in team.members]
    if to not in ids:
        raise InputError(f"--to {to!r}: unknown member; valid: {', '.join(ids)}")
    holder = _holder(problem, before.rows, week, role, now, "--week")
    if holder == to:
        raise InputError(f"{to} already holds {role} in the week of {week}; nothing to swap")
    rows = hand(problem, before.rows, week, role, holder, to, now)
    if with_week is not None:
        theirs = sorted(
            {a.role for a in before.rows if a.member == to and a.week == with_week and a.role in problem.roles}
        )
        if not theirs:
            raise InputError(f"--with-week {with_week}: {to} holds no role that week; give a week they hold")
        _holder(problem, before.rows, with_week, theirs[0], now, "--with-week")
        rows = hand(problem, rows, with_week, theirs[0], to, holder, now)
    broken = new_problems(problem, before.rows, rows)
    notes: list[str] = []
    if broken:
        if not force:
            raise InfeasibleError("swap refused: it breaks the hard rules (--force writes it anyway)", broken)
        notes.extend(f"forced: breaks {line}" for line in broken)
    after = next_version(before, team, before.team_yaml, rows, now)
    return Change("swap", before, after, problem, problem, now, tuple(notes))


def _holder(
    problem: Problem, rows: Sequence[Assignment], week: dt.date, role: str, now: dt.datetime, option: str
) -> str:
    if week not in problem.weeks:
        raise InputError(
            f"{option} {week}: not a week of this rota; its weeks are the {problem.team.changeover.weekday.value}s "
            f"from {problem.weeks[0]} to {problem.weeks[-1]}"
        )
    if problem.interval(week).end <= now:
        raise InputError(f"{option} {week}: that shift has ended; only a shift still to come can be swapped")
    shift = sorted((a for a in rows if a.week == week and a.role == role), key=lambda a: a.start)
    holders = [a.member for a in shift if a.kind != "cover"] or [a.member for a in shift]
    if not holders:
        raise InputError(f"{option} {week}: nobody holds {role} that week")
    return holders[0]


def hand(
    problem: Problem, rows: Sequence[Assignment], week: dt.date, role: str, giver: str, taker: str, now: dt.datetime
) -> list[Assignment]:
    """`rows` with `giver`'s rows of (week, role) from now on held by `taker`, kind `swap`."""
    result: list[Assignment] = []
    for a in rows:
        if a.week != week or a.role != role or a.member != giver or a.end <= now:
            result.append(a)
        elif a.start >= now:
            result.append(a.model_copy(update={"member": taker, "kind": "swap"}))
        else:  # in progress: the part worked stays
            worked = Interval(a.start, now)
            rest = Interval(now, a.end)
            result.append(a.model_copy(update={"end": now, "load": problem.load(role, worked)}))
            uid = segment_uid(problem.team.team, role, week, now)
            update = {"start": now, "member": taker, "kind": "swap", "load": problem.load(role, rest), "uid": uid}
            result.append(a.model_copy(update=update))
    return sort_rows(problem.roles, result)
