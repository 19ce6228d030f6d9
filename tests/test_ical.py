"""iCalendar files (docs/spec.md §10): strict, stable, and the same instants as rota.csv."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import icalendar
import pytest
import vobject

from tests.checker import read_rows
from tests.helpers import EXAMPLE, run


@pytest.fixture
def rota_dir(published: Path) -> Path:
    """The example's 2027Q1, generated once for the whole run (read only here)."""
    return published


def calendars(rota_dir: Path) -> list[Path]:
    return [rota_dir / "rota.ics", *sorted((rota_dir / "feeds").glob("*.ics"))]


def test_every_file_round_trips_and_validates(rota_dir: Path) -> None:
    for path in calendars(rota_dir):
        data = path.read_bytes()
        parsed = icalendar.Calendar.from_ical(data)
        assert parsed.to_ical() == data, path
        vobject.readOne(data.decode("utf-8"), validate=True)
        assert all(len(line) <= 75 for line in data.split(b"\r\n")), path
        assert b"\n" not in data.replace(b"\r\n", b""), path


def test_calendar_properties(rota_dir: Path) -> None:
    calendar = icalendar.Calendar.from_ical((rota_dir / "feeds" / "alice.ics").read_bytes())
    assert calendar["VERSION"] == "2.0"
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert calendar["METHOD"] == "PUBLISH"
    assert calendar["X-WR-TIMEZONE"] == "Europe/London"
    assert calendar["X-WR-CALNAME"] == calendar["NAME"] == "payments on-call: Alice Smith"
    assert calendar["X-PUBLISHED-TTL"] == "PT1H"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in (rota_dir / "rota.ics").read_bytes()


def test_events_match_the_csv(rota_dir: Path) -> None:
    rows = read_rows(rota_dir / "rota.csv")
    events = icalendar.Calendar.from_ical((rota_dir / "rota.ics").read_bytes()).walk("VEVENT")
    assert len(events) == len(rows)
    for row, event in zip(rows, events, strict=True):
        assert event.decoded("DTSTART") == row.start.astimezone(dt.UTC)
        assert event.decoded("DTEND") == row.end.astimezone(dt.UTC)
        assert event["DTSTART"].to_ical().endswith(b"Z")
        assert event["TRANSP"] == "TRANSPARENT"
        assert "ATTENDEE" not in event and "ORGANIZER" not in event


def test_descriptions_give_the_escalation_chain_and_handovers(rota_dir: Path) -> None:
    events = icalendar.Calendar.from_ical((rota_dir / "rota.ics").read_bytes()).walk("VEVENT")
    second_primary = [e for e in events if str(e["SUMMARY"]).startswith("payments on-call: primary")][1]
    description = str(second_primary["DESCRIPTION"])
    assert "1. primary: " in description and "2. secondary: " in description
    assert "Handover from: " in description and "Handover to: " in description


def test_role_feeds_put_the_email_alone_in_the_summary(rota_dir: Path) -> None:
    events = icalendar.Calendar.from_ical((rota_dir / "feeds" / "primary.ics").read_bytes()).walk("VEVENT")
    assert events
    assert all(str(e["SUMMARY"]).endswith("@example.com") and " " not in str(e["SUMMARY"]) for e in events)


def test_uids_are_stable_across_generations_and_independent_of_the_assignee(rota_dir: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    # A different seed may choose other members; the UIDs name the shift, not the person.
    result = run("generate", EXAMPLE, "--quarter", "2027Q1", "--out", again, "--now", "2026-12-02", "--seed", "7", "-q")
    assert result.exit_code == 0
    first = [(r.week, r.role) for r in read_rows(rota_dir / "rota.csv")]

    def uids(path: Path) -> list[str]:
        return [str(e["UID"]) for e in icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")]

    assert uids(again / "rota.ics") == uids(rota_dir / "rota.ics")
    assert len(set(uids(rota_dir / "rota.ics"))) == len(first)
