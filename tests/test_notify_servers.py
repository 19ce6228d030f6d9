"""`rota notify` against real servers on loopback (docs/spec.md §13): a quarter walked through time, two runs at
once, channels down, refusing and slow, and the email as a mail client reads it."""

from __future__ import annotations

import datetime as dt
import re
import select
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path

import icalendar
import pytest

from models.rota import Assignment
from rota.exports.rota_csv import read_rota_csv
from tests.conftest import run
from tests.receivers import TLS_CERT, Mailbox, Receiver, http_receiver, smtp_server

ROTA = Path(sys.executable).parent / "rota"  # the installed entry point, as cron runs it
LONDON = dt.timezone(dt.timedelta(0))  # the example team's zone is Europe/London; these weeks are all in GMT
SUMMARY = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d Europe/London: "
    r"sent (\d+), failed (\d+) \(kept for retry\), missed (\d+), skipped (\d+)"
)


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def smtp(mailbox: Mailbox) -> Iterator[int]:
    with smtp_server(mailbox) as port:
        yield port


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    with http_receiver() as receiver:
        monkeypatch.setenv("no_proxy", "127.0.0.1")  # loopback, even where a proxy is configured
        monkeypatch.setenv("ROTA_SLACK_WEBHOOK", receiver.url("/slack"))
        monkeypatch.setenv("ROTA_EVENTS_WEBHOOK", receiver.url("/events"))
        yield receiver


def point_at(home: Path, smtp_port: int, settings: str = "", email: str = "starttls: false") -> None:
    """Send the home's notices to the loopback servers: its team file's `notify:` section replaced."""
    team_file = home / "team.yaml"
    text = team_file.read_text(encoding="utf-8").split("\nnotify:")[0]
    team_file.write_text(
        text
        + f"""
notify:
  {settings}
  email: {{smtp: "127.0.0.1:{smtp_port}", from: "payments on-call <oncall@example.com>", {email}}}
  webhooks:
    - {{url_env: ROTA_SLACK_WEBHOOK, format: slack}}
    - {{url_env: ROTA_EVENTS_WEBHOOK, format: json}}
""",
        encoding="utf-8",
    )


def rows(home: Path) -> list[Assignment]:
    return read_rota_csv(home / "rota-2027Q1")


def holder(home: Path, week: str, role: str = "primary") -> Assignment:
    day = dt.date.fromisoformat(week)
    return next(a for a in rows(home) if a.week == day and a.role == role)


def local(moment: dt.datetime) -> str:
    return f"{moment:%a} {moment.day} {moment:%b %H:%M}"


def reminder_subject(a: Assignment) -> str:
    what = "shadowing" if a.role == "shadow" else a.role
    return f"[payments on-call] You are {what} from {local(a.start)}"


def stretches(assignments: list[Assignment]) -> list[Assignment]:
    """The rows that start a member's time in a role (or shadowing): each gets one reminder."""
    lane = {a: a.role if a.role != "shadow" else f"shadow {a.member}" for a in assignments}
    ending = {(lane[a], a.end): a for a in assignments}
    return [a for a in assignments if getattr(ending.get((lane[a], a.start)), "member", None) != a.member]


def changeovers(assignments: list[Assignment]) -> set[dt.datetime]:
    """Every moment some role changes hands."""
    return {a.start for a in stretches(assignments) if a.role != "shadow"}


def notify(home: Path, now: str, *args: str) -> tuple[int, str]:
    result = run("notify", home, "--now", now, *args)
    return result.exit_code, result.output


def summary(output: str) -> tuple[int, int, int, int]:
    """sent, failed, missed, skipped from a run's summary line."""
    match = next(m for line in output.splitlines() if (m := SUMMARY.match(line)))
    sent, failed, missed, skipped = (int(g) for g in match.groups())
    return sent, failed, missed, skipped


def cron_moments(first: dt.date, last: dt.date) -> Iterator[dt.datetime]:
    """A run just after midnight and just after each morning's changeover, as a cron job every few minutes would
    find them."""
    day = first
    while day <= last:
        for time in (dt.time(0, 5), dt.time(10, 5)):
            yield dt.datetime.combine(day, time)
        day += dt.timedelta(days=1)


