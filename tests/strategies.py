"""Hypothesis strategies for property tests: random but valid teams and periods.

`teams()` draws a `(Team, Period)` pair small enough to solve in a fraction of a second: a few members, one to
`max_roles` roles in escalation order (the first weight 1, the rest weight 0.5), `min_rest_weeks` from 1 to
`max_rest_weeks`, a period of up to `max_weeks` weeks from the first changeover of 2027, and absences (holidays,
sickness) that may or may not leave a rota possible. Tests that need a feasible rota must check for it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from models.calendar import Period, weeks_period
from models.team import Team

PERIOD_START = dt.date(2027, 1, 5)  # a Tuesday: the default changeover day
ROLE_NAMES = ("primary", "secondary", "tertiary")
FTES = (0.5, 0.6, 0.8, 1.0)
ABSENCE_REASONS = ("holiday", "sickness", "leave", "other")


@st.composite
def teams(
    draw: st.DrawFn,
    *,
    max_members: int = 12,
    max_roles: int = 2,
    max_weeks: int = 13,
    min_weeks: int = 1,
    max_rest_weeks: int = 3,
    max_absences: int = 8,
    max_absence_days: int = 14,
    part_time: bool = False,
    restricted_roles: bool = False,
    equal_weights: bool = False,
    timezone: str = "UTC",
) -> tuple[Team, Period]:
    """A team and a period.

    - max_members: at most this many members; at least the rules' default `min_team_size`
      (roles x (min_rest_weeks + 1)), so rule 7 alone never rules a team out before its absences do.
    - max_roles: one to this many roles, at most 3.
    - min_weeks, max_weeks: the period's length in weeks, from the changeover of 2027-01-05.
    - max_rest_weeks: `rules.min_rest_weeks` is drawn from 1 to this, as far as `max_members` allows.
    - max_absences, max_absence_days: how many absences, each of 1 to this many whole days, starting up to a
      week before the period and running into it; reasons are drawn, so some are excused (sickness).
    - part_time: draw fte from 0.5-1.0 instead of 1.0 for everyone.
    - restricted_roles: some members hold only some roles (everyone keeps at least one).
    - equal_weights: every role weighs 1, instead of the later ones 0.5.
    - timezone: the team's IANA time zone.
    """
    role_count = draw(st.integers(1, min(max_roles, len(ROLE_NAMES))))
    # The team must be able to rest: keep roles x (rest + 1) within max_members.
    rest_ceiling = min(max_rest_weeks, max(1, max_members // role_count - 1))
    min_rest_weeks = draw(st.integers(1, rest_ceiling))
    smallest_team = min(max_members, role_count * (min_rest_weeks + 1))
    member_count = draw(st.integers(smallest_team, max_members))
    week_count = draw(st.integers(min_weeks, max_weeks))
    role_names = list(ROLE_NAMES[:role_count])

    members: list[dict[str, Any]] = []
    for index in range(member_count):
        member: dict[str, Any] = {"id": f"m{index:02d}"}
        if part_time:
            member["fte"] = draw(st.sampled_from(FTES))
        if restricted_roles and role_count > 1 and draw(st.booleans()):
            member["roles"] = draw(st.lists(st.sampled_from(role_names), min_size=1, unique=True))
        members.append(member)

    period_days = 7 * week_count
    absences = []
    for _ in range(draw(st.integers(0, max_absences))):
        first = PERIOD_START + dt.timedelta(days=draw(st.integers(-7, period_days - 1)))
        length = draw(st.integers(1, max_absence_days))
        absences.append(
            {
                "who": f"m{draw(st.integers(0, member_count - 1)):02d}",
                "from": first,
                "to": first + dt.timedelta(days=length - 1),
                "reason": draw(st.sampled_from(ABSENCE_REASONS)),
            }
        )

    team = Team.model_validate(
        {
            "team": "generated",
            "timezone": timezone,
            "roles": [
                {"name": name, "weight": 1.0 if i == 0 or equal_weights else 0.5} for i, name in enumerate(role_names)
            ],
            "rules": {"min_rest_weeks": min_rest_weeks},
            "members": members,
            "absences": absences,
        }
    )
    return team, weeks_period(PERIOD_START, week_count, team)
