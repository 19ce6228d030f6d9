"""A live line while the solver works: elapsed time, the stage, the best spread found so far and its proven bound.

Shown on a terminal only: in a pipe or a log, a redrawn line is noise, so there it is not drawn at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn

from solver.solve import Progress as SolveProgress
from solver.solve import ProgressCallback


@contextmanager
def solving_progress(
    console: Console, *, enabled: bool, also: ProgressCallback | None = None
) -> Iterator[ProgressCallback | None]:
    """Yield the callback to hand to `solve`: it updates the display if `enabled`, and calls `also`."""
    if not enabled:
        yield also
        return
    display = Progress(
        SpinnerColumn(),
        TextColumn("solving [bold]{task.fields[stage]}[/bold]"),
        TextColumn("{task.fields[spread]}"),
        TextColumn("{task.elapsed:.1f} s"),
        console=console,
        transient=True,  # the tables printed afterwards say the final word
    )
    task = display.add_task("solve", total=None, stage="spread", spread="no rota yet")
    best: dict[str, str] = {}

    def on_progress(progress: SolveProgress) -> None:
        if progress.stage == "spread":
            best["spread"] = f"best spread {progress.value:.3f}, proven bound {progress.bound:.3f}"
            detail = best["spread"]
        else:
            detail = f"{best.get('spread', '')}; {progress.stage.replace('_', ' ')} {progress.value:g}"
        display.update(task, stage=progress.stage.replace("_", " "), spread=detail)
        if also is not None:
            also(progress)

    with display:
        yield on_progress
