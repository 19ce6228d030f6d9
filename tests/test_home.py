"""A team home, quarter after quarter: one team file, every period beside it, figures that hold, URLs for life."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from models.errors import InfeasibleError, TimeLimitError
from models.loader import load_team
from rota.changes.cover import cover
from rota.exports.rota_csv import read_rota_csv
from rota.generate import PeriodChoice, generate
from rota.home.home import TOKENS_FILE, find_home
from rota.home.team_edit import add_absence
from rota.reports.report import load_report
from solver.limit import Limit
from tests.checker import check_rota_dir, read_rows
from tests.helpers import NOW as Q1_NOW
from tests.helpers import run

Q2_NOW = "2027-03-01"


def report(home: Path, period: str) -> dict[str, dict[str, float]]:
    result = run("report", home, "--period", period, "--format", "json")
    assert result.exit_code == 0, result.output
    return {m["member"]: m for m in json.loads(result.output)["members"]}


def check_home(home: Path) -> list[str]:
    """The independent checker on every period, each with the ones before it as history."""
    problems: list[str] = []
    history: list = []
    for directory in find_home(home).period_dirs():
        problems += check_rota_dir(directory, history)
        history += read_rows(directory / "rota.csv")
    return problems


def test_generate_on_a_home_writes_beside_the_team_file_and_takes_every_earlier_period_as_history(home: Path) -> None:
    assert (home / "rota-2027Q1" / "rota.csv").is_file()
    result = run("generate", home, "--now", Q2_NOW, "-q")  # the home's directory names it as well as its file
    assert result.exit_code == 0, result.output
    assert [d.name for d in find_home(home).period_dirs()] == ["rota-2027Q1", "rota-2027Q2"]
    assert check_home(home) == []
    q2 = report(home, "2027Q2")
    assert next(iter(q2.values()))["history_from"] == "2027-01-05"


def test_a_period_keeps_its_fair_shares_when_it_becomes_history(home: Path) -> None:
    # ivan shadows two weeks of 2027Q1: his fair share there accrues only after them.
    q1 = report(home, "2027Q1")
    assert run("generate", home, "--now", Q2_NOW, "-q").exit_code == 0
    q2 = report(home, "2027Q2")
    for member, figures in q1.items():
        carried = q2[member]
        assert carried["cumulative_fair_share"] - carried["fair_share"] == pytest.approx(
            figures["fair_share"], abs=2e-3
        )
        assert carried["cumulative_load"] - carried["load"] == pytest.approx(figures["load"])
    assert q1["ivan"]["fair_share"] == pytest.approx(12.525, abs=1e-3)


def test_an_edited_team_file_never_recomputes_a_published_period(home: Path) -> None:
    q1 = report(home, "2027Q1")
    text = (home / "team.yaml").read_text()
    # Later edits: ivan's onboarding forgotten, grace full time, a new joiner, bob on leave all spring.
    text = text.replace("joined: 2026-11-16, shadow_shifts: 2}", "joined: 2026-11-16}")
    text = text.replace("email: grace@example.com, fte: 0.6}", "email: grace@example.com}")
    text = text.replace("members:\n", "members:\n  - {id: judy, joined: 2027-04-01}\n")
    text, _ = add_absence(text, "team.yaml", "bob", dt.date(2027, 4, 1), dt.date(2027, 6, 30), "leave")
    (home / "team.yaml").write_text(text)
    assert run("generate", home, "--now", Q2_NOW, "-q").exit_code == 0
    assert report(home, "2027Q1") == q1
    q2 = report(home, "2027Q2")
    for member, figures in q1.items():
        assert q2[member]["cumulative_fair_share"] - q2[member]["fair_share"] == pytest.approx(
            figures["fair_share"], abs=2e-3
        )


def test_cover_records_the_absence_in_the_one_team_file_and_next_quarter_keeps_it(home: Path) -> None:
    week = dt.date(2027, 2, 9)
    primary = next(a.member for a in read_rota_csv(home / "rota-2027Q1") if a.week == week and a.role == "primary")
    result = run(
        "cover", home, "--who", primary, "--from", "2027-02-10", "--to", "2027-02-12", "--now", "2027-02-09T18:00"
    )
    assert result.exit_code == 0, result.output
    entry = f"{{who: {primary}, from: 2027-02-10, to: 2027-02-12, reason: sickness}}"
    assert entry in (home / "team.yaml").read_text()
    assert entry in (home / "rota-2027Q1" / "team.yaml").read_text()
    assert "&id" not in (home / "team.yaml").read_text()
    q1 = report(home, "2027Q1")
    assert run("generate", home, "--now", Q2_NOW, "-q").exit_code == 0
    q2 = report(home, "2027Q2")
    assert q2[primary]["cumulative_fair_share"] - q2[primary]["fair_share"] == pytest.approx(
        q1[primary]["fair_share"], abs=2e-3
    )
    assert check_home(home) == []


def test_a_sickness_reported_late_changes_the_past_periods_shares_not_its_assignments(home: Path) -> None:
    assert run("generate", home, "--now", Q2_NOW, "-q").exit_code == 0
    rows = read_rota_csv(home / "rota-2027Q1")
    bob_week = next(a for a in rows if a.member == "bob" and a.role == "primary")
    before = report(home, "2027Q1")["bob"]["fair_share"]
    day = bob_week.week + dt.timedelta(days=1)
    result = run("cover", home, "--who", "bob", "--from", day, "--to", day, "--now", "2027-04-20")
    assert result.exit_code == 0, result.output
    assert "past assignments never change" in result.output
    assert read_rota_csv(home / "rota-2027Q1") == rows
    assert report(home, "2027Q1")["bob"]["fair_share"] < before  # sickness is excused
    q2 = report(home, "2027Q2")["bob"]
    assert q2["cumulative_fair_share"] - q2["fair_share"] == pytest.approx(
        report(home, "2027Q1")["bob"]["fair_share"], abs=2e-3
    )


def test_feed_tokens_are_the_teams_whichever_order_commands_run(home: Path, tmp_path: Path) -> None:
    tokens = json.loads((home / TOKENS_FILE).read_text())["tokens"]
    assert set(tokens) == {"team", "primary", "secondary", *(m.id for m in load_team(home / "team.yaml").members)}
    assert oct((home / TOKENS_FILE).stat().st_mode & 0o777) == "0o600"
    # Generated straight on: Q2 keeps every token, with or without `rota feeds` in between.
    assert run("generate", home, "--now", Q2_NOW, "-q").exit_code == 0
    assert json.loads((home / TOKENS_FILE).read_text())["tokens"] == tokens
    assert run("feeds", home, "--base-url", "https://rota.example.com").exit_code == 0
    assert json.loads((home / TOKENS_FILE).read_text())["tokens"] == tokens


def test_a_new_member_gets_a_token_and_nobody_elses_changes(home: Path) -> None:
    tokens = json.loads((home / TOKENS_FILE).read_text())["tokens"]
    text = (home / "team.yaml").read_text().replace("members:\n", "members:\n  - {id: judy}\n")
    (home / "team.yaml").write_text(text)
    assert run("generate", home, "--now", Q2_NOW, "-q").exit_code == 0
    after = json.loads((home / TOKENS_FILE).read_text())["tokens"]
    assert set(after) == {*tokens, "judy"} and {k: after[k] for k in tokens} == tokens


def test_a_period_overlapping_a_published_one_is_refused(home: Path) -> None:
    result = run("generate", home, "--start", "2027-03-16", "--weeks", "4", "--now", Q1_NOW, "-q")
    assert result.exit_code == 2
    assert "rota-2027Q1: already covers weeks of 2027-03-16+4w (2027-01-05 to 2027-03-30)" in result.output


def test_directories_are_readable_as_the_umask_allows_and_tokens_stay_owner_only(home: Path) -> None:
    period = home / "rota-2027Q1"
    assert period.stat().st_mode & 0o777 == 0o755  # the test run's umask is 022
    assert (period / "rota.csv").stat().st_mode & 0o777 == 0o644
    assert (home / TOKENS_FILE).stat().st_mode & 0o777 == 0o600


def test_now_without_an_offset_is_the_teams_local_time(home: Path) -> None:
    # 18:00 in London on 2027-06-01 is 17:00 UTC (BST): without an offset, --now means London.
    assert run("generate", home, "--quarter", "2027Q2", "--now", "2027-03-01", "-q").exit_code == 0
    moment = dt.datetime(2027, 6, 1, 17, tzinfo=dt.UTC)
    rows = read_rota_csv(home / "rota-2027Q2")
    holder = next(a.member for a in rows if a.role == "primary" and a.start <= moment < a.end)
    assert run("cover", home, "--who", holder, "--from", "2027-06-01", "--now", "2027-06-01T18:00").exit_code == 0
    modified = json.loads((home / "rota-2027Q2" / "modified.json").read_text())["events"]
    assert modified and set(modified.values()) == {"2027-06-01T17:00:00+00:00"}
    cover = next(a for a in read_rota_csv(home / "rota-2027Q2") if a.kind == "cover")
    assert cover.start == moment  # the cover starts now, not an hour off


@pytest.mark.parametrize("zone", ["Europe/London", "Australia/Sydney", "UTC", "Asia/Tokyo"])
def test_rest_after_the_history_is_counted_in_weeks_across_clock_changes(tmp_path: Path, zone: str) -> None:
    # Exactly as many members as the rules need: every member must come back the first week rest allows, so
    # one hour of rest miscounted at a clock change (spring or autumn, either hemisphere) leaves a week uncovered.
    team = tmp_path / "team.yaml"
    members = "".join(f"  - {{id: m{i}}}\n" for i in range(6))
    team.write_text(f"team: six\ntimezone: {zone}\nroles: [primary, secondary]\nrules: {{min_rest_weeks: 2}}\n"
                    f"members:\n{members}")  # fmt: skip
    for quarter in ("2027Q1", "2027Q2", "2027Q3", "2027Q4", "2028Q1"):
        result = run("generate", team, "--quarter", quarter, "--now", Q1_NOW, "-q")
        assert result.exit_code == 0, (quarter, result.output)
    assert check_home(tmp_path) == []


# A published period's figures, as history (property) -------------------------------------------------------


@st.composite
def two_periods(draw: st.DrawFn) -> tuple[dict[str, Any], int, dict[str, Any], int]:
    """A team file for a first period, the same file edited later (joiners, leavers, onboarding and part-time
    changed, new absences), and the two periods' lengths in weeks."""
    first_weeks, second_weeks = draw(st.integers(3, 6)), draw(st.integers(2, 4))
    start = dt.date(2027, 1, 5)
    day = st.integers(0, 7 * first_weeks - 1).map(lambda n: start + dt.timedelta(days=n))
    count = draw(st.integers(5, 8))
    members: list[dict[str, Any]] = []
    for i in range(count):
        member: dict[str, Any] = {"id": f"m{i}", "fte": draw(st.sampled_from([0.5, 0.8, 1.0]))}
        if i >= 4 and draw(st.booleans()):
            member["joined"] = draw(day)
        if i >= 4 and draw(st.booleans()):
            member["shadow_shifts"] = draw(st.integers(1, 2))
        members.append(member)
    absences = [
        {
            "who": f"m{draw(st.integers(0, count - 1))}",
            "from": first,
            "to": first + dt.timedelta(days=draw(st.integers(0, 6))),
            "reason": draw(st.sampled_from(["sickness", "holiday"])),
        }
        for first in draw(st.lists(day, max_size=3))
    ]
    team = {
        "team": "t",
        "timezone": "Europe/London",
        "rules": {"min_rest_weeks": 1},
        "members": members,
        "absences": absences,
    }
    later = json.loads(json.dumps(team, default=str))
    for member in later["members"]:
        member.pop("shadow_shifts", None) if draw(st.booleans()) else None
        member["fte"] = draw(st.sampled_from([0.5, 1.0]))
    if draw(st.booleans()):
        later["members"][0]["left"] = str(start + dt.timedelta(weeks=first_weeks + 1))
    later["members"].append({"id": "new", "joined": str(start)})
    after = start + dt.timedelta(weeks=first_weeks)
    later["absences"].append(
        {"who": "m1", "from": str(after), "to": str(after + dt.timedelta(days=3)), "reason": "sickness"}
    )
    return team, first_weeks, later, second_weeks


