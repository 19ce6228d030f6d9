"""What commands print: the rota as a table and its fairness, with rich (plain text when not a terminal)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from models.balance import member_balances, spread
from models.problem import Problem
from models.rota import Assignment
from models.team import SHADOW_ROLE
from rota.exports.rota_csv import format_load
from solver.solve import Solution, StageResult


def rota_table(problem: Problem, rows: Sequence[Assignment]) -> Table:
    """One line a week: each role's member (a split shift names every holder), shadows last."""
    roles = problem.roles
    shadows = any(a.role == SHADOW_ROLE for a in rows)
    table = Table(title=f"{problem.team.team} on-call rota, {problem.period.name}")
    table.add_column("week")
    for role in roles:
        table.add_column(role)
    if shadows:
        table.add_column(SHADOW_ROLE)
    for week in problem.weeks:
        cells = [week.isoformat()]
        for role in [*roles, SHADOW_ROLE] if shadows else roles:
            cells.append(", ".join(a.member for a in rows if a.week == week and a.role == role) or "-")
        table.add_row(*cells)
    return table


def fairness_table(problem: Problem, rows: Sequence[Assignment]) -> Table:
    """This period's load, fair share and balance, then the balance carried in from the history and the total.

    Members who may hold no role this period and hold nothing (a leaver, a long leave) are left out."""
    balances = member_balances(problem, rows)
    history = bool(problem.past)
    title = f"fairness in {problem.period.name} (load in days; balance = load - fair share)"
    table = Table(title=title)
    columns = ["member", "shifts", "load", "fair share", "balance"]
    if history:
        columns += ["carried in", "total"]
    for column in columns:
        table.add_column(column, justify="left" if column == "member" else "right")
    on_rota = {m.id for m in problem.fairness_members}
    for member in problem.team.members:
        b = balances[member.id]
        if member.id not in on_rota and b.shifts == 0:
            continue
        cells = [member.id, str(b.shifts), format_load(b.load), f"{b.share:.2f}", f"{b.period_balance:+.2f}"]
        if history:
            cells += [f"{problem.past_balances[member.id]:+.2f}", f"{b.balance:+.2f}"]
        table.add_row(*cells)
    if history:
        table.caption = "carried in: the balance from every earlier period; total: the balance the solver evens out"
    return table


def verdict(problem: Problem, solution: Solution, rows: Sequence[Assignment]) -> list[str]:
    """The spread and how sure we are of it, then each later objective."""
    measured = spread(problem, member_balances(problem, rows))
    first = solution.spread
    # The gap from the rota's own spread: a later stage may leave it below the spread stage's result, never above.
    gap = measured - first.bound
    proof = "optimal" if first.optimal else f"not proven optimal: bound {first.bound:.3f}, gap {gap:.3f}"
    lines = [f"spread {measured:.3f} days ({proof}); solved in {solution.wall_s:.1f} s, seed {solution.seed}"]
    for stage in solution.stages[1:]:
        lines.append(stage_line(problem, stage))
    lines.extend(f"note: {note}" for note in solution.notes)
    return lines


def stage_line(problem: Problem, stage: StageResult) -> str:
    """One later objective in the team's terms. The shortest-gap stage minimises cycle - shortest gap: shown as the
    gap itself, in weeks, with the longest any rota could give."""
    if stage.name == "shortest_gap":
        cycle = problem.natural_cycle_weeks
        weeks = round(cycle - stage.value)
        state = "optimal" if stage.optimal else f"no rota gives more than {round(cycle - stage.bound)} weeks"
        return f"shortest gap between anyone's shifts: {weeks} weeks, cycle {cycle} ({state})"
    state = "optimal" if stage.optimal else f"bound {stage.bound:g}, gap {stage.gap:g}"
    return f"{stage.name.replace('_', ' ')}: {stage.value:g} ({state})"


def show_generated(console: Console, problem: Problem, solution: Solution, rows: Sequence[Assignment]) -> None:
    console.print(rota_table(problem, rows))
    console.print(fairness_table(problem, rows))
    for line in verdict(problem, solution, rows):
        console.print(line, highlight=False)
