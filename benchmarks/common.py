"""What the benchmark scripts share: measures of a rota computed independently of solver/, tables, JSON, charts.

The measures read only the problem's facts (shift loads, fair shares, who may hold what) and a rota's picks,
so they check the solver rather than repeat it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from models.calendar import ONE_WEEK
from models.problem import Problem
from solver.model import Pick
from solver.solve import StageResult

RESULTS_DIR = Path(__file__).resolve().parent / "results"

console = Console(width=200)  # wide enough for the tables when the output is a file, not a terminal


# Measures of a rota ----------------------------------------------------------------------------------------


def balances(problem: Problem, picks: Iterable[Pick]) -> dict[str, float]:
    """Each fairness member's balance (docs/spec.md §6): history balance + load carried - fair share of the period."""
    loads = {(shift.week, shift.role): shift.load for shift in problem.shifts}
    carried: dict[str, float] = defaultdict(float)
    for member, week, role in picks:
        carried[member] += loads[week, role]
    return {
        m.id: problem.past_balances[m.id] + carried[m.id] - problem.period_shares[m.id]
        for m in problem.fairness_members
    }


def spread(problem: Problem, picks: Iterable[Pick]) -> float:
    """Max balance - min balance over the fairness members, in days of load."""
    values = list(balances(problem, picks).values())
    return max(values) - min(values) if len(values) >= 2 else 0.0


def squared_balances(problem: Problem, picks: Iterable[Pick]) -> float:
    """The sum of the fairness members' squared balances, in days squared: everyone near their share."""
    return sum(balance * balance for balance in balances(problem, picks).values())


def gaps(problem: Problem, picks: Iterable[Pick]) -> list[int]:
    """Every gap in weeks between a member's consecutive shifts, from their last shift in the history (covers
    aside) to their first in the period included."""
    weeks: dict[str, list[dt.date]] = defaultdict(list)
    for member, week, _ in picks:
        weeks[member].append(week)
    found = []
    for member, held in weeks.items():
        last = problem.last_week_on_call(member)
        ordered = sorted(held) if last is None else [last, *sorted(held)]
        found += [(later - earlier).days // 7 for earlier, later in pairwise(ordered)]
    return found


def shortest_gap(problem: Problem, picks: Iterable[Pick]) -> int | None:
    """The shortest gap anyone gets, in weeks; None if nobody holds two shifts."""
    return min(gaps(problem, picks), default=None)


def short_gaps(problem: Problem, picks: Iterable[Pick]) -> int:
    """Gaps shorter than the natural cycle (members who may hold a role / roles, in weeks)."""
    return sum(1 for gap in gaps(problem, picks) if gap < problem.natural_cycle_weeks)


def even_roles(problem: Problem, picks: Iterable[Pick]) -> int:
    """For each role, the spread of members' shift counts in it, history included, over the members who may hold it
    in the period; summed over roles."""
    held = Counter((member, role) for member, _, role in picks)
    total = 0
    for role in problem.roles:
        holders = [m for m in problem.team.members if any(problem.may_hold(m, w, role) for w in problem.weeks)]
        counts = [held[m.id, role] + problem.past_role_counts.get((m.id, role), 0) for m in holders]
        if len(counts) >= 2:
            total += max(counts) - min(counts)
    return total


def preference_hits(problem: Problem, picks: Iterable[Pick]) -> int:
    """Shifts held in a week their member asked to avoid."""
    return sum(1 for member, week, _ in picks if week in problem.avoided_weeks(member))


def rule_breaks(problem: Problem, picks: Sequence[Pick]) -> Counter[str]:
    """Each hard rule of docs/spec.md §5 a rota breaks, counted once per offending pick (or uncovered shift)."""
    breaks: Counter[str] = Counter()
    members = {m.id: m for m in problem.team.members}
    holders = Counter((week, role) for _, week, role in picks)
    for shift in problem.shifts:
        if holders[shift.week, shift.role] != 1:
            breaks["coverage"] += 1
    per_week = Counter((member, week) for member, week, _ in picks)
    breaks["double role"] += sum(count - 1 for count in per_week.values() if count > 1)
    weeks_of: dict[str, list[dt.date]] = defaultdict(list)
    for member, week, role in picks:
        if problem.eligibility_reason(members[member], week, role) is not None:
            breaks["eligibility"] += 1
        if problem.absence_during(member, problem.interval(week)) is not None:
            breaks["absence"] += 1
        if problem.rest_blocker(members[member], week) is not None:
            breaks["rest"] += 1
        weeks_of[member].append(week)
    rest = problem.team.rules.min_rest_weeks
    for weeks in weeks_of.values():
        ordered = sorted(set(weeks))
        breaks["rest"] += sum(1 for a, b in pairwise(ordered) if b - a <= rest * ONE_WEEK)
    for member, week, role in problem.pins_in_period():
        if (member, week, role) not in picks:
            breaks["pins"] += 1
    return +breaks  # drop the zeros


def stage_summary(stage: StageResult) -> str:
    """'optimal' or the gap to the proven bound, in the objective's units."""
    return "optimal" if stage.optimal else f"gap {stage.gap:g}"


def stage_json(stage: StageResult) -> dict[str, Any]:
    return {
        "value": stage.value,
        "bound": stage.bound,
        "optimal": stage.optimal,
        "gap": stage.gap,
        "wall_s": round(stage.wall_s, 3),
    }


# Output ----------------------------------------------------------------------------------------------------


def print_table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], footer: Sequence[Any] = ()) -> None:
    """A table on the console: numbers right-aligned, an optional totals row."""
    table = Table(title=title, show_footer=bool(footer))
    for i, column in enumerate(columns):
        table.add_column(column, footer=format_cell(footer[i]) if footer else "", justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*(format_cell(cell) for cell in row))
    console.print(table)


def format_cell(cell: Any) -> str:
    if isinstance(cell, float):
        return f"{cell:.3f}" if abs(cell) < 100 else f"{cell:.1f}"
    return str(cell)


def results_path(filename: str) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    return RESULTS_DIR / filename


def write_json(filename: str, data: Any) -> Path:
    path = results_path(filename)
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    console.print(f"wrote {path}")
    return path


def new_figure(width_in: float = 10, height_in: float = 5) -> Any:
    """A matplotlib figure drawn off-screen (Agg): benchmarks run on machines without a display."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width_in, height_in))


def save_figure(figure: Any, filename: str) -> Path:
    path = results_path(filename)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    console.print(f"wrote {path}")
    return path
