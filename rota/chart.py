"""rota.png: the rota at a glance. Members down, weeks across, each cell coloured by the role held; covers and
absences marked; beside it each member's balance as a bar (SPEC §6: 0 is perfectly fair).

Drawn with Pillow: cells, labels and bars need no plotting library, and matplotlib cost `rota generate` about
0.6 s to import and draw, more than anything else it does besides solving; Pillow takes about 0.1 s, import
included. Each member gets a row of the same height, so the image grows with the team and stays readable.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from PIL import Image, ImageDraw, ImageFont

from models.balance import member_balances
from models.errors import InputError
from models.problem import Problem
from models.rota import Assignment
from models.team import SHADOW_ROLE

ROLE_COLOURS = ("#1f5fa8", "#e0892b", "#3b9a57", "#8e5cb5", "#c7464a", "#7a6a55")  # escalation order
SHADOW_COLOUR = "#b9d3ee"
FREE_COLOUR = "#f4f4f4"
ABSENT_COLOUR = "#d0d0d0"
ABSENT_MARK = "#555555"
MORE_COLOUR = "#c7464a"  # carried more than their share
LESS_COLOUR = "#3b9a57"
GRID_LINE = "#dddddd"

# Sizes in pixels.
ROW = 32  # per member: keeps a row readable whatever the team size
COLUMN = 48  # per week: room for its date
LABELS = 110  # the member ids, left of the grid
GAP = 40  # between the grid and the balances
BARS = 240  # the balance panel
MARGIN = 20
TOP = 44  # the titles
DATES = 40  # below the grid: week dates and balance ticks
LEGEND_LINE = 22
MIN_WIDTH = 800  # room for the legend when the period is short
MIN_COLUMNS = 4  # the balances start at least this many weeks right of the grid's left: room for the title
MARK = 5  # half the size of a cell's mark

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def chart_png(problem: Problem, rows: Sequence[Assignment]) -> bytes:
    """The chart as PNG bytes."""
    members = [m.id for m in problem.team.members]
    weeks = list(problem.weeks)
    font = ImageFont.load_default(size=11)
    title_font = ImageFont.load_default(size=13)
    cells = _cells(problem, rows, members, weeks)
    legend = _legend_items(problem, rows, absent=bool(cells.absent), covers=bool(cells.covers_given))
    panel = LABELS + COLUMN * max(len(weeks), MIN_COLUMNS) + GAP  # the balances' left edge
    width = max(MIN_WIDTH, panel + BARS + MARGIN)
    lines = _legend_lines(legend, font, width - 2 * MARGIN)
    height = TOP + ROW * len(members) + DATES + LEGEND_LINE * len(lines) + MARGIN // 2
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)

    title = f"{problem.team.team} on-call, {problem.period.name}"
    draw.text((LABELS - 1, TOP - 10), title, fill="black", font=title_font, anchor="ls")
    bottom = _grid(draw, problem, cells, members, weeks, font)
    balances = member_balances(problem, rows)
    _balances(draw, [balances[m].balance for m in members], panel, bottom, font, title_font)
    y = bottom + DATES
    for line in lines:
        _legend_line(draw, line, (width - _line_width(line, font)) / 2, y, font)
        y += LEGEND_LINE

    out = io.BytesIO()
    image.save(out, format="png")
    return out.getvalue()


def write_chart(path: Path, problem: Problem, rows: Sequence[Assignment]) -> None:
    data = chart_png(problem, rows)
    try:
        path.write_bytes(data)
    except OSError as error:
        raise InputError(f"{path}: cannot write the chart ({error.strerror}); give another --chart") from None


# The grid's content ------------------------------------------------------------------------------------------

Cell = tuple[int, int]  # (member row, week column)


class Cells(NamedTuple):
    grid: list[list[int]]  # colour codes: 0 free, 1 absent, 2.. the roles in order, last shadow
    covers_given: list[Cell]
    covers_received: list[Cell]
    absent: list[Cell]


def _cells(problem: Problem, rows: Sequence[Assignment], members: list[str], weeks: list[dt.date]) -> Cells:
    """Each cell's colour code, and the cells to mark."""
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
                absent.append((row_of[member], column_of[week]))
    covers_given: list[Cell] = []
    covered_shifts = {(a.week, a.role) for a in rows if a.kind == "cover"}
    covers_received: set[Cell] = set()
    for a in rows:
        if a.member not in row_of or a.week not in column_of or a.role not in code:
            continue
        cell = (row_of[a.member], column_of[a.week])
        grid[cell[0]][cell[1]] = code[a.role]
        if a.kind == "cover":
            covers_given.append(cell)
        elif (a.week, a.role) in covered_shifts:
            covers_received.add(cell)
    # A held cell shows its role; the absence mark stays on it (a split shift around a sickness).
    return Cells(grid, covers_given, sorted(covers_received), absent)


