"""Calendar arithmetic (docs/spec.md §4, §6): quarters, changeovers across DST, noon ownership, absences."""

from __future__ import annotations

import datetime as dt

import pytest

from models.calendar import days_owned, quarter_period, shift_interval, weeks_period
from models.errors import InputError
from models.problem import make_problem
from models.team import Team

LONDON = Team.model_validate({"team": "t", "timezone": "Europe/London", "members": [{"id": "a"}]})


def test_2027q1_has_13_shifts_ending_where_q2_begins() -> None:
    q1 = quarter_period("2027Q1", LONDON, dt.date(2026, 12, 1))
    assert (len(q1.weeks), q1.first, q1.last) == (13, dt.date(2027, 1, 5), dt.date(2027, 3, 30))
    end = shift_interval(q1.last, LONDON).end
    assert end.astimezone(LONDON.zone).isoformat() == "2027-04-06T10:00:00+01:00"
    assert quarter_period("2027Q2", LONDON, dt.date(2026, 12, 1)).first == dt.date(2027, 4, 6)


@pytest.mark.parametrize(
    ("today", "which", "expected"),
    [
        (dt.date(2026, 11, 30), "next", "2027Q1"),
        (dt.date(2026, 11, 30), "current", "2026Q4"),
        (dt.date(2027, 3, 31), "next", "2027Q2"),
        (dt.date(2027, 4, 1), "current", "2027Q2"),
    ],
)
def test_next_and_current_follow_today(today: dt.date, which: str, expected: str) -> None:
    assert quarter_period(which, LONDON, today).name == expected


@pytest.mark.parametrize(
    ("week", "hours"), [(dt.date(2027, 3, 23), 167), (dt.date(2027, 10, 26), 169), (dt.date(2027, 1, 5), 168)]
)
def test_shifts_across_daylight_saving_changes(week: dt.date, hours: int) -> None:
    interval = shift_interval(week, LONDON)
    assert interval.hours == hours
    assert interval.start.astimezone(LONDON.zone).hour == interval.end.astimezone(LONDON.zone).hour == 10


def test_a_day_belongs_to_whoever_holds_its_noon() -> None:
    days = days_owned(shift_interval(dt.date(2027, 1, 5), LONDON), LONDON.zone)
    assert days == [dt.date(2027, 1, 5) + dt.timedelta(days=i) for i in range(7)]  # Tuesday..Monday
    evening = Team.model_validate({"team": "t", "changeover": {"time": "18:00"}, "members": [{"id": "a"}]})
    # A 18:00 changeover: Tuesday's noon belongs to the shift before.
    assert days_owned(shift_interval(dt.date(2027, 1, 5), evening), evening.zone)[0] == dt.date(2027, 1, 6)


def test_public_holidays_weigh_double() -> None:
    team = Team.model_validate(
        {
            "team": "t",
            "timezone": "Europe/London",
            "public_holidays": {"country": "GB", "subdivision": "ENG"},
            "members": [{"id": "a"}],
        }
    )
    problem = make_problem(team, weeks_period(dt.date(2027, 3, 23), 1, team))
    assert problem.shifts[0].load == 9  # Good Friday and Easter Monday count twice


def test_weeks_start_on_the_changeover_on_or_after() -> None:
    assert weeks_period(dt.date(2027, 1, 1), 2, LONDON).weeks == (dt.date(2027, 1, 5), dt.date(2027, 1, 12))
    with pytest.raises(InputError):
        weeks_period(dt.date(2027, 1, 1), 0, LONDON)
