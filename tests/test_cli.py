"""The command line: every bad input of docs/spec.md §3 and each exit code of §12, message and code exactly."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from rota.cli import main
from tests.helpers import EXAMPLE, NOW, ROTA, run, snapshot

TEAM = """\
team: t
members:
  - id: ann
  - id: bob
  - id: cat
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (TEAM + "colour: blue\n", ":6: colour: unknown key 'colour'; valid keys here: team, timezone, changeover"),
        (
            "team: t\nmembers:\n  - id: ann\n  - id: bob\n    rolez: [primary]\n",
            ":5: members[1].rolez: unknown key 'rolez'; did you mean 'roles'? valid keys here: id, name, email,",
        ),
        (
            TEAM + "absences:\n  - {who: zed, from: 2027-01-04, to: 2027-01-05}\n",
            ":7: absences[0].who: unknown member 'zed'; valid: ann, bob, cat",
        ),
        (
            "team: t\nmembers:\n  - id: ann\n  - id: bob\n    roles: [primary, tertiary]\n",
            ":5: members[1].roles[1]: unknown role 'tertiary'; valid: primary",
        ),
        (
            TEAM + "absences:\n  - {who: ann, from: 2027-01-14, to: 2027-01-05}\n",
            ":7: absences[0].to: 2027-01-05 is before from (2027-01-14)",
        ),
        (
            TEAM + "pins:\n  - {who: ann, role: primary, week: 2027-01-06}\n",
            ":7: pins[0].week: 2027-01-06 is a Wednesday, not a changeover day; use the tuesday, e.g. 2027-01-05",
        ),
        (
            "team: t\nmembers:\n  - id: ann\n  - id: ann\n",
            ":4: members[1].id: member ids must be unique: 'ann' appears twice",
        ),
        ("team: t\nmembers: [\n", ":3: invalid YAML"),
        ("", ": is empty; a team file needs at least `team:` and `members:`"),
        ("- a\n- list\n", ":1: must be a mapping"),
        (
            "team: t\nmembers:\n  - {id: ann, fte: 1e400}\n",
            ":3: members[0].fte: Input should be less than or equal to 1",
        ),
        ("team: t\ntimezone: Mars/Base\nmembers: [{id: a}]\n", ":2: timezone: an IANA time zone name"),
        ("team: t\nmembers:\n  - id: Ann Smith\n", ":3: members[0].id: lower-case letters, digits, '-' and '_' only"),
        ("team: t\nmembers:\n  - {id: ann, joined: soon}\n", ":3: members[0].joined: a date YYYY-MM-DD"),
        ("team: t\nmembers:\n  - {id: primary}\n", ":3: members[0].id: 'primary' is also a feed name"),
        ("members: [{id: a}]\n", ": team: is required"),
    ],
)
def test_bad_team_files_name_file_place_and_fix(write_team: Callable[[str], Path], text: str, expected: str) -> None:
    path = write_team(text)
    result = run("check", path, "--quarter", "2027Q1")
    assert result.exit_code == 2
    assert result.output.startswith(f"error: {path}")
    assert expected in result.output
    assert "Traceback" not in result.output


def test_binary_team_file(tmp_path: Path) -> None:
    path = tmp_path / "team.yaml"
    path.write_bytes(b"\x00\x01\xff\xfe")
    result = run("generate", path)
    assert result.exit_code == 2
    assert result.output == f"error: {path}: is not UTF-8 text (byte 2); save it as UTF-8 YAML\n"


def test_missing_team_file(tmp_path: Path) -> None:
    result = run("generate", tmp_path / "nope.yaml")
    assert result.exit_code == 2
    assert "no such file" in result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--quarter", "2027Q5"], "--quarter '2027Q5': use YYYYQn (e.g. 2027Q1), 'next' or 'current'"),
        (["--start", "2027-01-05"], "--start and --weeks go together"),
        (["--start", "05/01/2027", "--weeks", "3"], "'--start': '05/01/2027': use a date YYYY-MM-DD"),
        (["--now", "tomorrow"], "'--now': 'tomorrow': use a date or an ISO date-time"),
        (["--history", "/nonexistent/rota.csv"], "/nonexistent/rota.csv: no such file"),
    ],
)
def test_bad_options(args: list[str], expected: str) -> None:
    result = run("generate", EXAMPLE, *args, "--out", "/tmp/never-written")
    assert result.exit_code == 2
    assert expected in result.output
    assert not Path("/tmp/never-written").exists()


