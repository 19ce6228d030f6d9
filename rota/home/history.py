"""Earlier rotas read as history: they carry rest, role counts and balances into the next period.

A rota directory brings the fair shares it was published with (period.json) and, outside a home, the history it
was made with (history.csv), so last quarter's directory alone carries every quarter before it. A bare rota.csv
brings its rows only; its fair shares are then computed from the team file of the period being made.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from models.rota import PastPeriod
from models.team import Team
from rota.exports.rota_csv import read_rota_csv
from rota.home.period import is_rota_dir, read_period


def read_history_source(path: Path) -> list[PastPeriod]:
    """A rota directory (with the history it carries) or a rota.csv."""
    if path.is_dir() and is_rota_dir(path):
        version = read_period(path)
        return [*version.history, version.as_history()]
    return [PastPeriod(tuple(read_rota_csv(path)))]


def history_paths(team_file: Path, team: Team, extra: Sequence[Path]) -> list[Path]:
    """The team file's `history:` (relative to the file), then any given on the command line."""
    return [team_file.parent / p for p in team.history] + list(extra)


def load_history(paths: Sequence[Path]) -> list[PastPeriod]:
    """Every period the paths hold; a path reached twice (named twice, or through a symlink) counts once."""
    seen: set[Path] = set()
    periods: list[PastPeriod] = []
    for path in paths:
        resolved = path.resolve()
        if resolved not in seen:
            seen.add(resolved)
            periods.extend(read_history_source(path))
    return periods
