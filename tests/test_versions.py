"""The next version of a published period (rota/changes/versions.py): SEQUENCEs, cancelled events, change records."""

from __future__ import annotations

import datetime as dt

from models.calendar import Interval
from models.rota import Assignment
from rota.assignments import whole_shift
from rota.changes.cover import split
from rota.changes.versions import next_version
from rota.home.period import PeriodVersion
from tests.tiny_teams import problem, team, week

TEAM = team("ann bob cat")
PROBLEM = problem(TEAM, 3)
NOW = dt.datetime(2027, 1, 4, 12, tzinfo=dt.UTC)  # before the period


def rota(*holders: str) -> list[Assignment]:
    """One primary week each, in order."""
    return [whole_shift(PROBLEM, member, week(i), "primary", "rota") for i, member in enumerate(holders)]


def published(rows: list[Assignment]) -> PeriodVersion:
    return PeriodVersion(TEAM, b"", PROBLEM.period, rows, PROBLEM.period_shares, generated=NOW)


def changed(before: PeriodVersion, rows: list[Assignment], at: dt.datetime = NOW) -> PeriodVersion:
    return next_version(before, TEAM, b"", rows, at, kind="swap", why="a test")


def test_an_unchanged_row_keeps_its_sequence_and_stamp() -> None:
    before = published(rota("ann", "bob", "cat"))
    after = changed(before, rota("ann", "bob", "cat"), NOW + dt.timedelta(hours=1))
    assert [a.sequence for a in after.rows] == [0, 0, 0]
    assert after.modified == {} and after.changes == ()


def test_a_changed_row_keeps_its_uid_with_a_higher_sequence_and_a_new_stamp() -> None:
    before = published(rota("ann", "bob", "cat"))
    later = NOW + dt.timedelta(hours=1)
    after = changed(before, rota("ann", "cat", "bob"), later)
    assert [(a.member, a.sequence) for a in after.rows] == [("ann", 0), ("cat", 1), ("bob", 1)]
    assert [a.uid for a in after.rows] == [a.uid for a in before.rows]
    assert {uid: after.modified[uid] for uid in (a.uid for a in after.rows) if uid in after.modified} == {
        after.rows[1].uid: later,
        after.rows[2].uid: later,
    }
    again = changed(after, rota("ann", "bob", "cat"), later)
    assert [a.sequence for a in again.rows] == [0, 2, 2]


def test_time_a_member_lost_stays_in_their_feed_cancelled_under_a_uid_of_its_own() -> None:
    rows = rota("ann", "bob", "cat")
    before = published(rows)
    shift = rows[1]
    piece = Interval(shift.start + dt.timedelta(days=1), shift.start + dt.timedelta(days=3))
    after = changed(before, split(PROBLEM, rows, shift, piece, "ann", "cover"))
    [lost] = after.cancelled
    assert (lost.assignment.member, lost.assignment.start, lost.assignment.end) == ("bob", piece.start, piece.end)
    assert lost.assignment.uid not in {a.uid for a in after.rows}
    assert lost.sequence > shift.sequence
    # Given back, the time is bob's again: none of his stays cancelled, and ann's cover is, under its own UID,
    # which nothing live holds any more.
    back = changed(after, rows)
    assert [(c.assignment.member, c.assignment.kind) for c in back.cancelled] == [("ann", "cover")]
    assert back.cancelled[0].assignment.uid not in {a.uid for a in back.rows}


def test_a_cancelled_event_is_dropped_once_it_has_ended() -> None:
    rows = rota("ann", "bob", "cat")
    after = changed(published(rows), rota("ann", "cat", "bob"))
    assert {c.assignment.member for c in after.cancelled} == {"bob", "cat"}
    end_of_second_week = rows[1].end  # bob held it, and lost it to cat
    unchanged_later = changed(after, after.rows, end_of_second_week + dt.timedelta(minutes=1))
    assert {c.assignment.member for c in unchanged_later.cancelled} == {"cat"}  # bob's lost week 2 has ended


def test_a_change_is_recorded_with_each_member_it_touched() -> None:
    rows = rota("ann", "bob", "cat")
    after = changed(published(rows), rota("ann", "cat", "bob"))
    [record] = after.changes
    assert (record.kind, record.why, record.at) == ("swap", "a test", NOW)
    touched = {m.member: ([a.week for a in m.before], [a.week for a in m.after]) for m in record.members}
    assert touched == {"bob": ([week(1)], [week(2)]), "cat": ([week(2)], [week(1)])}
    assert changed(after, rota("ann", "cat", "bob")).changes == after.changes  # nothing more changed
