"""Dependencies point one way (STYLE §1), and `rota --help` starts without the heavy libraries."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("ortools", "pandas", "icalendar", "click", "matplotlib", "starlette", "uvicorn")


def imported_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sys.modules))"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return {name.split(".")[0] for name in output.split()}


@pytest.mark.parametrize(
    "module", ["models.team", "models.loader", "models.problem", "models.calendar", "models.balance"]
)
def test_models_import_no_solver_or_application_library(module: str) -> None:
    assert not imported_after(f"import {module}") & set(HEAVY)


def test_solver_imports_no_application_library() -> None:
    loaded = imported_after("import solver.solve")
    assert "ortools" in loaded
    assert not loaded & {"click", "icalendar", "matplotlib", "starlette", "rota"}


def test_the_cli_starts_without_ortools_pandas_or_servers() -> None:
    assert not imported_after("import rota.cli") & {
        "ortools",
        "pandas",
        "icalendar",
        "matplotlib",
        "starlette",
        "uvicorn",
    }


def test_generate_loads_feeds_tables_and_charts_while_it_solves() -> None:
    # What `rota generate` imports before it solves; the rest (rota.cli.generate.AFTER_SOLVING) loads meanwhile.
    loaded = imported_after("import rota.cli, rota.cli.progress, rota.generate")
    assert not loaded & {"icalendar", "matplotlib", "PIL"}
