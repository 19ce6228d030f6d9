"""iCalendar feeds (docs/spec.md §10): pure functions of a rota and an injected clock.

One VEVENT an assignment. Times are UTC so that every client agrees on the instant of a changeover; the
team's zone is only a display hint. No ATTENDEE or ORGANIZER: they would turn a feed into invitations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence

from icalendar import Calendar, Event

from models.rota import Assignment, Cancelled
from models.team import SHADOW_ROLE, Team

PRODID = "-//rota//on-call rota//EN"
REFRESH = dt.timedelta(hours=1)

Summary = Callable[[Team, Assignment], str]
Modified = Mapping[str, dt.datetime]  # uid -> LAST-MODIFIED; a uid not in it was last modified `now`


def team_calendar(team: Team, rows: Sequence[Assignment], now: dt.datetime, modified: Modified | None = None) -> bytes:
    return _calendar(team, f"{team.team} on-call", rows, rows, now, summary=_summary, modified=modified)


def member_calendar(
    team: Team,
    member_id: str,
    rows: Sequence[Assignment],
    now: dt.datetime,
    cancelled: Iterable[Cancelled] = (),
    modified: Modified | None = None,
) -> bytes:
    mine = [a for a in rows if a.member == member_id]
    lost = [c for c in cancelled if c.assignment.member == member_id and c.assignment.end > now]
    name = team.member(member_id).display_name
    return _calendar(
        team, f"{team.team} on-call: {name}", mine, rows, now, summary=_summary, cancelled=lost, modified=modified
    )


def role_calendar(
    team: Team, role: str, rows: Sequence[Assignment], now: dt.datetime, modified: Modified | None = None
) -> bytes:
    """The member's email (else id) alone in SUMMARY, so that schedule importers can match users."""
    mine = [a for a in rows if a.role == role]
    return _calendar(team, f"{team.team} on-call: {role}", mine, rows, now, _who, modified=modified)


def shift_calendar(team: Team, events: Sequence[Assignment], everyone: Sequence[Assignment], now: dt.datetime) -> bytes:
    """Some of a member's assignments alone, to attach to an email: published like the feeds, never an invitation."""
    return _calendar(team, f"{team.team} on-call", events, everyone, now, summary=_summary)


def feeds(
    team: Team,
    rows: Sequence[Assignment],
    now: dt.datetime,
    cancelled: Iterable[Cancelled] = (),
    modified: Modified | None = None,
) -> dict[str, bytes]:
    """Every file of the rota directory's calendars: rota.ics and feeds/<member|role>.ics.

    `modified` gives each event's LAST-MODIFIED by UID (a changed rota keeps the stamps of unchanged events);
    an event it does not name was last modified `now`.
    """
    lost = list(cancelled)
    files = {"rota.ics": team_calendar(team, rows, now, modified)}
    for member in team.members:
        files[f"feeds/{member.id}.ics"] = member_calendar(team, member.id, rows, now, lost, modified)
    for role in team.role_names:
        files[f"feeds/{role}.ics"] = role_calendar(team, role, rows, now, modified)
    return files


def _calendar(
    team: Team,
    name: str,
    events: Sequence[Assignment],
    everyone: Sequence[Assignment],
    now: dt.datetime,
    summary: Summary,
    cancelled: Iterable[Cancelled] = (),
    modified: Modified | None = None,
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", team.timezone)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    stamps = modified or {}
    for a in events:
        changed = stamps.get(a.uid, now)
        calendar.add_component(_event(team, a, everyone, now, changed, summary(team, a), a.sequence, "CONFIRMED"))
    for c in cancelled:
        a = c.assignment
        changed = stamps.get(a.uid, now)
        calendar.add_component(_event(team, a, everyone, now, changed, summary(team, a), c.sequence, "CANCELLED"))
    return bytes(calendar.to_ical())


def _summary(team: Team, a: Assignment) -> str:
    name = team.member(a.member).display_name if _known(team, a.member) else a.member
    if a.role == SHADOW_ROLE:
        return f"{team.team} on-call: {name} shadowing"
    return f"{team.team} on-call: {a.role} {name}"


def _who(team: Team, a: Assignment) -> str:
    if _known(team, a.member):
        return team.member(a.member).email or a.member
    return a.member


def _known(team: Team, member_id: str) -> bool:
    return any(m.id == member_id for m in team.members)


def _event(
    team: Team,
    a: Assignment,
    everyone: Sequence[Assignment],
    now: dt.datetime,
    changed: dt.datetime,
    summary: str,
    sequence: int,
    status: str,
) -> Event:
    event = Event()
    event.add("uid", a.uid)
    event.add("dtstamp", now.astimezone(dt.UTC))
    event.add("last-modified", changed.astimezone(dt.UTC))
    event.add("sequence", sequence)
    event.add("dtstart", a.start.astimezone(dt.UTC))
    event.add("dtend", a.end.astimezone(dt.UTC))
    event.add("summary", summary)
    event.add("description", _description(team, a, everyone))
    event.add("status", status)
    event.add("transp", "TRANSPARENT")
    event.add("x-microsoft-cdo-busystatus", "FREE")  # Outlook reads this, not TRANSP, to show on call as free
    return event


def _description(team: Team, a: Assignment, everyone: Sequence[Assignment]) -> str:
    """The escalation chain at the start of this assignment, and who hands over to and from it."""
    zone = team.zone
    lines = [f"{a.role} from {_local(a.start, zone)} to {_local(a.end, zone)} ({team.timezone})", "", "Escalation:"]
    for position, role in enumerate(team.role_names, start=1):
        holder = next((b for b in everyone if b.role == role and b.start <= a.start < b.end), None)
        lines.append(f"{position}. {role}: {_person(team, holder.member) if holder else 'nobody'}")
    before = next((b for b in everyone if b.role == a.role and b.end == a.start), None)
    after = next((b for b in everyone if b.role == a.role and b.start == a.end), None)
    lines.append("")
    lines.append(f"Handover from: {_person(team, before.member) if before else 'outside this rota'}")
    lines.append(f"Handover to: {_person(team, after.member) if after else 'outside this rota'}")
    return "\n".join(lines)


def _person(team: Team, member_id: str) -> str:
    if not _known(team, member_id):
        return member_id
    member = team.member(member_id)
    return f"{member.display_name} <{member.email}>" if member.email else member.display_name


def _local(moment: dt.datetime, zone: dt.tzinfo) -> str:
    return moment.astimezone(zone).strftime("%a %d %b %Y %H:%M")