def figures(home: Path, period: str) -> dict[str, tuple[float, float, float, float]]:
    """Each member's (load, fair share) in the period, and over the period and everything before it."""
    report, _, _ = load_report(home, period=period)
    return {
        m.member: (m.period.load, m.period.fair_share, m.cumulative.load, m.cumulative.fair_share)
        for m in report.members
    }


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=two_periods(), cover_seed=st.integers(0, 10**6))
def test_a_published_periods_figures_never_change_when_it_becomes_history(
    tmp_path_factory: pytest.TempPathFactory, drawn: tuple[dict[str, Any], int, dict[str, Any], int], cover_seed: int
) -> None:
    team, first_weeks, later, second_weeks = drawn
    home = tmp_path_factory.mktemp("home")
    (home / "team.yaml").write_text(json.dumps(team, default=str))  # JSON is YAML
    try:
        first = generate(
            home,
            PeriodChoice(start=dt.date(2027, 1, 5), weeks=first_weeks),
            now=dt.datetime(2026, 12, 1),
            limit=Limit(2),
        )
    except (InfeasibleError, TimeLimitError):
        assume(False)
        return
    # A sickness mid-period, covered, as life happens.
    rows = [a for a in first.rows if a.role == "primary" and a.kind != "shadow"]
    row = rows[cover_seed % len(rows)]
    sick_day = row.start.date() + dt.timedelta(days=1)
    with contextlib.suppress(InfeasibleError):
        cover(home, who=row.member, first=sick_day, last=sick_day, reason="sickness", now=row.start)
    published = figures(home, first.problem.period.name)
    # The team file is edited; the next period is made with the first as history.
    known = {(a["who"], str(a["from"]), str(a["to"])) for a in later["absences"]}
    for absence in load_team(home / "team.yaml").absences:  # the cover recorded its absence there: keep it
        if (absence.who, str(absence.from_), str(absence.to)) not in known:
            later["absences"].append(absence.model_dump(mode="json", by_alias=True))
    (home / "team.yaml").write_text(json.dumps(later))
    start = first.problem.period.last + dt.timedelta(weeks=1)
    try:
        second = generate(
            home, PeriodChoice(start=start, weeks=second_weeks), now=dt.datetime(2026, 12, 1), limit=Limit(2)
        )
    except (InfeasibleError, TimeLimitError):
        return  # the edit may leave no rota; the first period's figures are checked above all the same
    assert figures(home, first.problem.period.name) == published
    after = figures(home, second.problem.period.name)
    for member, (load, share, _, _) in published.items():
        if member in after:
            _, _, total_load, total_share = after[member]
            assert total_load - after[member][0] == pytest.approx(load)
            assert total_share - after[member][1] == pytest.approx(share, abs=1e-5)


