"""`rota update` and property tests of `cover` and `update` over generated teams (docs/spec.md §8).

What the update properties assert, precisely (its first objective is the number of changed assignments, so
fairness never buys a change):
- no row that ended before now changes;
- when the edited team file breaks no published row, nothing changes;
- the result passes the independent checker;
- on tiny instances, the number of changed future shifts equals the brute-force minimum over every assignment
  of those weeks that passes the checker.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from models.team import Team
from rota.exports.rota_csv import read_rota_csv
from rota.home.team_edit import add_absence
from tests.checker import Row, check, check_rota_dir, read_rows, read_team
from tests.helpers import EXAMPLE, dump, run, snapshot
from tests.strategies import teams

FEW = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
UTC = dt.UTC


def test_update_after_a_new_holiday_changes_only_what_it_must(tmp_path: Path) -> None:
    out = tmp_path / "q1"
    assert run("generate", EXAMPLE, "--quarter", "2027Q1", "--out", out, "--now", "2026-12-01", "-q").exit_code == 0
    rows = read_rota_csv(out)
    secondary = next(a.member for a in rows if a.week == dt.date(2027, 3, 2) and a.role == "secondary")
    text = (out / "team.yaml").read_text()
    edited, _ = add_absence(text, "team.yaml", secondary, dt.date(2027, 3, 1), dt.date(2027, 3, 5), "holiday")
    (out / "team.yaml").write_text(edited)
    before = (out / "rota.csv").read_text().splitlines()
    result = run("update", out, "--now", "2027-02-20")
    assert result.exit_code == 0, result.output
    after = (out / "rota.csv").read_text().splitlines()
    assert check_rota_dir(out) == []
    changed = [line for line in after if line not in before]
    assert changed and all(",update," in line for line in changed)
    # The past and the current week (2027-02-16) are as they were.
    assert [line for line in after if line < "payments,x" and ",2027-02-2" not in line and ",2027-03" not in line] == [
        line for line in before if line < "payments,x" and ",2027-02-2" not in line and ",2027-03" not in line
    ]
    assert "re-solved the weeks from 2027-02-23 to 2027-03-30: " in result.output
    again = snapshot(out)
    assert run("update", out, "--now", "2027-02-20").exit_code == 0
    assert snapshot(out)["rota.csv"] == again["rota.csv"]  # nothing is broken now: nothing changes


# Property tests ------------------------------------------------------------------------------------------


def generated(tmp_path: Path, team: Team, period: Any) -> Path | None:
    out = tmp_path / "rota"
    if out.exists():
        shutil.rmtree(out)
    path = dump(team, tmp_path / "team.yaml")
    result = run("generate", path, "--start", period.first, "--weeks", len(period.weeks), "--out", out, "-q")
    if result.exit_code == 3:
        return None
    assert result.exit_code == 0, result.output
    return out


@st.composite
def absences_in(draw: st.DrawFn, team: Team, period: Any) -> tuple[str, dt.date, dt.date, dt.datetime]:
    """A member, an absence of 1-7 days starting inside the period, and a `now` before it starts."""
    who = draw(st.sampled_from([m.id for m in team.members]))
    first = period.first + dt.timedelta(days=draw(st.integers(1, 7 * len(period.weeks) - 1)))
    last = first + dt.timedelta(days=draw(st.integers(0, 6)))
    lead = draw(st.integers(1, 10))
    now = dt.datetime.combine(first, dt.time(0), tzinfo=UTC) - dt.timedelta(hours=12 * lead)
    return who, first, last, now


@FEW
@given(st.data())
def test_cover_changes_only_rows_overlapping_the_absence(tmp_path: Path, data: st.DataObject) -> None:
    team, period = data.draw(teams(max_members=6, max_roles=2, max_weeks=4, max_absences=2))
    out = generated(tmp_path, team, period)
    assume(out is not None)
    assert out is not None
    who, first, last, now = data.draw(absences_in(team, period))
    before = snapshot(out)
    result = run("cover", out, "--who", who, "--from", first, "--to", last, "--now", now.isoformat())
    if result.exit_code == 3:
        assert "nobody can cover" in result.output and "least bad: " in result.output
        assert snapshot(out) == before
        return
    assert result.exit_code == 0, result.output
    absence = (dt.datetime.combine(first, dt.time(0), tzinfo=UTC), dt.datetime.combine(last, dt.time(0), tzinfo=UTC))
    old, new = set(before["rota.csv"].decode().splitlines()), set((out / "rota.csv").read_text().splitlines())
    touched = set()
    for line in old - new:  # a published row that changed overlaps the absence
        fields = line.split(",")
        start, end = (dt.datetime.fromisoformat(x) for x in fields[3:5])
        assert start < absence[1] + dt.timedelta(days=1) and absence[0] < end, line
        touched.add((fields[1], fields[2]))
    for line in new - old:  # and every new row is a part of such a shift
        assert tuple(line.split(",")[1:3]) in touched, line
    assert check_rota_dir(out) == []


def future_weeks(rows: list[Row], now: dt.datetime) -> set[dt.date]:
    starts: dict[dt.date, dt.datetime] = {}
    for r in rows:
        starts[r.week] = min(starts.get(r.week, r.start), r.start)
    return {week for week, start in starts.items() if start > now}


def holders(rows: list[Row], weeks: set[dt.date]) -> dict[tuple[dt.date, str], str]:
    return {(r.week, r.role): r.member for r in rows if r.week in weeks and r.role != "shadow"}


def fewest_changes(team: dict[str, Any], fixed: list[Row], future: list[Row]) -> int:
    """Brute force: the fewest changed shifts over every assignment of the future weeks that passes the checker."""
    members = [m["id"] for m in team["members"]]
    best = len(future) + 1
    for choice in itertools.product(members, repeat=len(future)):
        changes = sum(1 for row, member in zip(future, choice, strict=True) if row.member != member)
        if changes >= best:
            continue
        rows = fixed + [dataclasses.replace(r, member=m, kind="rota") for r, m in zip(future, choice, strict=True)]
        if not check(team, rows, []):
            best = changes
    return best


@FEW
@given(st.data())
def test_update_after_a_new_absence_changes_the_fewest_shifts(tmp_path: Path, data: st.DataObject) -> None:
    team, period = data.draw(teams(max_members=4, max_roles=1, max_weeks=4, min_weeks=3, max_absences=1))
    out = generated(tmp_path, team, period)
    assume(out is not None)
    assert out is not None
    who, first, last, now = data.draw(absences_in(team, period))
    published_rows = read_rows(out / "rota.csv")
    text = (out / "team.yaml").read_text()
    edited, _ = add_absence(text, "team.yaml", who, first, last, "holiday")
    (out / "team.yaml").write_text(edited)
    result = run("update", out, "--now", now.isoformat())
    if result.exit_code == 3:
        assert "week of" in result.output or "nobody can cover" in result.output, result.output
        return
    assert result.exit_code == 0, result.output
    rows = read_rows(out / "rota.csv")
    assert [r for r in rows if r.end <= now] == [r for r in published_rows if r.end <= now]  # the past stays
    team_now = read_team(out / "team.yaml")
    if not check(team_now, published_rows, []):
        assert rows == published_rows  # nothing was broken: nothing changes
    assert check_rota_dir(out) == []
    weeks = future_weeks(published_rows, now)
    published = holders(published_rows, weeks)
    changed = sum(1 for shift, member in holders(rows, weeks).items() if published[shift] != member)
    future = [r for r in published_rows if r.week in weeks]
    fixed = [r for r in rows if r.week not in weeks]
    assert changed == fewest_changes(team_now, fixed, future), result.output


@pytest.mark.parametrize("command", ["cover", "swap", "update"])
def test_history_accepts_every_command_s_directory(command: str, tmp_path: Path) -> None:
    """--history reads a rota directory whatever command wrote it last (kinds cover, swap, update)."""
    from rota.exports.rota_csv import read_rota_csv as read

    out = tmp_path / "rota"
    text = "team: t\nmembers: [{id: a}, {id: b}, {id: c}]\n"
    (tmp_path / "t.yaml").write_text(text)
    assert (
        run("generate", tmp_path / "t.yaml", "--start", "2027-01-05", "--weeks", "3", "--out", out, "-q").exit_code == 0
    )
    holder = next(r.member for r in read(out) if r.week == dt.date(2027, 1, 19))
    other = next(m for m in "abc" if m != holder)
    args = {
        "cover": ["--who", holder, "--from", "2027-01-20", "--now", "2027-01-19T12:00", "--force"],
        "swap": ["--week", "2027-01-19", "--role", "primary", "--to", other, "--now", "2027-01-06", "--force"],
        "update": ["--now", "2027-01-06"],
    }[command]
    changed = run(command, out, *args)
    assert changed.exit_code == 0, changed.output
    assert f"recorded kind {command}" in changed.output
    nxt = run(
        "generate",
        tmp_path / "t.yaml",
        "--start",
        "2027-01-26",
        "--weeks",
        "2",
        "--history",
        out,
        "--out",
        tmp_path / "n",
        "-q",
    )
    assert nxt.exit_code == 0, nxt.output
