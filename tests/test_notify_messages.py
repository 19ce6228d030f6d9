"""What notices say (rota/notify/messages.py): the texts and the JSON payload, exactly, for a tiny team."""

from __future__ import annotations

import datetime as dt

from rota.assignments import sort_rows, whole_shift
from rota.changes.versions import next_version
from rota.home.period import PeriodVersion
from rota.notify.messages import email_text, json_payload, slack_text, subject
from rota.notify.notices import ChangeNotice, Handover, Reminder, notices
from tests.tiny_teams import problem, team, week

TEAM = team(
    [{"id": "ann", "name": "Ann Lee", "email": "ann@example.com"}, {"id": "bob", "name": "Bob & Co <ops>"},
     {"id": "cat", "name": "Cat Wu"}, {"id": "dan"}],
    roles=["primary", {"name": "secondary", "weight": 0.5}], timezone="Europe/London",
)  # fmt: skip
PROBLEM = problem(TEAM, 2)
AT = dt.datetime(2027, 1, 6, 9, 30, tzinfo=dt.UTC)


def published() -> PeriodVersion:
    rows = [
        whole_shift(PROBLEM, member, week(i), role, "rota")
        for i, pair in enumerate(["ann bob", "cat dan"])
        for member, role in zip(pair.split(), TEAM.role_names, strict=True)
    ]
    return PeriodVersion(TEAM, b"", PROBLEM.period, sort_rows(TEAM.role_names, rows), PROBLEM.period_shares)


def swapped() -> PeriodVersion:
    before = published()
    rows = [a.model_copy(update={"member": "bob", "kind": "swap"}) if a.member == "cat" else a for a in before.rows]
    return next_version(before, TEAM, b"", rows, AT, kind="swap", why="cat is at a wedding")


def test_a_reminder_email() -> None:
    reminder = next(n for n in notices(TEAM, [published()], dt.timedelta(hours=24)) if isinstance(n, Reminder))
    assert subject(TEAM, reminder) == "[t on-call] You are primary from Tue 5 Jan 10:00"
    assert email_text(TEAM, reminder) == (
        "Hello Ann,\n\n"
        "You are primary for the t team from Tue 5 Jan 2027 10:00 to Tue 12 Jan 2027 10:00 (Europe/London).\n\n"
        "You take over from: nobody (the rota starts)\n"
        "Backing you up: Bob & Co <ops> (secondary)\n\n"
        "Escalation when the shift starts:\n"
        "  1. primary: Ann Lee (you)\n"
        "  2. secondary: Bob & Co <ops>\n\n"
        "The shift is attached as a calendar event.\n\n"
        "-- \n"
        "rota notify, for the t team's on-call rota\n"
    )


def test_a_change_email() -> None:
    change = next(n for n in notices(TEAM, [swapped()], dt.timedelta(hours=24)) if isinstance(n, ChangeNotice))
    mine = ChangeNotice(f"{change.id}/bob", change.due, change.record, "bob")
    assert subject(TEAM, mine) == "[t on-call] Your on-call changed (swap)"
    assert email_text(TEAM, mine) == (
        "Hello Bob,\n\n"
        "Your on-call shifts changed: swap (cat is at a wedding).\n\n"
        "You had:\n"
        "  nothing in these weeks\n"
        "You have now:\n"
        "  primary from Tue 12 Jan 2027 10:00 to Tue 19 Jan 2027 10:00 (swap)\n\n"
        "The shifts you have now are attached as calendar events.\n\n"
        "-- \n"
        "rota notify, for the t team's on-call rota\n"
    )


def test_a_handover_for_slack_escapes_its_markup() -> None:
    handover = [n for n in notices(TEAM, [published()], dt.timedelta(hours=24)) if isinstance(n, Handover)][1]
    assert slack_text(TEAM, handover) == (
        "t on-call handover, Tue 12 Jan 2027 10:00 (Europe/London)\n"
        "• primary: Ann Lee → Cat Wu, until Tue 19 Jan 10:00\n"
        "• secondary: Bob &amp; Co &lt;ops&gt; → dan, until Tue 19 Jan 10:00"
    )


def test_the_json_payloads() -> None:
    handover = [n for n in notices(TEAM, [published()], dt.timedelta(hours=24)) if isinstance(n, Handover)][1]
    ann = {"id": "ann", "name": "Ann Lee", "email": "ann@example.com"}
    cat = {"id": "cat", "name": "Cat Wu", "email": None}
    assert json_payload(TEAM, handover) == {
        "version": 1,
        "id": "handover/20270112T100000Z",
        "event": "handover",
        "team": "t",
        "timezone": "Europe/London",
        "at": "2027-01-12T10:00:00+00:00",
        "handovers": [
            {"role": "primary", "from": ann, "member": cat,
             "start": "2027-01-12T10:00:00+00:00", "end": "2027-01-19T10:00:00+00:00"},
            {"role": "secondary", "from": {"id": "bob", "name": "Bob & Co <ops>", "email": None},
             "member": {"id": "dan", "name": "dan", "email": None},
             "start": "2027-01-12T10:00:00+00:00", "end": "2027-01-19T10:00:00+00:00"},
        ],
    }  # fmt: skip
    change = next(n for n in notices(TEAM, [swapped()], dt.timedelta(hours=24)) if isinstance(n, ChangeNotice))
    payload = json_payload(TEAM, change)
    assert (payload["event"], payload["kind"], payload["why"]) == ("change", "swap", "cat is at a wedding")
    assert payload["at"] == "2027-01-06T09:30:00+00:00"
    shift = {"start": "2027-01-12T10:00:00+00:00", "end": "2027-01-19T10:00:00+00:00"}
    bob = {"id": "bob", "name": "Bob & Co <ops>", "email": None}
    uid = "t.primary.2027-01-12@rota"
    assert payload["members"] == [
        {"member": bob, "before": [], "after": [{"role": "primary", **shift, "kind": "swap", "uid": uid}]},
        {"member": cat, "before": [{"role": "primary", **shift, "kind": "rota", "uid": uid}], "after": []},
    ]
