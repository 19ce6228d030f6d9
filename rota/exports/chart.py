"""rota.png: the rota at a glance. Members down, weeks across, each cell coloured by the role held; covers and
absences marked; beside it each member's balance as a bar (0 is perfectly fair).

Drawn with matplotlib's Agg backend (no display needed) as one image per grid rather than one patch per cell,
so that a team of 30 over a quarter costs no more to draw than a team of 8. Height grows with the team.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from models.balance import member_balances
from models.errors import InputError
from models.problem import Problem
from models.rota import Assignment
from models.team import SHADOW_ROLE

ROLE_COLOURS = ("#1f5fa8", "#e0892b", "#3b9a57", "#8e5cb5", "#c7464a", "#7a6a55")  # escalation order
SHADOW_COLOUR = "#b9d3ee"
FREE_COLOUR = "#f4f4f4"
ABSENT_COLOUR = "#d0d0d0"
ROW_INCHES = 0.32  # per member: keeps a row readable whatever the team size
HEADER_INCHES = 1.7  # title, week labels and the legend
DPI = 100  # modest: the file stays small and drawing stays cheap


def chart_png(problem: Problem, rows: Sequence[Assignment]) -> bytes:
    """The chart as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")  # no display, and the cheapest backend to start
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    members = [m.id for m in problem.team.members]
    weeks = list(problem.weeks)
    roles = problem.roles
    grid, covers_given, covers_received, absent = _cells(problem, rows, members, weeks)
    colours = [FREE_COLOUR, ABSENT_COLOUR, *ROLE_COLOURS[: len(roles)], SHADOW_COLOUR]
    if len(roles) > len(ROLE_COLOURS):
        colours[2:-1] = [ROLE_COLOURS[i % len(ROLE_COLOURS)] for i in range(len(roles))]

    width = max(8.0, 3.0 + 0.42 * len(weeks) + 2.5)
    height = HEADER_INCHES + ROW_INCHES * len(members)
    figure = Figure(figsize=(width, height), dpi=DPI)
    grid_axes, bar_axes = figure.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [max(len(weeks), 4), 4]})
    figure.subplots_adjust(
        left=1.1 / width,
        right=1 - 0.25 / width,
        top=1 - 0.55 / height,
        bottom=1.0 / height,
        wspace=0.05,
    )

    grid_axes.imshow(
        grid, cmap=ListedColormap(colours), vmin=0, vmax=len(colours) - 1, aspect="auto", interpolation="nearest"
    )
    grid_axes.set_xticks(range(len(weeks)), [w.strftime("%d %b") for w in weeks], rotation=90, fontsize=8)
    grid_axes.set_yticks(range(len(members)), members, fontsize=8)
    # Cell borders as two line collections: minor ticks would cost a Tick object (and its text) per line.
    grid_axes.vlines([x - 0.5 for x in range(1, len(weeks))], -0.5, len(members) - 0.5, colors="white", linewidth=1)
    grid_axes.hlines([y - 0.5 for y in range(1, len(members))], -0.5, len(weeks) - 0.5, colors="white", linewidth=1)
    grid_axes.set_title(f"{problem.team.team} on-call, {problem.period.name}", fontsize=10, loc="left")
    _mark(grid_axes, covers_given, "^", "black")
    _mark(grid_axes, covers_received, "v", "white")
    _mark(grid_axes, absent, "x", "#555555")

    balances = member_balances(problem, rows)
    values = [balances[m].balance for m in members]
    bar_axes.barh(range(len(members)), values, color=["#c7464a" if v > 0 else "#3b9a57" for v in values])
    bar_axes.axvline(0, color="black", linewidth=0.8)
    for y, value in enumerate(values):
        bar_axes.text(value, y, f" {value:+.1f} ", va="center", ha="left" if value >= 0 else "right", fontsize=7)
    limit = max([1.0, *(abs(v) for v in values)]) * 1.5  # room for the labels
    bar_axes.set_xlim(-limit, limit)
    bar_axes.set_title("balance (days)", fontsize=10)
    bar_axes.tick_params(axis="x", labelsize=8)
    bar_axes.tick_params(axis="y", length=0)
    bar_axes.set_ylim(len(members) - 0.5, -0.5)
    bar_axes.grid(axis="x", color="#dddddd", linewidth=0.6)
    bar_axes.set_axisbelow(True)

    legend: list[object] = [
        Patch(color=ROLE_COLOURS[i % len(ROLE_COLOURS)], label=role) for i, role in enumerate(roles)
    ]
    # Only what this chart shows: a legend entry for nothing on the grid would send the reader looking for it.
    if any(a.role == SHADOW_ROLE for a in rows):
        legend.append(Patch(color=SHADOW_COLOUR, label=SHADOW_ROLE))
    if absent:
        legend.append(Patch(color=ABSENT_COLOUR, label="absent (x)"))
    if covers_given:
        legend += [_marker_handle("^", "black", "cover given"), _marker_handle("v", "#777777", "shift covered")]
    figure.legend(handles=legend, loc="lower center", ncols=min(len(legend), 8), fontsize=8, frameon=False)

    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def write_chart(path: Path, problem: Problem, rows: Sequence[Assignment]) -> None:
    data = chart_png(problem, rows)
    try:
        path.write_bytes(data)
    except OSError as error:
        raise InputError(f"{path}: cannot write the chart ({error.strerror}); give another --chart") from None


# The grid's content ------------------------------------------------------------------------------------------


class Cell(NamedTuple):
    row: int  # the member's
    column: int  # the week's


def _cells(
    problem: Problem, rows: Sequence[Assignment], members: list[str], weeks: list[dt.date]
) -> tuple[list[list[int]], list[Cell], list[Cell], list[Cell]]:
    """Colour codes per cell (0 free, 1 absent, 2.. roles in order, last shadow) and the cells to mark."""
    row_of = {m: i for i, m in enumerate(members)}
    column_of = {w: j for j, w in enumerate(weeks)}
    code = {role: 2 + i for i, role in enumerate(problem.roles)}
    code[SHADOW_ROLE] = 2 + len(problem.roles)
    grid = [[0] * len(weeks) for _ in members]
    absent: list[Cell] = []
    for member in members:
        for week in weeks:
            if problem.absence_during(member, problem.interval(week)) is not None:
                grid[row_of[member]][column_of[week]] = 1
                absent.append(Cell(row_of[member], column_of[week]))
    covers_given: list[Cell] = []
    covered_shifts = {(a.week, a.role) for a in rows if a.kind == "cover"}
    covers_received: set[Cell] = set()
    for a in rows:
        if a.member not in row_of or a.week not in column_of or a.role not in code:
            continue
        cell = Cell(row_of[a.member], column_of[a.week])
        grid[cell.row][cell.column] = code[a.role]
        if a.kind == "cover":
            covers_given.append(cell)
        elif (a.week, a.role) in covered_shifts:
            covers_received.add(cell)
    # A held cell shows its role; the absence mark stays on it (a split shift around a sickness).
    return grid, covers_given, sorted(covers_received), absent


def _mark(axes: object, cells: list[Cell], marker: str, colour: str) -> None:
    if cells:
        axes.scatter([c.column for c in cells], [c.row for c in cells], marker=marker, s=22, c=colour, linewidths=1.2)  # type: ignore[attr-defined]


def _marker_handle(marker: str, colour: str, label: str) -> object:
    from matplotlib.lines import Line2D

    return Line2D([], [], linestyle="none", marker=marker, color=colour, label=label, markersize=6)
