"""Which notices a home calls for, and which a run sends (rota/notify/notices.py, plan.py): tiny rotas by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from models.calendar import Interval
from models.rota import Assignment
from models.team import Notify
from rota.assignments import sort_rows, whole_shift
from rota.changes.cover import split
from rota.changes.versions import next_version
from rota.home.period import PeriodVersion
from rota.notify.notices import ChangeNotice, Handover, HandoverLine, Reminder, notices
from rota.notify.plan import Delivery, plan, route
from rota.notify.sent_log import Entry, SentLog
from tests.tiny_teams import problem, team, week

MEMBERS = [{"id": m, "email": f"{m}@example.com"} for m in ("ann", "bob", "cat", "dan")] + [{"id": "eve"}]
TEAM = team(MEMBERS, roles=["primary", "secondary"])
PROBLEM = problem(TEAM, 3)
GENERATED = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
SETTINGS = Notify.model_validate({"email": {"smtp": "mail:25", "from": "a@b.cc"}, "webhooks": [
    {"url_env": "HOOK", "format": "json"}]})  # fmt: skip


def rota(*weeks: str) -> list[Assignment]:
    """'ann bob' is a week with ann primary and bob secondary."""
    rows = [
        whole_shift(PROBLEM, member, week(i), role, "rota")
        for i, pair in enumerate(weeks)
        for member, role in zip(pair.split(), TEAM.role_names, strict=True)
    ]
    return sort_rows(TEAM.role_names, rows)


def published(rows: list[Assignment]) -> PeriodVersion:
    return PeriodVersion(TEAM, b"", PROBLEM.period, rows, PROBLEM.period_shares, generated=GENERATED)


def covered(rows: list[Assignment], who: str, first: dt.datetime, last: dt.datetime, by: str) -> list[Assignment]:
    row = next(a for a in rows if a.member == who and a.start <= first < a.end)
    return sort_rows(TEAM.role_names, split(PROBLEM, rows, row, Interval(first, last), by, "cover"))


def reminders(period: PeriodVersion) -> list[Reminder]:
    return [n for n in notices(TEAM, [period], 24 * HOUR) if isinstance(n, Reminder)]


def test_a_reminder_is_due_remind_before_the_shift_and_names_who_hands_over_and_who_backs_up() -> None:
    found = reminders(published(rota("ann bob", "cat dan")))
    cat = next(r for r in found if r.member == "cat")
    assert cat.due == cat.assignment.start - 24 * HOUR
    assert cat.until == cat.assignment.end
    assert cat.takes_over_from == "ann"
    assert [(a.role, a.member) for a in cat.chain] == [("primary", "cat"), ("secondary", "dan")]
    assert next(r for r in found if r.member == "ann").takes_over_from is None  # the home's first shift
    assert len(found) == 4


def test_a_shift_published_late_is_reminded_at_once_but_never_after_it_starts() -> None:
    period = published(rota("ann bob", "cat dan"))
    start = week(1)
    cat = next(a for a in period.rows if a.member == "cat")
    dan = next(a for a in period.rows if a.member == "dan")
    period.modified.update({cat.uid: cat.start - 3 * HOUR, dan.uid: dan.start + 3 * HOUR})
    due = {r.member: r.due for r in reminders(period)}
    assert due["cat"] == cat.start - 3 * HOUR
    assert due["dan"] == dan.start
    assert start == cat.week


def test_a_cover_gets_the_cover_member_a_reminder_and_the_member_back_one_for_their_return() -> None:
    rows = rota("ann bob", "cat dan")
    middle = rows[2].start + 2 * DAY
    after = covered(rows, "cat", middle, middle + DAY, "ann")
    found = {(r.member, r.assignment.start): r for r in reminders(published(after))}
    assert found["ann", middle].takes_over_from == "cat"
    assert found["ann", middle].until == middle + DAY
    assert found["cat", middle + DAY].takes_over_from == "ann"
    assert found["cat", rows[2].start].until == middle  # the same reminder as before the cover: same id
    assert found["cat", rows[2].start].id == next(r.id for r in reminders(published(rows)) if r.member == "cat")


def test_a_member_who_carries_on_gets_one_reminder_for_the_whole_stretch() -> None:
    rows = rota("ann bob")
    start, end = rows[0].start, rows[0].end
    rows = covered(rows, "ann", start + 3 * DAY, end, "ann")  # a row of hers split in two
    [ann] = [r for r in reminders(published(rows)) if r.member == "ann"]
    assert (ann.assignment.start, ann.until) == (start, end)


def test_handovers_name_only_the_roles_that_change_hands() -> None:
    rows = rota("ann bob", "cat dan")
    middle = rows[2].start + 2 * DAY
    found = [n for n in notices(TEAM, [published(covered(rows, "dan", middle, middle + DAY, "bob"))], DAY)]
    handovers = [n for n in found if isinstance(n, Handover)]
    assert [(h.due, h.lines) for h in handovers] == [
        (rows[0].start, (HandoverLine("primary", None, "ann", rows[0].end),
                         HandoverLine("secondary", None, "bob", rows[0].end))),
        (rows[2].start, (HandoverLine("primary", "ann", "cat", rows[2].end),
                         HandoverLine("secondary", "bob", "dan", middle))),
        (middle, (HandoverLine("secondary", "dan", "bob", middle + DAY),)),
        (middle + DAY, (HandoverLine("secondary", "bob", "dan", rows[2].end),)),
    ]  # fmt: skip


def test_a_change_tells_each_member_whose_time_moved_and_the_team() -> None:
    before = published(rota("ann bob", "cat dan"))
    at = GENERATED + DAY
    after = next_version(before, TEAM, b"", rota("ann bob", "eve dan"), at, kind="swap", why="cat to eve")
    changes = [n for n in notices(TEAM, [after], DAY) if isinstance(n, ChangeNotice)]
    assert [(n.member, n.due) for n in changes] == [(None, at), ("cat", at), ("eve", at)]
    assert [m.member for m in changes[0].changes] == ["cat", "eve"]
    assert changes[1].id == f"{changes[0].id}/cat"


def test_a_change_of_kind_alone_tells_nobody() -> None:
    before = published(rota("ann bob"))
    rows = [a.model_copy(update={"kind": "pin"}) if a.member == "ann" else a for a in before.rows]
    after = next_version(before, TEAM, b"", rows, GENERATED + DAY, kind="update", why="a pin")
    assert after.changes and not [n for n in notices(TEAM, [after], DAY) if isinstance(n, ChangeNotice)]


def run_plan(
    period: PeriodVersion, now: dt.datetime, settled: dt.datetime | None, *sent: Delivery
) -> dict[str, list[str]]:
    log = SentLog(Path("unused"), settled)
    for delivery in sent:
        log.record(Entry(delivery.key, "sent", delivery.notice.due, now, "someone"))
    deliveries = route(notices(TEAM, [period], SETTINGS.remind_before), SETTINGS)
    todo = plan(TEAM, deliveries, log, now, SETTINGS.grace)
    named = {"send": todo.send, "missed": todo.missed, "skipped": todo.skipped}
    return {name: [d.key for d in found] for name, found in named.items()} | {"before_log": [str(todo.before_log)]}


def test_a_first_run_settles_what_is_older_than_grace_without_sending_or_counting_it() -> None:
    period = published(rota("ann bob", "cat dan"))
    second = period.rows[2].start
    result = run_plan(period, second + HOUR, None)
    assert result["send"] == [f"handover/{second:%Y%m%dT%H%M%SZ} via webhook HOOK"]
    assert result["missed"] == [] and result["before_log"] == ["5"]  # four reminders, the first handover


def test_what_is_more_than_grace_late_is_missed_and_a_member_without_email_skipped() -> None:
    rows = rota("ann bob", "eve dan")
    period = published(rows)
    reminded = rows[2].start - 24 * HOUR  # eve's and dan's reminders
    late = run_plan(period, reminded + 3 * HOUR, reminded - 6 * HOUR)
    assert [key.split("/")[2] for key in late["missed"]] == ["eve", "dan"]  # grace is 2 h
    in_time = run_plan(period, reminded + HOUR, reminded - 6 * HOUR)
    assert [key.split("/")[2] for key in in_time["skipped"]] == ["eve"]  # she has no email address
    assert [key.split("/")[2] for key in in_time["send"]] == ["dan"]
    assert in_time["missed"] == []


def test_what_was_sent_and_what_is_not_due_yet_are_left_alone() -> None:
    period = published(rota("ann bob", "cat dan"))
    first = period.rows[0].start
    due = [d for d in route(notices(TEAM, [period], DAY), SETTINGS) if d.notice.due <= first]
    result = run_plan(period, first, first - 25 * HOUR, *due[:2])
    assert result["send"] == [d.key for d in due[2:]]
