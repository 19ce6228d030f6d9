"""The next version of a published period after a change: what calendars need to follow it (docs/spec.md §8, §10).

A row identical to the published row of the same UID keeps its SEQUENCE and LAST-MODIFIED. Any other row gets
SEQUENCE one above the highest its UID ever had and LAST-MODIFIED the change's time. Time a member lost stays in
their feed as a cancelled event, under a UID of its own, until it ends.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from models.calendar import Interval
from models.problem import Problem
from models.rota import Assignment, Cancelled, ChangeRecord, Kind, MemberChange, cancelled_uid
from models.team import Team
from rota.assignments import sort_rows
from rota.home.period import PeriodVersion


@dataclass(frozen=True)
class Change:
    """A changed period: both versions, the facts of each, and what to tell the team."""

    kind: Kind
    directory: Path  # the period's rota directory
    before: PeriodVersion
    after: PeriodVersion
    before_problem: Problem
    after_problem: Problem
    now: dt.datetime
    notes: tuple[str, ...] = ()


def next_version(
    before: PeriodVersion,
    team: Team,
    team_yaml: bytes,
    rows: Sequence[Assignment],
    now: dt.datetime,
    *,
    kind: str,
    why: str,
) -> PeriodVersion:
    """`rows` as the next version of `before`, with `team` (and its file's bytes) as the period's facts.

    A row identical to the published row of the same UID keeps its SEQUENCE and LAST-MODIFIED. Any other row
    gets SEQUENCE one above the highest its UID ever had (0 for a UID never seen) and LAST-MODIFIED `now`.
    Each member's lost time (held before, not after) goes to cancelled.csv under a UID of its own; entries that
    have ended are pruned. The change, if anything changed, is recorded (`kind`, `why`) for notices.
    """
    old_by_uid = {a.uid: a for a in before.rows}
    highest: dict[str, int] = defaultdict(lambda: -1)
    for a in [*before.rows, *(c.assignment for c in before.cancelled)]:
        highest[a.uid] = max(highest[a.uid], a.sequence)
    modified = dict(before.modified)
    final: list[Assignment] = []
    for a in rows:
        old = old_by_uid.get(a.uid)
        if old is not None and same_assignment(old, a):
            final.append(a.model_copy(update={"sequence": old.sequence}))
            continue
        final.append(a.model_copy(update={"sequence": highest[a.uid] + 1}))
        modified[a.uid] = now
    lost = _lost(before.rows, final, highest)
    for c in lost:
        modified[c.assignment.uid] = now
    kept = [c for c in before.cancelled if c.assignment.end > now]
    cancelled = _merge(kept, lost, final, now)
    live = {a.uid for a in final} | {c.assignment.uid for c in cancelled}
    modified = {uid: when for uid, when in modified.items() if uid in live}
    record = change_record(before.rows, final, kind, why, now)
    return replace(
        before,
        team=team,
        team_yaml=team_yaml,
        rows=sort_rows(team.role_names, final),
        cancelled=cancelled,
        generated=before.generated or now,
        modified=modified,
        changes=(*before.changes, record) if record is not None else before.changes,
    )


def change_record(
    old: Sequence[Assignment], new: Sequence[Assignment], kind: str, why: str, now: dt.datetime
) -> ChangeRecord | None:
    """Who a change touched, with what they held before and hold after of the assignments it changed; None when
    nothing changed."""
    old_by_uid = {a.uid: a for a in old}
    new_by_uid = {a.uid: a for a in new}
    gone = [a for uid, a in old_by_uid.items() if uid not in new_by_uid or not same_assignment(a, new_by_uid[uid])]
    came = [a for uid, a in new_by_uid.items() if uid not in old_by_uid or not same_assignment(a, old_by_uid[uid])]
    if not gone and not came:
        return None
    members = sorted({a.member for a in [*gone, *came]})
    touched = tuple(
        MemberChange(
            member,
            tuple(a for a in gone if a.member == member),
            tuple(a for a in came if a.member == member),
        )
        for member in members
    )
    digest = hashlib.sha256(repr((kind, why, now.isoformat(), touched)).encode()).hexdigest()[:12]
    return ChangeRecord(f"{kind}-{now.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}-{digest}", kind, why, now, touched)


def same_assignment(a: Assignment, b: Assignment) -> bool:
    return (a.role, a.week, a.start, a.end, a.member, a.kind, a.load) == (
        b.role,
        b.week,
        b.start,
        b.end,
        b.member,
        b.kind,
        b.load,
    )


def _lost(old: Sequence[Assignment], new: Sequence[Assignment], highest: dict[str, int]) -> list[Cancelled]:
    """For each member and role: the pieces of time they held before and do not now, as cancelled events.

    A piece that another member now holds is cancelled under a UID of its own (cancelled_uid): a client that
    sees both feeds must never take the live event for a cancelled one. An assignment gone from the rota
    altogether (a shadow week moved) is cancelled under its own UID, which nothing holds any more.
    """
    lost: list[Cancelled] = []
    held_now: dict[tuple[str, str], list[Interval]] = defaultdict(list)
    for a in new:
        held_now[a.member, a.role].append(Interval(a.start, a.end))
    everywhere = {a.uid for a in new}
    for o in old:
        if o.uid not in everywhere:
            lost.append(Cancelled(o, o.sequence + 1))
            continue
        for piece in _minus(Interval(o.start, o.end), held_now[o.member, o.role]):
            uid = cancelled_uid(o.uid, o.member, piece.start)
            gone = o.model_copy(update={"start": piece.start, "end": piece.end, "uid": uid, "load": 0.0})
            lost.append(Cancelled(gone, max(o.sequence, highest[uid]) + 1))
    return lost


def _minus(interval: Interval, holes: Sequence[Interval]) -> list[Interval]:
    pieces = [interval]
    for hole in holes:
        rest = []
        for p in pieces:
            if not p.overlaps(hole):
                rest.append(p)
                continue
            if p.start < hole.start:
                rest.append(Interval(p.start, hole.start))
            if hole.end < p.end:
                rest.append(Interval(hole.end, p.end))
        pieces = rest
    return pieces


def _merge(
    kept: list[Cancelled], lost: list[Cancelled], rows: Sequence[Assignment], now: dt.datetime
) -> list[Cancelled]:
    """Cancelled entries by (member, uid), the latest winning; none for time the member holds again."""
    held: dict[tuple[str, str], list[Interval]] = defaultdict(list)
    for a in rows:
        held[a.member, a.role].append(Interval(a.start, a.end))
    merged: dict[tuple[str, str], Cancelled] = {}
    for c in [*kept, *lost]:
        a = c.assignment
        if a.end <= now or not _minus(Interval(a.start, a.end), held[a.member, a.role]):
            continue
        merged[a.member, a.uid] = c
    return sorted(merged.values(), key=lambda c: (c.assignment.start, c.assignment.member, c.assignment.uid))
