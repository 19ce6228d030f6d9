"""A home's calendar feeds as the server serves them: every published period in one feed, for life.

A subscriber subscribes once: the team's feed, a role's or a member's holds every period of the home, so next
quarter's weeks appear in the same calendar when it is generated. Weeks that ended more than `past_days` ago
(default 90) drop out. The feeds are rendered from the periods' rows (exports.ical), so handovers across a
quarter's boundary name the next quarter's holder; and kept in memory until something on disk changes.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from pathlib import Path

from models.errors import RotaError
from models.loader import load_team
from models.rota import Assignment, Cancelled
from models.team import Team
from rota.exports.ical import feeds
from rota.home.commit import VERSION_FILE
from rota.home.home import Home
from rota.home.period import PeriodVersion, read_period

PAST_DAYS = 90  # how long an ended week stays in the feeds
READ_ATTEMPTS = 5  # a directory replaced while it is read is read again


@dataclass(frozen=True)
class Rendered:
    files: dict[str, bytes]  # feed name -> bytes
    modified: dt.datetime  # the latest change among the periods (each feed's Last-Modified)


@dataclass(frozen=True)
class Snapshot:
    """What the home holds now: each period's directory and version, the team file's identity, today."""

    periods: tuple[tuple[Path, str], ...]
    team_file: tuple[int, int] | None  # mtime_ns and size
    day: dt.date


class HomeCalendars:
    """The home's feeds, rendered once per change on disk (and once a day, for the past weeks dropping out)."""

    def __init__(self, home: Home, past_days: int = PAST_DAYS) -> None:
        self.home = home
        self.past_days = past_days
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._rendered: Rendered | None = None

    def feed(self, name: str, now: dt.datetime) -> tuple[bytes, dt.datetime] | None:
        """The feed's bytes and when it last changed, or None if the home has no such feed."""
        rendered = self.rendered(now)
        body = rendered.files.get(name)
        return None if body is None else (body, rendered.modified)

    def rendered(self, now: dt.datetime) -> Rendered:
        snapshot = self._snapshot_now(now)
        with self._lock:
            if self._rendered is None or snapshot != self._snapshot:
                fresh = self._render(now)
                if fresh is not None:
                    self._rendered, self._snapshot = fresh, snapshot
                elif self._rendered is None:  # a period changing faster than it can be read, at start-up
                    self._rendered = Rendered({}, now)
            return self._rendered

    def _snapshot_now(self, now: dt.datetime) -> Snapshot:
        periods = tuple((d, _version(d)) for d in self.home.period_dirs())
        try:
            stat = self.home.team_file.stat()
            team_file: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            team_file = None
        return Snapshot(periods, team_file, now.date())

    def _render(self, now: dt.datetime) -> Rendered | None:
        """The feeds of every period as it is now; None if a period could not be read as one version (it was
        being replaced each time): the feeds served so far stand until the next request."""
        read = [_read_consistent(d) for d in self.home.period_dirs()]
        periods = [p for p in read if p is not None]
        if len(periods) < len(read):
            return None
        if not periods:
            return Rendered({}, now)
        team = _team(self.home, periods[-1])
        since = now - dt.timedelta(days=self.past_days)
        rows: list[Assignment] = []
        cancelled: list[Cancelled] = []
        stamps: dict[str, dt.datetime] = {}
        for period in periods:
            generated = period.generated or now
            past = [a for p in period.history for a in p.rows if a.end <= period.start]
            rows += [a for a in [*past, *period.rows] if a.end > since]
            cancelled += [c for c in period.cancelled if c.assignment.end > now]
            stamps.update({a.uid: period.modified.get(a.uid, generated) for a in period.rows})
            stamps.update(
                {c.assignment.uid: period.modified.get(c.assignment.uid, generated) for c in period.cancelled}
            )
        modified = max([*stamps.values(), *(p.generated for p in periods if p.generated is not None)], default=now)
        files = feeds(team, rows, modified, cancelled, stamps)
        by_name = {_feed_name(path): body for path, body in files.items()}
        return Rendered(by_name, modified)


def _feed_name(path: str) -> str:
    """'rota.ics' -> 'team'; 'feeds/alice.ics' -> 'alice'."""
    return "team" if path == "rota.ics" else Path(path).stem


def _version(directory: Path) -> str:
    try:
        return (directory / VERSION_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def _read_consistent(directory: Path) -> PeriodVersion | None:
    """The period as one version: read again if the directory was replaced while it was being read; None if it
    never held still."""
    for _ in range(READ_ATTEMPTS):
        before = _version(directory)
        try:
            period = read_period(directory)
        except (RotaError, OSError):
            continue
        if _version(directory) == before:
            return period
    return None


def _team(home: Home, latest: PeriodVersion) -> Team:
    """Names and emails from the home's team file, the source of truth; the latest period's copy while the team
    file does not load (someone is halfway through editing it)."""
    try:
        return load_team(home.team_file)
    except (RotaError, OSError):
        return latest.team
