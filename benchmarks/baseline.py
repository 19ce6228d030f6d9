"""How much fairer than the scheduler most on-call tools use today? Runs both on the comparison instances.

The baseline, written independently of solver/: each week, for each role in escalation order, the eligible
member who is free (not absent, not resting, no other role that week) and whose last shift ended longest ago,
ties by roster order. When nobody is free the week is "stuck" and, as real tools do, the next member in the
rotation takes the shift regardless; the rules that breaks are counted.

    uv run python benchmarks/baseline.py [--only NAME]... [--time-scale 0.5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from benchmarks.common import (
    Pick,
    new_figure,
    preference_hits,
    print_table,
    rule_breaks,
    save_figure,
    spread,
    stage_json,
    stage_summary,
    write_json,
)
from benchmarks.instances import COMPARISON, InstanceSpec
from models.errors import RotaError
from models.problem import Problem
from models.team import Member
from solver.solve import solve

NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)  # "last shift ended" of a member who has had none


@dataclass(frozen=True)
class BaselineRota:
    picks: tuple[Pick, ...]
    stuck: tuple[tuple[dt.date, str], ...]  # (week, role) where nobody was free


def baseline(problem: Problem) -> BaselineRota:
    """Longest-since-last-shift rotation, skipping members who are not free; forced when nobody is."""
    members = problem.team.members
    rest_weeks = problem.team.rules.min_rest_weeks
    last_end: dict[str, dt.datetime] = {}
    for member in members:
        past = problem.past_of(member.id)
        last_end[member.id] = past[-1].end if past else NEVER
    last_week_index: dict[str, int] = {}  # within the period, for rest
    pinned = {(week, role): member for member, week, role in problem.pins_in_period()}
    picks: list[Pick] = []
    stuck: list[tuple[dt.date, str]] = []

    def rested(member: Member, index: int) -> bool:
        last = last_week_index.get(member.id)
        return last is None or index - last > rest_weeks

    for index, week in enumerate(problem.weeks):
        taken: set[str] = set()
        for role in problem.roles:
            free = [
                m
                for m in members
                if m.id not in taken and rested(m, index) and problem.role_reason(m, week, role) is None
            ]
            if (week, role) in pinned:
                chosen = problem.team.member(pinned[week, role])  # an override: tools honour those as given
            elif free:
                chosen = _longest_ago(free, last_end)
            else:
                stuck.append((week, role))
                # Real tools assign the next in rotation anyway; someone has to carry the pager.
                rotation = [m for m in members if role in problem.team.member_roles(m)] or list(members)
                chosen = _longest_ago(rotation, last_end)
            picks.append((chosen.id, week, role))
            taken.add(chosen.id)
            last_end[chosen.id] = problem.interval(week).end
            last_week_index[chosen.id] = index
    return BaselineRota(tuple(picks), tuple(stuck))


def _longest_ago(candidates: list[Member], last_end: dict[str, dt.datetime]) -> Member:
    # min() keeps the first of equals, so ties go by roster order.
    return min(candidates, key=lambda m: last_end[m.id])


class SolveFailed(Exception):
    def __init__(self, instance: str, message: str) -> None:
        self.instance, self.message = instance, message
        super().__init__(f"{instance}: {message}")


def compare(spec: InstanceSpec, time_scale: float) -> dict[str, Any]:
    problem = spec.build().problem
    started = time.monotonic()
    rota = baseline(problem)
    baseline_s = time.monotonic() - started
    try:
        solution = solve(problem, time_limit_s=spec.time_limit_s * time_scale)
    except RotaError as error:
        # Recorded, not hidden: a failed solve is a finding about the solver.
        raise SolveFailed(spec.name, str(error)) from error
    base_breaks = rule_breaks(problem, rota.picks)
    solver_breaks = rule_breaks(problem, solution.picks)
    return {
        "instance": spec.name,
        "members": spec.members,
        "roles": spec.roles,
        "weeks": spec.weeks,
        "min_rest_weeks": spec.min_rest_weeks,
        "history": spec.history,
        "baseline": {
            "spread": spread(problem, rota.picks),
            "rule_breaks": dict(base_breaks),
            "rule_breaks_total": sum(base_breaks.values()),
            "stuck_shifts": len(rota.stuck),
            "stuck_weeks": len({week for week, _ in rota.stuck}),
            "preference_hits": preference_hits(problem, rota.picks),
            "wall_s": round(baseline_s, 4),
        },
        "solver": {
            "spread": spread(problem, solution.picks),
            "spread_reported": solution.spread.value,
            "rule_breaks": dict(solver_breaks),
            "preference_hits": preference_hits(problem, solution.picks),
            "wall_s": round(solution.wall_s, 3),
            "time_limit_s": spec.time_limit_s * time_scale,
            "stages": {stage.name: stage_json(stage) for stage in solution.stages},
            "spread_status": stage_summary(solution.spread),
        },
    }


def report(results: list[dict[str, Any]]) -> None:
    columns = [
        "instance",
        "spread base",
        "spread solver",
        "fairer x",
        "base breaks",
        "stuck wks",
        "prefs base",
        "prefs solver",
        "solver breaks",
        "solve s",
        "spread proof",
    ]
    rows = []
    for r in results:
        base, solver = r["baseline"], r["solver"]
        rows.append(
            [
                r["instance"],
                base["spread"],
                solver["spread"],
                _ratio(base["spread"], solver["spread"]),
                _breaks_text(base["rule_breaks"]),
                base["stuck_weeks"],
                base["preference_hits"],
                solver["preference_hits"],
                sum(solver["rule_breaks"].values()),
                solver["wall_s"],
                solver["spread_status"],
            ]
        )
    totals = summary(results)
    footer = [
        "total",
        totals["baseline_spread_sum"],
        totals["solver_spread_sum"],
        _ratio(totals["baseline_spread_sum"], totals["solver_spread_sum"]),
        f"{totals['baseline_rule_breaks']} in {totals['instances_with_breaks']}/{len(results)}",
        totals["baseline_stuck_weeks"],
        totals["baseline_preference_hits"],
        totals["solver_preference_hits"],
        totals["solver_rule_breaks"],
        f"{totals['solver_wall_s']:.1f}",
        f"{totals['spread_proven_optimal']}/{len(results)} optimal",
    ]
    print_table("baseline (longest since last shift) vs rota's solver; spread in days of load", columns, rows, footer)
    worse = [r["instance"] for r in results if r["solver"]["spread"] > r["baseline"]["spread"] + 1e-6]
    if worse:
        print(f"ACCEPTANCE FAILED: the solver's spread is wider than the baseline's on {', '.join(worse)}")
    else:
        print(f"acceptance: solver spread <= baseline spread on all {len(results)} instances")


def summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    base = [r["baseline"] for r in results]
    solver = [r["solver"] for r in results]
    return {
        "instances": len(results),
        "baseline_spread_sum": sum(b["spread"] for b in base),
        "solver_spread_sum": sum(s["spread"] for s in solver),
        "median_fairer_ratio": _median(
            [_ratio_value(b["spread"], s["spread"]) for b, s in zip(base, solver, strict=True)]
        ),
        "baseline_rule_breaks": sum(b["rule_breaks_total"] for b in base),
        "instances_with_breaks": sum(1 for b in base if b["rule_breaks_total"]),
        "baseline_stuck_weeks": sum(b["stuck_weeks"] for b in base),
        "baseline_preference_hits": sum(b["preference_hits"] for b in base),
        "solver_preference_hits": sum(s["preference_hits"] for s in solver),
        "solver_rule_breaks": sum(sum(s["rule_breaks"].values()) for s in solver),
        "solver_wall_s": sum(s["wall_s"] for s in solver),
        "spread_proven_optimal": sum(1 for s in solver if s["stages"]["spread"]["optimal"]),
        "solver_not_worse_everywhere": all(
            s["spread"] <= b["spread"] + 1e-6 for b, s in zip(base, solver, strict=True)
        ),
    }


def chart(results: list[dict[str, Any]]) -> None:
    figure, axes = new_figure(12, 5)
    names = [r["instance"] for r in results]
    positions = range(len(names))
    axes.bar([p - 0.2 for p in positions], [r["baseline"]["spread"] for r in results], 0.4, label="baseline")
    axes.bar([p + 0.2 for p in positions], [r["solver"]["spread"] for r in results], 0.4, label="rota solver")
    axes.set_xticks(list(positions), names, rotation=60, ha="right")
    axes.set_ylabel("spread of balance (days of load)")
    axes.set_title("Spread of balance: longest-since-last-shift rotation vs rota's solver (lower is fairer)")
    axes.legend()
    save_figure(figure, "baseline.png")


def _ratio_value(base: float, solver: float) -> float:
    return base / solver if solver > 1e-9 else float("inf")


def _ratio(base: float, solver: float) -> str:
    ratio = _ratio_value(base, solver)
    return "∞" if ratio == float("inf") else f"{ratio:.1f}"


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _breaks_text(breaks: dict[str, int]) -> str:
    return ", ".join(f"{count} {rule}" for rule, count in sorted(breaks.items())) or "0"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", help="run just this instance (repeatable)")
    parser.add_argument("--time-scale", type=float, default=1.0, help="multiply every instance's time limit")
    args = parser.parse_args()
    specs = [spec for spec in COMPARISON if not args.only or spec.name in args.only]
    results, failures = [], []
    for spec in specs:
        try:
            results.append(compare(spec, args.time_scale))
        except SolveFailed as failure:
            print(f"SOLVER FAILED on {failure}", flush=True)
            failures.append({"instance": failure.instance, "error": failure.message})
            continue
        r = results[-1]
        print(f"{spec.name}: baseline {r['baseline']['spread']:.3f}, solver {r['solver']['spread']:.3f}", flush=True)
    report(results)
    write_json("baseline.json", {"instances": results, "failures": failures, "summary": summary(results)})
    chart(results)


if __name__ == "__main__":
    main()
