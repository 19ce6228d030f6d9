"""The independent checker itself: it passes a good rota and catches each broken rule."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from tests.checker import check_rota_dir, read_rows
from tests.helpers import run


@pytest.fixture(scope="module")
def good_rota(tmp_path_factory: pytest.TempPathFactory) -> Path:
    team = tmp_path_factory.mktemp("team") / "team.yaml"
    team.write_text(
        "team: t\nroles: [primary, secondary]\nmembers:\n"
        + "".join(f"  - id: m{i}\n" for i in range(5))
        + "absences:\n  - {who: m0, from: 2027-01-05, to: 2027-01-20}\n"
        + "pins:\n  - {who: m1, role: primary, week: 2027-01-19}\n"
    )
    out = team.parent / "rota"
    result = run("generate", team, "--start", "2027-01-05", "--weeks", "6", "--out", out, "--now", "2026-12-01", "-q")
    assert result.exit_code == 0, result.output
    return out


def test_a_generated_rota_passes(good_rota: Path) -> None:
    assert check_rota_dir(good_rota) == []


def rewrite(directory: Path, change: dict[str, str], where: int) -> None:
    path = directory / "rota.csv"
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[where].update(change)
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.parametrize(
    ("rule", "broken"),
    [
        ("rule 1", lambda rows: {"start": rows[0].start.replace(hour=11).isoformat()}),
        ("rule 2", lambda rows: {"member": rows[1].member}),  # row 0 takes row 1's member: two roles
        ("rule 4", lambda rows: {"member": "m0"}),  # m0 is away in the first weeks
        ("rule 5", lambda rows: {"member": rows[2].member}),  # the next week's primary again
    ],
)
def test_each_broken_rule_is_caught(good_rota: Path, tmp_path: Path, rule: str, broken: object) -> None:
    copy = tmp_path / "rota"
    copy.mkdir()
    for name in ("rota.csv", "team.yaml"):
        (copy / name).write_bytes((good_rota / name).read_bytes())
    rows = read_rows(copy / "rota.csv")
    assert callable(broken)
    rewrite(copy, broken(rows), 0)
    assert any(problem.startswith(rule) for problem in check_rota_dir(copy)), check_rota_dir(copy)


def test_a_lost_pin_is_caught(good_rota: Path, tmp_path: Path) -> None:
    copy = tmp_path / "rota"
    copy.mkdir()
    for name in ("rota.csv", "team.yaml"):
        (copy / name).write_bytes((good_rota / name).read_bytes())
    rows = read_rows(copy / "rota.csv")
    pinned = next(i for i, r in enumerate(rows) if r.week == dt.date(2027, 1, 19) and r.role == "primary")
    rewrite(copy, {"member": "m4" if rows[pinned].member != "m4" else "m3"}, pinned)
    assert any(problem.startswith("rule 6") for problem in check_rota_dir(copy))
