"""The generate benchmark (issue 2): solve the three named instances, report time, spread and proofs.

uv run python benchmarks/generate.py [--quarter-limit 10] [--year-limit 30]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from benchmarks.common import print_table, spread, stage_json, stage_summary, write_json
from benchmarks.instances import GENERATE, InstanceSpec
from solver.solve import solve


def run(spec: InstanceSpec, time_limit_s: float) -> dict[str, Any]:
    started = time.monotonic()
    problem = spec.build().problem
    build_s = time.monotonic() - started
    solution = solve(problem, time_limit_s=time_limit_s)
    return {
        "instance": spec.name,
        "members": spec.members,
        "roles": spec.roles,
        "weeks": spec.weeks,
        "time_limit_s": time_limit_s,
        "build_s": round(build_s, 3),
        "solve_s": round(solution.wall_s, 3),
        "spread": spread(problem, solution.picks),  # recomputed from the picks, not taken from the solver
        "stages": {stage.name: stage_json(stage) for stage in solution.stages},
        "stage_status": {stage.name: stage_summary(stage) for stage in solution.stages},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quarter-limit", type=float, default=10.0, help="time limit for quarters, seconds")
    parser.add_argument("--year-limit", type=float, default=30.0, help="time limit for longer periods, seconds")
    args = parser.parse_args()
    results = []
    for spec in GENERATE:
        limit = args.quarter_limit if spec.is_quarter else args.year_limit
        results.append(run(spec, limit))
        print(f"{spec.name}: {results[-1]['solve_s']:.1f} s", flush=True)
    stages = list(results[0]["stage_status"])
    print_table(
        "rota generate on the named instances",
        ["instance", "limit s", "solve s", "spread", *stages],
        [
            [r["instance"], r["time_limit_s"], r["solve_s"], r["spread"], *(r["stage_status"][s] for s in stages)]
            for r in results
        ],
    )
    write_json("generate.json", {"instances": results})


if __name__ == "__main__":
    main()