def _grid(
    draw: ImageDraw.ImageDraw, problem: Problem, cells: Cells, members: list[str], weeks: list[dt.date], font: Font
) -> int:
    """The cells with a white line between them, their marks and labels; returns the grid's bottom."""
    colours = [FREE_COLOUR, ABSENT_COLOUR]
    colours += [ROLE_COLOURS[i % len(ROLE_COLOURS)] for i in range(len(problem.roles))] + [SHADOW_COLOUR]
    for i, codes in enumerate(cells.grid):
        for j, code in enumerate(codes):
            left, top = LABELS + j * COLUMN, TOP + i * ROW
            draw.rectangle((left, top, left + COLUMN - 2, top + ROW - 2), fill=colours[code])
    right, bottom = LABELS + COLUMN * len(weeks) - 1, TOP + ROW * len(members) - 1
    draw.rectangle((LABELS - 1, TOP - 1, right, bottom), outline="black")
    marks = [
        (cells.absent, "x", ABSENT_MARK),
        (cells.covers_given, "^", "black"),
        (cells.covers_received, "v", "white"),
    ]
    for marked, kind, colour in marks:
        for i, j in marked:
            _mark(draw, (LABELS + j * COLUMN + COLUMN // 2 - 1, TOP + i * ROW + ROW // 2 - 1), kind, colour)
    for i, member in enumerate(members):
        draw.text((LABELS - 8, TOP + i * ROW + ROW // 2 - 1), member, fill="black", font=font, anchor="rm")
    for j, week in enumerate(weeks):
        centre = LABELS + j * COLUMN + COLUMN // 2 - 1
        draw.text((centre, bottom + 6), week.strftime("%d %b"), fill="black", font=font, anchor="mt")
    return bottom


def _mark(draw: ImageDraw.ImageDraw, centre: tuple[float, float], kind: str, colour: str) -> None:
    """A cross (absent), a triangle up (cover given) or down (shift covered), centred on `centre`."""
    x, y = centre
    if kind == "x":
        draw.line((x - MARK, y - MARK, x + MARK, y + MARK), fill=colour, width=2)
        draw.line((x - MARK, y + MARK, x + MARK, y - MARK), fill=colour, width=2)
    elif kind == "^":
        draw.polygon([(x, y - MARK), (x - MARK, y + MARK), (x + MARK, y + MARK)], fill=colour)
    else:
        draw.polygon([(x - MARK, y - MARK), (x + MARK, y - MARK), (x, y + MARK)], fill=colour)


# The balances ----------------------------------------------------------------------------------------------


def _balances(
    draw: ImageDraw.ImageDraw, values: list[float], left: int, bottom: int, font: Font, title_font: Font
) -> None:
    """One bar a member, on an axis symmetric about 0 with room for the labels, ticks on round numbers."""
    limit = max([1.0, *(abs(v) for v in values)]) * 1.5
    right = left + BARS

    def x_of(value: float) -> float:
        return left + (value + limit) / (2 * limit) * BARS

    step = tick_step(limit)
    for k in range(-math.floor(limit / step), math.floor(limit / step) + 1):
        tick = round(k * step, 9)
        draw.line((x_of(tick), TOP, x_of(tick), bottom), fill=GRID_LINE)
        draw.line((x_of(tick), bottom, x_of(tick), bottom + 4), fill="black")
        draw.text((x_of(tick), bottom + 6), f"{tick:g}", fill="black", font=font, anchor="mt")
    for i, value in enumerate(values):
        top = TOP + i * ROW + ROW // 5
        ends = sorted((x_of(0), x_of(value)))
        draw.rectangle((ends[0], top, ends[1], top + ROW * 3 // 5), fill=MORE_COLOUR if value > 0 else LESS_COLOUR)
        # The label beyond the bar's end: right of a bar to the right, left of one to the left.
        x, anchor = (x_of(value) + 4, "lm") if value >= 0 else (x_of(value) - 4, "rm")
        draw.text((x, TOP + i * ROW + ROW // 2 - 1), f"{value:+.1f}", fill="black", font=font, anchor=anchor)
    draw.line((x_of(0), TOP, x_of(0), bottom), fill="black")
    draw.rectangle((left, TOP - 1, right, bottom), outline="black")
    draw.text(((left + right) / 2, TOP - 10), "balance (days)", fill="black", font=title_font, anchor="ms")


def tick_step(limit: float) -> float:
    """A round step (1, 2 or 5 times a power of ten) that puts at most three ticks either side of 0."""
    power = 10.0 ** math.floor(math.log10(limit / 3))
    return next(power * factor for factor in (1, 2, 5, 10) if limit / (power * factor) <= 3)


# The legend ------------------------------------------------------------------------------------------------

LegendItem = tuple[str, str, str]  # (swatch kind: "box" or a mark, colour, label)


def _legend_items(problem: Problem, rows: Sequence[Assignment], *, absent: bool, covers: bool) -> list[LegendItem]:
    """Only what this chart shows: a legend entry for nothing on the grid would send the reader looking for it."""
    items = [("box", ROLE_COLOURS[i % len(ROLE_COLOURS)], role) for i, role in enumerate(problem.roles)]
    if any(a.role == SHADOW_ROLE for a in rows):
        items.append(("box", SHADOW_COLOUR, SHADOW_ROLE))
    if absent:
        items.append(("box", ABSENT_COLOUR, "absent (x)"))
    if covers:
        items += [("^", "black", "cover given"), ("v", "#777777", "shift covered")]
    return items


def _item_width(item: LegendItem, font: Font) -> float:
    return 24 + font.getlength(item[2]) + 20  # swatch, label, space before the next


def _line_width(line: list[LegendItem], font: Font) -> float:
    return sum(_item_width(item, font) for item in line) - 20


def _legend_lines(items: list[LegendItem], font: Font, width: float) -> list[list[LegendItem]]:
    lines: list[list[LegendItem]] = [[]]
    for item in items:
        if lines[-1] and _line_width([*lines[-1], item], font) > width:
            lines.append([])
        lines[-1].append(item)
    return lines


def _legend_line(draw: ImageDraw.ImageDraw, line: list[LegendItem], x: float, y: int, font: Font) -> None:
    for kind, colour, label in line:
        if kind == "box":
            draw.rectangle((x, y - 5, x + 18, y + 5), fill=colour)
        else:
            _mark(draw, (x + 9, y), kind, colour)
        draw.text((x + 24, y), label, fill="black", font=font, anchor="lm")
        x += _item_width((kind, colour, label), font)
