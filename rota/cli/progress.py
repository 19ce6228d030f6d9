"""A live line while the solver works: elapsed time, the stage, the best spread found so far and its proven bound.

Shown on a terminal only: in a pipe or a log, a redrawn line is noise, so there it is not drawn at all.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from rich.console import Console

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
    from rich.progress import Progress, SpinnerColumn, TextColumn  # only on a terminal

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


class ImportWhileSolving:
    """A progress callback that starts importing `modules` on another thread when the solver reports its first rota.

    CP-SAT releases the GIL while it searches, so imports started then overlap the search and cost next to
    nothing. Started any earlier, they would compete with loading the team and building the model, which hold
    the GIL (measured: no gain).
    """

    def __init__(self, modules: Sequence[str]) -> None:
        self.modules = tuple(modules)
        self.thread: threading.Thread | None = None

    def __call__(self, _progress: object) -> None:
        if self.thread is None:
            self.thread = threading.Thread(target=self._import, name="import-while-solving", daemon=True)
            self.thread.start()

    def _import(self) -> None:
        for module in self.modules:
            importlib.import_module(module)
