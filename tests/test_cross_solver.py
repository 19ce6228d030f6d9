"""The solver's optimal spread equals the one an independent MILP (scipy's HiGHS) finds for the same team.

The MILP shares no code with solver/: it reads the team file's data (roles, absences, rest) itself and takes
from the problem only the facts of docs/spec.md §6 (shift loads and fair shares), so a wrong rule or a weak bound in
the CP-SAT model shows up as a different optimum.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_array

from models.calendar import Period, shift_interval
from models.errors import InfeasibleError
from models.problem import Problem, make_problem
from models.team import Team
from solver.solve import solve
from tests.strategies import teams

DISP = False
SHARE_TOLERANCE = 0.002  # the solver rounds loads and shares to thousandths of a day
SOLVER_TIME_LIMIT_S = 1.0  # later stages use what is left; only the spread is compared
MILP_TIME_LIMIT_S = 20.0

Key = tuple[str, dt.date, str]  # (member, week, role)


@dataclass(frozen=True)
class MilpResult:
    feasible: bool
    spread: float | None = None


def absent_during(team: Team, member_id: str, week: dt.date, *, excused_only: bool = False) -> bool:
    """An absence runs from 00:00 of `from` to 24:00 of `to` in the team's zone; does it overlap the shift?"""
    zone = ZoneInfo(team.timezone)
    shift = shift_interval(week, team)
    for absence in team.absences:
        if absence.who != member_id or (excused_only and not absence.is_excused):
            continue
        start = dt.datetime.combine(absence.from_, dt.time(0), zone)
        end = dt.datetime.combine(absence.to + dt.timedelta(days=1), dt.time(0), zone)
        if start < shift.end and shift.start < end:
            return True
    return False


def member_roles(team: Team, member_id: str) -> list[str]:
    member = next(m for m in team.members if m.id == member_id)
    return member.roles if member.roles is not None else [role.name for role in team.roles]


