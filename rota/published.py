"""A published rota directory as state (SPEC §8-§10): read it, change its rows, write the next version whole.

A version is `rota.csv`, `team.yaml` (the copy later commands use), `rota.ics`, `feeds/`, `rota.png`, and two
files that let the calendars follow changes:

- `cancelled.csv`: assignments members lost, in rota.csv's columns with their raised SEQUENCE; each stays in
  its member's feed as STATUS:CANCELLED until it ends, and is dropped from the file once it has ended.
- `modified.json`: `{"generated": time, "events": {uid: time}}`, each event's LAST-MODIFIED; an event it does
  not name was last modified when the rota was generated.

Every command writes every file of a version in one `publish`, so a failure leaves the directory as it was.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from models.calendar import Interval
from models.errors import InputError
from models.loader import load_team
from models.problem import Problem, make_problem
from models.rota import Assignment, Kind
from models.team import Team
from rota.assemble import sort_rows
from rota.csvfile import read_rota_csv, rota_csv
from rota.history import HISTORY_FILE, load_history
from rota.ical import Cancelled, feeds
from rota.rotadir import publish

CANCELLED_FILE = "cancelled.csv"
MODIFIED_FILE = "modified.json"


@dataclass(frozen=True)
class Version:
    """One version of a rota directory, before or after a change."""

    team: Team
    team_yaml: bytes
    rows: list[Assignment]
    cancelled: list[Cancelled] = field(default_factory=list)
    generated: dt.datetime | None = None  # LAST-MODIFIED of events `modified` does not name
    modified: dict[str, dt.datetime] = field(default_factory=dict)
    history_base: Path | None = None  # the team file the `history:` paths are relative to
    history: list[Assignment] = field(default_factory=list)  # the earlier rotas it was generated with


@dataclass(frozen=True)
class Change:
    """A changed rota: both versions, the facts of each, and what to tell the team."""

    kind: Kind
    before: Version
    after: Version
    before_problem: Problem
    after_problem: Problem
    now: dt.datetime
    notes: tuple[str, ...] = ()


def load_version(directory: Path, team_file: Path | None = None) -> Version:
    """The directory's current version; with `team_file`, that team file replaces the directory's copy."""
    copy = directory / "team.yaml"
    if not directory.is_dir() or not (directory / "rota.csv").is_file() or not copy.is_file():
        raise InputError(
            f"{directory}: not a rota directory (it needs rota.csv and team.yaml); "
            "give a directory written by `rota generate`"
        )
    source = team_file if team_file is not None else copy
    team = load_team(source)
    rows = read_rota_csv(directory)
    if not rows:
        raise InputError(f"{directory / 'rota.csv'}: holds no assignments; regenerate the rota")
    cancelled_path = directory / CANCELLED_FILE
    lost = read_rota_csv(cancelled_path) if cancelled_path.is_file() else []
    generated, modified = _read_modified(directory / MODIFIED_FILE)
    history_path = directory / HISTORY_FILE
    history = read_rota_csv(history_path) if history_path.is_file() else []
    return Version(
        team,
        source.read_bytes(),
        rows,
        [Cancelled(a, a.sequence) for a in lost],
        generated,
        modified,
        source,
        history,
    )


def _read_modified(path: Path) -> tuple[dt.datetime | None, dict[str, dt.datetime]]:
    if not path.is_file():
        return None, {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        generated = dt.datetime.fromisoformat(data["generated"])
        events = {str(uid): dt.datetime.fromisoformat(when) for uid, when in data.get("events", {}).items()}
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise InputError(f"{path}: not a modified.json written by `rota` ({error}); regenerate the rota") from None
    return generated, events


def problem_of(version: Version) -> Problem:
    """The facts of a published rota: its team, the period its rows cover, and the history it was made with.

    The directory keeps that history (history.csv), so later commands need no paths that may have moved; a
    directory written before it did falls back to the team file's `history:`.
    """
    from rota.report import period_of

    history = version.history or load_history(version.history_base or Path("team.yaml"), version.team, ())
    return make_problem(version.team, period_of(version.rows, version.team), history)


# The next version ------------------------------------------------------------------------------------------


def next_version(
    before: Version, team: Team, team_yaml: bytes, rows: Sequence[Assignment], now: dt.datetime
) -> Version:
    """`rows` as the next version of `before`: SEQUENCE raised on changed rows, lost assignments cancelled.

    A row identical to the published row of the same UID keeps its SEQUENCE and LAST-MODIFIED. Any other row
    gets SEQUENCE one above the highest its UID ever had (0 for a UID never seen) and LAST-MODIFIED `now`.
    Each member's lost time (held before, not after) goes to cancelled.csv under the UID that now holds it,
    and an assignment whose UID is gone from their feed is cancelled under its own UID; entries that have
    ended are pruned.
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
    lost = _lost(before.rows, final)
    for c in lost:
        modified[c.assignment.uid] = now
    kept = [c for c in before.cancelled if c.assignment.end > now]
    cancelled = _merge(kept, lost, final, now)
    live = {a.uid for a in final} | {c.assignment.uid for c in cancelled}
    modified = {uid: when for uid, when in modified.items() if uid in live}
    return Version(
        team,
        team_yaml,
        sort_rows(team.role_names, final),
        cancelled,
        before.generated or now,
        modified,
        before.history_base,
        before.history,
    )


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


