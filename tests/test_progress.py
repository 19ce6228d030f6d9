"""The progress callbacks `generate` hands the solver."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from rota.cli.progress import ImportWhileSolving


def test_import_while_solving_imports_once_on_another_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "loaded_while_solving.py").write_text("LOADED = True\n")
    monkeypatch.syspath_prepend(tmp_path)
    monkeypatch.delitem(sys.modules, "loaded_while_solving", raising=False)
    preload = ImportWhileSolving(["loaded_while_solving"])
    assert preload.thread is None  # nothing before the solver's first report

    preload(None)
    first = preload.thread
    preload(None)
    assert first is not None and preload.thread is first  # later reports start nothing more
    first.join(timeout=10)
    assert "loaded_while_solving" in sys.modules
    del sys.modules["loaded_while_solving"]
