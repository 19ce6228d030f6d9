"""`rota swap`: hand a shift to another member, or trade two shifts (docs/spec.md §8).

The shift's holder is the member of its first row that is not a cover. From now on, their rows of the shift go
to the new member (kind `swap`, same UIDs); a row in progress is split at now, the part already worked staying
with the holder. A shift that has ended cannot be swapped. With `--with-week`, the new member's shift of that
week goes to the holder in the same way. The result is checked against every hard rule; a rule it breaks refuses
the swap, unless `--force`, which writes it and names each rule broken.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

from models.calendar import Interval
from models.errors import InfeasibleError, InputError
from models.problem import Problem
from models.rota import Assignment, segment_uid
from rota.assignments import sort_rows
from rota.changes.hard_rules import LaterPeriods, new_problems, pending_edits
from rota.changes.versions import Change, next_version
from rota.home.period import PeriodVersion
from rota.home.state import HomeState, changing


def swap(
    path: Path,
    *,
    week: dt.date,
    role: str,
    to: str,
    with_week: dt.date | None,
    now: dt.datetime | None,
    force: bool = False,
) -> list[Change]:
    """Hand the shift of (`week`, `role`) to `to`, or trade it for `to`'s shift of `with_week`, which may lie in
    another published period. One change per period changed."""

    def compute(state: HomeState) -> list[Change]:
        now = state.now
        team, text = state.team, state.team_text
        if role not in team.role_names:
            raise InputError(f"--role {role!r}: unknown role; valid: {', '.join(team.role_names)}")
        ids = [m.id for m in team.members]
        if to not in ids:
            raise InputError(f"--to {to!r}: unknown member; valid: {', '.join(ids)}")
        later = LaterPeriods(state)
        first = _period_of(state, week, "--week")
        holder = _holder(state.periods[first], week, role, now, "--week")
        if holder == to:
            raise InputError(f"{to} already holds {role} in the week of {week}; nothing to swap")
        handed = [Handover(first, week, role, holder, to)]
        if with_week is not None:
            second = _period_of(state, with_week, "--with-week")
            rows = state.periods[second].rows
            theirs = sorted(
                {a.role for a in rows if a.member == to and a.week == with_week and a.role in team.role_names}
            )
            if not theirs:
                raise InputError(f"--with-week {with_week}: {to} holds no role that week; give a week they hold")
            _holder(state.periods[second], with_week, theirs[0], now, "--with-week")
            handed.append(Handover(second, with_week, theirs[0], to, holder))
        changes, broken, notes = [], [], []
        indexes = sorted({h.period for h in handed})
        # Each period under the team file as it is now, on the history as it was before this swap.
        drafts = {i: replace(state.periods[i], team=team, team_yaml=text) for i in indexes}
        facts = {i: (state.problem(i), state.problem(i, drafts[i])) for i in indexes}
        for index in indexes:
            before = state.periods[index]
            before_problem, unswapped = facts[index]
            problem = state.problem(index, drafts[index])
            rows = before.rows
            for h in handed:
                if h.period == index:
                    rows = hand(problem, rows, h.week, h.role, h.giver, h.taker, now)
            broken += new_problems(problem, before.rows, rows, unswapped)
            notes += pending_edits(before_problem, unswapped, before.rows)
            after = next_version(before, team, text, rows, now, kind="swap", why=_why(handed))
            state.stage(index, after, problem)
            changes.append(Change("swap", state.directories[index], before, after, before_problem, problem, now))
        broken += later.newly_broken()
        if broken and not force:
            raise InfeasibleError("swap refused: it breaks the hard rules (--force writes it anyway)", broken)
        notes += [f"forced: breaks {line}" for line in broken]
        return [replace(change, notes=tuple(notes)) for change in changes]

    return changing(path, compute, now)


class Handover(NamedTuple):
    """One shift changing hands in a swap; two in a trade."""

    period: int  # its period's index in the home
    week: dt.date
    role: str
    giver: str
    taker: str


def _why(handed: list[Handover]) -> str:
    return "; ".join(f"{h.giver} handed {h.role} of the week of {h.week} to {h.taker}" for h in handed)


def _period_of(state: HomeState, week: dt.date, option: str) -> int:
    for index, period in enumerate(state.periods):
        if week in period.period.weeks:
            return index
    weeks = [w for p in state.periods for w in p.period.weeks]
    day = state.team.changeover.weekday.value
    raise InputError(
        f"{option} {week}: not a week of a published rota; their weeks are the {day}s from {weeks[0]} to {weeks[-1]}"
        if weeks
        else f"{option} {week}: nothing is published yet; run `rota generate` first"
    )


def _holder(period: PeriodVersion, week: dt.date, role: str, now: dt.datetime, option: str) -> str:
    shift = sorted((a for a in period.rows if a.week == week and a.role == role), key=lambda a: a.start)
    if shift and shift[-1].end <= now:
        raise InputError(f"{option} {week}: that shift has ended; only a shift still to come can be swapped")
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
