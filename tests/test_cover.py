"""`rota cover` (docs/spec.md §8): the issue's scenario on the example team, the feeds after a cover, atomic writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import vobject
from icalendar import Calendar

from rota.exports.rota_csv import read_rota_csv
from rota.home import commit
from tests.checker import check_rota_dir
from tests.helpers import run, snapshot

WEEK = dt.date(2027, 2, 9)
UTC = dt.UTC


def primary_of(directory: Path, week: dt.date) -> str:
    return next(a.member for a in read_rota_csv(directory) if a.week == week and a.role == "primary")


def sick(directory: Path, who: str, *extra: str) -> Any:
    return run(
        "cover",
        directory,
        "--who",
        who,
        "--from",
        "2027-02-10",
        "--to",
        "2027-02-12",
        "--now",
        "2027-02-09T18:00",
        *extra,
    )


def test_the_issue_scenario(q1: Path) -> None:
    who = primary_of(q1, WEEK)
    before = (q1 / "rota.csv").read_text().splitlines()
    result = sick(q1, who)
    assert result.exit_code == 0, result.output
    rows = read_rota_csv(q1)
    week = sorted((a for a in rows if a.week == WEEK and a.role == "primary"), key=lambda a: a.start)
    spans = [(a.member, a.start.astimezone(UTC), a.end.astimezone(UTC), a.kind) for a in week]
    cover_member = week[1].member
    assert spans == [
        (who, dt.datetime(2027, 2, 9, 10, tzinfo=UTC), dt.datetime(2027, 2, 10, tzinfo=UTC), "rota"),
        (cover_member, dt.datetime(2027, 2, 10, tzinfo=UTC), dt.datetime(2027, 2, 13, tzinfo=UTC), "cover"),
        (who, dt.datetime(2027, 2, 13, tzinfo=UTC), dt.datetime(2027, 2, 16, 10, tzinfo=UTC), "rota"),
    ]
    assert cover_member != who
    assert [a.load for a in week] == [1, 3, 3]  # the noon rule: the parts add up to the shift's 7
    after = (q1 / "rota.csv").read_text().splitlines()
    untouched = [line for line in before if f",primary,{WEEK}," not in line]
    assert [line for line in after if f",primary,{WEEK}," not in line] == untouched
    assert check_rota_dir(q1) == []
    # The absence is recorded, so that later commands and the report see it; the file's comments survive.
    team = (q1 / "team.yaml").read_text()
    assert f"  - {{who: {who}, from: 2027-02-10, to: 2027-02-12, reason: sickness}}\n" in team
    assert "# Easter\n" in team
    assert f"covers {cover_member}" not in result.output
    assert "recorded kind cover on 1 row(s)" in result.output
    assert "fairness effect" in result.output


def events(path: Path) -> dict[tuple[str, str], Any]:
    calendar = Calendar.from_ical(path.read_bytes())
    return {(str(e["uid"]), str(e["status"])): e for e in calendar.walk("VEVENT")}


def test_feeds_follow_the_cover(q1: Path) -> None:
    who = primary_of(q1, WEEK)
    old = {p.name: events(p) for p in (q1 / "feeds").glob("*.ics")}
    old_team = events(q1 / "rota.ics")
    assert sick(q1, who).exit_code == 0
    new = {p.name: events(p) for p in (q1 / "feeds").glob("*.ics")}
    new_team = events(q1 / "rota.ics")
    shift_uid = f"payments.primary.{WEEK}@rota"
    for key, event in old_team.items():
        after = new_team[key]
        if key[0] == shift_uid:
            assert after["sequence"] > event["sequence"]
            assert after.decoded("last-modified") == dt.datetime(2027, 2, 9, 18, tzinfo=UTC)
        else:  # unchanged: same UID, SEQUENCE and LAST-MODIFIED
            assert after["sequence"] == event["sequence"]
            assert after.decoded("last-modified") == event.decoded("last-modified")
    # The lost segment stays in the member's feed, cancelled, with a higher SEQUENCE than the cover's event.
    mine = new[f"{who}.ics"]
    cancelled = [e for (uid, status), e in mine.items() if status == "CANCELLED"]
    assert len(cancelled) == 1
    lost = cancelled[0]
    assert lost.decoded("dtstart") == dt.datetime(2027, 2, 10, tzinfo=UTC)
    assert lost.decoded("dtend") == dt.datetime(2027, 2, 13, tzinfo=UTC)
    # Under a UID of its own: a client that sees the cover member's feed too never takes the cover for cancelled.
    live = {uid for evs in [*new.values(), new_team] for (uid, status) in evs if status == "CONFIRMED"}
    assert str(lost["uid"]) not in live
    covering = [
        feed
        for feed, evs in new.items()
        if feed != "primary.ics"
        and any(
            status == "CONFIRMED" and e.decoded("dtstart") == lost.decoded("dtstart") for (_, status), e in evs.items()
        )
    ]
    assert len(covering) == 1 and covering[0] != f"{who}.ics"
    assert set(old[f"{who}.ics"]) < set(mine)  # nothing vanished from the member's feed
    for path in [q1 / "rota.ics", *(q1 / "feeds").glob("*.ics")]:
        vobject.readOne(path.read_text(encoding="utf-8"), validate=True)


def test_a_failure_mid_write_leaves_the_directory_byte_identical(q1: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(q1)
    real = commit._write
    written: list[Path] = []

    def write_once_then_fail(path: Path, data: bytes, mode: int | None = None) -> None:
        if written:
            raise OSError("disk full (injected)")
        written.append(path)
        real(path, data, mode)

    monkeypatch.setattr(commit, "_write", write_once_then_fail)
    with pytest.raises(OSError, match="injected"):
        sick(q1, primary_of(q1, WEEK))
    assert written, "the failure must come after a file was staged"
    assert snapshot(q1) == before
    assert run("report", q1).exit_code == 0  # the next command sweeps what the failed one staged
    assert not [p for p in q1.parent.iterdir() if p.name.endswith(commit.STAGED_DIR)]


def test_unknown_member_is_bad_input(q1: Path) -> None:
    before = snapshot(q1)
    result = sick(q1, "zed")
    assert result.exit_code == 2
    assert "error: --who 'zed': unknown member; valid: alice, bob, carol" in result.output
    assert snapshot(q1) == before


def test_a_date_outside_the_rota_is_bad_input(q1: Path) -> None:
    result = run("cover", q1, "--who", "alice", "--from", "2027-06-01", "--now", "2027-02-09T18:00")
    assert result.exit_code == 2
    assert (
        "error: --from 2027-06-01 --to 2027-06-01: outside every published rota, which run from 2027-01-05 10:00"
        in result.output
    )


def test_to_before_from_is_bad_input(q1: Path) -> None:
    result = run("cover", q1, "--who", "alice", "--from", "2027-02-10", "--to", "2027-02-09")
    assert result.exit_code == 2
    assert "--to 2027-02-09 is before --from 2027-02-10" in result.output


PAIR = """
    team: pair
    members: [{id: ann}, {id: ben}]
