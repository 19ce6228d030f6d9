"""`rota cover`: a member cannot work part of their shift; the absent part goes to a cover member (docs/spec.md §8).

For each of the member's rows in a required role that overlaps the absence, the absent part is
[max(absence start, now, row start), min(absence end, row end)). The row is split into before / cover / after:
before and after stay with the member (their kind kept, loads recomputed by the noon rule, so that the parts
add up to the shift's load); the cover part goes to a cover member, kind `cover`. The segment that starts where
the row started keeps its UID; a later segment gets a new stable UID named by its start.

A cover member is eligible for the role that week, not absent during the cover, holds no other row that week
and no row in the week before or after (a cover is days, not a rotation: rest relaxes to one week). Among them,
the one leaving the smallest spread of balances, then the lowest balance before, then roster order. Shadow rows
are left as they are: a shadow covers nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from models.balance import member_balances, spread
from models.calendar import ONE_WEEK, Interval, day_interval
from models.errors import InfeasibleError, InputError
from models.problem import Problem
from models.rota import Assignment, Kind, segment_uid
from models.team import Reason, Team
from rota.assignments import sort_rows
from rota.changes.future_weeks import repair_future
from rota.changes.hard_rules import LaterPeriods, pending_edits
from rota.changes.versions import Change, next_version
from rota.home.state import HomeState, changing
from rota.home.team_edit import add_absence
from solver.limit import DEFAULT_LIMIT, Limit

# How bad a broken rule is when nobody can cover within the rules: the least-bad choice breaks the mildest.
SEVERITY = {"rest": 1, "one role at a time": 2, "absences": 3, "eligibility": 4}


@dataclass(frozen=True)
class Candidate:
    """A member considered for a cover: the rules they would break (none: they may cover), and the fairness."""

    member: str
    broken: tuple[tuple[str, str], ...]  # (rule, reason in words)
    spread: float
    balance_before: float
    roster: int

    @property
    def qualifies(self) -> bool:
        return not self.broken

    @property
    def badness(self) -> tuple[int, int, float, float, int]:
        worst = max((SEVERITY[rule] for rule, _ in self.broken), default=0)
        return (worst, len(self.broken), self.spread, self.balance_before, self.roster)

    def why_not(self) -> str:
        return "; ".join(reason for _, reason in self.broken) or "free"


def cover(
    path: Path,
    *,
    who: str,
    first: dt.date,
    last: dt.date | None,
    reason: Reason,
    now: dt.datetime | None,
    force: bool = False,
    rebalance: bool = False,
    freeze_weeks: int = 2,
    limit: Limit = DEFAULT_LIMIT,
) -> list[Change]:
    """Record `who` absent from `first` to `last` (whole days) in the team file, and cover their shifts in every
    published period the absence touches. Returns one change per period changed."""

    def compute(state: HomeState) -> list[Change]:
        now = state.now
        home_team = state.team
        day_last = last if last is not None else first
        ids = [m.id for m in home_team.members]
        if who not in ids:
            raise InputError(f"--who {who!r}: unknown member; valid: {', '.join(ids)}")
        if day_last < first:
            raise InputError(f"--to {day_last} is before --from {first}; give the absence's first and last day")
        absence = day_interval(first, day_last, home_team.zone)
        touched = state.overlapping(absence)
        if not touched:
            raise InputError(_outside(state, first, day_last, home_team))
        home_text = (state.new_team_text or state.team_text).decode("utf-8")
        name = str(state.home.team_file)
        new_text, new_team = add_absence(home_text, name, who, first, day_last, reason)
        later = LaterPeriods(state)
        changes = []
        for index in touched:
            before, before_problem = state.periods[index], state.problem(index)
            if state.home.lone or before.end > now:
                team, text = new_team, new_text
            elif who not in {m.id for m in before.team.members}:
                continue  # not on the team then: nothing of that period's changes
            else:  # an absence recorded late: the period keeps its own facts, with the absence added
                copy = str(state.directories[index] / "team.yaml")
                text, team = add_absence(before.team_yaml.decode("utf-8"), copy, who, first, day_last, reason)
            draft = replace(before, team=team, team_yaml=text.encode("utf-8"))
            problem = state.problem(index, draft)
            # In a live period, what the team file's other edits, not yet applied, break: said, for `rota update`.
            live = team is new_team and not state.home.lone
            edited = state.problem(index, replace(draft, team=state.team)) if live else before_problem
            pending = pending_edits(before_problem, edited, before.rows)
            others = [a for i, p in enumerate(state.periods) if i != index for a in p.rows]
            rows, notes = cover_absence(
                problem, before.rows, who, absence, now, kind="cover", force=force, others=others
            )
            if rebalance and before.end > now:
                horizon = now + freeze_weeks * ONE_WEEK
                rows, more = repair_future(problem, rows, horizon, order="spread_first", limit=limit)
                notes.extend(more)
            notes.extend(_unchanged_notes(problem, before.rows, who, absence, now))
            notes.extend(pending)
            why = f"{who}: {reason} {first}..{day_last}"
            after = next_version(before, team, text.encode("utf-8"), rows, now, kind="cover", why=why)
            state.stage(index, after, problem)
            changes.append(
                Change("cover", state.directories[index], before, after, before_problem, problem, now, tuple(notes))
            )
        state.stage_team(new_text.encode("utf-8"))
        broken_later = [f"the next period now breaks {line}; `rota update` repairs it" for line in later.newly_broken()]
        if broken_later and changes:
            final = changes[-1]
            changes[-1] = replace(final, notes=(*final.notes, *broken_later))
        return changes

    return changing(path, compute, now)


def _outside(state: HomeState, first: dt.date, last: dt.date, team: Team) -> str:
    periods = state.periods
    if not periods:
        return f"{state.home.root}: no published rota yet; run `rota generate {state.home.team_file}` first"
    zone = team.zone
    runs = f"{periods[0].start.astimezone(zone):%Y-%m-%d %H:%M} to {periods[-1].end.astimezone(zone):%Y-%m-%d %H:%M}"
    return (
        f"--from {first} --to {last}: outside every published rota, which run from {runs}; "
        f"add the absence to {state.home.team_file.name} instead, and the next `rota generate` respects it"
    )


def _unchanged_notes(
    problem: Problem, rows: Sequence[Assignment], who: str, absence: Interval, now: dt.datetime
) -> list[str]:
    """What a cover leaves as it was, said: nothing to cover, or time already past."""
    mine = [a for a in rows if a.member == who and a.role in problem.roles and _overlaps(a, absence)]
    if not mine:
        return [f"{who} holds no shift during the absence: nothing to cover; the absence is recorded"]
    past = [a for a in mine if a.start < now and min(a.end, absence.end) <= now]
    if past and absence.end <= now:
        weeks = ", ".join(sorted({str(a.week) for a in past}))
        return [
            f"{who} held the week(s) of {weeks} during the absence, which has passed: past assignments never change; "
            "the absence is recorded and the period's fair shares follow it"
        ]
    return []


def cover_absence(
    problem: Problem,
    rows: Sequence[Assignment],
    who: str,
    absence: Interval,
    now: dt.datetime,
    *,
    kind: Kind,
    force: bool,
    others: Sequence[Assignment] = (),
) -> tuple[list[Assignment], list[str]]:
    """`rows` with the absent part of each of `who`'s required-role rows held by a cover member (`kind`).

    Raises InfeasibleError listing every member and why they cannot cover, naming the least-bad choice, unless
    `force`, which applies that choice and returns a note naming each rule it breaks.
    """
    current = list(rows)
    notes: list[str] = []
    mine = sorted(
        (a for a in rows if a.member == who and a.role in problem.roles and _overlaps(a, absence)),
        key=lambda a: a.start,
    )
    for row in mine:
        start, end = max(absence.start, now, row.start), min(absence.end, row.end)
        if start >= end:
            continue
        piece = Interval(start, end)
        candidates = rank_candidates(problem, current, row, piece, who, others)
        choice = candidates[0]
        if not choice.qualifies:
            if not force:
                raise _nobody(problem, row, piece, candidates)
            notes.append(
                f"forced: {choice.member} covers {row.role} {_span(piece, problem)}, breaking "
                + "; ".join(f"rule {rule}: {reason}" for rule, reason in choice.broken)
            )
        current = split(problem, current, row, piece, choice.member, kind)
    return sort_rows(problem.roles, current), notes


def split(
    problem: Problem, rows: Sequence[Assignment], row: Assignment, piece: Interval, member: str, kind: Kind
) -> list[Assignment]:
    """`rows` with `row` split into before / `piece` (held by `member`, `kind`) / after."""
    team = problem.team.team
    parts: list[Assignment] = []
    for start, end, holder, part_kind in (
        (row.start, piece.start, row.member, row.kind),
        (piece.start, piece.end, member, kind),
        (piece.end, row.end, row.member, row.kind),
    ):
        if start >= end:
            continue
        uid = row.uid if start == row.start else segment_uid(team, row.role, row.week, start)
        load = problem.load(row.role, Interval(start, end))
        parts.append(
            row.model_copy(
                update={"start": start, "end": end, "member": holder, "kind": part_kind, "load": load, "uid": uid}
            )
        )
    return [a for a in rows if a is not row] + parts


def rank_candidates(
    problem: Problem,
    rows: Sequence[Assignment],
    row: Assignment,
    piece: Interval,
    absent: str,
    others: Sequence[Assignment] = (),
) -> list[Candidate]:
    """Every member but the absent one, best first: those who may cover by the fairest result, then the rest.

    `others`: rows of the neighbouring periods, so that a cover in a period's last week rests before the next."""
    before = member_balances(problem, rows)
    candidates = []
    everything = [*problem.past, *rows, *others]
    for index, member in enumerate(problem.team.members):
        if member.id == absent:
            continue
        broken: list[tuple[str, str]] = []
        reason = problem.eligibility_reason(member, row.week, row.role)
        if reason is not None:
            broken.append(("eligibility", reason))
        absence = problem.absence_during(member.id, piece)
        if absence is not None:
            broken.append(("absences", absence.described))
        same_week = sorted({a.role for a in rows if a.member == member.id and a.week == row.week})
        if same_week:
            broken.append(("one role at a time", f"holds {', '.join(same_week)} that week"))
        near = sorted({a.week for a in everything if a.member == member.id and abs(a.week - row.week) == ONE_WEEK})
        if near:
            weeks = " and ".join(f"the week of {w}" for w in near)
            broken.append(("rest", f"on call {weeks} (a cover needs a week off either side)"))
        after = split(problem, rows, row, piece, member.id, "cover")
        candidates.append(
            Candidate(
                member.id,
                tuple(broken),
                spread(problem, member_balances(problem, after)),
                before[member.id].balance,
                index,
            )
        )
    return sorted(candidates, key=lambda c: c.badness)


def _nobody(problem: Problem, row: Assignment, piece: Interval, candidates: list[Candidate]) -> InfeasibleError:
    width = max(len(c.member) for c in candidates)
    lines = [f"{c.member.ljust(width)}  {c.why_not()}" for c in sorted(candidates, key=lambda c: c.roster)]
    best = candidates[0]
    rules = ", ".join(f"rule {rule}" for rule, _ in best.broken)
    lines.append(f"least bad: {best.member} ({best.why_not()}); --force applies it, breaking {rules}")
    return InfeasibleError(f"nobody can cover {row.role} {_span(piece, problem)} within the rules", lines)


def _overlaps(a: Assignment, interval: Interval) -> bool:
    return Interval(a.start, a.end).overlaps(interval)


def _span(interval: Interval, problem: Problem) -> str:
    zone = problem.team.zone
    return f"{interval.start.astimezone(zone):%Y-%m-%d %H:%M} to {interval.end.astimezone(zone):%Y-%m-%d %H:%M}"


def _day(moment: dt.datetime, problem: Problem) -> str:
    return f"{moment.astimezone(problem.team.zone):%Y-%m-%d %H:%M}"
