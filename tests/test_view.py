"""The server's view of a home (rota/server/view.py): read again whenever the home changes, even mid-read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from rota.home import commit
from rota.home.home import find_home
from rota.server import view
from rota.server.view import HomeView

NOW = dt.datetime(2027, 1, 13, 12, tzinfo=dt.UTC)


def files_of(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in directory.rglob("*")
        if p.is_file() and p.name != commit.VERSION_FILE
    }


def publish(home: Path, directory: Path, files: dict[str, bytes]) -> None:
    """Replace a period directory whole, as every command does."""
    with commit.locked(home / ".rota.lock", "the test"):
        commit.apply(commit.Changes(directories={directory: files}), home / ".rota-journal.json")


def holders(rendered: view.Rendered) -> set[str]:
    return {a.member for period in rendered.periods for a in period.rows}


def test_a_home_changed_and_changed_back_while_it_was_read_is_read_again(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = home / "rota-2027Q1"
    before = files_of(directory)
    rota = before["rota.csv"].decode()
    after = {
        **before,
        "rota.csv": rota.replace(",alice,Alice Smith,alice@example.com,", ",bob,Bob Jones,bob@example.com,").encode(),
    }
    served = HomeView(find_home(home))
    assert "alice" in holders(served.current(NOW))
    publish(home, directory, after)  # alice's weeks are now bob's

    real_snapshot = view.snapshot

    def read_during_changes(*args: Any) -> Any:
        # The writer puts the old version back, the server reads it, the writer publishes the new one again.
        publish(home, directory, before)
        state = real_snapshot(*args)
        publish(home, directory, after)
        return state

    monkeypatch.setattr(view, "snapshot", read_during_changes)
    assert "alice" in holders(served.current(NOW))  # what it read
    monkeypatch.setattr(view, "snapshot", real_snapshot)
    assert "alice" not in holders(served.current(NOW))  # and it does not keep it: the home is what it serves