def _lost(old: Sequence[Assignment], new: Sequence[Assignment]) -> list[Cancelled]:
    """For each member and role: the pieces of time they held before and do not now, as cancelled events."""
    lost: list[Cancelled] = []
    held_now: dict[tuple[str, str], list[Interval]] = defaultdict(list)
    for a in new:
        held_now[a.member, a.role].append(Interval(a.start, a.end))
    everywhere = {a.uid for a in new}
    for o in old:
        if o.uid not in everywhere:
            # The assignment is gone from the rota altogether (e.g. a shadow week moved).
            lost.append(Cancelled(o, o.sequence + 1))
            continue
        for piece in _minus(Interval(o.start, o.end), held_now[o.member, o.role]):
            for a in new:
                if a.role != o.role or a.week != o.week or a.member == o.member:
                    continue
                start, end = max(piece.start, a.start), min(piece.end, a.end)
                if start < end:
                    # Under the UID that holds the time now, one SEQUENCE above it; a lost piece carries no load.
                    gone = o.model_copy(update={"start": start, "end": end, "uid": a.uid, "load": 0.0})
                    lost.append(Cancelled(gone, a.sequence + 1))
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
    """Cancelled entries by (member, uid), the latest winning; none for a UID the member holds again."""
    holds = {(a.member, a.uid) for a in rows}
    merged: dict[tuple[str, str], Cancelled] = {}
    for c in [*kept, *lost]:
        key = (c.assignment.member, c.assignment.uid)
        if key in holds or c.assignment.end <= now:
            continue
        merged[key] = c
    return sorted(merged.values(), key=lambda c: (c.assignment.start, c.assignment.member, c.assignment.uid))


# Writing a version -----------------------------------------------------------------------------------------


def version_files(version: Version, problem: Problem, now: dt.datetime) -> dict[str, bytes]:
    """Every file of a rota directory version, as bytes (SPEC §9), rota.png included."""
    from rota.chart import chart_png

    generated = version.generated or now
    stamps = {a.uid: version.modified.get(a.uid, generated) for a in version.rows}
    stamps.update({c.assignment.uid: version.modified.get(c.assignment.uid, generated) for c in version.cancelled})
    files = {"rota.csv": rota_csv(version.team, version.rows), "team.yaml": version.team_yaml}
    # Feeds show the earlier rotas too: a subscriber keeps past weeks when the server moves to a new quarter.
    first = min(a.start for a in version.rows)
    past = [a for a in version.history if a.end <= first]
    files.update(feeds(version.team, [*past, *version.rows], now, version.cancelled, stamps))
    if version.history:
        files[HISTORY_FILE] = rota_csv(version.team, version.history)
    files["rota.png"] = chart_png(problem, version.rows)
    cancelled_rows = [c.assignment.model_copy(update={"sequence": c.sequence}) for c in version.cancelled]
    files[CANCELLED_FILE] = rota_csv(version.team, cancelled_rows)
    events = {uid: when.astimezone(dt.UTC).isoformat() for uid, when in sorted(version.modified.items())}
    document = {"generated": generated.astimezone(dt.UTC).isoformat(), "events": events}
    files[MODIFIED_FILE] = (json.dumps(document, indent=2) + "\n").encode("utf-8")
    return files


def write_version(directory: Path, version: Version, problem: Problem, now: dt.datetime, *, replace: bool) -> None:
    """Write a whole version of the rota directory in one atomic publish."""
    publish(directory, version_files(version, problem, now), replace=replace)
