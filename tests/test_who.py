"""`rota who` (rota/reports/oncall.py): who holds each role at a moment, until when, and who is next."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from rota.exports.rota_csv import read_rota_csv
from tests.helpers import run


def who(home: Path, *args: str) -> dict[str, Any]:
    result = run("who", home, "--json", *args)
    assert result.exit_code == 0, result.output
    answer: dict[str, Any] = json.loads(result.output)
    return answer


def holder_at(home: Path, role: str, moment: dt.datetime) -> str:
    return next(a.member for a in read_rota_csv(home / "rota-2027Q1") if a.role == role and a.start <= moment < a.end)


def test_each_role_in_escalation_order_with_until_and_next_and_shadows_beside_the_first(home: Path) -> None:
    answer = who(home, "--at", "2027-01-06T12:00")
    assert (answer["team"], answer["timezone"], answer["period"]) == ("payments", "Europe/London", "2027Q1")
    assert answer["at"] == "2027-01-06T12:00:00+00:00"
    primary, secondary = answer["roles"]
    assert (primary["role"], secondary["role"]) == ("primary", "secondary")
    rows = read_rota_csv(home / "rota-2027Q1")
    first = {a.role: a for a in rows if a.week == dt.date(2027, 1, 5)}
    second = {a.role: a for a in rows if a.week == dt.date(2027, 1, 12)}
    assert primary["now"]["member"] == first["primary"].member
    assert primary["now"]["end"] == "2027-01-12T10:00:00+00:00"
    assert primary["next"]["member"] == second["primary"].member
    assert primary["next"]["start"] == "2027-01-12T10:00:00+00:00"
    assert [s["member"] for s in primary["shadows"]] == ["ivan"] and secondary["shadows"] == []


def test_a_split_shift_shows_the_part_that_holds_the_moment(home: Path) -> None:
    sick = holder_at(home, "primary", dt.datetime(2027, 2, 10, 12, tzinfo=dt.UTC))
    assert run("cover", home, "--who", sick, "--from", "2027-02-10", "--now", "2027-02-09T18:00").exit_code == 0
    primary = who(home, "--at", "2027-02-10T12:00")["roles"][0]
    assert primary["now"]["kind"] == "cover" and primary["now"]["member"] != sick
    assert primary["now"]["end"] == "2027-02-11T00:00:00+00:00"
    assert (primary["next"]["member"], primary["next"]["start"]) == (sick, "2027-02-11T00:00:00+00:00")
    text = run("who", home, "--at", "2027-02-10T12:00").output
    assert "(cover), until Thu 11 Feb 00:00" in text and "next: " in text


def test_a_moment_without_an_offset_is_the_teams_time(home: Path) -> None:
    # 09:30 in London on 2027-03-30 (summer time) is 08:30 UTC: before that day's changeover at 10:00 BST.
    answer = who(home, "--at", "2027-03-30T09:30")
    assert answer["at"] == "2027-03-30T09:30:00+01:00"
    assert answer["roles"][0]["now"]["start"] == "2027-03-23T10:00:00+00:00"
    assert answer["roles"][0]["next"]["start"] == "2027-03-30T10:00:00+01:00"


def test_a_moment_outside_every_period_has_nobody_on_call(home: Path) -> None:
    result = run("who", home, "--at", "2030-01-01T12:00")
    assert result.exit_code == 0
    assert result.output == (
        "payments: nobody is on call at Tue 01 Jan 2030 12:00 (Europe/London): no published rota holds that moment\n"
    )
    assert who(home, "--at", "2030-01-01T12:00")["roles"] == []
    assert who(home, "--at", "2030-01-01T12:00")["period"] is None


def test_a_bad_moment_is_exit_2() -> None:
    result = run("who", ".", "--at", "noon")
    assert result.exit_code == 2 and "'noon': use a date or an ISO date-time" in result.output


def sick_name(home: Path, member: str) -> str:
    from models.loader import load_team

    return load_team(home / "team.yaml").member(member).display_name
