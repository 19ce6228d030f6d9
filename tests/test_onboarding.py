"""Onboarding (docs/spec.md §7): new members shadow an experienced first-role holder before they carry the pager."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from models.calendar import Period, shift_interval, weeks_period
from models.errors import InfeasibleError, TimeLimitError
from models.problem import Problem, make_problem
from models.rota import Assignment, shift_uid
from models.team import SHADOW_ROLE, Team
from rota.assignments import assignments
from rota.home.period import PeriodVersion, period_files
from solver.solve import find_rota, solve
from tests.strategies import teams

START = dt.date(2027, 1, 5)  # a Tuesday


def week(n: int) -> dt.date:
    """The n-th changeover of the period, from 0."""
    return START + dt.timedelta(weeks=n)


def small_team(**new_member: Any) -> Team:
    """Four experienced engineers on one primary role, and `new`, who joins with shadow shifts to do."""
    return Team.model_validate(
        {
            "team": "onboarding",
            "roles": ["primary"],
            "members": [{"id": m} for m in ("ann", "ben", "cat", "dev")] + [{"id": "new", **new_member}],
            "absences": [{"who": "new", "from": dt.date(2027, 1, 4), "to": dt.date(2027, 1, 8)}],
        }
    )


def rota_of(problem: Problem) -> list[Assignment]:
    return assignments(problem, solve(problem, time_limit_s=2, seed=0))


def shadow_row(team: Team, member: str, week: dt.date) -> Assignment:
    interval = shift_interval(week, team)
    return Assignment(
        role=SHADOW_ROLE,
        week=week,
        start=interval.start,
        end=interval.end,
        member=member,
        kind="shadow",
        load=0,
        uid=shift_uid(team.team, f"{SHADOW_ROLE}-{member}", week),
    )


def held(rows: Sequence[Assignment], member: str) -> list[dt.date]:
    return sorted(a.week for a in rows if a.member == member and a.role != SHADOW_ROLE)


def test_a_joiner_shadows_the_first_two_weeks_they_are_free_then_holds_roles() -> None:
    team = small_team(shadow_shifts=2)
    problem = make_problem(team, weeks_period(START, 8, team))
    rows = rota_of(problem)

    # Absent in week 0; week 1 is the first shadow; week 2 is rest (min_rest_weeks 1); week 3 the second.
    shadows = [a for a in rows if a.role == SHADOW_ROLE]
    assert [(a.member, a.week, a.kind, a.load) for a in shadows] == [
        ("new", week(1), "shadow", 0),
        ("new", week(3), "shadow", 0),
    ]
    for shadow in shadows:
        primary = next(a for a in rows if a.week == shadow.week and a.role == "primary")
        assert primary.member in {"ann", "ben", "cat", "dev"}
    # Roles only after the last shadow week, and rest after it: week 5 at the earliest. (Whether they hold one is
    # the objectives' choice: here the spread is 7 days either way.)
    assert all(held_week >= week(5) for held_week in held(rows, "new"))
    # Fair share accrues from the week after the last shadow shift: weeks 4-7, each 7 days shared by 5.
    assert problem.period_shares["new"] == pytest.approx(4 * 7 / 5)
    assert problem.period_shares["ann"] == pytest.approx(4 * 7 / 4 + 4 * 7 / 5)


def test_shadow_rows_are_in_the_csv_and_the_members_feed() -> None:
    team = small_team(shadow_shifts=2)
    problem = make_problem(team, weeks_period(START, 8, team))
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    version = PeriodVersion(team, b"", problem.period, rota_of(problem), problem.period_shares)
    files = period_files(version, problem, now)
    csv_lines = files["rota.csv"].decode().splitlines()
    assert sum(",shadow,2027-01-" in line and ",new," in line for line in csv_lines) == 2
    assert files["feeds/new.ics"].count(b"SUMMARY:onboarding on-call: new shadowing") == 2


def test_shadow_shifts_in_the_history_count_towards_n() -> None:
    team = small_team(shadow_shifts=2)
    history = [shadow_row(team, "new", dt.date(2026, 12, 8)), shadow_row(team, "new", dt.date(2026, 12, 22))]
    problem = make_problem(team, weeks_period(START, 8, team), history)
    rows = rota_of(problem)

    assert [a for a in rows if a.role == SHADOW_ROLE] == []
    assert problem.onboarding_until(team.member("new")) is None
    assert problem.may_hold(team.member("new"), week(1), "primary")  # week 0: absent
    assert problem.period_shares["new"] == pytest.approx(8 * 7 / 5)


def test_one_shadow_shift_in_the_history_leaves_one_to_do() -> None:
    team = small_team(shadow_shifts=2)
    problem = make_problem(team, weeks_period(START, 8, team), [shadow_row(team, "new", dt.date(2026, 12, 22))])
    assert problem.shadow_weeks == {"new": [week(1)]}


def test_shadow_shifts_that_do_not_fit_are_noted_and_no_role_is_held() -> None:
    team = small_team(shadow_shifts=3)
    problem = make_problem(team, weeks_period(START, 4, team))
    solution = solve(problem, time_limit_s=2, seed=0)
    rows = assignments(problem, solution)

    assert [a.week for a in rows if a.role == SHADOW_ROLE] == [week(1), week(3)]
    assert held(rows, "new") == []
    assert solution.notes == ("new: 2 of 3 shadow shifts fit in 2027-01-05+4w; the rest fall in the next period",)
    assert problem.period_shares["new"] == 0


# Property: over generated teams ------------------------------------------------------------------------------


@st.composite
def onboarding_teams(draw: st.DrawFn) -> tuple[Team, Period]:
    """A generated team in which some members still have one to three shadow shifts to do."""
    team, period = draw(teams(max_members=8, max_roles=2, max_weeks=8, max_absences=3, max_rest_weeks=2))
    document = team.model_dump(by_alias=True, exclude_none=True)
    ids = [m["id"] for m in document["members"]]
    joiners = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=2, unique=True))
    for member in document["members"]:
        if member["id"] in joiners:
            member["shadow_shifts"] = draw(st.integers(1, 3))
    return Team.model_validate(document), period


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(onboarding_teams())
def test_no_role_while_shadowing_and_every_shadow_beside_an_experienced_first_role_holder(
    drawn: tuple[Team, Period],
) -> None:
    team, period = drawn
    problem = make_problem(team, period)
    try:
        rows = assignments(problem, find_rota(problem, time_limit_s=2, seed=0))
    except (InfeasibleError, TimeLimitError):
        assume(False)
        return
    first_role = team.role_names[0]
    shadow_weeks = {
        m.id: sorted(a.week for a in rows if a.member == m.id and a.role == SHADOW_ROLE) for m in team.members
    }

    def onboarding(member_id: str, at: dt.date) -> bool:
        """Shadow shifts still pending at `at`, judged from the rows alone."""
        pending = team.member(member_id).shadow_shifts
        weeks = shadow_weeks[member_id]
        return pending > 0 and (len(weeks) < pending or at <= weeks[-1])

    for a in rows:
        if a.role != SHADOW_ROLE:
            assert not onboarding(a.member, a.week), f"{a.member} holds {a.role} in {a.week} while onboarding"
    for member_id, weeks in shadow_weeks.items():
        assert len(weeks) <= team.member(member_id).shadow_shifts
        for shadow_week in weeks:
            holder = next(a.member for a in rows if a.week == shadow_week and a.role == first_role)
            assert not onboarding(holder, shadow_week), f"{member_id} shadows {holder}, who is onboarding too"
