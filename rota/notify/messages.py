"""What each notice says (docs/notifications.md): an email with a plain-text body and the shift attached as
iCalendar, a Slack text, or the JSON payload. Times in the team's zone. Pure functions of the notice, the team
and the rows; the run's moment stamps the email."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from models.rota import Assignment, MemberChange
from models.team import SHADOW_ROLE, Team
from rota.notify.notices import ChangeNotice, Handover, Notice, Reminder

PAYLOAD_VERSION = 1  # of the JSON payload; raised when a field changes meaning or goes


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    email: str | None


def person(team: Team, member_id: str) -> Person:
    """A member as the team file names them; one who has left the file is named by their id, with no email."""
    member = next((m for m in team.members if m.id == member_id), None)
    if member is None:
        return Person(member_id, member_id, None)
    return Person(member.id, member.display_name, member.email)


def when(team: Team, moment: dt.datetime, year: bool = True) -> str:
    """'Tue 16 Feb 2027 10:00' in the team's zone (without the year: 'Tue 16 Feb 10:00')."""
    local = moment.astimezone(team.zone)
    return f"{local:%a} {local.day} {local:%b}{f' {local.year}' if year else ''} {local:%H:%M}"


def addressee(notice: Notice) -> str | None:
    """The member an email notice goes to; None for the team's channels."""
    if isinstance(notice, Reminder | ChangeNotice):
        return notice.member
    return None


def title(team: Team, notice: Notice) -> str:
    """One line naming a notice, for the run's output and the sent log."""
    if isinstance(notice, Reminder):
        return f"reminder to {notice.member}: {notice.assignment.role} from {when(team, notice.assignment.start)}"
    if isinstance(notice, Handover):
        return f"handover at {when(team, notice.due)}"
    told = f" to {notice.member}" if notice.member else ""
    return f"change{told}: {notice.record.kind} ({notice.record.why})"


# Email ------------------------------------------------------------------------------------------------------


def subject(team: Team, notice: Reminder | ChangeNotice) -> str:
    tag = f"[{team.team} on-call]"
    if isinstance(notice, Reminder):
        a = notice.assignment
        start = when(team, a.start, year=False)
        if a.role == SHADOW_ROLE:
            return f"{tag} You are shadowing from {start}"
        return f"{tag} You are {a.role} from {start}"
    return f"{tag} Your on-call changed ({notice.record.kind})"


def email_text(team: Team, notice: Reminder | ChangeNotice) -> str:
    told = person(team, notice.member or "")
    lines = [f"Hello {told.name.split()[0]},", ""]
    if isinstance(notice, Reminder):
        lines += _reminder_lines(team, notice)
        lines += ["", "The shift is attached as a calendar event."]
    else:
        change = next(m for m in notice.changes if m.member == notice.member)
        lines += [f"Your on-call shifts changed: {notice.record.kind} ({notice.record.why}).", "", "You had:"]
        lines += [f"  {line}" for line in _held(team, change.before)]
        lines += ["You have now:"]
        lines += [f"  {line}" for line in _held(team, change.after)]
        if change.after:
            lines += ["", "The shifts you have now are attached as calendar events."]
    lines += ["", "-- ", f"rota notify, for the {team.team} team's on-call rota"]
    return "\n".join(lines) + "\n"


def _reminder_lines(team: Team, notice: Reminder) -> list[str]:
    a = notice.assignment
    span = f"from {when(team, a.start)} to {when(team, notice.until)} ({team.timezone})"
    if a.role == SHADOW_ROLE:
        first = next((h for h in notice.chain if h.role == team.role_names[0]), None)
        beside = f", beside the {team.role_names[0]}, {person(team, first.member).name}" if first else ""
        return [
            f"You are shadowing on the {team.team} on-call rota {span}{beside}.",
            "You hold no role yourself: watch, ask, and learn the pager.",
            "",
            *_chain_lines(team, notice.chain, None),
        ]
    lines = [f"You are {a.role} for the {team.team} team {span}.", ""]
    before = person(team, notice.takes_over_from).name if notice.takes_over_from else "nobody (the rota starts)"
    lines.append(f"You take over from: {before}")
    position = team.role_names.index(a.role)
    backups = [h for h in notice.chain if h.role in team.role_names[position + 1 :]]
    if backups:
        lines.append("Backing you up: " + ", ".join(f"{person(team, h.member).name} ({h.role})" for h in backups))
    else:
        lines.append(f"Backing you up: nobody after you ({a.role} is the last in the escalation order)")
    return [*lines, "", *_chain_lines(team, notice.chain, a.member)]


def _chain_lines(team: Team, chain: Sequence[Assignment], you: str | None) -> list[str]:
    lines = ["Escalation when the shift starts:"]
    for position, role in enumerate(team.role_names, start=1):
        holder = next((h for h in chain if h.role == role), None)
        name = person(team, holder.member).name if holder else "nobody"
        lines.append(f"  {position}. {role}: {name}{' (you)' if holder and holder.member == you else ''}")
    return lines


