"""A team home: the one team file people edit, and every period published beside it.

    payments/
      team.yaml          the team file: the source of truth, edited by people; `rota cover` records absences in it
      rota-2027Q1/       a published period (docs/spec.md §9), with the team file it was made from
      rota-2027Q2/
      feed-tokens.json   the team's feed tokens, one per feed, for life (owner-only)
      .rota.lock         held by every command that changes the home, from its read to its write

A home is named by its team file or its directory. A rota directory written outside its home (`generate --out`
elsewhere) is a home of its own, a *lone* rota directory: its team.yaml is its team file, and its tokens, lock
and history live in and beside it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from models.errors import InputError
from rota.home.period import RECORD_FILE, TEAM_COPY, is_rota_dir

TEAM_FILE = "team.yaml"  # a home named by its directory keeps its team file under this name
LOCK_FILE = ".rota.lock"
JOURNAL_FILE = ".rota-journal.json"
TOKENS_FILE = "feed-tokens.json"


@dataclass(frozen=True)
class Home:
    root: Path  # the home's directory; for a lone rota directory, that directory
    team_file: Path
    lone: bool = False

    @property
    def lock_file(self) -> Path:
        # A lone directory is replaced whole on every change, so its lock and journal sit beside it.
        return self.root.parent / f".{self.root.name}.lock" if self.lone else self.root / LOCK_FILE

    @property
    def journal(self) -> Path:
        return self.root.parent / f".{self.root.name}{JOURNAL_FILE}" if self.lone else self.root / JOURNAL_FILE

    @property
    def staged_prefix(self) -> str:
        """Names of what this home's commands stage beside the journal (commit.recover sweeps only those)."""
        return f".{self.root.name}." if self.lone else "."

    @property
    def tokens_file(self) -> Path:
        return self.root / TOKENS_FILE

    def period_link(self) -> str | None:
        """What a period of this home records as its team file: the path from the period's directory."""
        return None if self.lone else f"../{self.team_file.name}"

    def period_dirs(self) -> list[Path]:
        """The home's published periods, by first week."""
        if self.lone:
            return [self.root] if is_rota_dir(self.root) else []
        link = self.period_link()
        found: list[tuple[dt.date, Path]] = []
        for child in sorted(self.root.iterdir()):
            if not child.is_dir() or child.name.startswith(".") or not is_rota_dir(child):
                continue
            record = _record(child)
            if record is not None and record.get("team_file") == link:
                try:
                    found.append((dt.date.fromisoformat(str(record["first_week"])), child))
                except (KeyError, ValueError):
                    continue
        return [path for _, path in sorted(found)]

    def default_period_dir(self, period_name: str) -> Path:
        return self.root / f"rota-{period_name}"


def _record(directory: Path) -> dict[str, object] | None:
    try:
        document = json.loads((directory / RECORD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def find_home(path: Path) -> Home:
    """The home a path names: a team file, a home's directory, or a rota directory (in its home, or lone)."""
    if path.is_file() and is_rota_dir(path.parent):
        return find_home(path.parent)  # a file of a rota directory (its team.yaml, its rota.csv) names it
    if path.is_file():
        return Home(path.parent, path)
    if path.is_dir() and is_rota_dir(path):
        link = (_record(path) or {}).get("team_file")
        if isinstance(link, str):
            team_file = Path(os.path.normpath(path / link))
            if team_file.is_file():
                return Home(team_file.parent, team_file)
        return Home(path, path / TEAM_COPY, lone=True)
    if path.is_dir() and (path / TEAM_FILE).is_file():
        return Home(path, path / TEAM_FILE)
    if not path.exists():
        raise InputError(f"{path}: no such file or directory; give a team file, a team home or a rota directory")
    raise InputError(
        f"{path}: not a team home (no {TEAM_FILE}) nor a rota directory; give a team file, e.g. examples/team.yaml"
    )
