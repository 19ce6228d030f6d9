"""The home as the server sees it: one consistent snapshot of its periods and team file, kept in memory until
something on disk changes, and what is rendered from it (the feeds, the web page's data).

A subscriber subscribes once: the team's feed, a role's or a member's holds every period of the home, so next
quarter's weeks appear in the same calendar when it is generated. Weeks that ended more than `past_days` ago
(default 90) drop out. The feeds are rendered from the periods' rows (exports.ical), so a handover across a
quarter's boundary names the next quarter's holder.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from models.errors import RotaError
from models.problem import Problem
from models.rota import Assignment, Cancelled
from models.team import Team
from rota.exports.ical import feeds
from rota.home.home import Home
from rota.home.period import PeriodVersion, period_problem
from rota.home.state import HomeState, snapshot

PAST_DAYS = 90  # how long an ended week stays in the feeds

log = logging.getLogger("rota.server")


@dataclass(frozen=True)
class Fingerprint:
    """What the home holds now, cheaply: each period's directory, version and identity, the team file's, today."""

    periods: tuple[tuple[Path, str, tuple[int, int] | None], ...]
    team_file: tuple[int, int] | None  # mtime_ns and size
    day: dt.date


@dataclass
class Rendered:
    """A snapshot of the home and what is made from it, each part made on first use."""

    state: HomeState
    past_days: int
    now: dt.datetime
    feed_files: dict[str, bytes] = field(default_factory=dict)

    @property
    def team(self) -> Team:
        return self.state.team

    @property
    def periods(self) -> list[PeriodVersion]:
        return self.state.periods

    def problem(self, index: int) -> Problem:
        return period_problem(self.periods[index], self.state.history_before(index))

    @cached_property
    def modified(self) -> dt.datetime:
        """When the home last changed: every feed's Last-Modified and DTSTAMP, so that its bytes stay the same
        until something changes."""
        stamps = [p.generated for p in self.periods if p.generated is not None]
        stamps += [when for p in self.periods for when in p.modified.values()]
        return max(stamps, default=self.now)

    @cached_property
    def feeds(self) -> dict[str, bytes]:
        """Every feed's bytes, by feed name (team, a role, a member)."""
        since = self.now - dt.timedelta(days=self.past_days)
        rows: list[Assignment] = []
        cancelled: list[Cancelled] = []
        stamps: dict[str, dt.datetime] = {}
        for period in self.periods:
            generated = period.generated or self.modified
            past = [a for p in period.history for a in p.rows if a.end <= period.start]
            rows += [a for a in [*past, *period.rows] if a.end > since]
            cancelled += [c for c in period.cancelled if c.assignment.end > self.now]
            for uid in [*(a.uid for a in period.rows), *(c.assignment.uid for c in period.cancelled)]:
                stamps[uid] = period.modified.get(uid, generated)
        files = feeds(self.team, rows, self.modified, cancelled, stamps)
        return {"team" if path == "rota.ics" else Path(path).stem: body for path, body in files.items()}


class HomeView:
    """The server's view of a home, rendered again only when the home changes on disk (or the day does)."""

    def __init__(self, home: Home, past_days: int = PAST_DAYS) -> None:
        self.home = home
        self.past_days = past_days
        self._lock = threading.Lock()
        self._fingerprint: Fingerprint | None = None
        self._rendered: Rendered | None = None

    def current(self, now: dt.datetime) -> Rendered:
        fingerprint = self._fingerprint_now(now)
        with self._lock:
            if self._rendered is None or fingerprint != self._fingerprint:
                try:
                    state = snapshot(self.home, now)
                except RotaError as error:  # a team file half edited, a period replaced as it was read
                    if self._rendered is None:
                        raise
                    log.warning("%s: serving the home as it was (%s)", self.home.root, error)
                    return self._rendered
                # Changed while it was read, the home may have been read as either version: read it again next
                # time rather than keep the older under the newer's fingerprint.
                settled = fingerprint == self._fingerprint_now(now)
                self._rendered = Rendered(state, self.past_days, now)
                self._fingerprint = fingerprint if settled else None
            return self._rendered

    def _fingerprint_now(self, now: dt.datetime) -> Fingerprint:
        periods = tuple((d, _version(d), _identity(d)) for d in self.home.period_dirs())
        try:
            stat = self.home.team_file.stat()
            team_file: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            team_file = None
        return Fingerprint(periods, team_file, now.date())


def _identity(directory: Path) -> tuple[int, int] | None:
    """Which directory is in place: a commit renames a new one in, so a version replaced and put back (A, B, A)
    while the server read it still shows as a change."""
    try:
        stat = directory.stat()
    except OSError:
        return None
    return (stat.st_ino, stat.st_ctime_ns)


def _version(directory: Path) -> str:
    from rota.home.commit import VERSION_FILE

    try:
        return (directory / VERSION_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return ""