def _held(team: Team, rows: Sequence[Assignment]) -> list[str]:
    if not rows:
        return ["nothing in these weeks"]
    return [
        f"{a.role} from {when(team, a.start)} to {when(team, a.end)}{f' ({a.kind})' if a.kind != 'rota' else ''}"
        for a in sorted(rows, key=lambda a: a.start)
    ]


def email_message(
    team: Team,
    notice: Reminder | ChangeNotice,
    key: str,
    sender: str,
    everyone: Sequence[Assignment],
    now: dt.datetime,
) -> EmailMessage:
    """A proper message: Date, a Message-ID made from the delivery's key (so that a copy sent twice is one message
    to the mail client), the text, and the shifts attached as a METHOD:PUBLISH calendar."""
    from rota.exports.ical import shift_calendar

    told = person(team, notice.member or "")
    domain = parseaddr(sender)[1].rpartition("@")[2]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = Address(told.name, addr_spec=told.email or "")
    message["Subject"] = subject(team, notice)
    message["Date"] = format_datetime(now.astimezone(team.zone))
    message["Message-ID"] = f"<rota.{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to a robot
    message.set_content(email_text(team, notice))
    if isinstance(notice, Reminder):
        attached = [b for b in everyone if _in_stretch(b, notice)]
    else:
        attached = list(next(m for m in notice.changes if m.member == notice.member).after)
    if attached:
        first = attached[0]
        message.add_attachment(
            shift_calendar(team, attached, everyone, now),
            maintype="text",
            subtype="calendar",
            filename=f"{team.team}-{first.role}-{first.start.astimezone(team.zone):%Y-%m-%d}.ics",
            params={"method": "PUBLISH", "charset": "utf-8"},
        )
    return message


def _in_stretch(b: Assignment, notice: Reminder) -> bool:
    a = notice.assignment
    return b.role == a.role and b.member == a.member and a.start <= b.start < notice.until


# Webhooks ---------------------------------------------------------------------------------------------------


def slack_text(team: Team, notice: Handover | ChangeNotice) -> str:
    """Slack's and Mattermost's {"text": ...}: a headline and a bullet a role (or member)."""
    if isinstance(notice, Handover):
        lines = [f"{team.team} on-call handover, {when(team, notice.due)} ({team.timezone})"]
        for line in notice.lines:
            before = person(team, line.outgoing).name if line.outgoing else "nobody"
            after = person(team, line.incoming).name
            lines.append(f"• {line.role}: {before} → {after}, until {when(team, line.until, year=False)}")
    else:
        lines = [f"{team.team} on-call changed: {notice.record.kind} ({notice.record.why})"]
        for m in notice.changes:
            lines.append(f"• {person(team, m.member).name}: {_brief(team, m.before)} → {_brief(team, m.after)}")
    return _slack_escaped("\n".join(lines))


def _brief(team: Team, rows: Sequence[Assignment]) -> str:
    if not rows:
        return "nothing"
    return ", ".join(
        f"{a.role} {when(team, a.start, year=False)} to {when(team, a.end, year=False)}"
        for a in sorted(rows, key=lambda a: a.start)
    )


def _slack_escaped(text: str) -> str:
    """Slack reads &, < and > as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def json_payload(team: Team, notice: Handover | ChangeNotice) -> dict[str, Any]:
    """The `format: json` body (docs/notifications.md): the event, a stable id to drop copies by, and times as
    ISO 8601 with the team's offset."""
    payload: dict[str, Any] = {
        "version": PAYLOAD_VERSION,
        "id": notice.id,
        "event": "handover" if isinstance(notice, Handover) else "change",
        "team": team.team,
        "timezone": team.timezone,
        "at": _iso(team, notice.due),
    }
    if isinstance(notice, Handover):
        payload["handovers"] = [
            {
                "role": line.role,
                "from": _person_json(team, line.outgoing),
                "member": _person_json(team, line.incoming),
                "start": _iso(team, notice.due),
                "end": _iso(team, line.until),
            }
            for line in notice.lines
        ]
    else:
        payload["kind"] = notice.record.kind
        payload["why"] = notice.record.why
        payload["members"] = [_change_json(team, m) for m in notice.changes]
    return payload


def _change_json(team: Team, change: MemberChange) -> dict[str, Any]:
    def shifts(rows: Sequence[Assignment]) -> list[dict[str, str]]:
        return [
            {"role": a.role, "start": _iso(team, a.start), "end": _iso(team, a.end), "kind": a.kind, "uid": a.uid}
            for a in sorted(rows, key=lambda a: a.start)
        ]

    return {"member": _person_json(team, change.member), "before": shifts(change.before), "after": shifts(change.after)}


def _person_json(team: Team, member_id: str | None) -> dict[str, str | None] | None:
    if member_id is None:
        return None
    p = person(team, member_id)
    return {"id": p.id, "name": p.name, "email": p.email}


def _iso(team: Team, moment: dt.datetime) -> str:
    return moment.astimezone(team.zone).isoformat()
