"""How the solver scales: members 5-200, weeks 13-104, roles 1-3, each instance in its own process; each one's
wall time against its limit (the summary counts those over limit + 1 s), and whether the spread is proven.

A subprocess per instance so that its peak memory (CP-SAT's is in C++, out of tracemalloc's sight) is its own:
the child reports `ru_maxrss` of itself when it is done.

    uv run python benchmarks/scaling.py [--time-limit 10] [--quick]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from typing import Any

from benchmarks.common import new_figure, print_table, save_figure, spread, stage_json, write_json
from benchmarks.instances import scaling_spec

# (members, weeks, roles): sizes a team might have, bounded so the whole grid runs in about ten minutes.
GRID: tuple[tuple[int, int, int], ...] = (
    (5, 13, 1),
    (5, 52, 1),
    (5, 104, 1),
    (10, 13, 2),
    (10, 52, 2),
    (10, 104, 2),
    (20, 13, 2),
    (20, 52, 2),
    (20, 52, 3),
    (20, 104, 3),
    (50, 13, 3),
    (50, 52, 2),
    (50, 52, 3),
    (100, 13, 3),
    (100, 52, 3),
    (200, 13, 3),
    (200, 52, 3),
)
QUICK_GRID = ((5, 13, 1), (10, 13, 2), (20, 52, 2))
LATER_STAGES = ("shortest_gap", "squared_balances", "even_roles", "short_gaps")
LONGEST = "s-20m-104w-3r"  # the grid's hardest spread to prove: the summary gives its verdict


def measure(members: int, weeks: int, roles: int, time_limit_s: float) -> dict[str, Any]:
    """Runs in the child process: build, solve, and report with this process's peak memory."""
    from models.errors import RotaError
    from solver.solve import solve

    spec = scaling_spec(members, weeks, roles)
    started = time.monotonic()
    problem = spec.build().problem
    build_s = time.monotonic() - started
    instance = {"instance": spec.name, "members": members, "weeks": weeks, "roles": roles, "time_limit_s": time_limit_s}
    solve_started = time.monotonic()
    try:
        solution = solve(problem, time_limit_s=time_limit_s)
    except RotaError as error:
        # A failed solve is a finding too: keep its time and memory.
        return {
            **instance,
            "error": f"{type(error).__name__}: {str(error).splitlines()[0]}",
            "solve_s": round(time.monotonic() - solve_started, 3),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    return {
        **instance,
        "build_s": round(build_s, 3),
        "solve_s": round(time.monotonic() - solve_started, 3),  # around the call: model building counts
        "spread": spread(problem, solution.picks),
        "stages": {stage.name: stage_json(stage) for stage in solution.stages},
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # Linux reports KiB
    }


def run_in_child(members: int, weeks: int, roles: int, time_limit_s: float) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", f"{members},{weeks},{roles}", "--time-limit", str(time_limit_s)]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall_s = time.monotonic() - started
    if done.returncode != 0:
        error = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"
        return {"instance": f"s-{members}m-{weeks}w-{roles}r", "error": error, "process_wall_s": round(wall_s, 3)}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_wall_s"] = round(wall_s, 3)
    return result


def report(results: list[dict[str, Any]]) -> None:
    rows = []
    for r in results:
        if "error" in r:
            memory = f"{r['peak_rss_mb']:.0f}" if "peak_rss_mb" in r else "-"
            rows.append(
                [r["instance"], "-", r["error"][:60], "", "", "", r.get("solve_s", "-"), r["process_wall_s"], memory]
            )
            continue
        stages = r["stages"]
        spread_stage = stages["spread"]
        rows.append(
            [
                r["instance"],
                spread_stage["wall_s"],
                "yes" if spread_stage["optimal"] else f"no, gap {spread_stage['gap']:.3f}",
                *(_gap(stages[name]) for name in LATER_STAGES),
                r["solve_s"],
                r["process_wall_s"],
                f"{r['peak_rss_mb']:.0f}",
            ]
        )
    columns = [
        "instance",
        "spread s",
        "spread optimal",
        *(f"{name} gap" for name in LATER_STAGES),
        "solve s",
        "process s",
        "peak MB",
    ]
    print_table("scaling: time to prove the spread, later objectives' gaps, memory", columns, rows)


def _gap(stage: dict[str, Any]) -> str:
    return "0" if stage["optimal"] else f"{stage['gap']:g} (of {stage['value']:g})"


def chart(results: list[dict[str, Any]]) -> None:
    figure, axes = new_figure(10, 5)
    solved = [r for r in results if "error" not in r]
    for roles in sorted({r["roles"] for r in solved}):
        for weeks in sorted({r["weeks"] for r in solved}):
            points = sorted(
                (r["members"], r["stages"]["spread"]["wall_s"], r["solve_s"])
                for r in solved
                if r["roles"] == roles and r["weeks"] == weeks
            )
            if points:
                axes.plot(
                    [p[0] for p in points],
                    [max(p[1], 1e-3) for p in points],
                    "o-",
                    label=f"spread, {weeks} w, {roles} roles",
                )
                axes.plot(
                    [p[0] for p in points],
                    [p[2] for p in points],
                    "x--",
                    alpha=0.5,
                    label=f"total, {weeks} w, {roles} roles",
                )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("members")
    axes.set_ylabel("seconds")
    axes.set_title("Solve time: spread stage (solid) and all stages (dashed)")
    axes.legend(fontsize=7, ncol=2)
    save_figure(figure, "scaling.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--time-limit", type=float, default=10.0, help="per-instance solve limit, seconds")
    parser.add_argument("--quick", action="store_true", help="a three-instance grid, to try the script")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # "members,weeks,roles": measure one, print JSON
    args = parser.parse_args()
    if args.child:
        members, weeks, roles = (int(part) for part in args.child.split(","))
        print(json.dumps(measure(members, weeks, roles, args.time_limit)))
        return
    results = []
    started = time.monotonic()
    for members, weeks, roles in QUICK_GRID if args.quick else GRID:
        results.append(run_in_child(members, weeks, roles, args.time_limit))
        print(f"{members}m {weeks}w {roles}r: {results[-1].get('solve_s', results[-1].get('error'))}", flush=True)
    report(results)
    over = [r["instance"] for r in results if r.get("solve_s", 0) > args.time_limit + 1]
    print(f"over limit + 1 s: {len(over)} of {len(results)}" + (f" ({', '.join(over)})" if over else ""))
    unproven = [r["instance"] for r in results if "error" in r or not r["stages"]["spread"]["optimal"]]
    print(f"spread proven on {len(results) - len(unproven)} of {len(results)}; not on: {', '.join(unproven) or '-'}")
    longest = next((r for r in results if r["instance"] == LONGEST), None)
    if longest is not None and "error" not in longest:
        spread_stage = longest["stages"]["spread"]
        verdict = (
            "proven"
            if spread_stage["optimal"]
            else f"not proven: {spread_stage['value']:g}, bound {spread_stage['bound']:g}"
        )
        print(f"{LONGEST}: spread {verdict}, in {spread_stage['wall_s']:g} s of a {args.time_limit:g} s limit")
    total_s = time.monotonic() - started
    print(f"total wall {total_s:.0f} s")
    write_json(
        "scaling.json", {"instances": results, "over_limit_plus_1s": len(over), "total_wall_s": round(total_s, 1)}
    )
    chart(results)


if __name__ == "__main__":
    main()