def test_a_quarter_walked_through_time_sends_each_notice_once(
    home: Path, smtp: int, mailbox: Mailbox, receiver: Receiver
) -> None:
    point_at(home, smtp)
    team_file = home / "team.yaml"
    team_file.write_text(team_file.read_text().replace(", email: heidi@example.com", ""))  # heidi is skipped
    covered = holder(home, "2027-02-09").member
    cover_at = dt.datetime(2027, 2, 10, 9, 0)
    totals: Counter[str] = Counter()
    for moment in cron_moments(dt.date(2027, 1, 3), dt.date(2027, 4, 7)):
        if moment > cover_at and "cover" not in totals:
            totals["cover"] += 1
            result = run("cover", home, "--who", covered, "--from", "2027-02-10", "--to", "2027-02-11",
                         "--now", cover_at.isoformat())  # fmt: skip
            assert result.exit_code == 0, result.output
        code, output = notify(home, moment.isoformat())
        assert code == 0, output
        sent, failed, missed, skipped = summary(output)
        totals.update(sent=sent, failed=failed, missed=missed, skipped=skipped)

    final = rows(home)
    cover = next(a for a in final if a.kind == "cover")
    reminded = [a for a in stretches(final) if a.member != "heidi"]
    subjects = Counter(m.message["Subject"] for m in mailbox.mail)
    assert subjects == Counter(
        [reminder_subject(a) for a in reminded] + ["[payments on-call] Your on-call changed (cover)"] * 2
    )
    changed = [m for m in mailbox.mail if "changed" in m.message["Subject"]]
    assert sorted(m.recipients[0] for m in changed) == sorted([f"{covered}@example.com", f"{cover.member}@example.com"])
    assert len({m.message["Message-ID"] for m in mailbox.mail}) == len(mailbox.mail)

    handovers = {dt.datetime.fromisoformat(b["at"]) for b in receiver.bodies("/events") if b["event"] == "handover"}
    assert handovers == changeovers(final)
    assert len(changeovers(final)) == 13 + 2  # each week's, and the cover's start and end
    assert [b["event"] for b in receiver.bodies("/events")].count("change") == 1
    assert len(receiver.bodies("/slack")) == len(receiver.bodies("/events")) == 16
    assert len({b["id"] for b in receiver.bodies("/events")}) == 16

    assert totals["sent"] == len(mailbox.mail) + len(receiver.posts)
    assert totals["failed"] == totals["missed"] == 0
    assert totals["skipped"] == len([a for a in stretches(final) if a.member == "heidi"]) > 0


