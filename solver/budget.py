"""How long a solve may search, counted in one of two ways, and the CP-SAT parameters that keep to it.

- By the clock (the default): `time_limit_s` wall-clock seconds from the start of the solve, model building and
  CP-SAT's presolve included. Where every stage proves its optimum, any machine reaches the same values (the rota
  may differ where a local search stopped by the clock); where the clock cuts a search short, what it reaches
  depends on how fast the machine was then.
- By work (`work_limit`): CP-SAT's deterministic seconds, plus a fixed estimate for each step of the solver's own
  searches. The same input, seed and work limit give the same rota on any machine, however loaded, at the price of
  a wall-clock time that varies with the machine.
"""

from __future__ import annotations

import time
from typing import Any

from ortools.sat.python import cp_model

# Set explicitly, never left to CP-SAT's guess. One worker, because interleaved search can abort the process in
# the OR-Tools release this project pins (docs/solver.md, "Workers").
DEFAULT_WORKERS = 1


class Budget:
    """The time (or work) a solve may take, and what it has spent; every CP-SAT search goes through `solve`."""

    def __init__(
        self,
        *,
        time_limit_s: float = 10.0,
        work_limit: float | None = None,
        seed: int = 0,
        workers: int = DEFAULT_WORKERS,
    ) -> None:
        self.by_work = work_limit is not None
        self.limit = work_limit if work_limit is not None else time_limit_s
        self.seed, self.workers = seed, workers
        self.started = time.monotonic()
        self.work_done = 0.0

    def spent(self) -> float:
        """Seconds since the start, or work done so far."""
        return self.work_done if self.by_work else time.monotonic() - self.started

    def left(self) -> float:
        return max(0.0, self.limit - self.spent())

    def charge(self, work: float) -> None:
        """Count work the solver did outside CP-SAT, by its estimate (the clock counts it by itself)."""
        if self.by_work:
            self.work_done += work

    def solve(
        self,
        model: cp_model.CpModel,
        time_s: float,
        callback: cp_model.CpSolverSolutionCallback | None = None,
        *,
        at_least: float = 0.0,
        **parameters: Any,
    ) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
        """CP-SAT on `model` for `time_s` (seconds or work, as the budget counts), not past the budget's end unless
        `at_least` asks for more: a stage with no rota at all gets a moment to take its hint."""
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.num_workers = self.workers
        params.random_seed = self.seed
        params.interleave_search = self.workers > 1
        allowed = max(min(time_s, self.left()), at_least, 0.0)
        if self.by_work:
            params.max_deterministic_time = allowed
        else:
            params.max_time_in_seconds = allowed
        for name, value in parameters.items():
            setattr(params, name, value)
        status = solver.solve(model, callback)
        if self.by_work:
            self.work_done += solver.response_proto.deterministic_time
        return solver, status
