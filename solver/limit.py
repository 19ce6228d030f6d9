"""How long a command may solve. Apart from budget.py so that the CLI can name a limit without loading CP-SAT."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """What a command may spend on solving: `seconds` of wall-clock time, or, when `work` is given, that much
    deterministic work instead (the same rota on any machine)."""

    seconds: float = 10.0
    work: float | None = None

    def share(self, parts: int) -> Limit:
        """An equal part of the limit, for one of `parts` solves in a row."""
        return Limit(self.seconds / parts, None if self.work is None else self.work / parts)


DEFAULT_LIMIT = Limit()
