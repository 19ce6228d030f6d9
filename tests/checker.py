"""An independent checker of the hard rules (docs/spec.md §5) on a written rota directory.

It shares no code with the solver, nor with `models/`: it reads team.yaml and rota.csv itself and does its
own calendar arithmetic, so that a bug in the rota model cannot hide itself here.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ruamel.yaml import YAML

DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


@dataclass(frozen=True)
class Row:
    role: str
    week: dt.date
    start: dt.datetime
    end: dt.datetime
    member: str
    kind: str


def read_rows(path: Path) -> list[Row]:
    with open(path, newline="", encoding="utf-8") as handle:
        return [
            Row(
                r["role"],
                dt.date.fromisoformat(r["week"]),
                dt.datetime.fromisoformat(r["start"]),
                dt.datetime.fromisoformat(r["end"]),
                r["member"],
                r["kind"],
            )
            for r in csv.DictReader(handle)
        ]


def read_team(path: Path) -> dict[str, Any]:
    return dict(YAML(typ="safe").load(path.read_text(encoding="utf-8")))


def _day(value: Any) -> dt.date:
    """YAML gives a date for 2027-01-05 and a string for "2027-01-05"; both mean the day."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def check_rota_dir(directory: Path, history: list[Row] | None = None) -> list[str]:
    """Every broken hard rule of the rota in `directory`, in words; [] when it satisfies them all."""
    return check(read_team(directory / "team.yaml"), read_rows(directory / "rota.csv"), history or [])


def check(team: dict[str, Any], rows: list[Row], history: list[Row]) -> list[str]:
    zone = ZoneInfo(team.get("timezone", "UTC"))
    roles = [r if isinstance(r, str) else r["name"] for r in team.get("roles", ["primary"])]
    changeover = team.get("changeover", {})
    weekday = DAYS.index(changeover.get("weekday", "tuesday"))
    hour, minute = (int(x) for x in str(changeover.get("time", "10:00")).split(":")[:2])
    rest_weeks = team.get("rules", {}).get("min_rest_weeks", 1)
    members = {m["id"]: m for m in team["members"]}
    problems: list[str] = []

    def changeover_at(day: dt.date) -> dt.datetime:
        return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).astimezone(dt.UTC)

    duty = [r for r in rows if r.role in roles]
    weeks = sorted({r.week for r in duty})
    for week in weeks:
        if week.weekday() != weekday:
            problems.append(f"week {week} is not a changeover day")
    if weeks:
        expected = [weeks[0] + dt.timedelta(days=7 * i) for i in range((weeks[-1] - weeks[0]).days // 7 + 1)]
        if expected != weeks:
            problems.append(f"weeks are not consecutive: missing {sorted(set(expected) - set(weeks))}")

    # Rule 1: each role's rows tile each week's [changeover, next changeover) exactly once.
    for week in weeks:
        begin, finish = changeover_at(week), changeover_at(week + dt.timedelta(days=7))
        for role in roles:
            segments = sorted((r for r in duty if r.week == week and r.role == role), key=lambda r: r.start)
            moment = begin
            for segment in segments:
                if segment.start.astimezone(dt.UTC) != moment:
                    problems.append(f"rule 1: {role} in the week of {week} is not held from {moment}")
                moment = segment.end.astimezone(dt.UTC)
            if moment != finish:
                problems.append(f"rule 1: {role} in the week of {week} is not held until {finish}")

    # Rule 2: no member holds two roles in the same week.
    held: dict[tuple[str, dt.date], set[str]] = defaultdict(set)
    for r in duty:
        held[r.member, r.week].add(r.role)
    for (member, week), their_roles in held.items():
        if len(their_roles) > 1:
            problems.append(f"rule 2: {member} holds {sorted(their_roles)} in the week of {week}")

    # Rule 3: roles, joined, left, onboarding.
    shadows_done: dict[str, int] = defaultdict(int)
    for r in history:
        if r.role == "shadow":
            shadows_done[r.member] += 1
    for r in sorted(rows, key=lambda r: r.start):
        member = members.get(r.member)
        if member is None:
            problems.append(f"rule 3: {r.member} is not a member")
            continue
        if r.role == "shadow":
            shadows_done[r.member] += 1
            continue
        if r.role not in (member.get("roles") or roles):
            problems.append(f"rule 3: {r.member} holds {r.role}, not in their roles")
        if member.get("joined") and r.week < _day(member["joined"]):
            problems.append(f"rule 3: {r.member} holds {r.role} in the week of {r.week}, before joining")
        if member.get("left") and r.week >= _day(member["left"]):
            problems.append(f"rule 3: {r.member} holds {r.role} in the week of {r.week}, after leaving")
        if shadows_done[r.member] < member.get("shadow_shifts", 0):
            problems.append(f"rule 3: {r.member} holds {r.role} in the week of {r.week} while onboarding")

    # Rule 4: no row overlaps its member's absence, 00:00 of `from` to 24:00 of `to`.
    for absence in team.get("absences", []):
        begin = dt.datetime.combine(_day(absence["from"]), dt.time(0), tzinfo=zone).astimezone(dt.UTC)
        after = _day(absence["to"]) + dt.timedelta(days=1)
        finish = dt.datetime.combine(after, dt.time(0), tzinfo=zone).astimezone(dt.UTC)
        for r in rows:
            if r.member == absence["who"] and r.start.astimezone(dt.UTC) < finish and begin < r.end.astimezone(dt.UTC):
                problems.append(f"rule 4: {r.member} holds {r.role} in the week of {r.week} while absent")

    # Rule 5: between two of a member's weeks on call, at least min_rest_weeks weeks off; a cover needs one.
    by_member: dict[str, list[Row]] = defaultdict(list)
    for r in history + rows:
        by_member[r.member].append(r)
    for member, their_rows in by_member.items():
        weeks_on: dict[dt.date, bool] = {}  # week -> only covers that week
        for r in their_rows:
            weeks_on[r.week] = weeks_on.get(r.week, True) and r.kind == "cover"
        ordered = sorted(weeks_on)
        for earlier, later in itertools.pairwise(ordered):
            if later in {r.week for r in history if r.member == member}:
                continue  # both in the history: not this rota's doing
            gap_weeks = (later - earlier).days // 7
            needed = 2 if (weeks_on[earlier] or weeks_on[later]) else rest_weeks + 1
            if gap_weeks < needed:
                problems.append(f"rule 5: {member} is on call in the weeks of {earlier} and {later}")

    # Rule 6: pins are held (at the start of the pinned week).
    for pin in team.get("pins", []):
        pin_week = _day(pin["week"])
        if weeks and weeks[0] <= pin_week <= weeks[-1]:
            start = changeover_at(pin_week)
            if not any(
                r.member == pin["who"] and r.role == pin["role"] and r.start.astimezone(dt.UTC) == start for r in rows
            ):
                problems.append(f"rule 6: {pin['who']} is not {pin['role']} in the pinned week of {pin_week}")

    # Rule 7: enough members could serve in the period to allow for rest, sickness and holidays.
    if weeks:
        serving = [
            m
            for m in members.values()
            if set(m.get("roles") or roles) & set(roles)
            and not (m.get("joined") and _day(m["joined"]) > weeks[-1])
            and not (m.get("left") and _day(m["left"]) <= weeks[0])
        ]
        needed = team.get("rules", {}).get("min_team_size") or len(roles) * (rest_weeks + 1)
        if len(serving) < needed:
            problems.append(f"rule 7: {len(serving)} members could serve, the rules need {needed}")
    return problems
