"""A team home as one command reads it, under the home's lock, and the change it writes back all at once.

`changing(path, compute)` is how every command that changes a home runs: take the lock, finish whatever a killed
command left half-done, read the home, compute the change, write it. The lock is held from the read to the
write, so two commands never compute from the same state. People edit the team file by hand, without the lock:
when the team file changed while a command computed, the command starts again from the new file.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from models.calendar import Interval, moment_in
from models.errors import InputError
from models.loader import load_team
from models.problem import Problem
from models.rota import PastPeriod
from models.team import Team
from rota.home import commit
from rota.home.history import history_paths, load_history
from rota.home.home import TOKENS_FILE, Home, find_home
from rota.home.period import PeriodVersion, period_files, period_problem, read_period, read_period_steadily

T = TypeVar("T")

ATTEMPTS = 3  # a team file saved by hand during every one of these is left for the person to sort out


class HomeBusy(InputError):
    """A period kept changing while a reader read it without the lock (a run of changes back to back)."""


class TeamFileChanged(Exception):
    """The team file changed on disk while a command was computing from it: start again from the new file."""


@dataclass
class Staged:
    version: PeriodVersion
    problem: Problem
    extra_files: dict[str, bytes] = field(default_factory=dict)  # beside the version's own files


@dataclass
class HomeState:
    """The home as read under its lock: its team file (as bytes, and as a team) and its published periods."""

    home: Home
    team_text: bytes
    directories: list[Path]
    now: dt.datetime  # the command's moment, absolute
    loaded_team: Team | None = None  # None only for a lone directory not yet written
    read_periods: list[PeriodVersion] | None = None  # read up front (a snapshot); else on first use, under the lock
    staged: dict[int, Staged] = field(default_factory=dict)
    new_directories: dict[Path, Staged] = field(default_factory=dict)
    new_team_text: bytes | None = None
    extra_files: dict[Path, tuple[bytes, int | None]] = field(default_factory=dict)

    @classmethod
    def read(cls, home: Home, now: dt.datetime | None = None) -> HomeState:
        """Read the home. `now` as the user gave it: without an offset it is the team's local time; None, the
        clock. Raises TeamFileError naming the file and the place when the team file is not valid."""
        if not home.team_file.is_file():
            return cls(home, b"", home.period_dirs(), moment_in(now, ZoneInfo("UTC")))
        team_text = home.team_file.read_bytes()
        team = load_team(home.team_file)
        return cls(home, team_text, home.period_dirs(), moment_in(now, team.zone), team)

    @property
    def team(self) -> Team:
        """The home's team file: the source of truth."""
        if self.loaded_team is None:
            raise InputError(f"{self.home.team_file}: no such file; give a team file, e.g. examples/team.yaml")
        return self.loaded_team

    @property
    def periods(self) -> list[PeriodVersion]:
        """Every published period by first week, as staged so far in this command."""
        if self.read_periods is None:
            self.read_periods = [read_period(directory) for directory in self.directories]
        return [self.staged[i].version if i in self.staged else p for i, p in enumerate(self.read_periods)]

    def team_history(self) -> list[PastPeriod]:
        """Rotas from before the home kept them: the team file's `history:` entries."""
        if self.home.lone:
            return []
        published = {d.resolve() for d in self.directories}  # a home period named there too counts once
        paths = history_paths(self.home.team_file, self.team, ())
        return load_history([p for p in paths if p.resolve() not in published])

    def history_before(self, index: int) -> tuple[PastPeriod, ...]:
        """What period `index` stands on: the team file's history, then every earlier period as it is now."""
        if self.home.lone:
            return self.periods[index].history
        return (*self.team_history(), *(p.as_history() for p in self.periods[:index]))

    def problem(self, index: int, version: PeriodVersion | None = None) -> Problem:
        return period_problem(version or self.periods[index], self.history_before(index))

    def overlapping(self, interval: Interval) -> list[int]:
        return [i for i, p in enumerate(self.periods) if Interval(p.start, p.end).overlaps(interval)]

    # Writing ---------------------------------------------------------------------------------------------------

    def stage(self, index: int, version: PeriodVersion, problem: Problem) -> None:
        self.staged[index] = Staged(version, problem)

    def stage_new(
        self, directory: Path, version: PeriodVersion, problem: Problem, extra_files: dict[str, bytes] | None = None
    ) -> None:
        self.new_directories[directory.absolute()] = Staged(version, problem, extra_files or {})

    def stage_team(self, text: bytes) -> None:
        self.new_team_text = text

    def stage_file(self, path: Path, data: bytes, mode: int | None = None) -> None:
        self.extra_files[path.absolute()] = (data, mode)

    def commit(self) -> None:
        """Write everything staged in one journalled change. Raises TeamFileChanged if the team file was edited
        by hand since it was read."""
        current = self.home.team_file.read_bytes() if self.home.team_file.is_file() else b""
        if current != self.team_text:
            raise TeamFileChanged
        changes = commit.Changes()
        targets = {self.directories[i]: staged for i, staged in self.staged.items()}
        targets.update(self.new_directories)
        for directory, staged in targets.items():
            files = {**period_files(staged.version, staged.problem, self.now), **staged.extra_files}
            tokens = directory / TOKENS_FILE
            if self.home.lone and tokens.is_file() and TOKENS_FILE not in files:
                files[TOKENS_FILE] = tokens.read_bytes()  # a lone directory's own tokens live inside it
            changes.directory(directory, files, owner_only=frozenset({TOKENS_FILE}))
        if self.new_team_text is not None and not self.home.lone:
            changes.file(self.home.team_file, self.new_team_text)
        for path, (data, mode) in self.extra_files.items():
            changes.file(path, data, mode)
        if changes:
            commit.apply(changes, self.home.journal)


@contextmanager
def reading(home: Home, now: dt.datetime | None = None) -> Iterator[HomeState]:
    """The home read under its lock, after finishing any change a killed command left half-done."""
    with commit.locked(home.lock_file, str(home.root)):
        commit.recover(home.journal, home.staged_prefix)
        yield HomeState.read(home, now)


def snapshot(home: Home, now: dt.datetime | None = None) -> HomeState:
    """The home as it is, for a command that only reads it (who, report, the server): never waits for the lock.

    With the lock free, it is taken for a moment to finish any change a killed command left half-done. With the lock
    held (a `generate` solving), each period is read as one version without it: a reader never waits on a writer.
    """
    try:
        fd: int | None = os.open(home.lock_file, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        fd = None  # a home this user may only read: nothing to finish, nothing to take
    try:
        if fd is not None and commit.try_lock(fd):
            commit.recover(home.journal, home.staged_prefix)
        state = HomeState.read(home, now)
    finally:
        if fd is not None:
            os.close(fd)
    periods = []
    for directory in state.directories:
        period = read_period_steadily(directory)
        if period is None:
            raise HomeBusy(f"{directory}: changed each time it was read; run the command again")
        periods.append(period)
    state.read_periods = periods
    return state


def changing(path: Path | Home, compute: Callable[[HomeState], T], now: dt.datetime | None = None) -> T:
    """Run `compute` on the home under its lock and commit what it staged; again if the team file was edited by
    hand meanwhile. `now` as the user gave it (HomeState.now)."""
    home = path if isinstance(path, Home) else find_home(path)
    for _ in range(ATTEMPTS):
        with reading(home, now) as state:
            result = compute(state)
            try:
                state.commit()
            except TeamFileChanged:
                continue
            return result
    raise InputError(
        f"{home.team_file}: changed on disk during each of {ATTEMPTS} attempts; save it and run the command again"
    )