"""


def test_nobody_can_cover_exits_3_naming_each_member_and_the_least_bad(
    write_team: Callable[[str], Path], tmp_path: Path
) -> None:
    out = tmp_path / "pair"
    generated = run("generate", write_team(PAIR), "--start", "2027-01-05", "--weeks", "2", "--out", out, "-q")
    assert generated.exit_code == 0, generated.output
    second = primary_of(out, dt.date(2027, 1, 12))
    other = "ann" if second == "ben" else "ben"
    before = snapshot(out)
    args = ("cover", out, "--who", second, "--from", "2027-01-13", "--now", "2027-01-12T12:00")
    result = run(*args)
    assert result.exit_code == 3
    assert "error: nobody can cover primary 2027-01-13 00:00 to 2027-01-14 00:00 within the rules" in result.output
    assert f"  {other}  on call the week of 2027-01-05 (a cover needs a week off either side)" in result.output
    assert f"least bad: {other} (" in result.output and "--force applies it, breaking rule rest" in result.output
    assert snapshot(out) == before
    forced = run(*args, "--force")
    assert forced.exit_code == 0, forced.output
    assert f"forced: {other} covers primary 2027-01-13 00:00 to 2027-01-14 00:00, breaking rule rest" in forced.output
    assert any("rule 5" in problem for problem in check_rota_dir(out))
