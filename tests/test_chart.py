"""rota.png: a valid PNG whose height grows with the team, so that 30 members stay as readable as 8."""

from __future__ import annotations

import datetime as dt
import struct
from pathlib import Path

import pytest

from models.calendar import weeks_period
from models.problem import Problem, make_problem
from models.rota import Assignment, shift_uid
from models.team import Team
from rota.exports.chart import chart_png, write_chart

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
START = dt.date(2027, 1, 5)


def problem_and_rows(members: int, weeks: int = 13) -> tuple[Problem, list[Assignment]]:
    """Members take turns on two roles; the first is away in week 2 and covered for a day in week 0."""
    ids = [f"engineer{i:02d}" for i in range(members)]
    team = Team.model_validate(
        {
            "team": "chart",
            "roles": ["primary", {"name": "secondary", "weight": 0.5}],
            "members": [{"id": i} for i in ids],
            "absences": [{"who": ids[0], "from": START + dt.timedelta(weeks=2), "to": START + dt.timedelta(weeks=2)}],
        }
    )
    problem = make_problem(team, weeks_period(START, weeks, team))
    rows = []
    for n, week in enumerate(problem.weeks):
        for r, role in enumerate(problem.roles):
            interval = problem.interval(week)
            member = ids[(2 * n + r + 1) % members]
            rows.append(
                Assignment(
                    role=role,
                    week=week,
                    start=interval.start,
                    end=interval.end,
                    member=member,
                    kind="rota",
                    load=problem.load(role, interval),
                    uid=shift_uid("chart", role, week),
                )
            )
    first = rows[0]
    rows.append(first.model_copy(update={"member": ids[-1], "kind": "cover", "uid": "cover@rota", "load": 1.0}))
    return problem, rows


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which a valid PNG has first."""
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_chart_is_a_png_that_grows_with_the_team() -> None:
    small = png_size(chart_png(*problem_and_rows(8)))
    large = png_size(chart_png(*problem_and_rows(30)))
    assert small[0] > 400 and small[1] > 300
    assert large[1] > small[1] + 22 * 20  # each member keeps a readable row
    assert large[0] == small[0]  # same weeks, same width


def test_write_chart_writes_what_matplotlib_reads_back(tmp_path: Path) -> None:
    image = pytest.importorskip("matplotlib.image")
    path = tmp_path / "rota.png"
    write_chart(path, *problem_and_rows(8, weeks=4))
    pixels = image.imread(path)
    assert pixels.shape[:2][::-1] == png_size(path.read_bytes())
    assert pixels.std() > 0.05  # not a blank image
