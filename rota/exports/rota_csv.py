"""rota.csv: one row an assignment (docs/spec.md §9). Also the history format, so reading it is strict and helpful."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from models.errors import InputError
from models.rota import Assignment
from models.team import Team

COLUMNS = ["team", "role", "week", "start", "end", "member", "name", "email", "kind", "load", "uid", "sequence"]


def format_load(load: float) -> str:
    """7.0 -> '7', 3.5 -> '3.5': thousandths at most, no float noise."""
    return f"{load:.3f}".rstrip("0").rstrip(".")


def rota_csv(team: Team, rows: Iterable[Assignment]) -> bytes:
    """The bytes of rota.csv: columns in docs/spec.md's order, times with the team's local offset, LF line ends."""
    zone = team.zone
    known = {m.id: m for m in team.members}
    records = []
    for a in rows:
        member = known.get(a.member)
        records.append(
            {
                "team": team.team,
                "role": a.role,
                "week": a.week.isoformat(),
                "start": a.start.astimezone(zone).isoformat(),
                "end": a.end.astimezone(zone).isoformat(),
                "member": a.member,
                "name": member.display_name if member else a.member,
                "email": (member.email or "") if member else "",
                "kind": a.kind,
                "load": format_load(a.load),
                "uid": a.uid,
                "sequence": str(a.sequence),
            }
        )
    frame = pd.DataFrame.from_records(records, columns=COLUMNS)
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def read_rota_csv(path: str | Path) -> list[Assignment]:
    """Read a rota.csv (or a rota directory holding one) written by any `rota` command."""
    path = Path(path)
    if path.is_dir():
        path = path / "rota.csv"
    name = str(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise InputError(f"{name}: no such file; give a rota.csv or a rota directory written by `rota`") from None
    except UnicodeDecodeError:
        raise InputError(f"{name}: not UTF-8 text; give a rota.csv written by `rota`") from None
    except OSError as error:
        raise InputError(f"{name}: cannot be read ({error.strerror})") from None
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise InputError(f"{name}: not a CSV file ({str(error).strip()}); give a rota.csv written by `rota`") from None
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(f"{name}: missing columns {', '.join(missing)}; the header must be {','.join(COLUMNS)}")
    rows = []
    for index, record in enumerate(frame.to_dict("records")):
        line = index + 2  # 1-based, after the header
        try:
            rows.append(
                Assignment(
                    role=record["role"],
                    week=dt.date.fromisoformat(record["week"]),
                    start=dt.datetime.fromisoformat(record["start"]),
                    end=dt.datetime.fromisoformat(record["end"]),
                    member=record["member"],
                    kind=record["kind"],
                    load=float(record["load"]),
                    uid=record["uid"],
                    sequence=int(record["sequence"]),
                )
            )
        except (ValueError, ValidationError) as error:
            detail = _first_problem(error)
            raise InputError(f"{name}:{line}: {detail}; fix the row or regenerate the rota") from None
    return rows


def _first_problem(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
    return str(error)
