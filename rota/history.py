"""Earlier rotas, read as history: they carry rest and balance into the next period (SPEC §5, §6)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from models.rota import Assignment
from models.team import Team
from rota.csvfile import read_rota_csv


def load_history(team_file: Path, team: Team, extra: Sequence[Path]) -> list[Assignment]:
    """Earlier rotas: the team file's `history:` (relative to the file) and any given on the command line."""
    paths = [team_file.parent / p for p in team.history] + list(extra)
    rows: list[Assignment] = []
    for path in paths:
        rows.extend(read_rota_csv(path))
    return rows