def milp_spread(team: Team, period: Period, problem: Problem) -> MilpResult:
    """Minimise max balance - min balance over x[member, week, role] in {0, 1}, with scipy's HiGHS."""
    roles = [role.name for role in team.roles]
    weeks = list(period.weeks)
    ids = [m.id for m in team.members]
    loads = {(shift.week, shift.role): shift.load for shift in problem.shifts}
    shares = problem.period_shares

    # Rules 3 and 4: a variable only where the member holds the role and is not absent.
    keys: list[Key] = [
        (m, w, r) for m in ids for w in weeks for r in member_roles(team, m) if not absent_during(team, m, w)
    ]
    # Rule 7: enough members who could hold a role at all.
    capable = {m for m, _, _ in keys}
    rules_team_size = team.rules.min_team_size or len(roles) * (team.rules.min_rest_weeks + 1)
    if len(capable) < rules_team_size:
        return MilpResult(feasible=False)

    # Fair shares are over members who may hold a role and are not on an excused absence (docs/spec.md §6).
    fairness = [m for m in ids if any(not absent_during(team, m, w, excused_only=True) for w in weeks)]
    column = {key: i for i, key in enumerate(keys)}
    highest, lowest = len(keys), len(keys) + 1
    # Each fairness member's load carried is a whole number of `unit`s (the loads' greatest common divisor);
    # level[m, k] = 1 when it is k units. Branching on levels rather than on single weeks is what lets HiGHS
    # prove the optimum of these small instances quickly (on x alone its bound stalls below the optimum).
    unit = math.gcd(*(round(load * 1000) for load in loads.values())) / 1000
    most_shifts = -(-len(weeks) // (team.rules.min_rest_weeks + 1))
    most_units = round(most_shifts * max(loads.values()) / unit)
    levels = {
        (m, k): len(keys) + 2 + i for i, (m, k) in enumerate((m, k) for m in fairness for k in range(most_units + 1))
    }
    width = len(keys) + 2 + len(levels)
    rows: list[tuple[dict[int, float], float, float]] = []  # (coefficients, lower, upper)

    for w in weeks:
        for r in roles:
            # Rule 1: exactly one holder per role per week.
            rows.append(({column[m, w, r]: 1.0 for m in ids if (m, w, r) in column}, 1.0, 1.0))
    for m in ids:
        for w in weeks:
            # Rule 2: one role a week.
            held = {column[m, w, r]: 1.0 for r in roles if (m, w, r) in column}
            if len(held) > 1:
                rows.append((held, 0.0, 1.0))
        # Rule 5: any min_rest_weeks + 1 consecutive weeks hold at most one shift.
        window = team.rules.min_rest_weeks + 1
        for first in range(max(1, len(weeks) - window + 1)):
            held = {column[m, w, r]: 1.0 for w in weeks[first : first + window] for r in roles if (m, w, r) in column}
            if len(held) > 1:
                rows.append((held, 0.0, 1.0))
    # Every shift goes to a fairness member, so the balances sum to a constant: their mean bounds both ends.
    mean = (sum(loads.values()) - sum(shares[m] for m in fairness)) / max(1, len(fairness))
    rows.append(({highest: 1.0}, mean, np.inf))
    rows.append(({lowest: 1.0}, -np.inf, mean))
    for m in fairness:
        carried = {column[m, w, r]: loads[w, r] for w in weeks for r in roles if (m, w, r) in column}
        level = {levels[m, k]: unit * k for k in range(most_units + 1)}
        rows.append(({levels[m, k]: 1.0 for k in range(most_units + 1)}, 1.0, 1.0))
        rows.append(({**carried, **{j: -value for j, value in level.items()}}, 0.0, 0.0))
        # highest >= balance and lowest <= balance, where balance = carried - share.
        rows.append(({**level, highest: -1.0}, -np.inf, shares[m]))
        rows.append(({**level, lowest: -1.0}, shares[m], np.inf))

    matrix = lil_array((len(rows), width))
    for i, (coefficients, _, _) in enumerate(rows):
        for j, value in coefficients.items():
            matrix[i, j] = value
    objective = np.zeros(width)
    objective[highest], objective[lowest] = 1.0, -1.0
    integrality = np.array([1] * len(keys) + [0, 0] + [1] * len(levels))
    bounds = Bounds(
        [0.0] * len(keys) + [-np.inf, -np.inf] + [0.0] * len(levels),
        [1.0] * len(keys) + [np.inf, np.inf] + [1.0] * len(levels),
    )
    constraints = LinearConstraint(matrix.tocsr(), [row[1] for row in rows], [row[2] for row in rows])
    result = milp(
        objective,
        integrality=integrality,
        bounds=bounds,
        constraints=constraints,
        options={"time_limit": MILP_TIME_LIMIT_S, "mip_rel_gap": 0.0, "disp": DISP},
    )
    if result.status == 2:
        return MilpResult(feasible=False)
    assert result.status == 0, f"MILP did not finish: {result.message}"
    spread = 0.0 if len(fairness) < 2 else float(result.fun)
    return MilpResult(feasible=True, spread=spread)


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(teams(max_members=12, max_roles=2, max_weeks=13))
def test_solver_spread_matches_an_independent_milp(team_and_period: tuple[Team, Period]) -> None:
    team, period = team_and_period
    problem = make_problem(team, period)
    reference = milp_spread(team, period, problem)
    try:
        solution = solve(problem, time_limit_s=SOLVER_TIME_LIMIT_S, seed=0)
    except InfeasibleError:
        assert not reference.feasible, "CP-SAT found no rota but the MILP did"
        assume(False)
        return
    assert reference.feasible, "CP-SAT found a rota the MILP calls impossible"
    assert reference.spread is not None
    spread = solution.spread
    if spread.optimal:
        assert abs(spread.value - reference.spread) <= SHARE_TOLERANCE
    else:
        # Not proven in time: the MILP's optimum must still lie between the solver's bound and its value.
        assert spread.bound - SHARE_TOLERANCE <= reference.spread <= spread.value + SHARE_TOLERANCE
