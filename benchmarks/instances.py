"""Named, seeded benchmark instances: realistic teams, holidays and history, every one of them feasible.

An instance is a spec (sizes, rules, seed) that builds a team file, a period and a history. The same spec
always builds the same problem: every random choice comes from `random.Random(seed)`.

Holidays look like a real team's: most people take a two-week summer block, some take Christmas off, and
everyone has a few scattered single days. An absence is only added if enough members stay available in every
week it touches (`roles x (min_rest_weeks + 1) + spare_members`), which keeps the instances feasible without
solving them. With that guard a longest-since-last-shift rotation can never get stuck, so the "tight" instances
use `spare_members=-1`: absences may take a member rest needs; a rota still exists (the solver finds one),
but a greedy rotation can corner itself, as a small team in the holidays does.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from models.calendar import (
    ONE_WEEK,
    Period,
    absence_interval,
    changeover_on_or_after,
    quarter_period,
    shift_interval,
    weeks_period,
)
from models.problem import Problem, make_problem
from models.rota import Assignment, shift_uid
from models.team import Absence, Team

TODAY = dt.date(2026, 11, 30)  # fixed: an instance never depends on the clock
YEAR_START = dt.date(2027, 1, 1)

# Escalation order and weights: the primary carries a full week, the layers behind it half.
ROLES: tuple[dict[str, Any], ...] = (
    {"name": "primary", "weight": 1.0},
    {"name": "secondary", "weight": 0.5},
    {"name": "tertiary", "weight": 0.5},  # not `shadow`: that name is the built-in onboarding role
)
HISTORY_WEEKS = 13  # one quarter of earlier rota, for instances with history
PART_TIME_FTES = (0.5, 0.6, 0.8)
SUMMER_BLOCK_DAYS = 14
SUMMER_TAKERS = 0.8  # share of members who take a summer block
CHRISTMAS_TAKERS = 0.4  # share of members off over Christmas
SINGLE_DAYS_PER_QUARTER = (1, 3)  # scattered days off per member per 13 weeks, inclusive range
PREFERENCES_PER_MEMBER = 0.25


@dataclass(frozen=True)
class InstanceSpec:
    """How to build one instance. `weeks` 13 means the quarter 2027Q1; any other count starts in January 2027."""

    name: str
    members: int
    roles: int
    weeks: int
    seed: int
    min_rest_weeks: int = 1
    part_time_share: float = 0.0  # share of members with fte below 1
    history: bool = False  # a quarter of earlier rota, from the plain rotation teams used before
    absent_day_share: float | None = None  # if set, absences until this share of each member's days is off
    public_holidays: bool = True
    spare_members: int = 1  # members kept free beyond roles x (rest + 1) when placing absences; may be negative

    @property
    def is_quarter(self) -> bool:
        return self.weeks == 13

    @property
    def time_limit_s(self) -> float:
        """The default solve limit: 10 s for a quarter, 30 s for anything longer (as `generate` would)."""
        return 10.0 if self.weeks <= 13 else 30.0

    def build(self) -> Instance:
        return Instance(self)


@dataclass(frozen=True)
class Instance:
    spec: InstanceSpec

    @property
    def name(self) -> str:
        return self.spec.name

    @cached_property
    def team(self) -> Team:
        return build_team(self.spec, self.period_bounds)

    @cached_property
    def period_bounds(self) -> tuple[dt.date, dt.date]:
        """First and last day the period touches, to place absences in."""
        return YEAR_START, YEAR_START + self.spec.weeks * ONE_WEEK + ONE_WEEK

    @cached_property
    def period(self) -> Period:
        if self.spec.is_quarter:
            return quarter_period("2027Q1", self.team, TODAY)
        return weeks_period(YEAR_START, self.spec.weeks, self.team)

    @cached_property
    def history(self) -> tuple[Assignment, ...]:
        return rotation_history(self.team, self.period) if self.spec.history else ()

    @cached_property
    def problem(self) -> Problem:
        return make_problem(self.team, self.period, self.history)


def member_ids(count: int) -> list[str]:
    return [f"m{i:03d}" for i in range(count)]


def build_team(spec: InstanceSpec, bounds: tuple[dt.date, dt.date]) -> Team:
    rng = random.Random(spec.seed)
    ids = member_ids(spec.members)
    roles = [dict(role) for role in ROLES[: spec.roles]]
    members: list[dict[str, Any]] = [{"id": member_id} for member_id in ids]
    for member in members:
        if rng.random() < spec.part_time_share:
            member["fte"] = rng.choice(PART_TIME_FTES)
    team: dict[str, Any] = {
        "team": spec.name.replace(".", "-"),
        "timezone": "Europe/London",
        "roles": roles,
        "rules": {"min_rest_weeks": spec.min_rest_weeks},
        "members": members,
    }
    if spec.public_holidays:
        team["public_holidays"] = {"country": "GB", "subdivision": "ENG", "weight": 2}
    skeleton = Team.model_validate(team)  # to place absences against real shift intervals
    team["absences"] = holidays_for(spec, skeleton, bounds, rng)
    team["preferences"] = preferences_for(spec, skeleton, bounds, rng)
    return Team.model_validate(team)


class Availability:
    """How many members are away in each week, so that no absence leaves a week impossible to cover."""

    def __init__(self, team: Team, bounds: tuple[dt.date, dt.date], needed: int) -> None:
        first = changeover_on_or_after(bounds[0] - ONE_WEEK, team)
        self.team, self.needed = team, needed
        self.weeks = [first + i * ONE_WEEK for i in range((bounds[1] - first).days // 7 + 2)]
        self.intervals = {week: shift_interval(week, team) for week in self.weeks}
        self.away: dict[dt.date, set[str]] = {week: set() for week in self.weeks}

    def try_add(self, who: str, first: dt.date, last: dt.date, reason: str, out: list[dict[str, Any]]) -> bool:
        absence = Absence.model_validate({"who": who, "from": first, "to": last, "reason": reason})
        span = absence_interval(absence, self.team.zone)
        touched = [week for week, interval in self.intervals.items() if interval.overlaps(span)]
        members = len(self.team.members)
        if any(members - len(self.away[week] | {who}) < self.needed for week in touched):
            return False
        for week in touched:
            self.away[week].add(who)
        out.append({"who": who, "from": first, "to": last, "reason": reason})
        return True


def holidays_for(spec: InstanceSpec, team: Team, bounds: tuple[dt.date, dt.date], rng: random.Random) -> list[Any]:
    needed = spec.roles * (spec.min_rest_weeks + 1) + spec.spare_members
    availability = Availability(team, bounds, needed)
    first, last = bounds
    days = (last - first).days
    absences: list[dict[str, Any]] = []
    for member in team.members:
        # A two-week summer block, starting on a Saturday in June to mid-August.
        summer = dt.date(first.year, 6, 1)
        if first <= summer <= last and rng.random() < SUMMER_TAKERS:
            start = summer + dt.timedelta(days=rng.randrange(0, 75))
            start += dt.timedelta(days=(5 - start.weekday()) % 7)
            availability.try_add(
                member.id, start, start + dt.timedelta(days=SUMMER_BLOCK_DAYS - 1), "holiday", absences
            )
        # Christmas to New Year, in each December the period touches.
        for year in range(first.year - 1, last.year + 1):
            christmas = dt.date(year, 12, 23)
            if first - dt.timedelta(days=14) <= christmas <= last and rng.random() < CHRISTMAS_TAKERS:
                availability.try_add(member.id, christmas, dt.date(year + 1, 1, 2), "holiday", absences)
        # A few scattered single days: a dentist, a school play, a day of sickness.
        low, high = SINGLE_DAYS_PER_QUARTER
        for _ in range(max(1, round(rng.randint(low, high) * spec.weeks / 13))):
            day = first + dt.timedelta(days=rng.randrange(days))
            reason = rng.choice(["holiday", "holiday", "sickness", "other"])
            availability.try_add(member.id, day, day, reason, absences)
        if spec.absent_day_share is not None:
            # Top up with blocks of 1-10 days until the member is away for the target share of days.
            target = spec.absent_day_share * days
            away = sum((a["to"] - a["from"]).days + 1 for a in absences if a["who"] == member.id)
            for _attempt in range(50):
                if away >= target:
                    break
                length = rng.randint(1, 10)
                day = first + dt.timedelta(days=rng.randrange(days - length))
                if availability.try_add(member.id, day, day + dt.timedelta(days=length - 1), "holiday", absences):
                    away += length
    return absences


def preferences_for(
    spec: InstanceSpec, team: Team, bounds: tuple[dt.date, dt.date], rng: random.Random
) -> list[dict[str, Any]]:
    """A few weeks members asked to avoid: an anniversary, a move, a course."""
    first_week = changeover_on_or_after(bounds[0], team)
    preferences = []
    for member in team.members:
        if rng.random() < PREFERENCES_PER_MEMBER * max(1, spec.weeks // 13):
            week = first_week + rng.randrange(spec.weeks) * ONE_WEEK
            preferences.append({"who": member.id, "avoid": week, "reason": "personal"})
    return preferences


def rotation_history(team: Team, period: Period) -> tuple[Assignment, ...]:
    """The quarter before `period`, as the plain rotation most teams ran before: everyone in turn, fte ignored.

    That leaves part-time members with positive balances to make up, as a team moving to `rota` would have.
    """
    weeks = weeks_period(period.first - HISTORY_WEEKS * ONE_WEEK, HISTORY_WEEKS, team)
    previous = make_problem(team, weeks)
    ids = [member.id for member in team.members]
    history = []
    for turn, shift in enumerate(previous.shifts):
        member = ids[turn % len(ids)]
        history.append(
            Assignment(
                role=shift.role,
                week=shift.week,
                start=shift.interval.start,
                end=shift.interval.end,
                member=member,
                kind="rota",
                load=shift.load,
                uid=shift_uid(team.team, shift.role, shift.week),
                sequence=0,
            )
        )
    return tuple(history)


# The three instances of the generate benchmark (issue 2).
GENERATE = (
    InstanceSpec("quarter-8x2", members=8, roles=2, weeks=13, seed=1, min_rest_weeks=2, part_time_share=0.25),
    InstanceSpec("year-40x3", members=40, roles=3, weeks=52, seed=2, min_rest_weeks=2, part_time_share=0.2),
    InstanceSpec(
        "year-100x3-absent10",
        members=100,
        roles=3,
        weeks=52,
        seed=3,
        min_rest_weeks=2,
        part_time_share=0.2,
        absent_day_share=0.10,
    ),
)

# The baseline comparison: teams of 4 to 40, one to three roles, quarters and years.
COMPARISON = (
    InstanceSpec("q-4x1", members=4, roles=1, weeks=13, seed=11),
    InstanceSpec("q-5x1-pt", members=5, roles=1, weeks=13, seed=12, part_time_share=0.4),
    InstanceSpec("q-6x1-hist", members=6, roles=1, weeks=13, seed=13, history=True, part_time_share=0.3),
    InstanceSpec("q-6x2", members=6, roles=2, weeks=13, seed=14),
    InstanceSpec("q-8x2-rest2", members=8, roles=2, weeks=13, seed=15, min_rest_weeks=2, part_time_share=0.25),
    InstanceSpec("q-9x2-hist", members=9, roles=2, weeks=13, seed=16, history=True, part_time_share=0.3),
    InstanceSpec("q-10x3", members=10, roles=3, weeks=13, seed=17, part_time_share=0.2),
    InstanceSpec("q-12x2-rest3", members=12, roles=2, weeks=13, seed=18, min_rest_weeks=3, part_time_share=0.2),
    InstanceSpec("q-15x3-hist", members=15, roles=3, weeks=13, seed=19, history=True, part_time_share=0.3),
    InstanceSpec("q-20x2", members=20, roles=2, weeks=13, seed=20, min_rest_weeks=2, part_time_share=0.3),
    InstanceSpec("q-30x3-hist", members=30, roles=3, weeks=13, seed=21, history=True, part_time_share=0.2),
    InstanceSpec(
        "q-5x1-rest3-tight",
        members=5,
        roles=1,
        weeks=13,
        seed=23,
        min_rest_weeks=3,
        spare_members=-1,
        absent_day_share=0.15,
    ),
    InstanceSpec(
        "q-7x2-rest2-tight",
        members=7,
        roles=2,
        weeks=13,
        seed=24,
        min_rest_weeks=2,
        spare_members=-1,
        absent_day_share=0.15,
    ),
    InstanceSpec(
        "q-9x2-rest3-tight",
        members=9,
        roles=2,
        weeks=13,
        seed=25,
        min_rest_weeks=3,
        spare_members=-1,
        absent_day_share=0.15,
    ),
    InstanceSpec("q-40x3", members=40, roles=3, weeks=13, seed=22, min_rest_weeks=2, part_time_share=0.25),
    InstanceSpec("y-4x1", members=4, roles=1, weeks=52, seed=31),
    InstanceSpec("y-5x1-pt", members=5, roles=1, weeks=52, seed=32, part_time_share=0.4),
    InstanceSpec("y-6x2-hist", members=6, roles=2, weeks=52, seed=33, history=True),
    InstanceSpec("y-8x2-rest2", members=8, roles=2, weeks=52, seed=34, min_rest_weeks=2, part_time_share=0.25),
    InstanceSpec("y-10x2-hist", members=10, roles=2, weeks=52, seed=35, history=True, part_time_share=0.3),
    InstanceSpec("y-12x3", members=12, roles=3, weeks=52, seed=36, part_time_share=0.2),
    InstanceSpec("y-16x2-rest3", members=16, roles=2, weeks=52, seed=37, min_rest_weeks=3, part_time_share=0.25),
    InstanceSpec("y-20x3-hist", members=20, roles=3, weeks=52, seed=38, history=True, part_time_share=0.3),
    InstanceSpec("y-30x2-abs", members=30, roles=2, weeks=52, seed=39, absent_day_share=0.08, part_time_share=0.2),
    InstanceSpec("y-40x3-hist", members=40, roles=3, weeks=52, seed=40, history=True, min_rest_weeks=2),
)

NAMED: dict[str, InstanceSpec] = {spec.name: spec for spec in (*GENERATE, *COMPARISON)}


def instance(name: str) -> Instance:
    """A named instance, built."""
    return NAMED[name].build()


def scaling_spec(members: int, weeks: int, roles: int, seed: int = 0) -> InstanceSpec:
    """An instance of the scaling grid: a fifth part-time, rest 1, holidays as usual."""
    return InstanceSpec(
        f"s-{members}m-{weeks}w-{roles}r", members=members, roles=roles, weeks=weeks, seed=seed, part_time_share=0.2
    )