def test_infeasible_exits_3_and_names_the_week(write_team: Callable[[str], Path], tmp_path: Path) -> None:
    path = write_team(
        TEAM
        + "roles: [primary]\nabsences:\n"
        + "  - {who: ann, from: 2027-02-08, to: 2027-02-19, reason: holiday}\n"
        + "  - {who: bob, from: 2027-02-09, to: 2027-02-10, reason: sickness}\n"
        + "  - {who: cat, from: 2027-02-10, to: 2027-02-10}\n"
    )
    result = run("generate", path, "--quarter", "2027Q1", "--out", tmp_path / "out")
    assert result.exit_code == 3
    assert result.output.splitlines() == [
        "error: no rota can cover the week of 2027-02-09 (primary): only 0 members are free",
        "  ann  absent (holiday 2027-02-08..2027-02-19)",
        "  bob  absent (sickness 2027-02-09..2027-02-10)",
        "  cat  absent (holiday 2027-02-10..2027-02-10)",
    ]
    assert not (tmp_path / "out").exists()


def test_infeasible_across_weeks_names_the_week_and_rest(write_team: Callable[[str], Path], tmp_path: Path) -> None:
    # Three members, rest 2: each holds every third week. Ann is away in weeks 1, 3 and 5, one in each of the
    # three turns, so every week alone has free members, yet no cycle fits her: week 5 cannot be covered.
    path = write_team(
        TEAM
        + "rules: {min_rest_weeks: 2, min_team_size: 3}\nabsences:\n"
        + "".join(f"  - {{who: ann, from: {day}, to: {day}}}\n" for day in ("2027-01-06", "2027-01-20", "2027-02-03"))
    )
    result = run("generate", path, "--start", "2027-01-05", "--weeks", "6", "--out", tmp_path / "out")
    assert result.exit_code == 3
    assert result.output.splitlines() == [
        "error: no rota can cover the week of 2027-02-02 (primary): covering the weeks before it leaves too few "
        "members rested (min_rest_weeks: 2)",
        "  ann  absent (holiday 2027-02-03..2027-02-03)",
        "  bob  free this week, but needed in the weeks just before",
        "  cat  free this week, but needed in the weeks just before",
    ]


def test_team_too_small_exits_3(write_team: Callable[[str], Path]) -> None:
    path = write_team(TEAM + "rules: {min_rest_weeks: 2}\nroles: [primary, secondary]\n")
    result = run("check", path, "--quarter", "2027Q1")
    assert result.exit_code == 3
    assert "team too small: 3 members can hold a required role in 2027Q1, the rules need 6" in result.output