def test_update_repairs_every_period_still_to_come(home: Path) -> None:
    assert run("generate", home, "--now", Q2_NOW, "-q").exit_code == 0
    q2_rows = read_rota_csv(home / "rota-2027Q2")
    victim = next(a for a in q2_rows if a.week == dt.date(2027, 5, 4) and a.role == "primary")
    text, _ = add_absence((home / "team.yaml").read_text(), "team.yaml", victim.member, dt.date(2027, 5, 4),
                          dt.date(2027, 5, 7), "holiday")  # fmt: skip
    (home / "team.yaml").write_text(text)
    q1_before = (home / "rota-2027Q1" / "rota.csv").read_bytes()
    result = run("update", home, "--now", "2027-03-10")
    assert result.exit_code == 0, result.output
    assert (home / "rota-2027Q1" / "rota.csv").read_bytes() == q1_before  # nothing broken there
    after = {(a.week, a.role): a.member for a in read_rota_csv(home / "rota-2027Q2")}
    assert after[victim.week, "primary"] != victim.member
    assert check_home(home) == []


def test_a_sickness_across_two_quarters_is_recorded_once_and_covered_where_it_falls(home: Path) -> None:
    assert run("generate", home, "--now", Q2_NOW, "-q").exit_code == 0
    q2 = read_rota_csv(home / "rota-2027Q2")
    who = next(a.member for a in q2 if a.week == dt.date(2027, 4, 6) and a.role == "primary")
    # Away from the last Thursday of 2027Q1 to the first Friday of 2027Q2.
    result = run("cover", home, "--who", who, "--from", "2027-04-01", "--to", "2027-04-09", "--now", "2027-03-31T12:00")
    assert result.exit_code == 0, result.output
    entry = f"{{who: {who}, from: 2027-04-01, to: 2027-04-09"
    london = ZoneInfo("Europe/London")
    away = (dt.datetime(2027, 4, 1, tzinfo=london), dt.datetime(2027, 4, 10, tzinfo=london))
    for period in ("rota-2027Q1", "rota-2027Q2"):
        held = [a for a in read_rota_csv(home / period) if a.member == who and a.role != "shadow"]
        assert not [a for a in held if a.start < away[1] and away[0] < a.end], period
        assert entry in (home / period / "team.yaml").read_text()
    assert (home / "team.yaml").read_text().count(entry) == 1
    assert check_home(home) == []


def test_a_cover_says_what_team_file_edits_not_yet_applied_break(home: Path) -> None:
    rows = read_rota_csv(home / "rota-2027Q1")
    later = next(a for a in rows if a.week == dt.date(2027, 3, 16) and a.role == "primary")
    text, _ = add_absence((home / "team.yaml").read_text(), "team.yaml", later.member, dt.date(2027, 3, 17),
                          dt.date(2027, 3, 17), "holiday")  # fmt: skip
    (home / "team.yaml").write_text(text)
    sick = next(a.member for a in rows if a.week == dt.date(2027, 2, 9) and a.role == "primary")
    result = run("cover", home, "--who", sick, "--from", "2027-02-10", "--now", "2027-02-09T18:00")
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert f"the team file now breaks rule 4 (absences): {later.member} holds primary in the week of 2027-03-16" in said
    assert "`rota update` repairs it" in said
