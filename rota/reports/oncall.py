"""Who is on call at a moment, and who is next: the question a rota is asked most (`rota who`, /oncall.json, the
team's web page).

Read from the published rows across every period of the home, so covers, swaps and updates are applied and a
split shift shows the part that holds the moment. A moment outside every published period has nobody on call:
that is an answer, not an error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from models.rota import Assignment
from models.team import SHADOW_ROLE, Team
from rota.home.period import PeriodVersion


@dataclass(frozen=True)
class Holding:
    """One assignment as people need to see it."""

    role: str
    member: str
    name: str
    email: str | None
    kind: str
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class RoleOnCall:
    role: str
    now: Holding
    next: Holding | None  # the assignment that follows in this role, if one is published
    shadows: tuple[Holding, ...] = ()  # beside the first role: members onboarding that week


@dataclass(frozen=True)
class OnCall:
    team: str
    timezone: str
    at: dt.datetime
    period: str | None  # the published period holding the moment; None: nobody is on call
    roles: tuple[RoleOnCall, ...]


def on_call(team: Team, periods: Sequence[PeriodVersion], at: dt.datetime) -> OnCall:
    """Each role's holder at `at` (aware), in escalation order, with the next holder; shadows beside the first."""
    holding = next((p for p in periods if p.start <= at < p.end), None)
    at = at.astimezone(team.zone)
    if holding is None:
        return OnCall(team.team, team.timezone, at, None, ())
    rows = sorted((a for p in periods for a in p.rows), key=lambda a: a.start)
    roles = []
    for position, role in enumerate(team.role_names):
        mine = [a for a in rows if a.role == role]
        current = next((a for a in mine if a.start <= at < a.end), None)
        if current is None:
            continue
        following = next((a for a in mine if a.start >= current.end), None)
        shadows = [a for a in rows if a.role == SHADOW_ROLE and a.start <= at < a.end] if position == 0 else []
        roles.append(
            RoleOnCall(
                role,
                _holding(team, current),
                _holding(team, following) if following is not None else None,
                tuple(_holding(team, a) for a in shadows),
            )
        )
    return OnCall(team.team, team.timezone, at, holding.period.name, tuple(roles))


def _holding(team: Team, a: Assignment) -> Holding:
    member = next((m for m in team.members if m.id == a.member), None)
    name = member.display_name if member is not None else a.member
    email = member.email if member is not None else None
    zone = team.zone
    return Holding(a.role, a.member, name, email, a.kind, a.start.astimezone(zone), a.end.astimezone(zone))


def oncall_json(answer: OnCall) -> dict[str, Any]:
    """The answer as JSON: times ISO 8601 with the team's offset. Documented in the README."""

    def person(h: Holding) -> dict[str, Any]:
        return {"member": h.member, "name": h.name, "email": h.email, "kind": h.kind,
                "start": h.start.isoformat(), "end": h.end.isoformat()}  # fmt: skip

    return {
        "team": answer.team,
        "timezone": answer.timezone,
        "at": answer.at.isoformat(),
        "period": answer.period,
        "roles": [
            {
                "role": r.role,
                "now": person(r.now),
                "next": person(r.next) if r.next is not None else None,
                "shadows": [person(s) for s in r.shadows],
            }
            for r in answer.roles
        ],
    }


def oncall_lines(answer: OnCall) -> list[str]:
    """The answer for a terminal: one line a role, then who is next and who shadows."""
    when = f"{answer.at:%a %d %b %Y %H:%M} ({answer.timezone})"
    if answer.period is None:
        return [f"{answer.team}: nobody is on call at {when}: no published rota holds that moment"]
    lines = [f"{answer.team} on call at {when}, {answer.period}"]
    width = max(len(r.role) for r in answer.roles)
    for r in answer.roles:
        lines.append(f"{r.role.ljust(width)}  {_who(r.now)}, until {r.now.end:%a %d %b %H:%M}")
        pad = " " * width
        for shadow in r.shadows:
            lines.append(f"{pad}  shadowed by {_who(shadow)}, until {shadow.end:%a %d %b %H:%M}")
        if r.next is not None:
            lines.append(f"{pad}  next: {_who(r.next)}, from {r.next.start:%a %d %b %H:%M}")
    return lines


def _who(h: Holding) -> str:
    kind = f" ({h.kind})" if h.kind in ("cover", "swap", "update") else ""
    return f"{h.name} ({h.member}){kind}"
