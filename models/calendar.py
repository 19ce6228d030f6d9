"""Calendar arithmetic: periods, changeovers in the team's time zone, which day belongs to which shift.

See docs/spec.md §4 (periods) and §6 (the noon rule).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from models.errors import InputError
from models.team import Absence, Team

NOON = dt.time(12, 0)
ONE_DAY = dt.timedelta(days=1)
ONE_WEEK = dt.timedelta(days=7)


@dataclass(frozen=True)
class Interval:
    """[start, end) in absolute time, held in UTC.

    Python compares and subtracts two datetimes of the same zone by wall clock, which is wrong across a DST
    change; UTC makes every comparison absolute. Convert to the team's zone only to show a time.
    """

    start: dt.datetime
    end: dt.datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", self.start.astimezone(dt.UTC))
        object.__setattr__(self, "end", self.end.astimezone(dt.UTC))

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, moment: dt.datetime) -> bool:
        return self.start <= moment < self.end

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


def local(day: dt.date, time: dt.time, zone: ZoneInfo) -> dt.datetime:
    """A wall-clock time in the zone, normalised: a time skipped by a DST jump moves forward, as clocks do."""
    naive = dt.datetime.combine(day, time)
    return naive.replace(tzinfo=zone).astimezone(dt.UTC).astimezone(zone)


def moment_in(moment: dt.datetime | None, zone: ZoneInfo) -> dt.datetime:
    """A moment as a person gave it, made absolute: one without an offset is wall-clock time in the team's zone;
    none at all is now."""
    if moment is None:
        return dt.datetime.now(dt.UTC).astimezone(zone)
    if moment.tzinfo is None:
        return local(moment.date(), moment.time(), zone)
    return moment.astimezone(zone)


def changeover_on_or_after(day: dt.date, team: Team) -> dt.date:
    return day + dt.timedelta(days=(team.changeover.weekday.number - day.weekday()) % 7)


def shift_interval(week: dt.date, team: Team) -> Interval:
    """One shift: from this week's changeover to the next, at local wall-clock time (167 or 169 h across DST)."""
    time = team.changeover.time
    return Interval(local(week, time, team.zone), local(week + ONE_WEEK, time, team.zone))


def day_interval(first: dt.date, last: dt.date, zone: ZoneInfo) -> Interval:
    """Whole days, inclusive: 00:00 of `first` to 24:00 of `last`."""
    return Interval(local(first, dt.time(0), zone), local(last + ONE_DAY, dt.time(0), zone))


def absence_interval(absence: Absence, zone: ZoneInfo) -> Interval:
    return day_interval(absence.from_, absence.to, zone)


def days_owned(interval: Interval, zone: ZoneInfo) -> list[dt.date]:
    """The days whose 12:00 noon falls inside the interval: a day belongs to whoever holds its noon."""
    day = interval.start.astimezone(zone).date() - ONE_DAY
    last = interval.end.astimezone(zone).date()
    owned = []
    while day <= last:
        if interval.contains(local(day, NOON, zone)):
            owned.append(day)
        day += ONE_DAY
    return owned


# Periods ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """The shifts of a rota, by start date (the changeover date), in order."""

    name: str
    weeks: tuple[dt.date, ...]

    @property
    def first(self) -> dt.date:
        return self.weeks[0]

    @property
    def last(self) -> dt.date:
        return self.weeks[-1]


QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    """First day of the quarter and first day of the next."""
    first = dt.date(year, 3 * quarter - 2, 1)
    after = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return first, after


def quarter_of(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_period(spec: str, team: Team, today: dt.date) -> Period:
    """`2027Q1`, `next` or `current`: every shift whose start date falls in the quarter's dates."""
    if spec in ("next", "current"):
        year, quarter = quarter_of(today)
        if spec == "next":
            year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    else:
        match = QUARTER.match(spec.strip().upper())
        if match is None or not 1 <= int(match[1]) <= 9998:
            raise InputError(f"--quarter {spec!r}: use YYYYQn (e.g. 2027Q1), 'next' or 'current'")
        year, quarter = int(match[1]), int(match[2])
    first, after = quarter_bounds(year, quarter)
    weeks = []
    week = changeover_on_or_after(first, team)
    while week < after:
        weeks.append(week)
        week += ONE_WEEK
    return Period(f"{year}Q{quarter}", tuple(weeks))


MAX_WEEKS = 520  # ten years: beyond that a typo is likelier than a plan


def weeks_period(start: dt.date, count: int, team: Team) -> Period:
    """`--start DATE --weeks N`: N shifts from the changeover on or after DATE."""
    if not 1 <= count <= MAX_WEEKS:
        raise InputError(f"--weeks {count}: give a number of weeks from 1 to {MAX_WEEKS}")
    first = changeover_on_or_after(start, team)
    weeks = tuple(first + i * ONE_WEEK for i in range(count))
    return Period(f"{first.isoformat()}+{count}w", weeks)


def named_period(first: dt.date, count: int, team: Team) -> Period:
    """The period of `count` weeks from `first`, named as `generate` names it: a quarter if it is one."""
    year, quarter = quarter_of(first)
    as_quarter = quarter_period(f"{year}Q{quarter}", team, first)
    if as_quarter.first == first and len(as_quarter.weeks) == count:
        return as_quarter
    return weeks_period(first, count, team)
