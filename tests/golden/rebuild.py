"""The golden snapshot of the example's first quarter: its rota.csv, its team calendar and its report as CSV.

`uv run python tests/golden/rebuild.py` writes them here after an intended change of output; tests/test_golden.py
checks that the code still makes them, byte for byte. The solve is counted in deterministic work (--work-limit),
so the rota is the same on any machine, however loaded.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent
REPOSITORY = GOLDEN.parent.parent
EXAMPLE = REPOSITORY / "examples" / "team.yaml"
NOW = "2026-12-01T09:00"
WORK_LIMIT = "2"
# What is kept, and where it comes from in the generated home.
FILES = {"rota.csv": "rota-2027Q1/rota.csv", "rota.ics": "rota-2027Q1/rota.ics"}


def rota(*args: str) -> str:
    done = subprocess.run(
        [Path(sys.executable).parent / "rota", *args], capture_output=True, text=True, cwd=REPOSITORY, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"rota {' '.join(args)} exited {done.returncode}: {done.stderr}")
    return done.stdout


def build() -> dict[str, str]:
    """Generate the example's 2027Q1 in a scratch home; the golden files' names and contents."""
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch) / "payments"
        home.mkdir()
        shutil.copy(EXAMPLE, home / "team.yaml")
        rota("generate", str(home), "--now", NOW, "--work-limit", WORK_LIMIT, "--quiet")
        made = {name: (home / source).read_text(encoding="utf-8") for name, source in FILES.items()}
        made["report.csv"] = rota("report", str(home), "--period", "2027Q1", "--format", "csv")
    return made


def main() -> None:
    for name, text in build().items():
        (GOLDEN / name).write_text(text, encoding="utf-8")
        print(f"wrote {GOLDEN / name}")


if __name__ == "__main__":
    main()
