"""Earlier rotas, read as history: they carry rest and balance into the next period (SPEC §5, §6)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from models.rota import Assignment
from models.team import Team
from rota.csvfile import read_rota_csv

HISTORY_FILE = "history.csv"  # in a rota directory: the earlier rotas it was generated with


def load_history(team_file: Path, team: Team, extra: Sequence[Path]) -> list[Assignment]:
    """Earlier rotas: the team file's `history:` (relative to the file) and any given on the command line.

    A rota directory brings its own history too (history.csv), so last quarter's directory alone carries
    every quarter before it. A row reached twice (the same rota named twice, or through two chains) counts once.
    """
    rows: list[Assignment] = []
    for path in history_paths(team_file, team, extra):
        rows.extend(read_history_source(path))
    return unique(rows)


def history_paths(team_file: Path, team: Team, extra: Sequence[Path]) -> list[Path]:
    return [team_file.parent / p for p in team.history] + list(extra)


def read_history_source(path: Path) -> list[Assignment]:
    """A rota.csv, or a rota directory: its rota.csv after the history it was made with."""
    rows = read_rota_csv(path)
    if path.is_dir() and (path / HISTORY_FILE).is_file():
        rows = read_rota_csv(path / HISTORY_FILE) + rows
    return rows


def unique(rows: Sequence[Assignment]) -> list[Assignment]:
    seen: set[tuple[str, str, object]] = set()
    result = []
    for a in sorted(rows, key=lambda a: a.start):
        key = (a.uid, a.member, a.start)
        if key not in seen:
            seen.add(key)
            result.append(a)
    return result