def test_time_limit_without_a_rota_exits_4(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Simulate a solver that finds nothing in time: the command must not call it infeasible.
    from ortools.sat.python import cp_model

    monkeypatch.setattr(cp_model.CpSolver, "solve", lambda self, model, callback=None: cp_model.UNKNOWN)
    result = run("generate", EXAMPLE, "--quarter", "2027Q1", "--out", tmp_path / "out", "--time-limit", "1")
    assert result.exit_code == 4
    assert "no rota found within the time limit (1 s); none is proven impossible" in result.output


def test_a_work_limit_without_a_rota_exits_4_and_names_the_work_limit(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ortools.sat.python import cp_model

    # CP-SAT runs (the work it did is read back) but its answer is taken as "nothing found".
    solve = cp_model.CpSolver.solve

    def nothing_found(self: cp_model.CpSolver, model: cp_model.CpModel, callback: object = None) -> object:
        solve(self, model)
        return cp_model.UNKNOWN

    monkeypatch.setattr(cp_model.CpSolver, "solve", nothing_found)
    result = run("generate", EXAMPLE, "--quarter", "2027Q1", "--out", tmp_path / "out", "--work-limit", "1")
    assert result.exit_code == 4
    assert "no rota found within the work limit (1); none is proven impossible: try a larger --work-limit" in (
        result.output
    )


def test_a_work_limit_gives_the_same_rota_every_time(tmp_path: Path, home: Path) -> None:
    made = []
    for name in ("a", "b"):
        out = tmp_path / name
        args = ["generate", EXAMPLE, "--start", "2027-01-05", "--weeks", "6", "--out", out, "--now", NOW, "-q"]
        result = run(*args, "--work-limit", "0.5")
        assert result.exit_code == 0, result.output
        made.append((out / "rota.csv").read_bytes())
    assert made[0] == made[1]
    for command in (["check", EXAMPLE, "--quarter", "2027Q1", "--now", NOW], ["update", home, "--now", NOW]):
        result = run(*command, "--work-limit", "0.5")
        assert result.exit_code == 0, result.output


def test_generate_refuses_an_existing_directory_and_leaves_it_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "q1"
    first = run("generate", EXAMPLE, "--start", "2027-01-05", "--weeks", "4", "--out", out, "--now", NOW, "-q")
    assert first.exit_code == 0, first.output
    before = snapshot(out)
    again = run("generate", EXAMPLE, "--start", "2027-01-05", "--weeks", "4", "--out", out, "--now", NOW)
    assert again.exit_code == 2
    assert "already exists; pass --force" in again.output
    broken = run("generate", tmp_path / "missing.yaml", "--out", out, "--force")
    assert broken.exit_code == 2
    assert snapshot(out) == before


def test_generate_writes_the_rota_directory(tmp_path: Path) -> None:
    out = tmp_path / "q1"
    result = run("generate", EXAMPLE, "--quarter", "2027Q1", "--out", out, "--now", NOW)
    assert result.exit_code == 0, result.output
    assert "spread" in result.output and "(optimal)" in result.output
    names = set(snapshot(out))
    members = ["alice", "bob", "carol", "dan", "erin", "frank", "grace", "heidi", "ivan"]
    assert {"rota.csv", "team.yaml", "rota.ics", "feeds/primary.ics", "feeds/secondary.ics"} <= names
    assert {f"feeds/{m}.ics" for m in members} <= names
    assert (out / "team.yaml").read_bytes() == EXAMPLE.read_bytes()
    header = (out / "rota.csv").read_text().splitlines()[0]
    assert header == "team,role,week,start,end,member,name,email,kind,load,uid,sequence"


def test_check_counts_cover_for_each_week(write_team: Callable[[str], Path]) -> None:
    path = write_team(TEAM + "absences:\n  - {who: cat, from: 2027-01-01, to: 2027-01-31}\n")
    result = run("check", path, "--start", "2027-01-05", "--weeks", "4")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "a rota exists that satisfies every hard rule" in lines
    week_lines = [line for line in lines if re.match(r"\d{4}-\d\d-\d\d  ", line)]
    assert len(week_lines) == 4
    # With cat away and ann and bob alternating, nobody is free to cover any sickness.
    assert all(line.endswith("<- nobody could cover") for line in week_lines)


def test_every_command_has_help_with_an_example() -> None:
    for name, command in main.commands.items():
        result = run(name, "--help")
        assert result.exit_code == 0, name
        assert "Example" in (command.help or "") or name in ("serve",), name


def test_schema_is_json_schema() -> None:
    import json

    schema = json.loads(run("schema").output)
    assert schema["title"] == "Team"
    assert "members" in schema["required"]


@pytest.mark.parametrize("reader", ["head -1", "true"])
def test_output_cut_short_by_its_reader_is_no_error(home: Path, reader: str) -> None:
    # `true` never reads: the command's writes meet a closed pipe. Its work is done and written all the same.
    command = f'"{ROTA}" cover "{home}" --who dan --from 2027-03-23 --now 2027-02-09T18:00 | {reader}'
    result = subprocess.run(["bash", "-c", f"{command}; exit ${{PIPESTATUS[0]}}"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and result.stderr == ""
    assert "{who: dan, from: 2027-03-23, to: 2027-03-23, reason: sickness}" in (home / "team.yaml").read_text()


def test_the_installed_command_exits_as_main_does_with_all_its_output(tmp_path: Path) -> None:
    # The installed `rota` ends without the interpreter's teardown (rota.cli.run): its exit code and every line it
    # wrote, to a pipe as to a file, must still be main's.
    missing = subprocess.run([ROTA, "generate", tmp_path / "nowhere.yaml"], capture_output=True, text=True)
    assert missing.returncode == 2 and missing.stderr.startswith("error: ") and "Traceback" not in missing.stderr
    listed = subprocess.run([ROTA, "--help"], capture_output=True, text=True)
    assert listed.returncode == 0 and listed.stdout.startswith("Usage: rota [OPTIONS] COMMAND")
    assert all(f"\n  {command} " in listed.stdout for command in main.commands)  # to the last line


def test_a_change_states_one_spread_rounded_one_way(home: Path) -> None:
    text = (
        (home / "team.yaml")
        .read_text()
        .replace("absences:\n", "absences:\n  - {who: bob, from: 2027-03-15, to: 2027-03-19}\n")
    )
    (home / "team.yaml").write_text(text)
    result = run("update", home, "--now", "2027-02-20")
    assert result.exit_code == 0, result.output
    assert result.output.count("spread") == 1
    assert re.search(r"spread \d+\.\d{3} -> \d+\.\d{3} days", result.output)


def test_generate_labels_each_span_and_leaves_out_who_holds_nothing(write_team: Callable[..., Path]) -> None:
    team = write_team(
        """
        team: t
        members:
          - {id: ann}
          - {id: bob}
          - {id: cat}
          - {id: dan, left: 2027-01-01}
        """
    )
    first = run("generate", team, "--start", "2027-01-05", "--weeks", "3", "--now", "2026-12-01")
    assert first.exit_code == 0, first.output
    assert "fairness in 2027-01-05+3w (load in days; balance = load - fair share)" in " ".join(first.output.split())
    assert "carried in" not in first.output  # nothing before it
    second = run("generate", team, "--start", "2027-01-26", "--weeks", "3", "--now", "2026-12-01")
    assert second.exit_code == 0, second.output
    assert "carried in" in second.output and "total" in second.output
    assert not [line for line in second.output.splitlines() if line.strip("│┃ ").startswith("dan ")]
