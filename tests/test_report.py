"""`rota report`: figures worked out by hand for a small rota across a daylight-saving change (docs/spec.md §6, §12)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner, Result

from models.loader import load_team
from models.rota import Assignment, Kind, segment_uid, shift_uid
from rota.cli import main
from rota.exports.rota_csv import rota_csv

LONDON = ZoneInfo("Europe/London")
TEAM_YAML = """\
team: ops
timezone: Europe/London
roles: [primary]
public_holidays: {country: GB, subdivision: ENG, weight: 2}
members:
  - {id: ann, name: Ann Lee, email: ann@example.com}
  - {id: ben}
  - {id: cat}
  - {id: dan}
"""


def at(day: str, time: str = "10:00") -> dt.datetime:
    """A wall-clock time in London."""
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=LONDON)


def row(week: str, start: dt.datetime, end: dt.datetime, member: str, load: float, kind: Kind = "rota") -> Assignment:
    monday = dt.date.fromisoformat(week)
    uid = shift_uid("ops", "primary", monday) if start == at(week) else segment_uid("ops", "primary", monday, start)
    return Assignment(role="primary", week=monday, start=start, end=end, member=member, kind=kind, load=load, uid=uid)


# Three weeks around the clocks going forward (Sunday 2027-03-28, 01:00 GMT -> 02:00 BST) and Easter (Good Friday
# 2027-03-26, Easter Monday 2027-03-29: public holidays, weight 2). Ben is sick from Friday to Saturday; Dan covers.
#
#   week        holder                      days owned (noon rule)            hours   load
#   2027-03-16  ann                         16..22 (Sat 20, Sun 21)           168     7
#   2027-03-23  ben   Tue 10:00 - Fri 00:00 23, 24, 25                        62      3
#               dan   Fri 00:00 - Sun 00:00 26 (Good Friday), 27 (Sat)        48      2 + 1 = 3
#               ben   Sun 00:00 - Tue 10:00 28 (Sun), 29 (Easter Monday)      57      1 + 2 = 3   (23 h Sunday)
#   2027-03-30  cat                         30..05 (Sat 3, Sun 4 April)       168     7
#
# Every shift is shared by four members of fte 1: fair share = (7 + 9 + 7) / 4 = 5.75 each.
ROTA = [
    row("2027-03-16", at("2027-03-16"), at("2027-03-23"), "ann", 7),
    row("2027-03-23", at("2027-03-23"), at("2027-03-26", "00:00"), "ben", 3),
    row("2027-03-23", at("2027-03-26", "00:00"), at("2027-03-28", "00:00"), "dan", 3, "cover"),
    row("2027-03-23", at("2027-03-28", "00:00"), at("2027-03-30"), "ben", 3),
    row("2027-03-30", at("2027-03-30"), at("2027-04-06"), "cat", 7),
]
# History: Ann held the week before; it adds 168 h, two weekend days and 7 of load, shared 1.75 each.
HISTORY = [row("2027-03-09", at("2027-03-09"), at("2027-03-16"), "ann", 7)]

EXPECTED = {  # member: (shifts_primary, hours, weekend_days, holiday_days, covers_given, covers_received, load, share)
    "ann": (1, 168, 2, 0, 0, 0, 7, 5.75),
    "ben": (1, 119, 1, 1, 0, 1, 6, 5.75),
    "cat": (1, 168, 2, 0, 0, 0, 7, 5.75),
    "dan": (0, 48, 1, 1, 1, 0, 3, 5.75),
}
FIGURES = [
    "shifts_primary",
    "hours",
    "weekend_days",
    "holiday_days",
    "covers_given",
    "covers_received",
    "load",
    "fair_share",
]


@pytest.fixture
def rota_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "rota-2027-03-16+3w"
    directory.mkdir()
    (directory / "team.yaml").write_text(TEAM_YAML, encoding="utf-8")
    team = load_team(directory / "team.yaml")
    (directory / "rota.csv").write_bytes(rota_csv(team, ROTA))
    (tmp_path / "history.csv").write_bytes(rota_csv(team, HISTORY))
    return directory


def report(*args: str | Path) -> Result:
    return CliRunner().invoke(main, ["report", *(str(a) for a in args)], catch_exceptions=False)


def csv_rows(text: str) -> dict[str, dict[str, str]]:
    return {r["member"]: r for r in csv.DictReader(io.StringIO(text))}


def test_the_hours_of_a_week_follow_the_clocks() -> None:
    assert sum(a.hours for a in ROTA if a.week == dt.date(2027, 3, 23)) == 167
    autumn = row("2027-10-26", at("2027-10-26"), at("2027-11-02"), "ann", 7)
    assert autumn.hours == 169


def test_csv_figures_are_the_hand_computed_ones(rota_dir: Path) -> None:
    result = report(rota_dir, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = csv_rows(result.output)
    assert list(rows) == ["ann", "ben", "cat", "dan"]
    for member, expected in EXPECTED.items():
        got = tuple(float(rows[member][column]) for column in FIGURES)
        assert got == pytest.approx(expected), member
        assert float(rows[member]["balance"]) == pytest.approx(expected[-2] - expected[-1])
        assert rows[member]["period"] == "2027-03-16+3w"
    assert rows["ann"]["name"] == "Ann Lee" and rows["ann"]["email"] == "ann@example.com"
    # Without history, the cumulative figures are the rota's own.
    assert rows["ben"]["cumulative_hours"] == "119" and rows["ben"]["history_from"] == ""


def test_history_adds_to_the_cumulative_figures_only(rota_dir: Path) -> None:
    rows = csv_rows(report(rota_dir, "--history", rota_dir.parent / "history.csv", "--format", "csv").output)
    ann = rows["ann"]
    assert (ann["hours"], ann["load"], ann["balance"]) == ("168", "7", "1.25")
    assert ann["history_from"] == "2027-03-09"
    assert (ann["cumulative_shifts_primary"], ann["cumulative_hours"], ann["cumulative_weekend_days"]) == (
        "2",
        "336",
        "4",
    )
    assert (ann["cumulative_load"], ann["cumulative_fair_share"], ann["cumulative_balance"]) == ("14", "7.5", "6.5")
    assert rows["dan"]["cumulative_balance"] == "-4.5"


def test_json_and_table_carry_the_csv_numbers(rota_dir: Path) -> None:
    history = rota_dir.parent / "history.csv"
    rows = csv_rows(report(rota_dir, "--history", history, "--format", "csv").output)
    document = json.loads(report(rota_dir, "--history", history, "--format", "json").output)
    assert document["period"] == "2027-03-16+3w" and document["history_from"] == "2027-03-09"
    assert [m["member"] for m in document["members"]] == list(rows)
    for record in document["members"]:
        written = rows[record["member"]]
        assert list(record) == list(written)
        for key, value in record.items():
            if isinstance(value, int | float):
                assert float(written[key]) == pytest.approx(value), key
            else:
                assert written[key] == value, key

    table = report(rota_dir, "--history", history).output
    period_table, cumulative_table = table.split("ops on-call from the week of 2027-03-09")
    for text, prefix in ((period_table, ""), (cumulative_table, "cumulative_")):
        for member, record in rows.items():
            line = next(line for line in text.splitlines() if line.split()[:1] == [member])
            cells = [float(cell) for cell in line.split()[1:]]
            columns = ["shifts_primary", "shadow_shifts", *FIGURES[1:], "balance"]
            assert cells == pytest.approx([float(record[prefix + column]) for column in columns]), member


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda d: [d.parent / "nowhere"], "nowhere: no such file or directory"),
        (lambda d: [d, "--period", "2030Q1"], "--period '2030Q1': not published"),
        (lambda d: [d, "--history", d.parent / "missing.csv"], "missing.csv: no such file"),
    ],
)
def test_bad_input_is_a_clear_error_without_a_traceback(rota_dir: Path, make_args: object, message: str) -> None:
    args = make_args(rota_dir)  # type: ignore[operator]
    result = CliRunner().invoke(main, ["report", *(str(a) for a in args)])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
