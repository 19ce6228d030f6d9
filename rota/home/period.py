"""A published period: one rota directory, read and written whole (docs/spec.md §9).

Besides rota.csv, team.yaml, rota.ics and feeds/, a rota directory keeps:

- `period.json`: the period's name and weeks, where its home's team file is, and the fair shares it was published
  with. Those are facts of the period's own time (its team file, its absences, who was onboarding then): when
  the period becomes history they are read from here, never recomputed from a later team file.
- `cancelled.csv`: assignments members lost, in rota.csv's columns with their raised SEQUENCE; each stays in its
  member's feed as STATUS:CANCELLED until it ends.
- `modified.json`: `{"generated": time, "events": {uid: time}}`, each event's LAST-MODIFIED; an event it does not
  name was last modified when the rota was generated.
- `changes.jsonl`: one line per change made to it (cover, swap, update, generate --force): its kind, why, when,
  and each member it touched with what they held before and after; notices are made from it.
- `history.csv`, for a rota directory outside a home only: the earlier rotas it was made with, whose fair shares
  period.json keeps as `history_shares`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models.calendar import ONE_WEEK, Period, named_period
from models.errors import InputError, RotaError
from models.loader import load_team
from models.problem import Problem, make_problem
from models.rota import Assignment, Cancelled, ChangeRecord, MemberChange, PastPeriod
from models.team import Team
from rota.exports.rota_csv import read_rota_csv, rota_csv
from rota.home.commit import VERSION_FILE

RECORD_FILE = "period.json"
CANCELLED_FILE = "cancelled.csv"
CHANGES_FILE = "changes.jsonl"
MODIFIED_FILE = "modified.json"
HISTORY_FILE = "history.csv"
TEAM_COPY = "team.yaml"


@dataclass(frozen=True)
class PeriodVersion:
    """One version of a rota directory: its facts (the team file it was made from), its rows, and what calendars
    need to follow its changes."""

    team: Team
    team_yaml: bytes
    period: Period
    rows: list[Assignment]
    fair_shares: Mapping[str, float]  # as published
    home_team_file: str | None = None  # the home's team file, relative to the directory; None outside a home
    cancelled: list[Cancelled] = field(default_factory=list)
    generated: dt.datetime | None = None  # LAST-MODIFIED of events `modified` does not name
    modified: dict[str, dt.datetime] = field(default_factory=dict)
    history: tuple[PastPeriod, ...] = ()  # outside a home: the earlier rotas it was made with
    changes: tuple[ChangeRecord, ...] = ()  # every change since it was generated, oldest first

    @property
    def start(self) -> dt.datetime:
        return min(a.start for a in self.rows)

    @property
    def end(self) -> dt.datetime:
        return max(a.end for a in self.rows)

    def as_history(self) -> PastPeriod:
        return PastPeriod(tuple(self.rows), dict(self.fair_shares))


def is_rota_dir(directory: Path) -> bool:
    return (directory / "rota.csv").is_file() and (directory / TEAM_COPY).is_file()


def require_rota_dir(directory: Path) -> None:
    if not directory.is_dir() or not is_rota_dir(directory):
        raise InputError(
            f"{directory}: not a rota directory (it needs rota.csv and team.yaml); "
            "give a team home or a directory written by `rota generate`"
        )


def read_period(directory: Path) -> PeriodVersion:
    """The directory's current version. Raises InputError naming the file when something in it is damaged."""
    require_rota_dir(directory)
    team = load_team(directory / TEAM_COPY)
    rows = read_rota_csv(directory)
    if not rows:
        raise InputError(f"{directory / 'rota.csv'}: holds no assignments; regenerate the rota")
    record = _read_json(directory / RECORD_FILE) if (directory / RECORD_FILE).is_file() else None
    history_path = directory / HISTORY_FILE
    history_rows = tuple(read_rota_csv(history_path)) if history_path.is_file() else ()
    if record is not None:
        period = _period_of_record(record, team, directory)
        history_shares = record.get("history_shares")
        history = (PastPeriod(history_rows, history_shares),) if history_rows else ()
        shares = {str(k): float(v) for k, v in record.get("fair_shares", {}).items()}
        home_team_file = record.get("team_file")
    else:
        # Written before period.json existed: its facts are its own team.yaml and history.csv, as then.
        first, last = min(a.week for a in rows), max(a.week for a in rows)
        period = named_period(first, (last - first) // ONE_WEEK + 1, team)
        history = (PastPeriod(history_rows),) if history_rows else ()
        shares = make_problem(team, period, history).period_shares
        home_team_file = None
    lost = read_rota_csv(directory / CANCELLED_FILE) if (directory / CANCELLED_FILE).is_file() else []
    generated, modified = _read_modified(directory / MODIFIED_FILE)
    changes = _read_changes(directory / CHANGES_FILE)
    return PeriodVersion(
        team,
        (directory / TEAM_COPY).read_bytes(),
        period,
        rows,
        shares,
        home_team_file if isinstance(home_team_file, str) else None,
        [Cancelled(a, a.sequence) for a in lost],
        generated,
        modified,
        history,
        changes,
    )


READ_ATTEMPTS = 5  # a directory replaced while it is read without the lock is read again


def read_period_steadily(directory: Path) -> PeriodVersion | None:
    """The period as one version, read without the home's lock: read again if the directory was replaced while it
    was being read; None if it never held still (or cannot be read)."""
    for _ in range(READ_ATTEMPTS):
        before = _version_in(directory)
        try:
            period = read_period(directory)
        except (RotaError, OSError):
            continue
        if _version_in(directory) == before:
            return period
    return None


def _version_in(directory: Path) -> str:
    try:
        return (directory / VERSION_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def _read_json(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"{path}: not a file written by `rota` ({error}); regenerate the rota") from None
    if not isinstance(document, dict):
        raise InputError(f"{path}: not a file written by `rota`; regenerate the rota")
    return document


def _period_of_record(record: Mapping[str, Any], team: Team, directory: Path) -> Period:
    try:
        first = dt.date.fromisoformat(record["first_week"])
        count = int(record["weeks"])
        name = str(record["period"])
    except (KeyError, TypeError, ValueError):
        raise InputError(f"{directory / RECORD_FILE}: not a period.json written by `rota`; regenerate it") from None
    return Period(name, tuple(first + i * ONE_WEEK for i in range(count)))


def _read_modified(path: Path) -> tuple[dt.datetime | None, dict[str, dt.datetime]]:
    if not path.is_file():
        return None, {}
    data = _read_json(path)
    try:
        generated = dt.datetime.fromisoformat(data["generated"])
        events = {str(uid): dt.datetime.fromisoformat(when) for uid, when in data.get("events", {}).items()}
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise InputError(f"{path}: not a modified.json written by `rota` ({error}); regenerate the rota") from None
    return generated, events


def _read_changes(path: Path) -> tuple[ChangeRecord, ...]:
    if not path.is_file():
        return ()
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            data = json.loads(line)
            members = tuple(
                MemberChange(
                    str(m["member"]),
                    tuple(Assignment.model_validate(a) for a in m["before"]),
                    tuple(Assignment.model_validate(a) for a in m["after"]),
                )
                for m in data["members"]
            )
            at = dt.datetime.fromisoformat(data["at"])
            records.append(ChangeRecord(str(data["id"]), str(data["kind"]), str(data["why"]), at, members))
        except (ValueError, KeyError, TypeError) as error:
            raise InputError(f"{path}:{number}: not a change written by `rota` ({error}); remove the line") from None
    return tuple(records)


def changes_jsonl(changes: tuple[ChangeRecord, ...]) -> bytes:
    lines = []
    for record in changes:
        members = [
            {
                "member": m.member,
                "before": [a.model_dump(mode="json") for a in m.before],
                "after": [a.model_dump(mode="json") for a in m.after],
            }
            for m in record.members
        ]
        document = {
            "id": record.id,
            "kind": record.kind,
            "why": record.why,
            "at": record.at.isoformat(),
            "members": members,
        }
        lines.append(json.dumps(document, ensure_ascii=False, sort_keys=True))
    return "".join(line + "\n" for line in lines).encode("utf-8")


def period_files(version: PeriodVersion, problem: Problem, now: dt.datetime) -> dict[str, bytes]:
    """Every file of a rota directory version, as bytes; `problem` holds its facts (fair shares, holidays)."""
    from rota.exports.ical import feeds

    generated = version.generated or now
    stamps = {a.uid: version.modified.get(a.uid, generated) for a in version.rows}
    stamps.update({c.assignment.uid: version.modified.get(c.assignment.uid, generated) for c in version.cancelled})
    files = {"rota.csv": rota_csv(version.team, version.rows), TEAM_COPY: version.team_yaml}
    # Outside a home, the feeds carry the history too: subscribers keep their past weeks in a new directory.
    past = [a for p in version.history for a in p.rows if a.end <= version.start]
    files.update(feeds(version.team, [*past, *version.rows], now, version.cancelled, stamps))
    record: dict[str, Any] = {
        "team": version.team.team,
        "period": version.period.name,
        "first_week": version.period.first.isoformat(),
        "weeks": len(version.period.weeks),
        "team_file": version.home_team_file,
        "fair_shares": {member: round(share, 6) for member, share in sorted(problem.period_shares.items())},
    }
    if version.history:
        history_rows = [a for p in version.history for a in p.rows]
        files[HISTORY_FILE] = rota_csv(version.team, history_rows)
        record["history_shares"] = {m: round(s, 6) for m, s in sorted(problem.past_shares.items())}
    files[RECORD_FILE] = (json.dumps(record, indent=2) + "\n").encode("utf-8")
    cancelled_rows = [c.assignment.model_copy(update={"sequence": c.sequence}) for c in version.cancelled]
    files[CANCELLED_FILE] = rota_csv(version.team, cancelled_rows)
    events = {uid: when.astimezone(dt.UTC).isoformat() for uid, when in sorted(version.modified.items())}
    document = {"generated": generated.astimezone(dt.UTC).isoformat(), "events": events}
    files[MODIFIED_FILE] = (json.dumps(document, indent=2) + "\n").encode("utf-8")
    if version.changes:
        files[CHANGES_FILE] = changes_jsonl(version.changes)
    return files


def period_problem(version: PeriodVersion, history: tuple[PastPeriod, ...] | None = None) -> Problem:
    """The facts of a published period: its own team file, its weeks, and its history (its own, unless given)."""
    return make_problem(version.team, version.period, version.history if history is None else history)
