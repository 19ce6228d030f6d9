"""How long CP-SAT may search, and the parameters that make its search repeatable."""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

# Set explicitly, never left to CP-SAT's guess. One worker, because interleaved search can abort the process in
# the OR-Tools release this project pins (docs/solver.md, "Workers").
DEFAULT_WORKERS = 1
# A safety net only: past it the result may vary. Deterministic seconds run slower than wall-clock ones on a
# busy machine, so a net close to the limit would trip in normal use.
SAFETY_NET_FACTOR = 10
SAFETY_NET_S = 5.0


@dataclass(frozen=True)
class Budget:
    """Same input and seed, same rota: every search is counted in CP-SAT's deterministic time, not in seconds
    that depend on the machine's load, and several workers interleave their search deterministically."""

    seed: int = 0
    workers: int = DEFAULT_WORKERS

    def solver(self, time_s: float) -> cp_model.CpSolver:
        """A CP-SAT solver that may search for `time_s` deterministic seconds."""
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.num_workers = self.workers
        params.random_seed = self.seed
        params.interleave_search = self.workers > 1
        params.max_deterministic_time = time_s
        params.max_time_in_seconds = SAFETY_NET_FACTOR * time_s + SAFETY_NET_S
        return solver
