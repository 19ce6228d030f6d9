"""How long `rota generate` takes as a command on the example team, and where the time goes.

Runs the command itself (the installed entry point, a fresh process each time, a fresh home each time) `--runs`
times and reports min, median and max wall time; then, in as many fresh processes, times each phase (imports, reading
the team file, the problem, the solve, the rows, each kind of file, the write) and reports each phase's median.

    uv run python benchmarks/startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import print_table, write_json

ROOT = Path(__file__).resolve().parent.parent
TEAM_FILE = ROOT / "examples" / "team.yaml"
ROTA = Path(sys.executable).parent / "rota"
NOW = "2026-12-01"

# Run in a fresh interpreter: each phase's time, as the command would spend it (imports counted where they happen).
PHASES = """
import json, sys, time
from pathlib import Path
marks = [("start", time.perf_counter())]
def mark(name): marks.append((name, time.perf_counter()))
import rota.cli
mark("import the CLI")
import solver.solve
mark("import the solver (ortools, pandas)")
from rota.home.home import find_home
from rota.home.state import reading
from rota.generate import PeriodChoice, plan
home = find_home(Path(sys.argv[1]))
with reading(home, None) as state:
    mark("read the home (team file, holidays)")
    team = state.team
    period = PeriodChoice("2027Q1").resolve(team, state.now.date())
    problem, _ = plan(state, period)
    problem.shifts, problem.period_shares, problem.shadow_weeks
    mark("make the problem")
    solution = solver.solve.solve(problem, time_limit_s=10)
    mark("solve")
    from rota.assignments import assignments
    rows = assignments(problem, solution)
    mark("rows")
    from rota.exports.rota_csv import rota_csv
    rota_csv(team, rows)
    mark("rota.csv")
    from rota.exports.ical import feeds
    feeds(team, rows, state.now)
    mark("calendars (import and render)")
    from rota.home.period import PeriodVersion, period_files
    version = PeriodVersion(team, state.team_text, period, rows, problem.period_shares, home.period_link())
    files = period_files(version, problem, state.now)
    mark("every file of the directory, again")
    state.stage_new(home.default_period_dir(period.name), version, problem)
    state.commit()
    mark("write (files again, staged, renamed)")
print(json.dumps([(name, round(t - marks[i][1], 4)) for i, (name, t) in enumerate(marks[1:])]))
"""


def fresh_home(scratch: Path, name: str) -> Path:
    home = scratch / name
    home.mkdir()
    shutil.copyfile(TEAM_FILE, home / "team.yaml")
    return home


def command_walls(scratch: Path, runs: int) -> list[float]:
    walls = []
    for run in range(runs + 1):  # the first warms the page cache and is not counted
        home = fresh_home(scratch, f"run-{run}")
        started = time.perf_counter()
        subprocess.run([ROTA, "generate", home / "team.yaml", "--now", NOW, "-q"], check=True)
        if run:
            walls.append(time.perf_counter() - started)
    return walls


def phases(scratch: Path, runs: int) -> list[tuple[str, float]]:
    """Each phase's median over `runs` fresh processes."""
    timings: dict[str, list[float]] = {}
    for run in range(runs):
        home = fresh_home(scratch, f"phases-{run}")
        output = subprocess.run([sys.executable, "-c", PHASES, str(home)], check=True, capture_output=True, text=True)
        for name, seconds in json.loads(output.stdout):
            timings.setdefault(str(name), []).append(float(seconds))
    return [(name, statistics.median(seconds)) for name, seconds in timings.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="startup-") as scratch:
        walls = command_walls(Path(scratch), args.runs)
        split = phases(Path(scratch), args.runs)
    summary = {"min": min(walls), "median": statistics.median(walls), "max": max(walls)}
    print_table(
        f"rota generate examples/team.yaml ({args.runs} runs, a fresh process and home each)",
        ["min s", "median s", "max s"],
        [[f"{summary['min']:.2f}", f"{summary['median']:.2f}", f"{summary['max']:.2f}"]],
    )
    # What the phases do not see: starting the interpreter and ending the process (rota.cli.run skips the
    # interpreter's teardown), the command's median less the phases' medians.
    outside = summary["median"] - sum(seconds for _, seconds in split)
    rows = [[name, f"{seconds:.3f}"] for name, seconds in split] + [
        ["start and exit (median - phases)", f"{outside:.3f}"]
    ]
    print_table("where the time goes (median of each phase)", ["phase", "s"], rows)
    result: dict[str, Any] = {
        "command_wall_s": summary,
        "runs": walls,
        "phases_s": dict(split),
        "start_and_exit_s": round(outside, 3),
    }
    write_json("startup.json", result)


if __name__ == "__main__":
    main()