def test_an_email_is_a_proper_message_with_the_shift_attached(
    home: Path, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROTA_SMTP_USER", "oncall")
    monkeypatch.setenv("ROTA_SMTP_PASSWORD", "correct horse")
    monkeypatch.setenv("SSL_CERT_FILE", str(TLS_CERT))  # trust the test certificate, as the system's CAs are
    monkeypatch.setenv("ROTA_SLACK_WEBHOOK", "http://127.0.0.1:9/unused")
    monkeypatch.setenv("ROTA_EVENTS_WEBHOOK", "http://127.0.0.1:9/unused")
    shift = holder(home, "2027-02-16")
    with smtp_server(mailbox, login=("oncall", "correct horse")) as port:
        point_at(home, port, email="starttls: true, username_env: ROTA_SMTP_USER, password_env: ROTA_SMTP_PASSWORD")
        code, output = notify(home, "2027-02-15T10:01")
    assert code == 0, output
    assert len(mailbox.mail) == 2  # the week's primary and secondary
    assert mailbox.logins == ["oncall"]  # over STARTTLS, once: one connection for the run
    mail = next(m for m in mailbox.mail if m.recipients == [f"{shift.member}@example.com"])
    message = mail.message
    assert message["Subject"] == "[payments on-call] You are primary from Tue 16 Feb 10:00"
    assert message["From"] == "payments on-call <oncall@example.com>"
    assert message["To"].addresses[0].addr_spec == f"{shift.member}@example.com"
    assert parsedate_to_datetime(message["Date"]) == dt.datetime(2027, 2, 15, 10, 1, tzinfo=LONDON)
    assert re.fullmatch(r"<rota\.[0-9a-f]{32}@example\.com>", message["Message-ID"])
    assert message["Auto-Submitted"] == "auto-generated"
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "from Tue 16 Feb 2027 10:00 to Tue 23 Feb 2027 10:00 (Europe/London)" in text
    assert "You take over from: " in text and "Backing you up: " in text
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "PUBLISH"
    calendar = icalendar.Calendar.from_ical(attachment.get_content())
    assert calendar["METHOD"] == "PUBLISH"
    [event] = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == shift.start
    assert event.decoded("DTEND") == shift.end
    assert str(event["UID"]) == shift.uid
    assert "ORGANIZER" not in event and "ATTENDEE" not in event


def test_two_runs_at_once_send_nothing_twice(home: Path, smtp: int, mailbox: Mailbox, receiver: Receiver) -> None:
    point_at(home, smtp)
    receiver.hold = hold = threading.Event()
    command = [str(ROTA), "notify", str(home), "--now", "2027-02-09T10:05"]
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    try:
        # One run posts the handover and is held there, inside its lock; the other waits for the lock and says so.
        assert receiver.holding.wait(30), "no run posted anything"
        pipes = {p.stderr: p for p in processes if p.stderr is not None}
        ready, _, _ = select.select(list(pipes), [], [], 30)
        assert ready, "no run said it was waiting"
        assert ready[0].readline().decode().startswith("waiting for another rota command to finish with the notices")
    finally:
        hold.set()
    outputs = [p.communicate(timeout=60)[0].decode() for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    assert sorted(summary(output)[0] for output in outputs) == [0, 2]
    assert [post.path for post in receiver.posts] in (["/slack", "/events"], ["/events", "/slack"])


def test_a_channel_down_or_refusing_keeps_its_notices_and_the_others_still_go(
    home: Path, mailbox: Mailbox, receiver: Receiver, tmp_path: Path
) -> None:
    with smtp_server(mailbox) as port:
        pass  # a port where nothing listens now, and the same server can listen again
    point_at(home, port)
    covered = holder(home, "2027-02-09").member
    result = run("cover", home, "--who", covered, "--from", "2027-02-10", "--now", "2027-02-08T10:00")
    assert result.exit_code == 0, result.output
    receiver.answers["/slack"] = 503
    down = run("notify", home, "--now", "2027-02-08T10:05")
    assert down.exit_code == 5
    # Two reminders and two change emails, and the change for Slack, are kept; the JSON webhook got its change.
    assert summary(down.stdout) == (1, 5, 0, 0)
    assert "kept for retry: reminder to " in down.stderr and "Connection refused" in down.stderr
    assert "via webhook ROTA_SLACK_WEBHOOK: HTTP 503" in down.stderr
    assert down.stderr.endswith("error: 5 deliveries failed; they are kept and the next run tries again\n")
    assert [b["event"] for b in receiver.bodies("/events")] == ["change"]

    del receiver.answers["/slack"]
    with smtp_server(mailbox, port):
        up = run("notify", home, "--now", "2027-02-08T10:20")
        again = run("notify", home, "--now", "2027-02-08T10:35")
    assert (up.exit_code, summary(up.stdout)) == (0, (5, 0, 0, 0))
    assert (again.exit_code, summary(again.stdout)) == (0, (0, 0, 0, 0))
    assert len(mailbox.mail) == 4
    assert [len(receiver.bodies("/slack")), len(receiver.bodies("/events"))] == [1, 1]


def test_a_recipient_the_server_refuses_fails_alone(
    home: Path, smtp: int, mailbox: Mailbox, receiver: Receiver
) -> None:
    point_at(home, smtp)
    refused = holder(home, "2027-02-09").member
    mailbox.refuse.add(f"{refused}@example.com")
    result = run("notify", home, "--now", "2027-02-08T10:05")
    assert result.exit_code == 5
    assert summary(result.stdout) == (1, 1, 0, 0)  # the secondary's reminder went, on the same connection
    assert f"via email: 127.0.0.1:{smtp}: recipient refused: 550 no such mailbox" in result.stderr
    mailbox.refuse.clear()
    assert summary(run("notify", home, "--now", "2027-02-08T10:20").stdout) == (1, 0, 0, 0)
    assert sorted(m.recipients[0] for m in mailbox.mail) == sorted(
        [f"{refused}@example.com", f"{holder(home, '2027-02-09', 'secondary').member}@example.com"]
    )


def test_a_slow_webhook_is_given_up_on_in_time_and_tried_again(
    home: Path, smtp: int, mailbox: Mailbox, receiver: Receiver
) -> None:
    point_at(home, smtp, settings="timeout: 1s")
    receiver.slow.add("/slack")
    slow = run("notify", home, "--now", "2027-02-09T10:05")
    assert slow.exit_code == 5
    assert "via webhook ROTA_SLACK_WEBHOOK: no answer in time" in slow.stderr
    assert summary(slow.stdout) == (1, 1, 0, 0)
    receiver.slow.clear()
    receiver.release.set()
    quick = run("notify", home, "--now", "2027-02-09T10:10")
    assert (quick.exit_code, summary(quick.stdout)) == (0, (1, 0, 0, 0))
    [body] = receiver.bodies("/slack")
    assert body["text"].startswith("payments on-call handover, Tue 9 Feb 2027 10:00 (Europe/London)\n• primary: ")


def test_a_webhook_unset_or_redirecting_fails_alone_and_names_no_url(
    home: Path, smtp: int, mailbox: Mailbox, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    point_at(home, smtp)
    monkeypatch.delenv("ROTA_SLACK_WEBHOOK")
    receiver.answers["/events"] = 302  # followed, a POST would turn into a GET and lose its body
    covered = holder(home, "2027-02-09").member
    assert run("cover", home, "--who", covered, "--from", "2027-02-10", "--now", "2027-02-08T12:00").exit_code == 0
    result = run("notify", home, "--now", "2027-02-08T12:05")
    assert result.exit_code == 5
    assert summary(result.stdout) == (3, 2, 0, 0)  # the emails went: two changes, and the week's new reminder
    assert "via webhook ROTA_SLACK_WEBHOOK: ROTA_SLACK_WEBHOOK is not set in the environment" in result.stderr
    assert "via webhook ROTA_EVENTS_WEBHOOK: HTTP 302 Found" in result.stderr
    assert receiver.url("/events") not in result.output
    assert len(mailbox.mail) == 3 and receiver.posts == []


def test_notices_more_than_grace_late_are_missed_never_sent_late(
    home: Path, smtp: int, mailbox: Mailbox, receiver: Receiver
) -> None:
    point_at(home, smtp)
    assert summary(notify(home, "2027-02-03T12:00")[1]) == (0, 0, 0, 0)
    # The runs stopped for a day: Monday's reminders (28 h late) and Tuesday's handover (4 h late) are missed.
    code, output = notify(home, "2027-02-09T14:00")
    assert code == 0
    assert summary(output) == (0, 0, 4, 0)
    assert "missed: handover at Tue 9 Feb 2027 10:00 via webhook ROTA_SLACK_WEBHOOK (due 4 h ago; grace 2 h)" in output
    assert summary(notify(home, "2027-02-09T14:05")[1]) == (0, 0, 0, 0)  # counted once
    assert mailbox.mail == [] and receiver.posts == []
    log = (home / "notify" / "sent.jsonl").read_text().splitlines()
    assert [line.count('"status": "missed"') for line in log[1:]] == [1, 1, 1, 1]


def test_a_first_run_on_a_long_past_sends_only_what_is_due_now(
    home: Path, smtp: int, mailbox: Mailbox, receiver: Receiver
) -> None:
    point_at(home, smtp)
    code, output = notify(home, "2027-03-23T10:05")
    assert code == 0
    # Twelve weeks' reminders (two roles, and two shadow weeks) and eleven handovers, to each of two webhooks.
    earlier = 12 * 2 + 2 + 11 * 2
    assert output.startswith(
        f"the sent log starts now: {earlier} deliveries due before Tue 23 Mar 2027 08:05 are not sent\n"
    )
    assert summary(output) == (2, 0, 0, 0)
    assert [post.body.get("event") for post in receiver.posts if post.path == "/events"] == ["handover"]


def test_a_dry_run_prints_what_would_go_and_records_nothing(
    home: Path, smtp: int, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    point_at(home, smtp)
    for name in ("ROTA_SLACK_WEBHOOK", "ROTA_EVENTS_WEBHOOK"):
        monkeypatch.delenv(name, raising=False)
    shift = holder(home, "2027-02-09")
    code, output = notify(home, "2027-02-08T10:00", "--dry-run")
    assert code == 0
    assert f"would send: reminder to {shift.member}: primary from Tue 9 Feb 2027 10:00 via email\n" in output
    assert "    Subject: [payments on-call] You are primary from Tue 9 Feb 10:00\n" in output
    assert "    | [attached: payments-primary-2027-02-09.ics]\n" in output
    assert output.endswith(
        "not set in the environment: ROTA_SLACK_WEBHOOK, ROTA_EVENTS_WEBHOOK (a real run needs them)\n"
        "2027-02-08 10:00 Europe/London: dry run: would send 2, missed 0, skipped 0; nothing recorded\n"
    )
    assert mailbox.mail == []
    assert not (home / "notify").exists()


def test_without_a_notify_section_there_is_nobody_to_tell(home: Path) -> None:
    team_file = home / "team.yaml"
    team_file.write_text(team_file.read_text().split("\nnotify:")[0] + "\n")
    result = run("notify", home, "--now", "2027-02-08T10:00", "--dry-run")
    assert result.exit_code == 2
    assert result.output == (
        f"error: {team_file}: has no `notify:` section, so there is nobody to tell; "
        "add one with email: or webhooks: (docs/notifications.md)\n"
    )


def test_a_damaged_sent_log_is_bad_input_and_sends_nothing(home: Path, smtp: int, mailbox: Mailbox) -> None:
    point_at(home, smtp)
    log = home / "notify" / "sent.jsonl"
    log.parent.mkdir()
    log.write_text('{"log": "rota notify", "settled_until": "2027-02-08T09:00"}\n')
    result = run("notify", home, "--now", "2027-02-08T10:05")
    assert result.exit_code == 2
    assert result.output == (
        f"error: {log}: not a log written by `rota notify` (2027-02-08T09:00 has no offset); move it away to start "
        "a new one (notices due before the new log starts are not sent)\n"
    )
    assert mailbox.mail == []
